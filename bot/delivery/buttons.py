"""The value a briefing's feedback buttons carry (``ChannelFeedback.vote`` reads it back)."""

from __future__ import annotations


def story_value(department: str, story_id: int) -> str:
    """The button value naming one story of one department's briefing (opaque to Slack users):
    no feed text, so nothing untrusted travels through Slack and back."""
    return f"{department}:{story_id}"
