"""The lookup slots: first come, first served, never more than the limit at once."""

from __future__ import annotations

import threading
import time

from bot.reply import FairSlots


def run_queued(size: int, waiters: int) -> tuple[list[int], int]:
    """Hold every slot, queue ``waiters`` threads one after another, release; (order, peak)."""
    slots = FairSlots(size)
    order: list[int] = []
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(n: int) -> None:
        nonlocal running, peak
        with slots:
            with lock:
                running += 1
                peak = max(peak, running)
                order.append(n)
            time.sleep(0.02)
            with lock:
                running -= 1

    for _ in range(size):
        slots.__enter__()  # every slot held: everyone below must queue
    threads = []
    for n in range(waiters):
        thread = threading.Thread(target=work, args=(n,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 2
        while len(slots._waiters) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # arrival order is the order the threads started waiting
    assert order == []
    for _ in range(size):
        slots.__exit__(None, None, None)
    for thread in threads:
        thread.join(5)
    return order, peak


def test_waiters_are_served_in_arrival_order() -> None:
    order, _peak = run_queued(1, 8)
    assert order == list(range(8))


def test_never_more_than_the_limit_at_once_and_everyone_is_served() -> None:
    order, peak = run_queued(2, 8)
    assert sorted(order) == list(range(8))
    assert peak == 2


def test_a_slot_is_taken_at_once_when_free() -> None:
    slots = FairSlots(1)
    started = time.monotonic()
    with slots:
        pass
    with slots:
        pass
    assert time.monotonic() - started < 0.05
    assert slots._free == 1
