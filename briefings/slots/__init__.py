"""Slots: one subscription's briefing due at one moment (``slot``), which are due at a tick
(``planner``), and the APScheduler jobs that run the ticks (``runner``)."""
