"""Text helpers every layer shares."""

from __future__ import annotations

ELLIPSIS = "…"


def truncate(text: str, limit: int, *, trailing: str = " ,;:-") -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary when one is near, with an
    ellipsis; ``trailing`` punctuation is dropped before the ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(trailing) + ELLIPSIS
