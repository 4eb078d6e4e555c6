"""Benchmark: the four department briefings with the optional language model, against the
deterministic build, on the bundled sample feeds.

The model is a fake OpenAI-compatible server on loopback that takes 500 ms a call and writes a
grounded sentence. Cold: a fresh database, so every "why it matters" line and intro is asked for
(in parallel per briefing). Warm: the same briefings again, every text read from the database.
Targets: cold at most 3 s more than deterministic; warm within 10% of deterministic.

Run:  .venv/bin/python bench/model_briefings.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefbot.demo import SAMPLES, samples_now  # noqa: E402
from briefbot.services import Services, make_services  # noqa: E402
from foundation.settings import Settings  # noqa: E402
from tests.llm.fake_model import FakeModel, ModelReply, Seen  # noqa: E402

CALL_SECONDS = 0.5


def writes(seen: Seen) -> ModelReply:
    data = json.loads(seen.user)
    if isinstance(data, list):
        return ModelReply("These stories bear on this team's work. Read them this week.", delay=CALL_SECONDS)
    return ModelReply(f"It matters because {data['title'].lower()}.", delay=CALL_SECONDS)


def seeded(folder: Path, name: str, model_url: str | None) -> Services:
    settings = Settings(
        database_url=f"sqlite:///{folder / name}.db",
        briefbot_llm_base_url=model_url,
        briefbot_llm_model="bench-model" if model_url else "",
    )
    services = make_services(settings).build_all()
    services.feeds.load_samples(SAMPLES, now=samples_now())
    return services


def timed(build: Callable[[], object]) -> float:
    started = time.perf_counter()
    build()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fake = FakeModel()
    fake.reply = writes
    plain_times, cold_times, warm_times, written = [], [], [], 0
    try:
        with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
            for run in range(args.runs):
                plain = seeded(Path(tmp), f"plain{run}", None)
                as_of = plain.briefings.preview_as_of()
                plain.briefings.build_all(as_of=as_of)  # the ranker's models loaded once, untimed
                plain_times += [timed(lambda: plain.briefings.build_all(as_of=as_of)) for _ in range(3)]
                plain.close()
                model = seeded(Path(tmp), f"model{run}", fake.url)
                model.briefings.ranker.warm()
                before = len(fake.requests)
                briefings: list = []
                cold_times.append(timed(lambda: briefings.extend(model.briefings.build_all(as_of=as_of))))
                written = len(fake.requests) - before
                assert all(b.written_by for b in briefings if b.stories), "the model's texts were not used"
                warm_times += [timed(lambda: model.briefings.build_all(as_of=as_of)) for _ in range(3)]
                model.close()
    finally:
        fake.close()
    plain_s, cold_s, warm_s = (statistics.median(t) for t in (plain_times, cold_times, warm_times))
    cold_ok = cold_s - plain_s <= 3.0
    warm_ok = warm_s <= plain_s * 1.10
    print(
        f"four briefings, median of {args.runs} runs; the fake model takes {CALL_SECONDS * 1000:.0f} ms a call"
    )
    print(f"  deterministic            {plain_s:6.2f} s")
    print(
        f"  model, cold ({written:2d} calls)   {cold_s:6.2f} s   +{cold_s - plain_s:.2f} s   target <= +3.00 s  "
        f"{'ok' if cold_ok else 'MISSED'}"
    )
    print(
        f"  model, warm (0 calls)    {warm_s:6.2f} s   x{warm_s / plain_s:.2f}    target <= x1.10   "
        f"{'ok' if warm_ok else 'MISSED'}"
    )
    return 0 if cold_ok and warm_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
