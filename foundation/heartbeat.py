"""A background renewal of a database lease while the work holding it runs.

Claims are kept short so a crashed replica's work is taken over quickly; a live replica keeps
its claims by renewing them every third of the lease. Shared by feed refreshes and deliveries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds on a daemon thread, from entering the ``with``
    block until leaving it or until ``beat`` returns False (the claim is gone: nothing to renew).

    A failing ``beat`` (the database briefly away) is logged and tried again at the next beat: the
    lease, three beats long, survives one miss.
    """

    def __init__(self, interval: float, beat: Callable[[], bool], *, name: str) -> None:
        self.interval = max(0.05, interval)
        self.beat = beat
        self.name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{name}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.beat():
                    return
            except Exception:
                log.warning(
                    "renewing the %s claim failed; trying again at the next beat", self.name, exc_info=True
                )
