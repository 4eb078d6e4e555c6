"""``python -m briefbot`` is the same as the ``briefbot`` console script."""

from briefbot.cli import main

main()
