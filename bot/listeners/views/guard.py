"""Which slow job may still update a modal: the newest one started for it.

A modal answered with ``response_action: update`` shows the ack's view, and Slack gives that view
a new ``hash`` without telling the app, so the first ``views.update`` after such an ack cannot
carry a hash (the submission's own hash is already stale: Slack would answer ``hash_conflict``).
Updates made from ``block_actions`` (the subscribe form's live next-run times) do pass the
payload's hash. For the rest, each submission that hands a modal to the slow-work pool starts a
new generation for that view, and a job only updates the view while its generation is the
newest: when the first Preview's ack reached Slack too late and the admin pressed Preview again,
the first (slower) fetch can no longer put its stale preview over the newer view or the saved
result. The generations live in this process; a replica's jobs are not seen here.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import OrderedDict
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

KEEP = 4096  # views remembered (the oldest are forgotten: their modals are long closed)


class ViewJobs:
    """The newest job generation per view id. Thread-safe."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._latest: OrderedDict[str, int] = OrderedDict()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def begin(self, view_id: str) -> int:
        """A new generation for ``view_id``: jobs started before it may no longer update it."""
        with self._lock:
            number = next(self._numbers)
            self._latest[view_id] = number
            self._latest.move_to_end(view_id)
            while len(self._latest) > self.keep:
                self._latest.popitem(last=False)
            return number

    def is_current(self, view_id: str, generation: int) -> bool:
        with self._lock:
            return self._latest.get(view_id, generation) == generation

    def update(
        self,
        client: WebClient,
        view_id: str,
        generation: int,
        view: dict[str, Any],
        logger: logging.Logger,
        *,
        hash: str | None = None,
    ) -> bool:
        """``views.update`` unless a newer job owns the view; False when skipped or refused."""
        if not self.is_current(view_id, generation):
            logger.info("views.update of %s skipped: a newer submission owns the view", view_id)
            return False
        try:
            client.views_update(view_id=view_id, view=view, hash=hash)
        except SlackApiError as exc:  # closed meanwhile, or hash_conflict: nothing to show it in
            logger.info("views.update of %s failed: %s", view_id, exc.response.get("error"))
            return False
        return True


VIEW_JOBS = ViewJobs()
