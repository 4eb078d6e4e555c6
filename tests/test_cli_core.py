"""The CLI's contract for operators: clear one-line errors, JSON where promised."""

from __future__ import annotations

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
