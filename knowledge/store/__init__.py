"""Knowledge storage: one protocol per resource (``protocols``) and their SQLAlchemy
implementations, as ``feeds.store`` is laid out."""

from knowledge.store.catalogue import SqlCatalogueStore
from knowledge.store.gaps import SqlGapStore
from knowledge.store.news import SqlNewsStore
from knowledge.store.protocols import (
    CatalogueStore,
    GapRow,
    GapStore,
    NewsLink,
    NewsStore,
    PackState,
    PolicyCatalogue,
    PostedLink,
    Replacement,
    StillWanted,
)

__all__ = [
    "CatalogueStore",
    "GapRow",
    "GapStore",
    "NewsLink",
    "NewsStore",
    "PackState",
    "PolicyCatalogue",
    "PostedLink",
    "Replacement",
    "SqlCatalogueStore",
    "SqlGapStore",
    "SqlNewsStore",
    "StillWanted",
]
