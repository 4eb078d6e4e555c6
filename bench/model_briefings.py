"""Benchmark: the four department briefings with the optional language model, against the
deterministic build, on the bundled sample feeds.

The model is a fake OpenAI-compatible server on loopback that takes 500 ms a call and writes a
grounded sentence. The same services build with the model switched off (deterministic) and on,
so both see the same caches. Cold: a fresh database, so every "why it matters" line and intro
is asked for (all at once). Warm: the same briefings again, every text read from the database.
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
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefbot.demo import SAMPLES, samples_now  # noqa: E402
from briefbot.services import Services, make_services  # noqa: E402
from foundation.settings import Settings  # noqa: E402
from tests.llm.fake_model import FakeModel, ModelReply, Seen  # noqa: E402

CALL_SECONDS = 0.5
WARM_BUILDS = 7  # per run, each beside a deterministic build


def writes(seen: Seen) -> ModelReply:
    data = json.loads(seen.user)
    if isinstance(data, list):
        return ModelReply("These stories bear on this team's work. Read them this week.", delay=CALL_SECONDS)
    return ModelReply(f"It matters because {data['title'].lower()}.", delay=CALL_SECONDS)


def seeded(folder: Path, name: str, model_url: str) -> Services:
    settings = Settings(
        database_url=f"sqlite:///{folder / name}.db",
        briefbot_llm_base_url=model_url,
        briefbot_llm_model="bench-model",
    )
    services = make_services(settings).build_all()
    services.feeds.load_samples(SAMPLES, now=samples_now())
    return services


def builds(services: Services, as_of: datetime, times: int) -> tuple[list[float], list[Any]]:
    """Build the four briefings ``times`` times: each build's seconds, and the last build."""
    seconds, built = [], []
    for _ in range(times):
        started = time.perf_counter()
        built = services.briefings.build_all(as_of=as_of)
        seconds.append(time.perf_counter() - started)
    return seconds, built


def one_run(folder: Path, run: int, fake: FakeModel) -> tuple[list[float], float, list[float], int]:
    """On one fresh database and one process's services: deterministic builds (the model
    switched off), then the cold model build, then warm ones, interleaved with deterministic
    ones so both see the same caches."""
    services = seeded(folder, f"run{run}", fake.url)
    builder = services.briefings.builder
    writer = builder.writer
    as_of = services.briefings.preview_as_of()
    builder.writer = None
    plain_times, _ = builds(services, as_of, 1)  # the ranker's models and lookups loaded once
    builder.writer = writer
    before = len(fake.requests)
    (cold,), briefings = builds(services, as_of, 1)
    written = len(fake.requests) - before
    assert all(b.written_by for b in briefings if b.stories), "the model's texts were not used"
    warm_times: list[float] = []
    plain_times = []  # only the builds interleaved with the warm ones are compared
    for _ in range(WARM_BUILDS):
        builder.writer = writer
        warm_times += builds(services, as_of, 1)[0]
        builder.writer = None
        plain_times += builds(services, as_of, 1)[0]
    services.close()
    return plain_times, cold, warm_times, written


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fake = FakeModel()
    fake.reply = writes
    plain_times: list[float] = []
    cold_times: list[float] = []
    warm_times: list[float] = []
    written = 0
    try:
        with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
            for run in range(args.runs):
                plain, cold, warm, written = one_run(Path(tmp), run, fake)
                plain_times += plain
                cold_times.append(cold)
                warm_times += warm
    finally:
        fake.close()
    plain_s, cold_s, warm_s = (statistics.median(t) for t in (plain_times, cold_times, warm_times))
    cold_ok = cold_s - plain_s <= 3.0
    warm_ok = warm_s <= plain_s * 1.10
    call_ms = CALL_SECONDS * 1000
    print(f"four briefings, median of {args.runs} runs ({WARM_BUILDS} warm builds each, beside plain ones)")
    print(f"  a model call takes {call_ms:.0f} ms")
    print(f"  deterministic            {plain_s * 1000:6.0f} ms")
    cold_verdict = "ok" if cold_ok else "MISSED"
    warm_verdict = "ok" if warm_ok else "MISSED"
    print(
        f"  model, cold ({written:2d} calls)   {cold_s * 1000:6.0f} ms  +{cold_s - plain_s:.2f} s   "
        f"target <= +3.00 s {cold_verdict}"
    )
    ratio = warm_s / plain_s
    print(f"  model, warm (0 calls)    {warm_s * 1000:6.0f} ms  x{ratio:.2f}  target <= x1.10 {warm_verdict}")
    return 0 if cold_ok and warm_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
