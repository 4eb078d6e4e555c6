"""What a briefing may ask of the knowledge catalogue, as typed seams.

Both parts are optional (a deployment may run without policies or certifications), so each is
its own runtime-checkable Protocol, as reader's optional storage parts are: ``make_services``
hands the knowledge service in, and the builder uses each part only if the object has it. A
lookup that fails never blocks a briefing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from briefings.assembly.briefing import BriefingStory


class Certification(Protocol):
    """A certification as the spotlight shows it."""

    @property
    def name(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def level(self) -> str: ...
    @property
    def summary(self) -> str: ...


class PolicySection(Protocol):
    """A policy section as a story link and the policy reminder show it."""

    @property
    def policy_id(self) -> str: ...
    @property
    def policy_title(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def excerpt(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def owner(self) -> str: ...


@runtime_checkable
class CertSpotlight(Protocol):
    """One certification per department, rotating between briefings."""

    def spotlight_certification(self, department: str, rotation: int) -> Certification | None: ...


@runtime_checkable
class PolicyLinks(Protocol):
    """The policy sections stories may affect, and a record of the ones posted."""

    def related_policy_section(self, text: str) -> PolicySection | None: ...

    def story_policy_section(self, text: str) -> PolicySection | None: ...

    def record_policy_news(self, stories: Sequence[BriefingStory]) -> None: ...
