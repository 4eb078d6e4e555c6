"""``briefbot run`` as a real process for the new end-to-end tests: start it and wait for /healthz."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BRIEFBOT = [sys.executable, "-m", "briefbot"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bot(env: dict[str, str], cwd: Path) -> tuple[str, subprocess.Popen[str]]:
    """``briefbot run`` on a free loopback port, output (stdout and stderr) on ``proc.stdout``;
    returns its base URL once ``/healthz`` answers 200 (fails the test after 30 s)."""
    port = _free_port()
    proc = subprocess.Popen(
        [*BRIEFBOT, "run", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"briefbot run exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail("briefbot run did not become healthy in 30 s")
