"""News that touches a policy: the links briefings made, and the owners' weekly message.

A briefing story that strongly matches a policy section carries a link to it (the briefings
package asks ``related_policy_section``); scheduled briefings record those (policy, story) pairs
here. Once a week each policy's owners get ONE message listing the stories a briefing posted
that may affect their policy: to the policy's ``owner_channel``, else to the channel
BRIEFBOT_POLICY_CONTACT names (one message for all such policies), else by direct message to
each admin. Weekly messages are claimed per (kind, ISO week) in the database first, so with
several replicas, or a job run twice, only one sends. Slack stays outside: the caller hands in
``post(destination, text)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from knowledge.config import KnowledgeConfig
from knowledge.gaps import DIGEST_DAYS, Line, Part, Post, escape_text, escaped_line, fit_message
from knowledge.store import NewsLink, NewsStore, PostedLink
from knowledge.types import DigestMessage
from storage.types import utcnow

log = logging.getLogger(__name__)

# A weekly message lists at most this many stories per policy (newest first).
STORIES_PER_POLICY = 10


def iso_week(moment: datetime) -> str:
    """``2026-W49``: the claim key of the week ``moment`` falls in (UTC)."""
    year, week, _day = moment.isocalendar()
    return f"{year}-W{week:02d}"


# A story's link is shown only up to this length (a longer one would crowd out the others).
URL_SHOWN = 500


def news_parts(by_policy: dict[str, list[NewsLink]], *, days: int) -> list[Part]:
    """The message for one destination: each policy's stories (feed and admin text escaped),
    split or summarised to stay within the message budget (``knowledge.gaps.fit_message``)."""
    lines: list[Line] = []
    for title, links in by_policy.items():
        lines.append(Line(f"*{escaped_line(title, 200)}*", items=0))
        for link in links[:STORIES_PER_POLICY]:
            url = escape_text(link.story_url or "")
            where = f" ({url})" if url and len(url) <= URL_SHOWN else ""  # never a cut link
            story, heading = escaped_line(link.story_title, 300), escaped_line(link.heading, 150)
            lines.append(Line(f"• {story}{where} — see “{heading}”"))
        if len(links) > STORIES_PER_POLICY:
            extra = len(links) - STORIES_PER_POLICY
            lines.append(Line(f"…and {extra} more: `briefbot knowledge policy-news`.", items=0))
    return fit_message(
        f"News in the last {days} days that may affect your AI policies:",
        lines,
        "Consider whether the policy needs an update, or tell people what changes for them.",
        more="`briefbot knowledge policy-news`",
    )


class PolicyNewsLog:
    """Records the briefings' policy links and tells the policy owners once a week."""

    def __init__(
        self,
        *,
        store: NewsStore,
        config: KnowledgeConfig,
        worker: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.config = config
        self.worker = worker
        self.clock = clock

    def record(self, links: Sequence[NewsLink]) -> None:
        """Remember links a scheduled briefing carries; a failure never blocks the briefing."""
        try:
            self.store.add_links(list(links), self.clock())
        except Exception:
            log.exception("could not record the briefing's policy links")

    def posted(self, *, days: int = DIGEST_DAYS, now: datetime | None = None) -> list[PostedLink]:
        """Linked stories a briefing first posted in the ``days`` days before ``now``, oldest first."""
        since = (now or self.clock()) - timedelta(days=days)
        return self.store.posted_since(since)

    def messages(
        self, owner_channels: dict[str, str], *, days: int, now: datetime | None = None
    ) -> list[DigestMessage]:
        """One message per destination, nothing when no linked story was posted."""
        # Destination route -> policy title -> its stories, newest first.
        routed: dict[tuple[str, str | None], dict[str, list[NewsLink]]] = {}
        for posted in reversed(self.posted(days=days, now=now)):
            link = posted.link
            if link.policy_id in owner_channels:
                key: tuple[str, str | None] = ("owner_channel", link.policy_id)
            else:
                key = ("fallback", None)
            routed.setdefault(key, {}).setdefault(link.policy_title, []).append(link)
        messages: list[DigestMessage] = []
        for (route, policy_id), by_policy in routed.items():
            for part in news_parts(by_policy, days=days):
                text, count = part.text, part.items
                if policy_id is not None:
                    messages.append(DigestMessage(owner_channels[policy_id], route, policy_id, text, count))
                elif contact := self.config.contact_channel:
                    messages.append(DigestMessage(contact, "contact", None, text, count))
                else:
                    messages += [DigestMessage(a, "admin", None, text, count) for a in self.config.admins]
        return messages


def send_messages(messages: Sequence[DigestMessage], post: Post, *, what: str) -> list[DigestMessage]:
    """Post each message with ``post(destination, text)``; returns those that were posted."""
    sent = []
    for message in messages:
        try:
            post(message.destination, message.text)
        except Exception as exc:
            log.error("%s to %s not posted: %s", what, message.destination, exc)
            continue
        sent.append(message)
    return sent


def once_a_week(
    store: NewsStore,
    kind: str,
    build: Callable[[], list[DigestMessage]],
    post: Post,
    *,
    now: datetime,
    worker: str,
) -> list[DigestMessage] | None:
    """Build and post ``kind``'s messages unless another run (this replica or another) already
    claimed this ISO week for it: None then. When every post fails the claim is given back so a
    later run retries; a week with nothing to say stays claimed."""
    week = iso_week(now)
    if not store.claim_week(kind, week, at=now, worker=worker):
        log.info("%s for %s already sent by another run", kind, week)
        return None
    try:
        messages = build()
        sent = send_messages(messages, post, what=kind)
    except BaseException:
        store.release_week(kind, week)
        raise
    if messages and not sent:
        store.release_week(kind, week)
    return sent
