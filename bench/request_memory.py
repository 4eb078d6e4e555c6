"""Benchmark: memory under oversized unsigned requests against a real ``briefbot run``.

Starts ``briefbot run`` (HTTP mode, SQLite, the fake Slack Web API on loopback), waits until
``/healthz`` answers, then sends 8 concurrent unsigned POSTs to ``/slack/events`` that each
declare and try to send a 20 MB body. Prints the process's resident memory when idle, its peak
(the kernel's high-water mark), the difference, and the status each request got.

    .venv/bin/python bench/request_memory.py

Target: peak above idle < 150 MB (issue 9 measured 676 MB before the request-size cap).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mock_web_api_server import FakeSlack  # noqa: E402

CLIENTS = 8
BODY_BYTES = 20 * 1024 * 1024
TARGET_MB = 150.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _post_big(port: int, results: list[str]) -> None:
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {BODY_BYTES}\r\n\r\n"
    ).encode()
    chunk = b"x" * 65536
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(head)
            sent = 0
            try:
                while sent < BODY_BYTES:
                    sock.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the server answered and closed early: what a cap should do
            answer = sock.recv(200).split(b"\r\n")[0].decode(errors="replace")
            results.append(f"{answer or 'closed'} after sending {sent // 1024} kB")
    except OSError as exc:
        results.append(f"error {exc}")


def main() -> None:
    port = _free_port()
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET="bench-secret",
            SLACK_API_URL=fake.url,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "briefbot", "run", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("briefbot run did not become healthy")
                time.sleep(0.2)
            time.sleep(1.0)
            idle_kb = _kb(proc.pid, "VmRSS")
            results: list[str] = []
            threads = [threading.Thread(target=_post_big, args=(port, results)) for _ in range(CLIENTS)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.monotonic() - started
            time.sleep(0.5)
            peak_kb = _kb(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    above = (peak_kb - idle_kb) / 1024
    print(f"{CLIENTS} concurrent unsigned {BODY_BYTES // (1024 * 1024)} MB bodies in {took:.2f} s")
    for line in sorted(results):
        print(f"  {line}")
    print(f"idle RSS {idle_kb / 1024:.1f} MB, peak RSS {peak_kb / 1024:.1f} MB")
    verdict = "ok" if above < TARGET_MB else "MISSED"
    print(f"peak above idle: {above:.1f} MB (target < {TARGET_MB:.0f} MB): {verdict}")


if __name__ == "__main__":
    main()
