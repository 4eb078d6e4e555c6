"""Legacy encodings (issue 13, item 2): feeds that declare no encoding, or a wrong one, served over
loopback and fetched and parsed as a refresh does, decode correctly (feedparser's detector,
chardet); text that still cannot be decoded is kept with a warning in the feed's health."""

from __future__ import annotations

import pytest

from feeds.fetch import Fetcher
from feeds.records import FeedJob
from feeds.refresh import process_job
from feeds.service import FeedService
from tests.feeds.conftest import NOW, FeedServer, Reply, item, rss

TEXTS = {
    "big5": (
        "人工智慧監管新規定",
        "政府公布人工智慧監管新規定，企業必須在明年之前完成風險評估與合規審查。",
    ),
    "shift_jis": (
        "人工知能の規制について",
        "政府は人工知能の新しい規制を発表しました。企業は来年までにリスク評価を完了する必要があります。",
    ),
    "euc-jp": (
        "人工知能の新しい規制",
        "政府は人工知能の新しい規制を発表しました。企業は来年までにリスク評価を完了する必要があります。",
    ),
    "euc-kr": (
        "인공지능 규제 발표",
        "정부는 인공지능에 대한 새로운 규제를 발표했습니다. 기업은 내년까지 위험 평가를 완료해야 합니다.",
    ),
    "gb2312": (
        "人工智能监管新规定",
        "政府公布人工智能监管新规定，企业必须在明年之前完成风险评估与合规审查。",
    ),
    "koi8-r": (
        "Новые правила для ИИ",
        "Правительство объявило новые правила регулирования искусственного интеллекта. "
        "Компании должны завершить оценку рисков.",
    ),
    "windows-1255": (
        "תקנות חדשות לבינה מלאכותית",
        "הממשלה הודיעה על תקנות חדשות לבינה מלאכותית. חברות חייבות להשלים הערכת סיכונים עד השנה הבאה.",
    ),
}


def _legacy_feed(encoding: str, declared: str | None) -> bytes:
    title, text = TEXTS[encoding]
    body = rss(
        [item(1, title=title, description=text), item(2, title=f"{title} 2", description=text)],
        encoding=encoding,
    )
    replacement = f' encoding="{declared}"'.encode() if declared else b""
    return body.replace(f' encoding="{encoding}"'.encode(), replacement)


@pytest.mark.parametrize("encoding", sorted(TEXTS))
@pytest.mark.parametrize(
    ("declared", "content_type"),
    [(None, "application/rss+xml"), (None, "text/xml"), ("utf-8", "application/rss+xml; charset=utf-8")],
    ids=["undeclared", "text-xml-undeclared", "declared-utf8-wrongly"],
)
def test_legacy_encoding_is_detected(
    feed_server: FeedServer, encoding: str, declared: str | None, content_type: str
) -> None:
    url = feed_server.route(
        "/feed", Reply(body=_legacy_feed(encoding, declared), headers={"Content-Type": content_type})
    )
    with Fetcher(allow_private=True) as fetcher:
        outcome = process_job(FeedJob(0, url, None, None, None, None, False, None, 0), fetcher, now=NOW)
    assert outcome.parsed is not None
    title, text = TEXTS[encoding]
    assert [e.title for e in outcome.parsed.entries] == [title, f"{title} 2"]
    assert outcome.parsed.entries[0].summary == text


def test_undecodable_text_shows_a_warning_in_the_feed_health(
    feed_service: FeedService, feed_server: FeedServer
) -> None:
    # Bytes that are undefined even in windows-1252: no encoding fits them.
    body = rss([item(1, title="TITLE")]).replace(b"TITLE", b"News \x81\x8d\x8f\x90\x9d" * 3)
    url = feed_server.route("/feed", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
    added = feed_service.add(url, ["hr"])
    assert added.first_fetch is not None and added.first_fetch.outcome == "new"
    assert added.first_fetch.warning and "some text is garbled" in added.first_fetch.warning
    (feed,) = feed_service.list()
    assert feed.item_count == 1
    assert feed.last_warning and "encoding is wrong or undeclared" in feed.last_warning
