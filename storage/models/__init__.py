"""All ORM models; importing this package registers every table on ``Base.metadata``.

Models are split by resource, each with its own Alembic revision:
``audit`` (0001), ``feeds`` (0002), ``briefings`` (0003), ``knowledge`` (0004; the
unanswered-questions log and policy owner channels: 0006; policy news links and weekly
message claims: 0007); ``feedback`` (story votes and channel filters: 0010); ``llm`` (the
optional language model's texts and daily tokens: 0011).
"""

from storage.models.audit import AuditEntry
from storage.models.base import Base
from storage.models.briefings import DeliveredStory, Delivery, Subscription
from storage.models.feedback import ChannelFilter, StoryVote
from storage.models.feeds import Feed, FeedDepartment, Item, Story
from storage.models.knowledge import (
    Certification,
    KnowledgeGap,
    Policy,
    PolicyNews,
    PolicySection,
    WeeklyPost,
)
from storage.models.llm import ModelText, ModelUsage

__all__ = [
    "AuditEntry",
    "Base",
    "Certification",
    "ChannelFilter",
    "DeliveredStory",
    "Delivery",
    "Feed",
    "FeedDepartment",
    "Item",
    "KnowledgeGap",
    "ModelText",
    "ModelUsage",
    "Policy",
    "PolicyNews",
    "PolicySection",
    "Story",
    "StoryVote",
    "Subscription",
    "WeeklyPost",
]
