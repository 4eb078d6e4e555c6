"""The SSRF guard (point 3): address classes, literal hosts, metadata endpoints."""

from __future__ import annotations

import pytest

from feeds.errors import UnsafeFeedURL
from feeds.safety import check_addresses, check_literal_host, classify_address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("2002:7f00:1::1", "loopback"),
        ("64:ff9b::a00:1", "private"),
        ("fd00:ec2::254", "cloud metadata"),
    ],
)
def test_non_public_addresses_are_classified(address: str, reason: str) -> None:
    assert reason in (classify_address(address) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"])
def test_public_addresses_pass(address: str) -> None:
    assert classify_address(address) is None


def test_one_private_answer_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(UnsafeFeedURL, match=r"resolves to 10\.0\.0\.5"):
        check_addresses("mixed.example", ["93.184.216.34", "10.0.0.5"])


def test_literal_hosts_are_refused_without_dns() -> None:
    for host in ("127.0.0.1", "localhost", "feeds.localhost", "[::1]"):
        with pytest.raises(UnsafeFeedURL, match="BRIEFBOT_ALLOW_PRIVATE_FEEDS"):
            check_literal_host(host, allow_private=False)
    # The setting would not help for a metadata endpoint, so the message does not suggest it.
    with pytest.raises(UnsafeFeedURL, match=r"metadata endpoint\) address \(never a feed\)"):
        check_literal_host("169.254.169.254", allow_private=False)
    check_literal_host("example.com", allow_private=False)


def test_allowing_private_feeds_still_refuses_cloud_metadata() -> None:
    check_literal_host("127.0.0.1", allow_private=True)
    check_literal_host("10.0.0.1", allow_private=True)
    with pytest.raises(UnsafeFeedURL, match="metadata"):
        check_literal_host("169.254.169.254", allow_private=True)
