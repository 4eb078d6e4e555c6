"""SSRF guard: feed URLs may only reach public addresses.

The check runs inside the HTTP client's connection step (``GuardedBackend``): every connection,
for every redirect hop, resolves the host, refuses if any resolved address is loopback, private,
link-local (169.254.0.0/16, home of cloud metadata endpoints), multicast, reserved, unspecified or
an IPv6 equivalent, and then connects to the very address it checked. A DNS answer that changes
between check and connect (DNS rebinding) therefore cannot slip through.
``BRIEFBOT_ALLOW_PRIVATE_FEEDS=1`` turns the refusal off (intranet feeds, tests), except for cloud
metadata endpoints (169.254.169.254 and friends): no feed lives there and credentials do.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from feeds.errors import FetchError, UnsafeFeedURL

_METADATA_ADDRESSES = frozenset({"169.254.169.254", "169.254.170.2", "fd00:ec2::254"})
ALLOW_HINT = "set BRIEFBOT_ALLOW_PRIVATE_FEEDS=1 to allow feeds on private networks"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def classify_address(address: str | IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address (``"loopback"``, ...), or ``None`` if it is."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "link-local (scoped IPv6)"
        # Embedded IPv4 forms must not smuggle a private IPv4 address past the check.
        if ip.ipv4_mapped is not None:
            return classify_address(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            inner = classify_address(ip.sixtofour)
            if inner:
                return f"{inner} (6to4)"
        if ip.teredo is not None:
            return "reserved (Teredo tunnel)"
        if ip in ipaddress.IPv6Network("64:ff9b::/96"):
            inner = classify_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            if inner:
                return f"{inner} (NAT64)"
    if str(ip) in _METADATA_ADDRESSES:
        return "link-local (cloud metadata endpoint)"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP), in resolver order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host}: {_gai_reason(exc)}") from None
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0])
        if addr not in seen:
            seen.append(addr)
    if not seen:
        raise FetchError(f"cannot resolve host {host}: no addresses")
    return seen


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise ``UnsafeFeedURL`` if any of ``addresses`` is not public (one bad answer is enough)."""
    for addr in addresses:
        reason = classify_address(addr)
        if reason:
            shown = host if host == addr else f"{host} resolves to {addr}, which"
            # Metadata endpoints stay refused whatever the setting, so don't suggest changing it.
            hint = "never a feed" if "metadata" in reason else ALLOW_HINT
            raise UnsafeFeedURL(f"refused: {shown} is a {reason} address ({hint})")


def check_host(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve and check ``host``; return the addresses safe to connect to."""
    addresses = resolve(host, port)
    if allow_private:
        check_metadata(host, addresses)
    else:
        check_addresses(host, addresses)
    return addresses


def check_metadata(host: str, addresses: Iterable[str]) -> None:
    """Refuse cloud metadata endpoints even when private feeds are allowed."""
    for addr in addresses:
        if addr in _METADATA_ADDRESSES or addr.removeprefix("::ffff:") in _METADATA_ADDRESSES:
            shown = host if host == addr else f"{host} ({addr})"
            raise UnsafeFeedURL(f"refused: {shown} is a cloud metadata endpoint, never a feed")


def check_literal_host(host: str, *, allow_private: bool) -> None:
    """Static pre-check without DNS: refuse IP literals and ``localhost`` names that are unsafe."""
    bare = host.strip("[]").lower()
    if allow_private:
        check_metadata(bare, [bare])
        return
    if bare == "localhost" or bare.endswith(".localhost"):
        raise UnsafeFeedURL(f"refused: {host} is a loopback address ({ALLOW_HINT})")
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return
    check_addresses(bare, [str(ip)])


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that checks, then connects to, the resolved address itself.

    TLS still verifies the certificate against the host name: httpcore passes the origin host as
    SNI / ``server_hostname`` after ``connect_tcp`` returns.
    """

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = check_host(host, port, allow_private=self.allow_private)
        last_error: Exception | None = None
        for addr in addresses:
            try:
                return self._inner.connect_tcp(
                    addr, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise UnsafeFeedURL("refused: feeds cannot use UNIX sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _gai_reason(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror) and exc.errno in (
        socket.EAI_NONAME,
        getattr(socket, "EAI_NODATA", -5),
    ):
        return "host not found"
    return str(exc.args[-1]) if exc.args else type(exc).__name__
