"""The feeds package's exceptions: one hierarchy rooted at ``FeedError`` (a ``BriefbotError``).

Each message is fit to show a user as it is (a CLI line or a Slack reply). Builtins are mixed in
so callers can catch by meaning (``except ValueError``) as well as by package.
"""

from __future__ import annotations

from foundation.errors import BriefbotError
from foundation.errors import UnknownDepartment as UnknownDepartment  # the one class, re-exported


class FeedError(BriefbotError):
    """Anything the feeds package refuses or cannot do."""


class InvalidFeedURL(FeedError, ValueError):
    """The URL is not an http(s) URL we can fetch."""


class UnsafeFeedURL(InvalidFeedURL):
    """The URL resolves to an address feeds may not reach (SSRF guard)."""


class FeedNotFound(FeedError, LookupError):
    """No feed with that id (or URL)."""


class DuplicateFeed(FeedError):
    """The URL (after normalisation) is already curated."""

    def __init__(self, message: str, *, feed_id: int) -> None:
        super().__init__(message)
        self.feed_id = feed_id


class FetchError(FeedError):
    """Fetching a feed failed: network, HTTP status, size cap, deadline, redirects."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class FeedCheckFailed(FetchError):
    """Adding a feed was refused: the URL's first fetch found no readable feed. Nothing was stored.

    ``url`` is the URL that was tried last (a feed an HTML page linked to, when there was one)."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.url = url


class FeedTooLarge(FetchError):
    """The response body passed the size cap; the download was aborted."""


class FetchTimeout(FetchError, TimeoutError):
    """Connect, read or the total per-feed deadline ran out."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a redirect loop."""


class ParseError(FeedError):
    """The bytes are not a usable RSS/Atom feed (or were refused as hostile)."""


class OPMLError(FeedError, ValueError):
    """An OPML document that cannot be read at all."""
