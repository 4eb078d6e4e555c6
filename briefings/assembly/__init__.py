"""Assembling a briefing: candidates, ranking, the fill, and the rendered views."""
