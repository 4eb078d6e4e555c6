"""Everything the bot sends to Slack passes here once: bidi and invisible controls removed.

A right-to-left override (U+202E) in a feed title or a typed question makes Slack show text in
an order other than its real one ("exe.txt" for "txt.exe"), and zero-width characters hide
words from readers and filters alike. Posted briefings already cleaned their own text; echoed
questions, ``/ai-feeds test``, the add-feed preview and the gaps digest did not. So the three
doors out of the process clean whatever they carry: the Web API client (``bot.client``), the
ack (``bot.app.TimedAck``) and the response URL (``respond``, wrapped in ``bot.app``).

The zero-width joiner (U+200D) stays: emoji sequences such as flags and families need it.
"""

from __future__ import annotations

import re
from typing import Any

# LRM, RLM, ALM; LRE..RLO; LRI..PDI; zero-width space, word joiner, BOM, Mongolian vowel separator.
INVISIBLE = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff\u180e]")


def clean_outbound(value: Any) -> Any:
    """``value`` with every string in it (however nested in dicts and lists) cleaned."""
    if isinstance(value, str):
        return INVISIBLE.sub("", value) if INVISIBLE.search(value) else value
    if isinstance(value, dict):
        return {key: clean_outbound(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_outbound(item) for item in value)
    to_dict = getattr(value, "to_dict", None)  # slack_sdk's Block Kit objects
    if callable(to_dict):
        return clean_outbound(to_dict())
    return value
