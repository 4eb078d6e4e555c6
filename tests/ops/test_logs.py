"""BRIEFBOT_LOG_FORMAT=json: every log line a process writes is one JSON object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _briefbot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefbot", "-v", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_log_lines_parse_and_carry_level_and_logger(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "BRIEFBOT_LOG_FORMAT": "json",
    }
    # `policy` loads the policy packs, which logs at INFO.
    listed = _briefbot(["policy"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stderr.splitlines() if line.strip()]
    assert lines, "expected some log output at -v"
    records = [json.loads(line) for line in lines]
    assert all({"ts", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["level"] == "INFO" and "policies" in r["message"] for r in records)


def test_unknown_log_format_is_one_clear_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
        "BRIEFBOT_LOG_FORMAT": "xml",
    }
    result = _briefbot(["feeds", "list"], env, tmp_path)
    assert result.returncode != 0
    assert "BRIEFBOT_LOG_FORMAT" in result.stderr and "Traceback" not in result.stderr
