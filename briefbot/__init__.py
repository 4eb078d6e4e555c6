"""Process wiring for the AI briefings bot: the service factory, the runtime and the CLI."""

from foundation import __version__

__all__ = ["__version__"]
