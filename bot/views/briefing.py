"""A briefing in Block Kit, with its notification fallback text (the posted message).

Built here, beside the other views, from the pure ``Briefing`` the briefings package assembles;
the composition root hands :func:`render_blocks` to the delivery step and to previews. Feed text
is untrusted: it is cleaned and cut (``briefings.assembly.render``), then escaped and linked through
``bot.slack_text``, and the whole message is kept under the text budget by shortening summaries
and then dropping the least relevant stories.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.delivery.buttons import story_value
from bot.slack_text import (
    CONTEXT_LIMIT,
    HEADER_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
    TEXT_BUDGET,
    escape_mrkdwn,
    safe_url,
    text_size,
)
from bot.slack_text import escaped as escaped_text
from briefings.assembly.briefing import Briefing, BriefingStory
from briefings.assembly.render import (
    MAX_ALSO_LINKS,
    MAX_SHOWN_SOURCES,
    TITLE_LIMIT,
    RenderedMessage,
    clean,
    local_date,
    shorten,
)

FALLBACK_LIMIT = 1500
SUMMARY_STEPS = (300, 160, 0)
FOOTER = "Type `/ai-brief help` for commands · `/ai-brief status` shows this channel's schedule"


def escaped(text: str | None, limit: int) -> str:
    """Feed text on one line, cut at a word boundary, escaped, within ``limit`` characters."""
    return escaped_text(shorten(clean(text), limit), limit)


def link(url: str | None, label: str) -> str:
    """``<url|label>`` when ``url`` is safe, else just ``label`` (already escaped)."""
    target = safe_url(url)
    label = label.replace("|", "¦")
    return f"<{target}|{label}>" if target else label


BLOCKS_PER_STORY = 3  # its text, its sources and explanation, its feedback buttons


def _feedback(story: BriefingStory, department: str) -> list[Block]:
    """The story's "useful" / "not useful" buttons (none for a story with no stored id)."""
    if story.story_id is None:
        return []
    value = story_value(department, story.story_id)
    return [
        ActionsBlock(
            elements=[
                ButtonElement(text=":thumbsup: Useful", action_id="story_useful", value=value),
                ButtonElement(text=":thumbsdown: Not useful", action_id="story_not_useful", value=value),
            ]
        )
    ]


def _story_blocks(story: BriefingStory, briefing: Briefing, summary_limit: int) -> list[Block]:
    dept_name, tz = briefing.department_name, briefing.timezone
    title = link(story.url, escaped(story.title or "(untitled)", TITLE_LIMIT))
    lines = [f"*{title}*"]
    if summary_limit and clean(story.summary):
        lines.append(escape_mrkdwn(shorten(clean(story.summary), summary_limit)))
    if story.why:
        lines.append(f"_Why it matters to {escape_mrkdwn(dept_name)}:_ {escaped(story.why, 300)}")
    if story.policy is not None:
        lines.append(policy_link_mrkdwn(story))
    section = SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_LIMIT]))
    shown = story.sources[:MAX_SHOWN_SOURCES]
    sources = " · ".join(escaped(s, 80) for s in shown) or "unknown source"
    if len(story.sources) > len(shown):
        sources += f" +{len(story.sources) - len(shown)} more"
    meta = [sources, local_date(story.published_at, tz, weekday=False)]
    if story.explanation:
        meta.append(escaped(story.explanation, 400))
    elements = [MarkdownTextObject(text=" · ".join(meta)[:CONTEXT_LIMIT])]
    also = also_reported_mrkdwn(story, CONTEXT_LIMIT)
    if also:
        elements.append(MarkdownTextObject(text=also))
    return [section, ContextBlock(elements=elements), *_feedback(story, briefing.department)]


def policy_link_mrkdwn(story: BriefingStory) -> str:
    """``:scroll: May affect our policy: <url|Policy — Section>`` (escaped, under 600 characters)."""
    policy = story.policy
    if policy is None:
        return ""
    label = escaped(" — ".join(x for x in (policy.policy_title, policy.heading) if x), 300)
    return f":scroll: _May affect our policy:_ {link(policy.url, label)}"


def also_reported_mrkdwn(story: BriefingStory, limit: int) -> str:
    """``Also reported by <url|Outlet B>, <url|Outlet C> +2 more`` for the retellings collapsed
    into ``story`` (escaped, at most ``limit`` characters; a link that does not fit is dropped
    rather than cut, so the markup is never broken). Empty when there are none."""
    also = story.also_reported
    if not also:
        return ""
    head = "Also reported by "
    parts: list[str] = []
    for entry in also[:MAX_ALSO_LINKS]:
        label = escaped(entry.source or "another outlet", 80)
        linked = link(entry.url, label)
        room = limit - len(head) - len(", ".join([*parts, linked])) - len(" +99 more")
        parts.append(linked if room >= 0 else label)
    text = head + ", ".join(parts)
    if len(also) > len(parts):
        text += f" +{len(also) - len(parts)} more"
    return text if len(text) <= limit else head + f"{len(also)} other outlets"


def _extras(briefing: Briefing) -> list[Block]:
    blocks: list[Block] = []
    cert = briefing.certification
    if cert is not None:
        name = link(cert.url, escaped(cert.name, 200))
        detail = ", ".join(escaped(x, 80) for x in (cert.provider, cert.level) if x)
        text = f":mortar_board: *Certification spotlight:* {name}"
        if detail:
            text += f" ({detail})"
        if cert.summary:
            text += f"\n{escaped(cert.summary, 400)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    policy = briefing.policy
    if policy is not None:
        label = escaped(" — ".join(x for x in (policy.policy_title, policy.heading) if x), 200)
        text = f":scroll: *Policy reminder:* {link(policy.url, label)}"
        if policy.excerpt:
            text += f"\n{escaped(policy.excerpt, 500)}"
        if policy.owner:
            text += f"\n_Questions? Ask {escaped(policy.owner, 120)}._"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


def _header(briefing: Briefing) -> HeaderBlock:
    text = f"{clean(briefing.department_name)} AI briefing · {local_date(briefing.as_of, briefing.timezone)}"
    return HeaderBlock(text=shorten(text, HEADER_LIMIT))


def _intro(briefing: Briefing) -> str:
    name = escape_mrkdwn(clean(briefing.department_name))
    since = local_date(briefing.since, briefing.timezone, year=False)
    if briefing.quiet:
        return (
            f"Nothing new above the bar for {name} since {since}: I checked {briefing.considered} new "
            f"{_plural(briefing.considered, 'story', 'stories')} and none was relevant enough to "
            "interrupt you. See you at the next briefing."
        )
    shown = len(briefing.stories)
    if briefing.catch_up:
        return (
            f"*Catch-up:* this channel's first {name} briefing, so it looks back over the past week "
            f"(since {since}), feeds' earlier stories included: the {shown} most relevant of "
            f"{briefing.considered}, each with why it is here. From now on, only what is new."
        )
    return (
        f"The {shown} most relevant of {briefing.considered} new "
        f"{_plural(briefing.considered, 'story', 'stories')} since {since}, picked for {name}, "
        "each with why it is here."
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _build(
    briefing: Briefing, stories: tuple[BriefingStory, ...], summary_limit: int, note: str | None
) -> list[Block]:
    blocks: list[Block] = [_header(briefing)]
    intro = _intro(briefing) if not note else f"{note}\n{_intro(briefing)}"
    if briefing.intro:
        intro += f"\n{escaped(briefing.intro, 500)}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=intro)]))
    if stories:
        blocks.append(DividerBlock())
        for story in stories:
            blocks += _story_blocks(story, briefing, summary_limit)
        extras = _extras(briefing)
        if extras:
            blocks.append(DividerBlock())
            blocks += extras
    if briefing.written_by:
        # Slack asks apps to mark AI-generated text: say which model wrote which parts.
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=model_note(briefing.written_by))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=FOOTER)]))
    return blocks


def model_note(model: str) -> str:
    """The context line under a briefing some of whose text a language model wrote."""
    return (
        f":sparkles: The introduction and “why it matters” lines were written by a language model "
        f"({escaped(model, 80)}) from each story's own text and checked against it; headlines and "
        "summaries are the outlets' own."
    )


def fallback_text(briefing: Briefing) -> str:
    """The notification text: department, date and the first titles (escaped, short)."""
    head = f"{clean(briefing.department_name)} AI briefing, {local_date(briefing.as_of, briefing.timezone)}"
    if briefing.quiet:
        return escape_mrkdwn(f"{head}: nothing new above the bar.")
    titles = "; ".join(shorten(clean(s.title), 120) for s in briefing.stories)
    return escaped(f"{head}: {titles}", FALLBACK_LIMIT)


def render_blocks(briefing: Briefing, *, note: str | None = None) -> RenderedMessage:
    """Block Kit for ``briefing``, always within limits: long texts are cut, then summaries
    shortened, then the least relevant stories dropped until the text budget holds.

    ``note`` (our own mrkdwn, e.g. "Preview: only you can see this") goes under the header.
    """
    stories = briefing.stories[: (MAX_BLOCKS - 10) // BLOCKS_PER_STORY]
    note = note[:500] if note else None
    while True:
        for summary_limit in SUMMARY_STEPS:
            blocks = [b.to_dict() for b in _build(briefing, stories, summary_limit, note)]
            if text_size(blocks) <= TEXT_BUDGET and len(blocks) <= MAX_BLOCKS:
                return RenderedMessage(text=fallback_text(briefing), blocks=blocks)
        stories = stories[:-1]
