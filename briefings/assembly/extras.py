"""A briefing's side notes from the knowledge catalogue: the certification spotlight, each
story's policy link and the policy reminder, and recording the links of scheduled briefings.

The catalogue is optional and typed by its parts (``briefings.ports``): a missing or failing one
never blocks a briefing.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from briefings.assembly.briefing import Briefing, BriefingStory, PolicyLink, PolicyReminder, Spotlight
from briefings.ports import CertSpotlight, PolicyLinks

log = logging.getLogger(__name__)


class KnowledgeNotes:
    """The side notes a knowledge catalogue can give (any object; only its optional parts are used)."""

    def __init__(self, knowledge: object) -> None:
        self.knowledge = knowledge
        self.certs: CertSpotlight | None = knowledge if isinstance(knowledge, CertSpotlight) else None
        self.policy_links: PolicyLinks | None = knowledge if isinstance(knowledge, PolicyLinks) else None

    def record_links(self, briefing: Briefing) -> None:
        # Only slots are recorded (previews reach nobody); the weekly message further keeps only
        # stories the delivery step remembers as posted.
        links = self.policy_links
        if links is not None and any(s.policy for s in briefing.stories):
            try:
                links.record_policy_news(briefing.stories)
            except Exception:
                log.exception("could not record the briefing's policy links")

    def spotlight(self, department: str, rotation: int) -> Spotlight | None:
        # The knowledge catalogue is optional: a missing or failing one never blocks a briefing.
        if self.certs is None:
            return None
        try:
            cert = self.certs.spotlight_certification(department, rotation)
        except Exception:
            log.exception("certification spotlight failed for %s", department)
            return None
        if cert is None:
            return None
        return Spotlight(
            name=cert.name,
            provider=cert.provider,
            url=cert.url or None,
            level=cert.level,
            summary=cert.summary,
        )

    def linked(self, story: BriefingStory) -> BriefingStory:
        """The story with the policy section it strongly matches, if any (title and summary)."""
        if self.policy_links is None:
            return story
        try:
            section = self.policy_links.story_policy_section(f"{story.title} {story.summary}")
        except Exception:
            log.exception("policy link lookup failed for story %s", story.story_id)
            return story
        if section is None or not section.policy_id:
            return story
        link = PolicyLink(
            policy_id=section.policy_id,
            policy_title=section.policy_title,
            heading=section.heading,
            url=section.url or None,
        )
        return replace(story, policy=link)

    def policy(self, stories: tuple[BriefingStory, ...]) -> PolicyReminder | None:
        if self.policy_links is None:
            return None
        text = " ".join(
            [
                *(s.title for s in stories),
                *(a.title for s in stories for a in s.also_reported),
                *(m for s in stories for m in s.matched),
            ]
        )
        try:
            section = self.policy_links.related_policy_section(text)
        except Exception:
            log.exception("policy reminder lookup failed")
            return None
        if section is None:
            return None
        return PolicyReminder(
            policy_title=section.policy_title,
            heading=section.heading,
            excerpt=section.excerpt,
            url=section.url or None,
            owner=section.owner,
        )
