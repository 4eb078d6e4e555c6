"""The CLI's contract for operators: clear one-line errors, JSON where promised."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from briefbot.cli import cli


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_reports_revision(tmp_path: Path) -> None:
    code, out, _ = run(["db", "upgrade"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert code == 0
    assert "revision" in out


def test_db_upgrade_json_says_the_revision_before_and_after(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    code, out, _ = run(["db", "upgrade", "--json"], env)
    first = json.loads(out)
    assert code == 0 and first["before"] is None and first["revision"].startswith("00")
    second = json.loads(run(["db", "upgrade", "--json"], env)[1])
    assert second["before"] == second["revision"] == first["revision"]


def test_bad_database_url_is_one_line(tmp_path: Path) -> None:
    code, out, err = run(["db", "upgrade"], {"DATABASE_URL": "nonsense"})
    assert code == 1
    assert "DATABASE_URL" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    code, _, err = run(
        ["db", "upgrade"],
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "BRIEFBOT_REFRESH_MINUTES": "often"},
    )
    assert code == 1
    assert "BRIEFBOT_REFRESH_MINUTES" in err


def _one_clear_line(code: int, out: str, err: str, *words: str) -> None:
    assert code != 0
    assert "Traceback" not in out + err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert any(all(w in line for w in words) for line in lines), err


def test_ids_that_are_not_ids_are_one_clear_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    for args in (["feeds", "pause", "²"], ["feeds", "remove", "9" * 25], ["feeds", "resume", "#0"]):
        code, out, err = run(args, env)
        _one_clear_line(code, out, err, "no feed")
        assert len(err.strip().splitlines()) == 1
    for args in (["subscriptions", "unsubscribe", "9" * 25], ["subscriptions", "pause", "²"]):
        code, out, err = run(args, env)
        _one_clear_line(code, out, err, "is not an id")


def test_an_unknown_schema_revision_is_one_clear_line(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "x.db"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    assert run(["db", "upgrade"], env)[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    for args in (["db", "upgrade"], ["feeds", "list"]):
        code, out, err = run(args, env)
        _one_clear_line(code, out, err, "'0099_from_the_future'", "does not know")
        assert len(err.strip().splitlines()) == 1
