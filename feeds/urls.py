"""URL helpers: feed URL normalisation, duplicate keys, absolute entry links, canonical story URLs.

Pure functions (no network): the SSRF checks that need DNS live in ``feeds.safety``.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from feeds.errors import InvalidFeedURL

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only track the reader, never select content. Dropping them lets the same
# story shared with different campaign tags become one story.
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "_hs")
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "sr_share",
        "spm",
        "ocid",
        "soc_src",
        "soc_trk",
        "guccounter",
        "mkt_tok",
        "__twitter_impression",
        "rss_source",
    }
)
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_SPACE_RE = re.compile(r"\s")
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u061c\u202a-\u202e\u2060-\u2069\ufeff\u180e]")
# One DNS label (RFC 1123): letters, digits and inner hyphens, at most 63 characters.
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def normalise_feed_url(raw: str) -> str:
    """The stored form of a feed URL, or ``InvalidFeedURL`` with a reason.

    Lower-cases scheme and host (IDNA for non-ASCII hosts), drops the default port and the
    fragment, gives an empty path ``/``. ``feed://`` becomes ``http://``; a bare
    ``example.com/feed`` gets ``https://``.
    """
    url = (raw or "").strip()
    if not url:
        raise InvalidFeedURL("a feed URL is required")
    if url.lower().startswith("feed://"):
        url = "http://" + url[7:]
    elif url.lower().startswith("feed:"):
        url = url[5:]
    if not _SCHEME_RE.match(url) and not url.startswith("//"):
        url = "https://" + url
    if len(url) > MAX_URL_LENGTH:
        raise InvalidFeedURL(f"feed URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidFeedURL(f"not a valid URL: {_shorten(raw)} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidFeedURL(f"only http:// and https:// feed URLs are allowed, not {scheme}://")
    if parts.username is not None or parts.password is not None:
        raise InvalidFeedURL("feed URLs with a user name or password are not supported")
    if _SPACE_RE.search(url):
        raise InvalidFeedURL(f"the URL contains spaces: {_shorten(raw)}")
    if _INVISIBLE_RE.search(url):
        # A right-to-left override or a zero-width space makes the URL read as another one.
        raise InvalidFeedURL("the URL contains invisible or text-direction control characters")
    host = _normalise_host(parts.hostname or "")
    if not host:
        raise InvalidFeedURL(f"the URL has no host name: {_shorten(raw)}")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def feed_identity(url: str) -> str:
    """A key under which two spellings of the same feed collide (duplicate detection).

    Ignores the scheme, a leading ``www.`` and a trailing slash: ``http://www.x.com/feed/`` and
    ``https://x.com/feed`` are one feed.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}?{parts.query}" if parts.query else f"{host}{path}"


def host_of(url: str) -> str:
    """The host part (lower case) used for per-host politeness limits."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def absolute_link(link: str | None, base: str) -> str | None:
    """``link`` made absolute against ``base``; ``None`` unless the result is http(s)."""
    if not link:
        return None
    link = link.strip()
    if not link:
        return None
    if not link.startswith(("http://", "https://")):
        try:
            link = urljoin(base, link)
        except ValueError:
            return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        return None
    if len(link) > MAX_URL_LENGTH or _SPACE_RE.search(link):
        return None
    return link


def canonical_url(link: str | None) -> str | None:
    """The story identity of an absolute link: the same article under different tracking tags,
    ``www.``, scheme, fragment or trailing slash maps to one string.

    An identity key, not a display link (the scheme is always ``https``).
    """
    if not link:
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        return None
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    path = parts.path.rstrip("/") or "/"
    result = urlunsplit(("https", host, path, urlencode(query), ""))
    return result[:MAX_URL_LENGTH]


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES)


def _normalise_host(host: str) -> str:
    """The host in stored form (lower case, IDNA), or ``InvalidFeedURL`` unless it is a DNS name
    or an IP literal: hosts such as ``{{7*7}}`` or ``a_b!$.test`` used to be stored and then fail
    at every fetch."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return host
    if ":" in host:  # only an IPv6 literal has colons in its host
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            raise InvalidFeedURL(f"invalid IPv6 address: {_shorten(host, 80)}") from None
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidFeedURL(f"invalid host name: {_shorten(host, 80)}") from None
    labels = ascii_host.split(".")
    if labels[-1].isdigit():  # a numeric top label is only valid as a dotted IPv4 address
        try:
            return str(ipaddress.IPv4Address(ascii_host))
        except ValueError:
            raise InvalidFeedURL(f"invalid IP address: {_shorten(host, 80)}") from None
    if len(ascii_host) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise InvalidFeedURL(
            f"invalid host name: {_shorten(host, 80)!r} (letters, digits, hyphens and dots only)"
        )
    return ascii_host


def _shorten(text: str, limit: int = 120) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
