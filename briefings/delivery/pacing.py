"""Pacing posts per channel (Slack allows about one message per second per channel)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class ChannelPacer:
    """One message at a time per channel, at least ``interval`` seconds apart (Slack allows about
    one per second per channel). A post holds the channel's turn through its own retries, so a
    429 retry never overtakes the channel's next message."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._channels: dict[str, tuple[threading.Lock, list[float]]] = {}
        self._guard = threading.Lock()

    def _slot(self, channel: str) -> tuple[threading.Lock, list[float]]:
        with self._guard:
            found = self._channels.get(channel)
            if found is None:
                if len(self._channels) > 50_000:
                    now = self.clock()
                    self._channels = {
                        c: v for c, v in self._channels.items() if v[0].locked() or v[1][0] > now
                    }
                found = self._channels[channel] = (threading.Lock(), [0.0])
            return found

    @contextmanager
    def turn(self, channel: str) -> Iterator[None]:
        """Hold ``channel`` for one post: waits for the previous one plus the interval."""
        lock, next_at = self._slot(channel)
        with lock:
            wait = next_at[0] - self.clock()
            if wait > 0:
                self.sleep(wait)
            try:
                yield
            finally:
                next_at[0] = self.clock() + self.interval
