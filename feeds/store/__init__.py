"""Feeds storage: one protocol per resource (``protocols``) and their SQLAlchemy implementations."""

from feeds.store.feeds import SqlFeedStore
from feeds.store.items import SqlItemStore
from feeds.store.protocols import EditPlan, FeedKey, FeedPatch, FeedStore, ItemStore, NewFeed, RefreshStore
from feeds.store.refresh import SqlRefreshStore
from feeds.store.results import StorePolicy, next_delay, next_fetch_time

__all__ = [
    "EditPlan",
    "FeedKey",
    "FeedPatch",
    "FeedStore",
    "ItemStore",
    "NewFeed",
    "RefreshStore",
    "SqlFeedStore",
    "SqlItemStore",
    "SqlRefreshStore",
    "StorePolicy",
    "next_delay",
    "next_fetch_time",
]
