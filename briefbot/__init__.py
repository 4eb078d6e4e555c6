"""Process wiring for the AI briefings bot: configuration, service factory, CLI."""

__version__ = "0.1.0"
