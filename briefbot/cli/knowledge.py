"""CLI commands for the knowledge package: ``policy``, ``certs``, ``knowledge import|status``."""

from __future__ import annotations

from typing import Any

import click

from briefbot.cli.common import echo_json, with_services
from knowledge.certs import resolve_level
from knowledge.errors import KnowledgeError
from knowledge.render import certs_text, policy_text
from storage.audit import Actor


@click.command("policy")
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def policy_command(services: Any, query: tuple[str, ...], as_json: bool) -> None:
    """Answer a policy question (same answer as /ai-policy); no QUERY lists the policies."""
    answer = services.knowledge.policy_answer(" ".join(query))
    if as_json:
        echo_json(answer)
    else:
        click.echo(policy_text(answer))


@click.command("certs")
@click.argument("words", nargs=-1, metavar="[DEPARTMENT|ROLE|TOPIC]...")
@click.option(
    "--level", "level", help="foundational, practitioner, advanced or executive (or beginner, ...)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def certs_command(services: Any, words: tuple[str, ...], level: str | None, as_json: bool) -> None:
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
@with_services
def import_command(services: Any, path: str) -> None:
    """Load a policy folder or a certifications YAML file, replacing that catalogue.

    Everything is validated first; a pack with any problem changes nothing.
    """
    result = services.knowledge.import_path(path, actor=Actor.cli())
    if result.kind == "policies":
        what = f"{result.items} policies ({result.sections} sections)"
    else:
        what = f"{result.items} certifications"
    click.echo(f"Imported {what} from {result.location}; the previous {result.kind} were replaced.")


@knowledge_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_services
def status_command(services: Any, as_json: bool) -> None:
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


def register(cli: click.Group) -> None:
    """Add this package's commands to the top-level group."""
    cli.add_command(policy_command)
    cli.add_command(certs_command)
    cli.add_command(knowledge_group)
