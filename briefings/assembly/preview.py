"""A feed's preview before it is curated: what it gives, and which of its items the ranker would
put highest for the departments it is to be tagged with, and why.

Front doors (the ``add_feed`` modal) call :func:`preview_feed` once, after their ack: it fetches
the feed once (``FeedService.test``, saving nothing) and ranks its items as candidates of a
briefing, so no front door builds candidates or calls the ranker itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from briefings.assembly.profiles import Profiles
from briefings.assembly.rank import Ranker
from briefings.assembly.ranked import Candidate, ScoredStory
from briefings.service import BriefingService
from feeds.records import FeedPreview
from feeds.service import FeedService
from storage.types import utcnow

# Items read for the ranking (the preview shows the best three).
PREVIEW_ITEMS = 50
PICKS = 3


@dataclass(frozen=True)
class PreviewPick:
    """A story the preview says the feed would rank highest, and why it matters."""

    title: str
    url: str | None
    department: str  # the department's display name
    why: str


@dataclass(frozen=True)
class RankedPreview:
    """The fetched preview and its best items."""

    preview: FeedPreview
    picks: tuple[PreviewPick, ...]


def rank_preview(
    preview: FeedPreview,
    departments: Sequence[str],
    *,
    ranker: Ranker,
    profiles: Profiles,
    now: datetime,
) -> list[PreviewPick]:
    """The three items the ranker would put highest for any of ``departments`` (keys or aliases),
    each under the department it scores best for, with why."""
    tagged = frozenset(profiles.resolve(d).key for d in departments)
    candidates = [
        Candidate(
            key=f"preview:{i}",
            story_id=None,
            title=item.title,
            summary=item.summary,
            url=item.link,
            sources=(preview.title,),
            published_at=item.published_at,
            feed_departments=tagged,
        )
        for i, item in enumerate(preview.items)
    ]
    best: dict[str, tuple[float, str, ScoredStory]] = {}
    for key in sorted(tagged):
        for story in ranker.score(candidates, key, now=now)[:PICKS]:
            held = best.get(story.candidate.key)
            if held is None or story.score > held[0]:
                best[story.candidate.key] = (story.score, key, story)
    top = sorted(best.values(), key=lambda entry: -entry[0])[:PICKS]
    picks = []
    for _score, key, story in top:
        explained = ranker.explain(story, key)
        cand = explained.candidate
        picks.append(PreviewPick(cand.title, cand.url, profiles.get(key).name, explained.why))
    return picks


def preview_feed(
    feeds: FeedService,
    briefings: BriefingService,
    url: str,
    departments: Sequence[str],
    *,
    limit: int = PREVIEW_ITEMS,
    now: datetime | None = None,
) -> RankedPreview:
    """Fetch ``url`` once (an HTML page naming its feed previews that feed) and rank its items
    for ``departments``. Raises what ``FeedService.test`` raises; saves nothing."""
    preview = feeds.test(url, limit=limit)
    picks = rank_preview(
        preview, departments, ranker=briefings.ranker, profiles=briefings.profiles, now=now or utcnow()
    )
    return RankedPreview(preview, tuple(picks))
