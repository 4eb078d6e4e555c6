"""A refresh never makes stored text worse (issue 23): an answer cut short, or whose text decodes
to garbage, stores nothing over what is stored and says why in the feed's health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feeds.parse import parse_feed
from feeds.service import FeedService
from storage import Database
from storage.models import Item
from storage.types import utcnow
from tests.feeds.conftest import NOW, FeedServer, Reply, item, rss

URL = "https://news.example.com/feed.xml"
TITLES = ["Über die KI-Verordnung: Zürich prüft Schnittstellen", "Café numérique : l’IA générative au bureau"]


def _feed(summary: str = "Résumé") -> bytes:
    when = utcnow().replace(microsecond=0) - timedelta(hours=1)
    return rss(
        [item(n, title=t, description=f"<p>{summary} {n}</p>", date=when) for n, t in enumerate(TITLES)]
    )


def _cut_inside_a_character(body: bytes) -> bytes:
    # A download that stopped one byte into the last "é" of the document.
    return body[: body.rindex("é".encode()) + 1]


def _reply(body: bytes) -> Reply:
    return Reply(body=body, headers={"Content-Type": "application/rss+xml"})


def test_a_body_cut_inside_a_character_is_read_as_utf8_and_said_to_be_cut() -> None:
    body = rss([item(n, title=t) for n, t in enumerate(TITLES)] + [item(9, title="Dernière minute : déjà")])
    feed = parse_feed(_cut_inside_a_character(body), url=URL, content_type="application/rss+xml", now=NOW)
    assert [e.title for e in feed.entries] == TITLES  # not "Ãœber", not "CafĂ©"; the cut entry dropped
    assert feed.damaged and feed.warning and "cut short" in feed.warning


@pytest.mark.parametrize(
    ("legacy", "count"),
    [("Don\x92t panic {n}", 20), ("Caf\xe9 \x93quoted\x94 {n}", 10)],
    ids=["chardet-guesses-maclatin2", "chardet-guesses-windows-1252"],
)
def test_utf8_read_as_a_legacy_encoding_is_reported_even_when_an_xml_error_follows(
    legacy: str, count: int
) -> None:
    # UTF-8 text, then items in windows-1252: no encoding fits the whole, so feedparser has chardet
    # pick one (Mac Latin 2, windows-1252) and every UTF-8 title turns to "√úber" / "Ãœber"; the
    # document is also cut at a tag boundary, so an XML error replaces feedparser's
    # encoding-override signal (which was all the warning looked for).
    good = "".join(f"<item><title>{t}</title><guid>g{n}</guid></item>" for n, t in enumerate(TITLES * 3))
    bad = "".join(f"<item><title>{legacy.format(n=n)}</title><guid>b{n}</guid></item>" for n in range(count))
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Mixed</title>'
        + good.encode()
        + bad.encode("latin-1")
        + b"<item><title>last</title>"
    )
    feed = parse_feed(body, url=URL, content_type="application/rss+xml", now=NOW)
    assert feed.entries[0].title != TITLES[0]  # garbled indeed
    assert feed.damaged
    assert feed.warning and "some text is garbled" in feed.warning


def test_a_damaged_answer_never_overwrites_stored_text(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    edited = _feed(summary="Edited résumé")
    url = feed_server.route("/feed", _reply(_feed()), _reply(_cut_inside_a_character(edited)), _reply(edited))
    feed = feed_service.add(url, ["legal"]).feed
    (cut,) = feed_service.refresh(force=True).outcomes
    assert (cut.outcome, cut.new, cut.updated) == ("unchanged", 0, 0)
    (listed,) = feed_service.list()
    assert listed.last_warning and "cut short" in listed.last_warning
    with db.read() as session:
        stored = list(session.scalars(select(Item).where(Item.feed_id == feed.id).order_by(Item.id)))
    assert [i.title for i in stored] == TITLES
    assert [i.summary for i in stored] == ["Résumé 0", "Résumé 1"]
    # The whole answer next time: the cut one left no validators or hash behind.
    (whole,) = feed_service.refresh(force=True).outcomes
    assert (whole.outcome, whole.updated) == ("updated", 2)
    (listed,) = feed_service.list()
    assert listed.last_warning is None


def test_a_whole_document_with_junk_around_it_is_not_cut() -> None:
    # Shapes from the corpus: a CDN's script tag after </rss>; a PHP warning before the XML.
    body = rss([item(1), item(2)])
    for served in (
        body + b'\n<script src="/cdn-cgi/scripts/email-decode.min.js"></script>',
        b"<br />\n<b>Warning</b>:  count(): Parameter must be an array in init.php\n" + body,
    ):
        feed = parse_feed(served, url=URL, now=NOW)
        assert not feed.damaged and len(feed.entries) == 2


def test_the_entry_a_document_was_cut_in_is_kept_when_its_key_is_whole() -> None:
    # Cut inside the last entry's text: its GUID names it, so it is stored (as new only) and the
    # whole document later updates it.
    body = rss([item(1), item(2, description="<p>" + "long text " * 50 + "</p>")])
    cut = body[: body.rindex(b"long text")]
    feed = parse_feed(cut, url=URL, now=NOW)
    assert feed.damage == "cut" and [e.guid for e in feed.entries] == ["urn:story:1", "urn:story:2"]
