"""What the Slack front door is handed by the composition root.

``bot/`` never imports ``briefbot`` (the layer above it): the runtime builds a ``Services``
object there and passes it in; this protocol names the parts the listeners use.
"""

from __future__ import annotations

from typing import Protocol

from briefings.service import BriefingService
from feeds.service import FeedService
from foundation.departments import DepartmentRegistry
from foundation.settings import Settings
from knowledge.service import KnowledgeService
from storage import Database


class BotServices(Protocol):
    """The services a listener may call; built once per process by ``make_services``."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def feeds(self) -> FeedService: ...

    @property
    def briefings(self) -> BriefingService: ...

    @property
    def knowledge(self) -> KnowledgeService: ...

    @property
    def departments(self) -> DepartmentRegistry: ...
