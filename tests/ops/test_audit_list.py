"""``briefbot audit list``: its filter is validated, an empty match says so, rows read as text."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from briefbot.cli import cli
from storage import Database
from storage.audit import Actor, record


def _log(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        for i in range(36):
            record(session, Actor.slack("U1"), "feed.add", f"https://example.com/{i}.xml", feed_id=i)
        record(
            session,
            Actor.cli(),
            "feed.edit",
            "https://example.com/0.xml",
            departments=["legal", "hr"],
            name="Legal news",
        )
    db.dispose()
    return {"DATABASE_URL": url}


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["audit", "list", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_filter_that_finds_nothing_says_no_entries_match(tmp_path: Path) -> None:
    env = _log(tmp_path)
    code, out, _ = _run(["--action", "refused"], env)
    assert code == 0
    assert out.strip() == "No audit entries match --action refused."
    code, out, _ = _run(["--action", "refused", "--json"], env)
    assert code == 0 and json.loads(out) == []


def test_an_unknown_action_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    env = _log(tmp_path)
    code, out, err = _run(["--action", "refuse"], env)
    assert code != 0 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "unknown audit action 'refuse' (did you mean refused?)" in lines[0]
    assert "feed.add" in lines[0] and "subscription.create" in lines[0]


def test_an_action_only_the_log_knows_is_accepted(tmp_path: Path) -> None:
    env = _log(tmp_path)
    db = Database(env["DATABASE_URL"])
    with db.session() as session:
        record(session, Actor.system(), "feed.retagged_by_a_newer_release", "x")
    db.dispose()
    code, out, _ = _run(["--action", "feed.retagged_by_a_newer_release"], env)
    assert code == 0 and "feed.retagged_by_a_newer_release x" in out


def test_text_rows_show_details_as_words_not_json(tmp_path: Path) -> None:
    env = _log(tmp_path)
    code, out, _ = _run(["--limit", "2"], env)
    assert code == 0
    edit, add = out.splitlines()
    assert edit.endswith('feed.edit https://example.com/0.xml  departments=legal,hr  name="Legal news"')
    assert add.endswith("U1 (slack)  feed.add https://example.com/35.xml  feed_id=35")
    assert "{" not in out and '"feed_id"' not in out


def test_an_empty_log_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, out, _ = _run([], {"DATABASE_URL": url})
    assert code == 0 and out.strip() == "No audit entries yet."
    code, out, _ = _run(["--action", "refused"], {"DATABASE_URL": url})
    assert code == 0 and out.strip() == "No audit entries yet."
