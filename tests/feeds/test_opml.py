"""OPML 2.0 import and export (point 1): departments as categories, a per-outline report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.errors import OPMLError
from feeds.opml import ExportFeed, export_opml, parse_opml
from feeds.service import FeedService
from storage import Database
from storage.audit import recent

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Team feeds</title></head>
  <body>
    <outline type="rss" text="Reg watch" xmlUrl="https://regwatch.example.com/feed"
             category="/legal,/Tech/AI"/>
    <outline text="Money">
      <outline text="finance">
        <outline type="rss" text="CFO daily" xmlUrl="https://cfo.example.com/rss"/>
      </outline>
    </outline>
    <outline type="rss" text="People news" xmlUrl="https://people.example.com/feed" category="people,ops"/>
    <outline type="rss" text="Same as first" xmlUrl="http://www.regwatch.example.com/feed/" category="legal"/>
    <outline type="rss" text="No department" xmlUrl="https://misc.example.com/feed" category="Tech"/>
    <outline type="rss" text="Not http" xmlUrl="ftp://files.example.com/feed" category="hr"/>
    <outline type="rss" text="Missing URL" category="hr"/>
  </body>
</opml>"""


def test_parse_reads_categories_and_folders() -> None:
    outlines = parse_opml(OPML)
    assert [o.title for o in outlines][:3] == ["Reg watch", "CFO daily", "People news"]
    assert outlines[0].categories == ("legal", "AI")
    assert "finance" in outlines[1].categories
    assert outlines[-1].url == ""


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b"not xml at all", "not a valid OPML"),
        (b"<rss version='2.0'/>", "root element is <rss>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "b">]><opml><body/></opml>', "DOCTYPE"),
        (
            b'<?xml version="1.0"?><!--' + b"x" * 70_000 + b'--><!DOCTYPE opml [<!ENTITY a "b">]>'
            b"<opml><body/></opml>",
            "DOCTYPE",
        ),
    ],
)
def test_unreadable_opml_is_refused_with_a_reason(doc: bytes, reason: str) -> None:
    with pytest.raises(OPMLError, match=reason):
        parse_opml(doc)


def test_export_is_opml_2_with_departments_as_categories() -> None:
    text = export_opml(
        [
            ExportFeed(
                "https://a.example/feed", "A & B <news>", None, "https://a.example/", ("finance", "legal")
            )
        ],
        now=datetime(2026, 11, 20, tzinfo=UTC),
    )
    assert '<opml version="2.0" xmlns:briefbot="urn:briefbot:opml:1">' in text
    assert "paused" not in text
    assert 'category="finance,legal"' in text and 'xmlUrl="https://a.example/feed"' in text
    assert "A &amp; B &lt;news&gt;" in text
    (outline,) = parse_opml(text)
    assert outline.categories == ("finance", "legal") and outline.title == "A & B <news>"


def test_import_reports_every_outline_and_is_audited(feed_service: FeedService, db: Database) -> None:
    report = feed_service.import_opml(OPML, default_departments=[])
    results = [(line.title, line.result) for line in report.lines]
    assert results == [
        ("Reg watch", "added"),
        ("CFO daily", "added"),
        ("People news", "added"),
        ("Same as first", "skipped"),
        ("No department", "invalid"),
        ("Not http", "invalid"),
        ("Missing URL", "invalid"),
    ]
    reasons = {line.title: line.reason for line in report.lines}
    assert "already curated as #" in reasons["Same as first"]
    assert "no department" in reasons["No department"]
    assert "only http" in reasons["Not http"]
    by_url = {f.url: f for f in feed_service.list()}
    assert by_url["https://people.example.com/feed"].departments == ("hr", "operations")
    assert by_url["https://cfo.example.com/rss"].departments == ("finance",)
    assert all(f.health == "never fetched" for f in by_url.values())
    with db.read() as session:
        summary = recent(session, 1)[0]
    assert summary.action == "feeds.import" and summary.detail == {
        "added": 3,
        "retagged": 0,
        "skipped": 1,
        "invalid": 3,
    }
    again = feed_service.import_opml(OPML, default_departments=["hr"])
    assert again.count("added") == 1  # only "No department", now defaulted to hr
    assert again.count("skipped") == 4


def test_export_then_import_round_trips(feed_service: FeedService, db: Database, tmp_path: object) -> None:
    feed_service.import_opml(OPML)
    exported = feed_service.export_opml()
    before = {(f.url, f.departments) for f in feed_service.list()}
    for info in feed_service.list():
        feed_service.remove(info.id)
    feed_service.import_opml(exported)
    assert {(f.url, f.departments) for f in feed_service.list()} == before


def test_import_re_tags_curated_feeds_and_keeps_paused_state(feed_service: FeedService, db: Database) -> None:
    kept = feed_service.add("https://kept.example/feed", ["legal"], fetch=False).feed
    doc = (
        '<opml version="2.0" xmlns:briefbot="urn:briefbot:opml:1"><body>'
        '<outline type="rss" text="Kept" xmlUrl="https://kept.example/feed" category="legal,hr,marketing"'
        ' briefbot:paused="true"/>'
        '<outline type="rss" text="New" xmlUrl="https://new.example/feed" category="finance"'
        ' briefbot:paused="true"/>'
        "</body></opml>"
    )
    retagged, added = feed_service.import_opml(doc).lines
    assert (retagged.result, retagged.old_departments, retagged.departments) == (
        "retagged",
        ("legal",),
        ("hr", "legal"),
    )
    assert retagged.unknown == ("marketing",) and retagged.paused is False
    assert (added.result, added.paused) == ("added", True)
    by_url = {f.url: f for f in feed_service.list()}
    # A curated feed keeps its own status; only the feed the import adds is paused.
    assert by_url[kept.url].status == "active" and by_url[kept.url].departments == ("hr", "legal")
    assert by_url["https://new.example/feed"].status == "paused"
    with db.read() as session:
        actions = [(e.action, e.detail) for e in recent(session, 3)]
    assert ("feed.edit", {"old_departments": ["legal"], "departments": ["hr", "legal"], "via": "opml"}) in [
        (action, {k: v for k, v in detail.items() if k != "feed_id"}) for action, detail in actions
    ]
    assert actions[0] == ("feeds.import", {"added": 1, "retagged": 1, "skipped": 0, "invalid": 0})
