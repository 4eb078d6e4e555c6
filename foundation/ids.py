"""Numeric ids typed by people or carried in Slack payloads, parsed strictly.

``str.isdigit`` accepts ``²`` and other Unicode digits that ``int`` then refuses, and a
25-digit id passes it but overflows the database's 64-bit integers: both reached users as
tracebacks. Ids here are ASCII digits within a signed 64-bit integer, or nothing.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: object) -> int | None:
    """The positive id ``text`` spells in ASCII digits (``"#12"`` too), or None."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        return None
    value = str(text).strip().removeprefix("#")
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
