"""One call to the configured model: cached, budgeted, checked, counted; None means "use the
deterministic text"."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import openai
from openai import OpenAI

from foundation.metrics import MODEL_CACHE_HITS, MODEL_REQUESTS, MODEL_TOKENS
from llm.store import REFUSED, SqlModelTexts
from storage import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

RECENT_TEXTS = 4096  # model texts kept in memory per process
Check = Callable[[str], list[str]]  # the text's problems; empty: it may be shown


@dataclass(frozen=True)
class ModelConfig:
    """Where the model is and what it may cost (``BRIEFBOT_LLM_*``)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_seconds: float = 8.0
    daily_tokens: int = 200_000


@dataclass(frozen=True)
class Written:
    """A text the model wrote and the check accepted, with the model's name (Slack asks apps to
    mark AI-generated content)."""

    text: str
    model: str


class LanguageModel:
    """An OpenAI-compatible chat-completions endpoint, used through the ``openai`` client."""

    def __init__(self, config: ModelConfig, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.config = config
        self.store = SqlModelTexts(db)
        self.clock = clock
        # Texts this process read or wrote lately: a warm briefing then needs no query at all.
        # Stored texts never change (the key holds the whole prompt), so the copy cannot go stale.
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        # No retries: a slow or failing model costs one attempt, then the deterministic text.
        self.client = OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",
            timeout=config.timeout_seconds,
            max_retries=0,
        )

    @property
    def name(self) -> str:
        return self.config.model

    def write(
        self, kind: str, *, system: str, user: str, check: Check, max_tokens: int = 200
    ) -> Written | None:
        """The model's text for this prompt, stored once per prompt and model; None when it
        failed, timed out, was refused by ``check``, or the day's token budget is spent."""
        (stored,) = self.stored([(kind, system, user)])
        if stored is not None:
            return stored if isinstance(stored, Written) else None  # False: refused before
        key = self.key(kind, system, user)
        day = self.clock().date().isoformat()
        if self.config.daily_tokens and self.store.used(day) >= self.config.daily_tokens:
            MODEL_REQUESTS.labels(kind, "budget").inc()
            return None
        try:
            response = self.client.chat.completions.create(
                model=self.config.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                max_tokens=max_tokens,
                temperature=0,
            )
        except openai.APITimeoutError:
            MODEL_REQUESTS.labels(kind, "timeout").inc()
            log.warning("language model timed out (%s): using the deterministic text", kind)
            return None
        except Exception as exc:  # HTTP errors, 429s, malformed answers: all mean "not now"
            MODEL_REQUESTS.labels(kind, "fallback").inc()
            log.warning("language model failed (%s): %s; using the deterministic text", kind, _short(exc))
            return None
        tokens = getattr(getattr(response, "usage", None), "total_tokens", 0) or 0
        if tokens:
            MODEL_TOKENS.inc(tokens)
            self.store.add(day, int(tokens))
        try:
            text = (response.choices[0].message.content or "").strip()
        except (AttributeError, IndexError, TypeError):
            text = ""
        issues = check(text)
        if issues:
            MODEL_REQUESTS.labels(kind, "fallback").inc()
            log.info("language model text refused (%s): %s", kind, "; ".join(issues[:3]))
            self.store.put(key, kind, self.config.model, REFUSED)
            self._remember({key: REFUSED})
            return None
        self.store.put(key, kind, self.config.model, text)
        self._remember({key: text})
        MODEL_REQUESTS.labels(kind, "ok").inc()
        return Written(text, self.config.model)

    def _remember(self, texts: dict[str, str]) -> None:
        with self._lock:
            for key, text in texts.items():
                self._recent[key] = text
                self._recent.move_to_end(key)
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)

    def key(self, kind: str, system: str, user: str) -> str:
        """Where the text for this prompt is stored (per kind, model, prompt and input)."""
        return hashlib.sha256(json.dumps([kind, self.config.model, system, user]).encode()).hexdigest()

    def stored(self, prompts: list[tuple[str, str, str]]) -> list[Written | bool | None]:
        """For each (kind, system, user): its stored ``Written``, False when it was refused, None
        when never written; one query for all (a warm briefing asks the database once)."""
        keys = [self.key(*p) for p in prompts]
        with self._lock:
            found = {k: self._recent[k] for k in keys if k in self._recent}
        missing = [k for k in keys if k not in found]
        if missing:
            stored = self.store.get_many(missing)
            self._remember(stored)
            found |= stored
        out: list[Written | bool | None] = []
        for (kind, _, _), key in zip(prompts, keys, strict=True):
            text = found.get(key)
            if text is None:
                out.append(None)
                continue
            MODEL_CACHE_HITS.labels(kind).inc()
            out.append(Written(text, self.config.model) if text != REFUSED else False)
        return out

    def ping(self) -> str:
        """One tiny request (``briefbot doctor``): the model's reply, or raises the client's error."""
        response = self.client.chat.completions.create(
            model=self.config.model,
            messages=[{"role": "user", "content": "Reply with the word ok."}],
            max_tokens=5,
            temperature=0,
        )
        return (response.choices[0].message.content or "").strip()


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"
