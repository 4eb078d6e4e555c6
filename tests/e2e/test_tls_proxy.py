"""docs/deploy.md's nginx server block, run for real: Debian's nginx with a throwaway
certificate on loopback, in front of a real ``briefbot run`` in HTTP mode (fake Slack Web API).

Skipped where nginx or openssl is missing, except in CI (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SIGNING_SECRET
from tests.e2e.bot_process import start_bot
from tests.e2e.test_run_process import _env, _free_port
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import SignedSlackClient

pytestmark = pytest.mark.slow

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def documented_server_block() -> str:
    text = DEPLOY.read_text()
    match = re.search(
        r"<!-- tested-nginx-begin -->\s*```nginx\n(.*?)```\s*<!-- tested-nginx-end -->", text, re.S
    )
    assert match, "docs/deploy.md lost its tested nginx block"
    return match.group(1)


def _require(tool: str | None, name: str) -> str:
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the reverse-proxy test: {name} is not installed")
        pytest.skip(f"{name} is not installed (apt-get install nginx openssl)")
    return tool


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    openssl = _require(shutil.which("openssl"), "openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def bot(sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    url, proc = start_bot(_env(sqlite_url, fake_slack), tmp_path)
    yield int(url.rsplit(":", 1)[1]), proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


@pytest.fixture
def proxy(certificate: tuple[Path, Path], bot: tuple[int, subprocess.Popen], tmp_path: Path) -> Iterator[str]:
    nginx = _require(NGINX, "nginx")
    bot_port, _ = bot
    https_port = _free_port()
    cert, key = certificate
    site = (
        documented_server_block()
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
        .replace("briefbot.example.com;", "localhost;")
        .replace("/etc/letsencrypt/live/briefbot.example.com/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/briefbot.example.com/privkey.pem", str(key))
        .replace("127.0.0.1:3000", f"127.0.0.1:{bot_port}")
    )
    assert f"127.0.0.1:{bot_port}" in site and str(cert) in site
    root = tmp_path / "nginx"
    (root / "temp").mkdir(parents=True)
    root.chmod(0o777)
    (root / "temp").chmod(0o777)
    user = "user root;" if os.geteuid() == 0 else ""
    temp = root / "temp"
    (root / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""
    )
    proc = subprocess.Popen(
        [nginx, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"https://localhost:{https_port}"
    try:
        _wait(f"{url}/healthz", proc, verify=ssl.create_default_context(cafile=cert))
        yield url
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait(url: str, proc: subprocess.Popen, *, verify: bool | ssl.SSLContext) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[0]} exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(url, timeout=2, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer 200 within 30 s")


def test_the_documented_nginx_block_serves_slack_over_tls(
    proxy: str, certificate: tuple[Path, Path], fake_slack: FakeSlack, bot: tuple[int, subprocess.Popen]
) -> None:
    cert = ssl.create_default_context(cafile=certificate[0])
    health = httpx.get(f"{proxy}/healthz", verify=cert, timeout=5)
    assert health.status_code == 200 and health.json()["database"]["ok"] is True

    slack = SignedSlackClient(proxy, SIGNING_SECRET, response_url_factory=fake_slack.response_url)
    slack.http = httpx.Client(timeout=10, verify=cert)
    help_reply = slack.command("/ai-brief", "help")
    assert help_reply.status_code == 200 and "/ai-policy" in help_reply.text

    # Slack's URL verification step, signed as Slack signs it, answered through the proxy.
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    verified = slack.http.post(
        slack.url, content=body, headers=slack.signed_headers(body, content_type="application/json")
    )
    assert verified.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in verified.text

    forged = SignedSlackClient(proxy, "not-the-secret")
    forged.http = httpx.Client(timeout=10, verify=cert)
    assert forged.command("/ai-brief", "help").status_code == 401

    assert httpx.get(f"{proxy}/metrics", verify=cert, timeout=5).status_code == 403
    assert httpx.get(f"{proxy}/", verify=cert, timeout=5).status_code == 404
    big = httpx.post(f"{proxy}/slack/events", content=b"x" * (2 * 1024 * 1024), verify=cert, timeout=10)
    assert big.status_code == 413  # refused by nginx, before the bot

    _, bot_proc = bot
    bot_proc.send_signal(signal.SIGTERM)
    output = bot_proc.communicate(timeout=15)[0]
    assert output.count("refused a request") == 1 and "signature does not match" in output
