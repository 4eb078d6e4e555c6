"""CLI commands for the knowledge package: ``policy``, ``certs``,
``knowledge import|status|gaps|policy-news``."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.client import make_web_client
from briefbot.cli.common import echo_json, services_from, settings_from, with_services
from foundation.settings import Settings
from knowledge.cert_request import resolve_level
from knowledge.errors import KnowledgeError
from knowledge.gaps import DIGEST_DAYS
from knowledge.render import certs_text, policy_text
from knowledge.types import DigestMessage
from storage.audit import Actor

if TYPE_CHECKING:
    from briefbot.services import Services
    from knowledge.check import CheckCase, CheckReport


@click.command("policy")
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def policy_command(services: Services, query: tuple[str, ...], as_json: bool) -> None:
    """Answer a policy question (same answer as /ai-policy); no QUERY lists the policies."""
    answer = services.knowledge.policy_answer(" ".join(query))
    if as_json:
        data = asdict(answer)
        if data["composed"] is None:  # the optional model's answer: absent when it is off
            del data["composed"]
        echo_json(data)
    else:
        click.echo(policy_text(answer))


@click.command("certs")
@click.argument("words", nargs=-1, metavar="[DEPARTMENT|ROLE|TOPIC]...")
@click.option(
    "--level", "level", help="foundational, practitioner, advanced or executive (or beginner, ...)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def certs_command(services: Services, words: tuple[str, ...], level: str | None, as_json: bool) -> None:
    """Recommend AI certifications (same as /ai-certs); no arguments gives an overview."""
    if level is not None and resolve_level(level) is None:
        raise KnowledgeError(
            f"unknown level {level!r}: use foundational, practitioner, advanced or executive"
        )
    answer = services.knowledge.recommend_certs(" ".join(words), level=level)
    if as_json:
        echo_json(answer)
    else:
        click.echo(certs_text(answer))


@click.group("knowledge")
def knowledge_group() -> None:
    """Policy and certification data packs."""


@knowledge_group.command("import")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="What was imported as one JSON document.")
@with_services
def import_command(services: Services, path: str, as_json: bool) -> None:
    """Load a policy folder or a certifications YAML file, replacing that catalogue.

    Everything is validated first; a pack with any problem changes nothing.
    """
    result = services.knowledge.import_path(path, actor=Actor.cli())
    if as_json:
        echo_json(result)
        return
    if result.kind == "policies":
        what = f"{result.items} policies ({result.sections} sections)"
    else:
        what = f"{result.items} certifications"
    click.echo(f"Imported {what} from {result.location}; the previous {result.kind} were replaced.")


@knowledge_group.command("check")
@click.argument("questions", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--policy-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Check this policy folder instead of the loaded policies (loaded into a throwaway "
    "database; the live catalogue is not touched).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def check_command(ctx: click.Context, questions: Path, policy_dir: Path | None, as_json: bool) -> None:
    """Test policies against a YAML list of questions and expected sections (or `none`).

    Prints top-1, top-3, wrong declines, declined-when-it-should and every miss with what was
    shown. By default it asks the loaded policies, exactly as /ai-policy answers; give
    --policy-dir to try an edited folder before importing it. Exits non-zero only on bad input.
    """
    from knowledge.check import load_cases, report_text

    cases = load_cases(questions)
    if policy_dir is None:
        services = services_from(ctx)
        knowledge = services.knowledge
        status = next((s for s in knowledge.status() if s.kind == "policies"), None)
        source = (
            f"the loaded policies ({status.location})"
            if status and status.location
            else "the loaded policies"
        )
        report = knowledge.check(cases, shown=str(questions))
    else:
        source = str(policy_dir)
        report = _check_folder(settings_from(ctx), policy_dir, cases, str(questions))
    if as_json:
        echo_json({"source": source, "questions_file": str(questions), **report.as_dict()})
    else:
        click.echo(report_text(report, source))


def _check_folder(settings: Settings, folder: Path, cases: list[CheckCase], shown: str) -> CheckReport:
    """Load ``folder`` into a throwaway SQLite database and check ``cases`` against it."""
    from briefbot.services import make_services

    with tempfile.TemporaryDirectory(prefix="briefbot-check-") as tmp:
        throwaway = settings.model_copy(
            update={"database_url": f"sqlite:///{tmp}/check.db", "briefbot_policy_dir": str(folder)}
        )
        services = make_services(throwaway, load_packs=False)
        try:
            services.knowledge.import_path(folder, actor=Actor.cli())
            return services.knowledge.check(cases, shown=shown)
        finally:
            services.close()


@knowledge_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def status_command(services: Services, as_json: bool) -> None:
    """What each catalogue holds, where it came from, and any load problem."""
    statuses = services.knowledge.status()
    if as_json:
        echo_json(statuses)
        return
    for s in statuses:
        origin = f"{s.source} from {s.location}" if s.source else "never loaded"
        click.echo(f"{s.kind}: {s.items} ({origin}; version {s.version}, loaded {s.loaded_at or '-'})")
        if s.problem:
            click.echo(f"  problem at start-up: {s.problem}")


@knowledge_group.command("gaps")
@click.option("--days", type=click.IntRange(1, 366), default=DIGEST_DAYS, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--send", is_flag=True, help="Post the digest to the policy owners in Slack.")
@with_services
def gaps_command(services: Services, days: int, as_json: bool, send: bool) -> None:
    """Questions no policy answered, similar ones grouped, most asked first.

    --send posts a digest to each policy's owner_channel (for questions its sections came
    close to), else to the channel BRIEFBOT_POLICY_CONTACT names, else by DM to BRIEFBOT_ADMINS.
    """
    knowledge = services.knowledge
    groups = knowledge.unanswered(days=days)
    sent: list[DigestMessage] = []
    if send and groups:
        sent = _sent_to_owners(
            "digest",
            knowledge.gaps_digest(days=days),
            services.settings,
            lambda post: knowledge.send_gaps_digest(post, days=days),
        )
    if as_json:
        echo_json({"days": days, "groups": groups, "sent": sent})
        return
    if not groups:
        click.echo(f"No unanswered policy questions in the last {days} days.")
        return
    click.echo(f"Questions no policy answered in the last {days} days ({len(groups)} groups):")
    for g in groups:
        who = f" [{', '.join(g.departments)}]" if g.departments else ""
        kind = " (related section shown)" if g.verdict == "related" else ""
        click.echo(f"  {g.count:>3}× {g.example}{who}{kind}")
        for other in g.questions[1:4]:
            click.echo(f"         also: {other}")
    for message in sent:
        click.echo(f"Digest posted to {message.destination} ({message.route}, {message.groups} groups).")


@knowledge_group.command("policy-news")
@click.option("--days", type=click.IntRange(1, 366), default=DIGEST_DAYS, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--send", is_flag=True, help="Post the message to the policy owners in Slack now.")
@with_services
def policy_news_command(services: Services, days: int, as_json: bool, send: bool) -> None:
    """Stories briefings posted that may affect a policy, by policy.

    --send posts one message per owner: to each policy's owner_channel, else to the channel
    BRIEFBOT_POLICY_CONTACT names, else by DM to BRIEFBOT_ADMINS (the weekly job does the same).
    """
    knowledge = services.knowledge
    posted = knowledge.policy_news(days=days)
    sent: list[DigestMessage] = []
    if send and posted:
        sent = _sent_to_owners(
            "message",
            knowledge.policy_news_messages(days=days),
            services.settings,
            lambda post: knowledge.send_policy_news(post, days=days),
        )
    if as_json:
        echo_json({"days": days, "stories": posted, "sent": sent})
        return
    if not posted:
        click.echo(f"No posted story touched a policy in the last {days} days.")
        return
    click.echo(f"Stories posted in the last {days} days that may affect a policy:")
    for item in posted:
        link = item.link
        click.echo(f"  {link.policy_title} — {link.heading}: {link.story_title}")
    for message in sent:
        click.echo(f"Message posted to {message.destination} ({message.route}, {message.groups} stories).")


def _slack_poster(settings: Settings) -> Callable[[str, str], object]:
    if not settings.slack_bot_token:
        raise KnowledgeError("SLACK_BOT_TOKEN is not set: cannot post to Slack")
    client = make_web_client(settings)

    def post(destination: str, text: str) -> object:
        return client.chat_postMessage(channel=destination, text=text, unfurl_links=False)

    return post


def _sent_to_owners(
    what: str,
    messages: list[DigestMessage],
    settings: Settings,
    send: Callable[[Callable[[str, str], object]], list[DigestMessage]],
) -> list[DigestMessage]:
    """Send the policy owners their ``messages`` through the service's ``send``; one clear error
    when there is nowhere to send them or some could not be posted."""
    if not messages:
        raise KnowledgeError(
            f"nowhere to send the {what}: give policies an owner_channel, name a channel in "
            "BRIEFBOT_POLICY_CONTACT (e.g. <#C0123ABCDE>), or set BRIEFBOT_ADMINS"
        )
    sent = send(_slack_poster(settings))
    if len(sent) < len(messages):
        failed = ", ".join(m.destination for m in messages if m not in sent)
        raise KnowledgeError(f"{what} not posted to {failed} (see the log); posted to {len(sent)}")
    return sent
