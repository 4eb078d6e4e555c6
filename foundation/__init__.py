"""The foundation every layer may import: settings, the error root and the version.

It sits below ``storage`` and the domains and imports none of them, so any package can use it
without pulling in the composition root (``briefbot``).
"""

__version__ = "0.1.0"
