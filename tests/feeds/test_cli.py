"""``briefbot feeds ...`` and ``briefbot items list`` as an operator uses them (SQLite file)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import feeds.refresher
from briefbot.cli import cli
from storage.types import utcnow
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
    return err


def test_add_list_pause_resume_remove(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1), item(2)]))
    code, out, _ = run(
        env, "feeds", "add", url, "-d", "finance", "--department", "people", "--name", "AI Daily"
    )
    assert code == 0
    assert "Added feed #1 AI Daily (finance, hr)" in out and "2 current items stored as backlog" in out

    code, out, _ = run(env, "feeds", "list", "--json")
    (feed,) = json.loads(out)
    assert (feed["id"], feed["health"], feed["item_count"], feed["departments"]) == (
        1,
        "ok",
        2,
        ["finance", "hr"],
    )

    assert "Paused feed #1" in run(env, "feeds", "pause", "1")[1]
    assert "paused" in run(env, "feeds", "list")[1]
    assert "Resumed feed #1" in run(env, "feeds", "resume", "#1")[1]
    assert "Removed feed #1 AI Daily (2 items)" in run(env, "feeds", "remove", url)[1]
    assert "No feeds yet" in run(env, "feeds", "list")[1]


def test_errors_are_one_line_and_change_nothing(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    assert run(env, "feeds", "add", url, "-d", "legal")[0] == 0
    err = one_line_error(*run(env, "feeds", "add", url + "/", "-d", "hr"))
    assert "already curated as #1" in err
    assert "Unknown department 'sales'" in one_line_error(
        *run(env, "feeds", "add", "https://x.example/f", "-d", "sales")
    )
    assert "only http" in one_line_error(*run(env, "feeds", "add", "file:///etc/passwd", "-d", "hr"))
    assert "no feed #7" in one_line_error(*run(env, "feeds", "pause", "7"))
    strict = {**env, "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "0"}
    assert "loopback" in one_line_error(*run(strict, "feeds", "add", "http://127.0.0.1/feed", "-d", "hr"))
    assert "169.254.169.254" in one_line_error(*run(strict, "feeds", "test", "http://169.254.169.254/latest"))
    assert len(json.loads(run(env, "feeds", "list", "--json")[1])) == 1


def test_refresh_prints_each_outcome_and_totals(env: dict[str, str], make_server: object) -> None:
    site = make_server()  # type: ignore[operator]
    good = site.route("/good", feed_reply([item(1)]), feed_reply([item(1), item(2)]))
    bad = site.route("/bad", feed_reply([item(1)]), Reply(status=503, headers={"Retry-After": "120"}))
    same = site.route("/same", feed_reply([item(5)], etag='"x"'))
    gone = site.route("/gone", feed_reply([item(6)]), Reply(status=410))
    for url in (good, bad, same, gone):
        assert run(env, "feeds", "add", url, "-d", "ops")[0] == 0
    code, out, _ = run(env, "feeds", "refresh")
    assert code == 0 and "No feeds are due" in out
    code, out, _ = run(env, "feeds", "refresh", "--all")
    assert code == 0
    lines = out.splitlines()
    assert "#1 " in lines[0] and "1 new, 0 updated, 1 unchanged" in lines[0]
    assert "#2 " in lines[1] and "rate limited: HTTP 503" in lines[1] and "retry after 120 s" in lines[1]
    assert "#3 " in lines[2] and "unchanged (304 Not Modified)" in lines[2]
    assert "#4 " in lines[3] and "gone (HTTP 410): deactivated" in lines[3]
    assert (
        lines[4].startswith("4 feeds in")
        and "1 with new items" in lines[4]
        and "1 failed, 1 gone" in lines[4]
    )

    code, out, _ = run(env, "feeds", "list")
    assert "1 consecutive error(s)" in out and "HTTP 503" in out and "gone" in out


def test_refresh_json(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    run(env, "feeds", "add", url, "-d", "hr", "--no-fetch")
    code, out, _ = run(env, "feeds", "refresh", "--json")
    data = json.loads(out)
    assert code == 0 and data["totals"]["new_items"] == 1 and data["totals"]["backlog_items"] == 1
    assert data["feeds"][0]["outcome"] == "new"


def test_items_list_by_department(env: dict[str, str], make_server: object) -> None:
    a, b = make_server(), make_server()  # type: ignore[operator]
    run(
        env,
        "feeds",
        "add",
        a.route("/f", feed_reply([item(1, title="Legal story about AI rules here")])),
        "-d",
        "legal",
    )
    run(
        env,
        "feeds",
        "add",
        b.route("/f", feed_reply([item(2, title="HR story about AI skills here")])),
        "-d",
        "hr",
    )
    code, out, _ = run(env, "items", "list", "--department", "people", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["title"] for r in rows] == ["HR story about AI skills here"]
    assert rows[0]["is_backlog"] is True and rows[0]["departments"] == ["hr"]
    assert "[backlog]" in run(env, "items", "list", "-n", "5")[1]
    assert "every stored item is backlog" in run(env, "items", "list", "--fresh-only")[1]
    assert "Unknown department" in one_line_error(*run(env, "items", "list", "-d", "marketing"))


def test_import_and_export(env: dict[str, str], tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<opml version="2.0"><body>'
        '<outline type="rss" text="A" xmlUrl="https://a.example/feed" category="finance"/>'
        '<outline type="rss" text="B" xmlUrl="https://b.example/feed"/>'
        '<outline type="rss" text="C" xmlUrl="javascript:alert(1)" category="hr"/>'
        "</body></opml>"
    )
    code, out, _ = run(env, "feeds", "import", str(opml))
    assert code == 0
    assert "added    #1 A (finance)" in out
    assert "invalid  B: no department" in out and "invalid  C:" in out
    assert "1 added, 0 skipped, 2 invalid" in out
    code, out, _ = run(env, "feeds", "import", str(opml), "--department", "legal", "--json")
    assert json.loads(out)["added"] == 1 and json.loads(out)["skipped"] == 1

    target = tmp_path / "out.opml"
    code, out, _ = run(env, "feeds", "export", str(target))
    assert code == 0 and "Exported 2 feeds" in out
    assert 'category="finance"' in target.read_text() and 'category="legal"' in target.read_text()
    assert run(env, "feeds", "export")[1].startswith("<?xml")
    broken = tmp_path / "broken.opml"
    broken.write_text("<opml><body><outline")
    assert "not a valid OPML" in one_line_error(*run(env, "feeds", "import", str(broken)))


def test_test_previews_without_saving(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1), item(2)]))
    code, out, _ = run(env, "feeds", "test", url)
    assert code == 0 and "Test Feed: 2 items" in out and "Story number 1" in out
    assert json.loads(run(env, "feeds", "list", "--json")[1]) == []


def test_edit_retags_and_renames_a_feed_in_place(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1), item(2)], title="Own Title"))
    assert run(env, "feeds", "add", url, "-d", "legal", "--name", "Reg Watch")[0] == 0

    code, out, _ = run(env, "feeds", "edit", "1", "--department", "finance", "-d", "people")
    assert code == 0 and out == "Feed #1 Reg Watch: departments legal -> finance, hr.\n"
    code, out, _ = run(
        env,
        "feeds",
        "edit",
        "#1",
        "--add-department",
        "ops",
        "--remove-department",
        "finance",
        "--name",
        "AI $",
    )
    assert code == 0
    assert "departments finance, hr -> hr, operations" in out and "name Reg Watch -> AI $" in out
    code, out, _ = run(env, "feeds", "edit", url, "--add-department", "hr")
    assert code == 0 and "Feed #1 AI $ unchanged (hr, operations)" in out

    code, out, _ = run(env, "feeds", "edit", "1", "--name", "", "--json")
    data = json.loads(out)
    assert code == 0 and data["changed"] is True
    assert (data["name"], data["old_name"], data["display_name"]) == (None, "AI $", "Own Title")
    assert data["departments"] == ["hr", "operations"] and data["item_count"] == 2

    (feed,) = json.loads(run(env, "feeds", "list", "--json")[1])
    assert (feed["departments"], feed["display_name"], feed["item_count"], feed["health"]) == (
        ["hr", "operations"],
        "Own Title",
        2,
        "ok",
    )


def test_edit_refusals_are_one_line_and_change_nothing(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    assert run(env, "feeds", "add", url, "-d", "legal", "--name", "Keep")[0] == 0
    before = run(env, "feeds", "list", "--json")[1]
    refusals = [
        (("edit", "7", "-d", "hr"), "no feed #7"),
        (("edit", "1", "-d", "sales"), "Unknown department 'sales'"),
        (
            ("edit", "1", "--add-department", "marketing"),
            "finance (fin), legal (compliance), operations (ops), hr (people)",
        ),
        (("edit", "1", "--remove-department", "legal"), "would be left without a department"),
        (("edit", "1", "-d", "hr", "--remove-department", "hr"), "both added and removed"),
        (("edit", "1"), "nothing to change"),
    ]
    for args, message in refusals:
        assert message in one_line_error(*run(env, "feeds", *args)), args
    assert run(env, "feeds", "list", "--json")[1] == before


def test_list_shows_when_each_feed_is_fetched_next(env: dict[str, str], make_server: object) -> None:
    site = make_server()  # type: ignore[operator]
    cached = site.route("/cached", _cached(feed_reply([item(1)]), "max-age=7200"))
    plain = site.route("/plain", feed_reply([item(2)]))
    later = site.route("/later", feed_reply([item(3)]))
    for url in (cached, plain):
        assert run(env, "feeds", "add", url, "-d", "hr")[0] == 0
    assert run(env, "feeds", "add", later, "-d", "hr", "--no-fetch")[0] == 0
    (a, b, c) = json.loads(run(env, "feeds", "list", "--json")[1])
    fetched_a = datetime.fromisoformat(a["last_fetched_at"])
    assert datetime.fromisoformat(a["next_fetch_at"]) - fetched_a == timedelta(hours=2)
    assert datetime.fromisoformat(b["next_fetch_at"]) - fetched_a < timedelta(minutes=30)
    assert c["next_fetch_at"] is None
    out = run(env, "feeds", "list")[1]
    assert "NEXT FETCH" in out
    assert datetime.fromisoformat(a["next_fetch_at"]).strftime("%Y-%m-%d %H:%M UTC") in out
    assert "due now" in out
    assert run(env, "feeds", "pause", "2")[0] == 0
    paused = next(line for line in run(env, "feeds", "list")[1].splitlines() if line.startswith("   2 "))
    assert paused.split()[1] == "paused" and " -  " in paused


def _cached(reply: Reply, cache_control: str) -> Reply:
    reply.headers["Cache-Control"] = cache_control
    return reply


def test_refresh_within_max_age_makes_no_request(
    env: dict[str, str], make_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_server()  # type: ignore[operator]
    routes = {
        "/max-age": "public, max-age=7200",
        "/no-cache": "no-cache",
        "/year": "max-age=31536000",
        "/garbage": "max-age=two-hours",
    }
    for path, header in routes.items():
        url = site.route(path, _cached(feed_reply([item(path)]), header))
        assert run(env, "feeds", "add", url, "-d", "finance")[0] == 0

    def refresh_at(offset: timedelta) -> dict[str, int]:
        monkeypatch.setattr(feeds.refresher, "utcnow", lambda: utcnow() + offset)
        assert run(env, "feeds", "refresh")[0] == 0
        return {path: len(site.hits(path)) for path in routes}

    # 45 minutes on (past the normal 30-minute period): only max-age holds feeds back.
    assert refresh_at(timedelta(minutes=45)) == {"/max-age": 1, "/no-cache": 2, "/year": 1, "/garbage": 2}
    assert refresh_at(timedelta(hours=2, minutes=5)) == {
        "/max-age": 2,
        "/no-cache": 3,
        "/year": 1,
        "/garbage": 3,
    }
    # A year's max-age waits a day at most.
    assert refresh_at(timedelta(hours=24, minutes=5))["/year"] == 2


def test_brief_says_what_it_held_back_as_backlog_and_shows_it_on_request(
    env: dict[str, str], feed_server: FeedServer
) -> None:
    old = utcnow() - timedelta(days=30)
    titles = ["EU AI Act fines for GDPR breaches undated", "EU AI Act fines for GDPR breaches of old"]
    reply = feed_reply([item(1, title=titles[0], date=None), item(2, title=titles[1], date=old)])
    assert run(env, "feeds", "add", feed_server.route("/f", reply), "-d", "legal")[0] == 0
    code, out, _ = run(env, "brief", "legal")
    assert code == 0 and not any(t in out for t in titles)
    assert "2 items of newly added or resumed Legal feeds are held back as backlog" in out
    assert "briefbot brief legal --include-backlog" in out
    code, out, _ = run(env, "brief", "legal", "--include-backlog")
    assert code == 0 and titles[0] in out and "held back" not in out
    assert json.loads(run(env, "brief", "legal", "--json")[1])["held_back"] == 2
