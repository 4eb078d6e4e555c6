"""The data of one briefing (frozen dataclasses that cross into rendering, the CLI and Slack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AlsoReported:
    """Another outlet's telling of a chosen story, collapsed into it (plain, unescaped feed text)."""

    source: str
    title: str
    url: str | None


@dataclass(frozen=True)
class PolicyLink:
    """The policy section a story strongly matches (it may affect that policy)."""

    policy_id: str
    policy_title: str
    heading: str
    url: str | None


@dataclass(frozen=True)
class BriefingStory:
    """One chosen story. Texts are plain (unescaped) feed text; rendering escapes them.

    ``sources`` names every outlet, its own first; ``also_reported`` are the retellings (other
    stories telling the same news) collapsed into it when the briefing was built, with their links.
    """

    story_id: int | None
    title: str
    summary: str
    url: str | None
    sources: tuple[str, ...]
    published_at: datetime
    score: float
    matched: tuple[str, ...]
    why: str
    explanation: str
    related_story_ids: tuple[int, ...] = ()
    also_reported: tuple[AlsoReported, ...] = ()
    policy: PolicyLink | None = None

    @property
    def story_ids(self) -> tuple[int, ...]:
        """The story and the near-duplicates collapsed into it: all remembered once delivered, so
        a retelling shown as "also reported by" never comes back as news in that channel."""
        return tuple(i for i in (self.story_id, *self.related_story_ids) if i is not None)


@dataclass(frozen=True)
class Spotlight:
    """A certification worth a look for the department (from the knowledge catalogue)."""

    name: str
    provider: str
    url: str | None
    level: str
    summary: str


@dataclass(frozen=True)
class PolicyReminder:
    """The company policy section most related to this briefing's stories."""

    policy_title: str
    heading: str
    excerpt: str
    url: str | None
    owner: str


@dataclass(frozen=True)
class CandidateNote:
    """One story of the window as the ranker saw it (``--explain``): shown, or why it was not.

    ``left_out`` is one of ``below_bar`` (its score is under the department's bar, or under the
    last story of a full briefing), ``not_about_ai`` (the AI gate), ``muted`` (the channel's
    filter), ``source_diversity`` (a story from a source already shown took its place),
    ``same_story`` (a retelling, shown as "also reported by"), ``already_posted`` (in the
    channel before) or ``backlog`` (an item of a newly added or resumed feed); None when shown.
    """

    title: str
    url: str | None
    score: float
    shown: bool
    left_out: str | None = None


@dataclass(frozen=True)
class Briefing:
    """One department's briefing as of a moment; ``stories`` empty means a quiet week."""

    department: str
    department_name: str
    as_of: datetime
    timezone: str
    since: datetime
    stories: tuple[BriefingStory, ...]
    considered: int
    above_bar: int
    certification: Spotlight | None = None
    policy: PolicyReminder | None = None
    held_back: int = 0  # previews: backlog items of newly added or resumed feeds left out
    candidates: tuple[CandidateNote, ...] = ()  # previews built with ``explain``
    # The subscription's first posted briefing: a one-off catch-up on the past week, including
    # stories the feeds held when they were added (later ones carry only what came in since).
    catch_up: bool = False
    # The optional language model's part: a two-line introduction, and which model wrote it and
    # the stories' "why it matters" lines (None: every text is the deterministic one).
    intro: str | None = None
    written_by: str | None = None

    @property
    def quiet(self) -> bool:
        """Nothing new above the bar."""
        return not self.stories

    def held_back_note(self, preview_with: str) -> str | None:
        """What the preview left out as backlog and how to see it (``preview_with``: the command
        that includes it), or None when nothing was held back."""
        if not self.held_back:
            return None
        items = "item" if self.held_back == 1 else "items"
        return (
            f"{self.held_back} {items} of newly added or resumed {self.department_name} feeds "
            f"{'is' if self.held_back == 1 else 'are'} held back as backlog (never posted as news). "
            f"Preview them with {preview_with}."
        )
