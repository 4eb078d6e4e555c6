"""What an admin running briefbot from cron and scripts relies on, through the real CLI:
``feeds refresh --strict`` fails the exit code, OPML keeps paused state and says what it did
with departments, and every command that changes a feed can answer in JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.feeds.test_cli import one_line_error, run


def test_refresh_strict_fails_the_exit_code_when_a_feed_failed(
    env: dict[str, str], feed_server: FeedServer
) -> None:
    good = feed_server.route("/good", feed_reply([item(1)]), feed_reply([item(1), item(2)]))
    bad = feed_server.route("/bad", feed_reply([item(3)]), Reply(status=500))
    for url in (good, bad):
        assert run(env, "feeds", "add", url, "-d", "legal")[0] == 0

    code, out, err = run(env, "feeds", "refresh", "--all", "--strict")
    assert code == 1
    assert err.strip() == "Error: 1 of 2 feeds failed this refresh (failed, rate limited or gone)"
    totals = out.splitlines()[-1]
    assert totals.startswith("2 feeds in") and "1 failed, 0 gone" in totals
    assert "#2 " in out and "FAILED: HTTP 500" in out

    code, out, err = run(env, "feeds", "refresh", "--all", "--strict", "--json")
    assert code == 1 and json.loads(out)["totals"]["failed"] == 1 and len(err.strip().splitlines()) == 1
    # Without --strict the exit code stays 0, as before.
    assert run(env, "feeds", "refresh", "--all")[0] == 0
    # Nothing failing (the bad feed paused), nothing due: --strict passes.
    assert run(env, "feeds", "pause", "2")[0] == 0
    assert run(env, "feeds", "refresh", "--all", "--strict")[0] == 0
    code, out, _ = run(env, "feeds", "refresh", "--strict")
    assert code == 0 and "No feeds are due" in out


def test_opml_round_trip_keeps_a_paused_feed_paused(
    env: dict[str, str], feed_server: FeedServer, tmp_path: Path, sqlite_url: str
) -> None:
    quiet = feed_server.route("/quiet", feed_reply([item(1)]))
    loud = feed_server.route("/loud", feed_reply([item(2)]))
    assert run(env, "feeds", "add", quiet, "-d", "legal", "--name", "Quiet")[0] == 0
    assert run(env, "feeds", "add", loud, "-d", "hr", "-d", "finance")[0] == 0
    assert run(env, "feeds", "pause", "1")[0] == 0
    exported = tmp_path / "feeds.opml"
    assert run(env, "feeds", "export", str(exported))[0] == 0
    text = exported.read_text()
    assert 'xmlns:briefbot="urn:briefbot:opml:1"' in text and text.count('briefbot:paused="true"') == 1

    fresh = {**env, "DATABASE_URL": sqlite_url.replace(".db", "-fresh.db")}
    code, out, _ = run(fresh, "feeds", "import", str(exported))
    assert code == 0 and "added    #1 Quiet (legal), paused" in out and "2 added, 0 skipped, 0 invalid" in out
    feeds = {f["url"]: f for f in json.loads(run(fresh, "feeds", "list", "--json")[1])}
    assert (feeds[quiet]["status"], feeds[quiet]["health"]) == ("paused", "paused")
    assert feeds[loud]["status"] == "active" and feeds[loud]["departments"] == ["finance", "hr"]
    # The paused feed is not fetched by a refresh; the active one is.
    assert run(fresh, "feeds", "refresh", "--all")[0] == 0
    assert (len(feed_server.hits("/quiet")), len(feed_server.hits("/loud"))) == (1, 2)


def test_import_reports_unknown_departments_and_re_tagging(
    env: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    known = feed_server.route("/known", feed_reply([item(1)]))
    assert run(env, "feeds", "add", known, "-d", "legal", "--name", "Reg Watch")[0] == 0
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<opml version="2.0"><body>'
        f'<outline type="rss" text="Reg Watch" xmlUrl="{known}" category="legal,hr"/>'
        '<outline type="rss" text="Mixed" xmlUrl="https://mixed.example/feed" category="legal,marketing"/>'
        '<outline type="rss" text="Only unknown" xmlUrl="https://sales.example/feed" category="sales"/>'
        '<outline type="rss" text="Plain" xmlUrl="https://plain.example/feed"/>'
        "</body></opml>"
    )
    code, out, _ = run(env, "feeds", "import", str(opml), "-d", "hr")
    assert code == 0
    assert out.splitlines()[:4] == [
        "re-tagged #1 Reg Watch: legal → hr, legal",
        "added    #2 Mixed (legal); unknown departments skipped: marketing",
        "added    #3 Only unknown (hr); unknown departments skipped: sales",
        "added    #4 Plain (hr)",
    ]
    assert out.splitlines()[4].startswith("3 added, 0 skipped, 0 invalid, 1 re-tagged.")
    feeds = {f["id"]: f["departments"] for f in json.loads(run(env, "feeds", "list", "--json")[1])}
    assert feeds == {1: ["hr", "legal"], 2: ["legal"], 3: ["hr"], 4: ["hr"]}

    # Again, as JSON: everything is curated and tagged now, so nothing changes; the unknown
    # categories are still reported.
    code, out, _ = run(env, "feeds", "import", str(opml), "-d", "hr", "--json")
    data = json.loads(out)
    assert code == 0 and (data["added"], data["retagged"], data["skipped"], data["invalid"]) == (0, 0, 4, 0)
    assert [line["unknown"] for line in data["outlines"]] == [[], ["marketing"], ["sales"], []]
    opml.write_text(
        '<opml version="2.0"><body>'
        f'<outline type="rss" text="Reg Watch" xmlUrl="{known}" category="finance"/>'
        "</body></opml>"
    )
    data = json.loads(run(env, "feeds", "import", str(opml), "--json")[1])
    (line,) = data["outlines"]
    assert (line["result"], line["old_departments"], line["departments"]) == (
        "retagged",
        ["hr", "legal"],
        ["finance", "hr", "legal"],
    )
    assert "Unknown department 'marketing'" in one_line_error(
        *run(env, "feeds", "import", str(opml), "-d", "marketing")
    )


def test_pause_resume_remove_and_prune_answer_in_json(env: dict[str, str], feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1), item(2)]))
    assert run(env, "feeds", "add", url, "-d", "legal", "--name", "Reg Watch")[0] == 0
    edited = json.loads(run(env, "feeds", "edit", "1", "--add-department", "hr", "--json")[1])

    code, out, _ = run(env, "feeds", "pause", "1", "--json")
    paused = json.loads(out)
    assert code == 0 and set(edited) - {"old_departments", "old_name"} == set(paused)
    assert (paused["id"], paused["status"], paused["changed"], paused["display_name"]) == (
        1,
        "paused",
        True,
        "Reg Watch",
    )
    assert json.loads(run(env, "feeds", "pause", "#1", "--json")[1])["changed"] is False
    resumed = json.loads(run(env, "feeds", "resume", url, "--json")[1])
    assert (resumed["status"], resumed["changed"], resumed["next_fetch_at"]) == ("active", True, None)

    code, out, _ = run(env, "feeds", "prune", "--json")
    pruned = json.loads(out)
    assert code == 0 and (pruned["items"], pruned["stories"]) == (0, 0) and "cutoff" in pruned

    code, out, _ = run(env, "feeds", "remove", "1", "--json")
    removed = json.loads(out)
    assert code == 0 and (removed["id"], removed["item_count"], removed["removed"]) == (1, 2, True)
    assert json.loads(run(env, "feeds", "list", "--json")[1]) == []
    # A refusal stays one line on stderr and a non-zero exit, with --json too.
    assert "no feed #1" in one_line_error(*run(env, "feeds", "pause", "1", "--json"))
