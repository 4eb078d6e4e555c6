"""The bundled starter pack (``feeds/data/starter.yaml``) and ``briefbot starter``.

The pack is checked as data (real outlets, well-formed URLs, every department covered); the
command is run offline (name resolution fails, as on a machine without network: one clear line
per feed, nothing added, non-zero exit) and against real loopback feed servers standing in for
two outlets (one readable, one answering 404).
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import briefbot.cli.starter as starter_cli
from briefbot.cli import cli
from feeds.starter import StarterFeed, load_pack
from feeds.urls import normalise_feed_url
from foundation.departments import DepartmentRegistry
from tests.departments import REGISTRY
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item

KINDS = {
    "regulator",
    "legal press",
    "finance press",
    "hr press",
    "operations press",
    "business press",
    "vendor blog",
}


def _raw() -> list[dict[str, Any]]:
    text = (resources.files("feeds") / "data" / "starter.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["feeds"])


def test_every_entry_names_its_outlet_kind_departments_and_a_well_formed_feed_url() -> None:
    entries = _raw()
    assert len(entries) >= 20
    for entry in entries:
        assert set(entry) == {"outlet", "kind", "departments", "url"}, entry
        assert entry["outlet"].strip() and entry["kind"] in KINDS, entry
        assert entry["departments"] and all(REGISTRY.normalise(d) == d for d in entry["departments"]), entry
        assert entry["url"].startswith("https://"), entry
        assert normalise_feed_url(entry["url"]) == entry["url"], f"not in normal form: {entry['url']}"
    urls = [e["url"] for e in entries]
    assert len(set(urls)) == len(urls), "a feed is listed twice"
    assert len({e["outlet"] for e in entries}) == len(entries)


def test_each_department_has_regulators_or_press_of_its_own_and_vendors_are_there() -> None:
    pack = load_pack(REGISTRY)
    per_department = Counter(d for feed in pack for d in feed.departments)
    for department in ("finance", "legal", "operations", "hr"):
        assert per_department[department] >= 4, per_department
    kinds = Counter(feed.kind for feed in pack)
    assert kinds["regulator"] >= 3 and kinds["vendor blog"] >= 3


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'starter.db'}", **extra}


def test_offline_every_feed_fails_on_its_own_line_and_nothing_is_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    result = CliRunner().invoke(cli, ["starter", "--department", "hr"], env=_env(tmp_path))
    assert result.exit_code == 1
    hr_feeds = [f for f in load_pack(REGISTRY) if "hr" in f.departments]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(hr_feeds) + 1  # one per feed, then the count
    for feed, line in zip(hr_feeds, lines, strict=False):
        assert line.startswith(f"failed  {feed.outlet} (hr): cannot resolve host ")
        assert line.endswith("; not added")
    assert lines[-1] == f"Starter pack: 0 added, 0 already there, {len(hr_feeds)} failed."
    assert result.stderr.strip().splitlines() == [
        "Error: no starter feed could be fetched, so none was added: check that this machine reaches "
        "the outlets over HTTPS, then run `briefbot starter` again"
    ]
    listed = CliRunner().invoke(cli, ["feeds", "list", "--json"], env=_env(tmp_path))
    assert json.loads(listed.stdout) == []


def test_readable_feeds_are_added_with_their_backlog_and_a_failing_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = FeedServer()
    try:
        good = server.route("/hr.xml", feed_reply([item(i) for i in range(3)], title="HR outlet"))
        broken = server.route("/gone.xml", Reply(status=404))

        def pack(registry: DepartmentRegistry) -> list[StarterFeed]:
            return [
                StarterFeed("An HR outlet", "hr press", ("hr", "operations"), good),
                StarterFeed("A dead outlet", "legal press", ("legal",), broken),
            ]

        monkeypatch.setattr(starter_cli, "load_pack", pack)
        env = _env(tmp_path, BRIEFBOT_ALLOW_PRIVATE_FEEDS="1")
        first = CliRunner().invoke(cli, ["starter"], env=env)
        assert first.exit_code == 0, first.output
        lines = first.stdout.splitlines()
        assert lines[0] == "added   #1 An HR outlet (hr, operations): 3 current items kept as backlog"
        assert lines[1].startswith("failed  A dead outlet (legal): ") and "404" in lines[1]
        assert lines[2] == "Starter pack: 1 added, 0 already there, 1 failed."

        only_hr = CliRunner().invoke(cli, ["starter", "-d", "people", "--json"], env=env)
        assert only_hr.exit_code == 0, only_hr.output
        assert [(r["outlet"], r["result"], r["departments"]) for r in json.loads(only_hr.stdout)] == [
            ("An HR outlet", "present", ["hr"])
        ]
    finally:
        server.close()
    feeds = json.loads(CliRunner().invoke(cli, ["feeds", "list", "--json"], env=env).stdout)
    assert [(f["display_name"], f["departments"]) for f in feeds] == [("An HR outlet", ["hr", "operations"])]


def test_list_shows_the_pack_without_fetching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_: Any, **__: Any) -> Any:
        raise AssertionError("--list must not touch the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    result = CliRunner().invoke(cli, ["starter", "--list", "-d", "finance"], env=_env(tmp_path))
    assert result.exit_code == 0
    assert "CFO Dive [finance press] (finance): https://www.cfodive.com/feeds/news/" in result.stdout
    assert "HR Dive" not in result.stdout


def test_an_unknown_department_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["starter", "-d", "marketing"], env=_env(tmp_path))
    assert result.exit_code == 1 and "Unknown department 'marketing'" in result.stderr
