"""Benchmark: /ai-policy and /ai-certs through the real HTTP endpoint, plus search alone.

Loads a generated pack of 2,000 policy sections and 200 certifications, serves the real Bolt app
with waitress (signature verification on, as in production), and drives signed slash commands
from 50 concurrent clients. Latency is measured until the user's answer has been sent: the ack
when it carries the answer, else the later post to the response_url.

    .venv/bin/python bench/lookups.py                 # SQLite (the embedded default)
    .venv/bin/python bench/lookups.py --db postgres   # PostgreSQL at TEST_DATABASE_URL

Targets: answer p99 < 250 ms on SQLite; search alone p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefbot.services import make_services  # noqa: E402
from foundation.settings import Settings  # noqa: E402
from knowledge.packs import BUNDLED_CERTS, BUNDLED_POLICIES, load_pack  # noqa: E402
from knowledge.passages import passages, plain  # noqa: E402
from knowledge.query import analyze_query  # noqa: E402
from tests.databases import postgres_schema  # noqa: E402
from tests.departments import REGISTRY  # noqa: E402
from tests.mock_web_api_server import FakeSlack  # noqa: E402
from tests.slack_requests import SignedSlackClient  # noqa: E402

SECRET = "bench-secret"
DEFAULT_PG = "postgresql+psycopg://briefbot:briefbot@127.0.0.1:5432/briefbot"
CERT_QUERIES = [
    "",
    "legal",
    "finance advanced",
    "cfo",
    "hr beginner",
    "security",
    "governance",
    "ops",
    "lawyer",
    "auditor",
    "engineer",
    "privacy",
    "strategy executive",
    "people foundational",
]
TEAMS = ["Finance", "Legal", "Operations", "HR", "Sales", "Support", "Engineering", "Marketing"]


FILLERS = ["please", "thanks", "quick question:", "for my team", "asap", "in 2026", "again", "today"]


def variant(text: str, rng: random.Random) -> str:
    """A question as someone else might type it: a word dropped, a typo, or an extra word.

    Keeps most requests distinct, so repeats (which the service answers from its cache) stay
    a small share, as in a real workspace, instead of flattering the figures.
    """
    words = text.split()
    roll = rng.random()
    if roll < 0.3 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif roll < 0.6:
        long_words = [i for i, w in enumerate(words) if len(w) >= 5]
        if long_words:
            i = rng.choice(long_words)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    if rng.random() < 0.7:
        words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
    if rng.random() < 0.5:
        words.append(str(rng.randint(1, 99)))
    return " ".join(words)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def generate_pack(folder: Path, sections: int, certs: int, seed: int = 7) -> tuple[Path, Path]:
    """Policies and certifications in the bundled pack's style and vocabulary, at scale."""
    rng = random.Random(seed)
    bundled = load_pack(BUNDLED_POLICIES, departments=REGISTRY).policies
    pool = [
        (s.heading, [plain(x.text()) for x in passages(s.body)])
        for p in bundled
        for s in p.sections
        if s.level == 2
    ]
    policies_dir = folder / "policies"
    policies_dir.mkdir(parents=True)
    per_policy = 10
    for n in range(sections // per_policy):
        team = TEAMS[n % len(TEAMS)]
        lines = [
            "---",
            f"id: generated-{n:04d}",
            f'title: "{team} AI procedure {n}"',
            f'owner: "{team} lead (#ask-{team.lower()})"',
            f"url: https://intranet.example.com/generated/{n}",
            "updated: 2026-11-01",
            "---",
        ]
        for _ in range(per_policy):
            heading, base = rng.choice(pool)
            body = rng.sample(base, min(len(base), rng.randint(3, 6)))
            extra = rng.choice(pool)[1]
            body += rng.sample(extra, min(len(extra), 2))
            lines += ["", f"## {heading} ({team} {rng.randint(1, 999)})", "", " ".join(body)]
        (policies_dir / f"generated-{n:04d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    base_certs = load_pack(BUNDLED_CERTS, departments=REGISTRY).certifications
    entries = []
    for n in range(certs):
        c = base_certs[n % len(base_certs)]
        entries.append(
            {
                "id": f"{c.id}-{n}",
                "name": f"{c.name} ({n})",
                "provider": c.provider,
                "url": c.url,
                "level": c.level,
                "topics": list(c.topics),
                "departments": list(c.departments),
                "summary": c.summary,
            }
        )
    certs_file = folder / "certifications.yaml"
    certs_file.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return policies_dir, certs_file


def serve(settings: dict[str, Any], ports: Any) -> None:
    """Child process: the real Bolt app behind waitress, prepared as ``briefbot run`` does."""
    import logging

    from waitress import create_server

    from bot.app import build_app
    from bot.http import WsgiApp
    from briefbot.runtime import HTTP_THREADS, prepare_for_traffic

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    services = make_services(Settings(**settings))
    app = build_app(services)
    prepare_for_traffic(services)
    server: Any = create_server(WsgiApp(app, services), host="127.0.0.1", port=0, threads=HTTP_THREADS)
    ports.put(server.effective_port)
    server.run()


class ResponseSink:
    """Receives response_url posts and remembers when each arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.cond = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.cond:
                    sink.arrived[self.path] = time.perf_counter()
                    sink.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, path: str, timeout: float = 30.0) -> float:
        with self.cond:
            self.cond.wait_for(lambda: path in self.arrived, timeout)
            return self.arrived[path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def database_url(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    with postgres_schema(base, prefix="bench") as url:
        yield url


@dataclass
class Drive:
    results: dict[str, list[float]]
    late: int
    errors: list[str]
    wall: float


def drive(
    endpoint: str, sink: ResponseSink, plan: list[tuple[str, str, int]], args: argparse.Namespace
) -> Drive:
    """Send ``plan`` from ``args.clients`` concurrent clients; latency until the answer is sent."""
    results: dict[str, list[float]] = {command: [] for command, _text, _i in plan}
    errors: list[str] = []
    late = 0
    lock = threading.Lock()
    cursor = iter(plan)
    # Clients (and their HTTP connection pools) exist before the clock starts: building 50 of
    # them inside the timed window would bill their set-up to the first requests.
    clients = [SignedSlackClient(endpoint, SECRET) for _ in range(args.clients)]
    start_line = threading.Barrier(args.clients + 1)

    def client(slack: SignedSlackClient) -> None:
        nonlocal late
        start_line.wait()
        try:
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                command, text, i = item
                path = f"/r/{i}"
                t0 = time.perf_counter()
                response = slack.command(command, text, response_url=sink.base + path)
                done = time.perf_counter()
                if response.status_code != 200:
                    with lock:
                        errors.append(f"{command} {text!r}: HTTP {response.status_code}")
                    continue
                body = response.json()
                if not body.get("blocks"):  # placeholder ack: the answer follows via response_url
                    done = sink.wait(path)
                    with lock:
                        late += 1
                with lock:
                    results[command].append((done - t0) * 1000)
        finally:
            slack.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    start_line.wait()
    wall = time.perf_counter()
    for t in threads:
        t.join()
    return Drive(results, late, errors, time.perf_counter() - wall)


def drive_wrk(
    endpoint: str,
    sink: ResponseSink,
    plan: list[tuple[str, str, int]],
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, float] | None:
    """The same kind of load from wrk, a C load generator, for ``args.wrk_seconds``.

    The Python clients above cost about a core of this 2-core machine themselves, which the
    server then cannot use; in production the clients are Slack's servers. wrk replays
    pre-signed requests (``bench/signed_commands.lua``) at a small fraction of that cost.
    Returns the parsed RESULT line, or None when wrk is not installed.
    """
    wrk = shutil.which("wrk")
    if wrk is None or args.wrk_seconds <= 0:
        return None
    signer = SignedSlackClient(endpoint, SECRET)
    lines = []
    for command, text, i in plan:
        body = signer.command_body(command, text, response_url=f"{sink.base}/w/{i}")
        headers = signer.signed_headers(body, content_type="application/x-www-form-urlencoded")
        lines.append(f"{headers['X-Slack-Request-Timestamp']}\t{headers['X-Slack-Signature']}\t{body}")
    signer.close()
    requests_file = workdir / "signed_commands.tsv"
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    threads = 2
    out = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{args.clients}",
            f"-d{args.wrk_seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "signed_commands.lua"),
            endpoint,
            "--",
            str(requests_file),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    result["distinct"] = len(plan)
    return result


def make_plan(questions: list[str], count: int, seed: int, offset: int = 0) -> list[tuple[str, str, int]]:
    """70% policy questions (varied as people type them), 30% certification requests."""
    plan = []
    rng = random.Random(seed)
    for i in range(count):
        if rng.random() < 0.7:
            plan.append(("/ai-policy", variant(rng.choice(questions), rng), offset + i))
        else:
            plan.append(("/ai-certs", rng.choice(CERT_QUERIES), offset + i))
    return plan


def run(args: argparse.Namespace) -> int:
    questions = [
        q["question"]
        for q in yaml.safe_load(
            (ROOT / "tests" / "data" / "policy_questions.yaml").read_text(encoding="utf-8")
        )
    ]
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake, database_url(args.db, Path(tmp)) as url:
        workdir = Path(tmp)
        settings = Settings(
            database_url=url,
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.url,
        )
        services = make_services(settings)
        policies_dir, certs_file = generate_pack(workdir / "pack", args.sections, args.certs)
        started = time.perf_counter()
        loaded = services.knowledge.import_path(policies_dir)
        services.knowledge.import_path(certs_file)
        print(
            f"loaded {loaded.items} policies / {loaded.sections} sections and {args.certs} certifications "
            f"into {services.db.dialect} in {time.perf_counter() - started:.1f} s"
        )

        # What the ranking cache will see: questions that analyse alike share one ranking.
        index = services.knowledge.policies.index()

        def concepts(question: str) -> tuple[str, ...]:
            return tuple(g.text for g in analyze_query(question, index.vocabulary).groups)

        # Search alone (service call, one thread), after one warm-up pass.
        for q in questions:
            services.knowledge.search(q)
        search_ms = []
        for i in range(args.search_runs):
            q = questions[i % len(questions)]
            t0 = time.perf_counter()
            services.knowledge.search(q)
            search_ms.append((time.perf_counter() - t0) * 1000)

        # The app runs in its own process, as in production: the 50 clients below must not share
        # its interpreter lock.
        ctx = multiprocessing.get_context("spawn")
        ports: Any = ctx.Queue()
        server = ctx.Process(target=serve, args=(settings.model_dump(), ports), daemon=True)
        server.start()
        endpoint = f"http://127.0.0.1:{ports.get(timeout=60)}"
        sink = ResponseSink()

        plan = make_plan(questions, args.requests, seed=11)
        # Warm up (threads, connections, per-section caches) with the labelled questions as
        # written; the measured run then asks varied forms of them, so it is not served from
        # answers cached here.
        warm_up = [("/ai-policy", q, -10_000 - i) for i, q in enumerate(questions)]
        warm_up += [("/ai-certs", q, -20_000 - i) for i, q in enumerate(CERT_QUERIES)]
        drive(endpoint, sink, warm_up, args)

        measured = drive(endpoint, sink, plan, args)
        # Other questions for wrk (another seed), so it is not answered from the run above.
        wrk_result = drive_wrk(
            endpoint, sink, make_plan(questions, args.wrk_requests, seed=12, offset=100_000), args, workdir
        )
        baseline = None
        if args.baseline:
            # After the measured run, the same harness on a command that does no lookup: what
            # the HTTP + Bolt stack costs on this machine, to read the lookup figures against.
            baseline = drive(
                endpoint, sink, [("/ai-brief", "help", -i - 1) for i in range(args.baseline)], args
            )
        server.terminate()
        server.join(timeout=10)
        sink.close()
        services.close()

    results, late, errors, wall = measured.results, measured.late, measured.errors, measured.wall
    every = results.get("/ai-policy", []) + results.get("/ai-certs", [])
    policy_texts = [text for command, text, _ in plan if command == "/ai-policy"]
    analysed = [concepts(text) for text in policy_texts]
    warm = {concepts(q) for q in questions}
    first_seen = len({a for a in analysed if a not in warm})
    typed = len({t.lower() for t in policy_texts})
    print(
        f"/ai-policy: {len(policy_texts)} questions, {typed} distinct as typed, "
        f"{first_seen} ranked afresh (the rest analyse like an earlier question and reuse its ranking); "
        f"/ai-certs: {len(CERT_QUERIES)} common requests, answered from the cache after the first"
    )
    print(
        f"\n{len(every)} signed requests from {args.clients} concurrent clients in {wall:.1f} s "
        f"({len(every) / wall:.0f}/s); answered in the ack: {len(every) - late}, via response_url: {late}; "
        f"errors: {len(errors)}"
    )
    target = 250.0 if args.db == "sqlite" else None
    rows = [
        ("search alone (service)", search_ms, 20.0),
        *([("baseline: /ai-brief help", baseline.results["/ai-brief"], None)] if baseline else []),
        ("/ai-policy answer sent", results.get("/ai-policy", []), target),
        ("/ai-certs answer sent", results.get("/ai-certs", []), target),
        ("all commands", every, target),
    ]
    print(f"{'measure':<26}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}   target")
    failed = bool(errors)
    for name, values, goal in rows:
        if not values:
            continue
        p50, p99 = statistics.median(values), percentile(values, 99)
        verdict = "-" if goal is None else f"p99 < {goal:.0f} ms: {'met' if p99 < goal else 'MISSED'}"
        failed |= goal is not None and p99 >= goal
        print(f"{name:<26}{len(values):>6}{p50:>10.1f}{p99:>10.1f}{max(values):>10.1f}   {verdict}")
    for error in errors[:5]:
        print("error:", error)
    if wrk_result is None:
        print("\nwrk not installed (apt-get install wrk): the load from a C client was not measured")
    else:
        w = wrk_result
        repeats = max(0, int(w["requests"] - w["distinct"]))
        print(
            f"\nThe same mix from wrk (a C load generator; the Python clients above use about a core "
            f"of this machine themselves):\n{int(w['requests'])} signed requests from {args.clients} "
            f"connections in {w['seconds']:.1f} s ({w['requests'] / w['seconds']:.0f}/s), "
            f"{int(w['distinct'])} distinct ({repeats} repeats); answered in the ack: "
            f"{int(w['requests'] - w['late'] - w['failed'])}, placeholder acks: {int(w['late'])}, "
            f"errors: {int(w['failed'] + w['socket_errors'])}"
        )
        met = "met" if w["p99_ms"] < (target or 0) else "MISSED"
        verdict = "-" if target is None else f"p99 < {target:.0f} ms: {met}"
        print(f"{'measure':<26}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}   target")
        print(
            f"{'wrk: all commands (ack)':<26}{int(w['requests']):>6}{w['p50_ms']:>10.1f}{w['p99_ms']:>10.1f}"
            f"{w['max_ms']:>10.1f}   {verdict}"
        )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sections", type=int, default=2000)
    parser.add_argument("--certs", type=int, default=200)
    parser.add_argument("--search-runs", type=int, default=1000)
    parser.add_argument("--wrk-seconds", type=int, default=10, help="wrk load duration (0: skip wrk)")
    parser.add_argument("--wrk-requests", type=int, default=8000, help="distinct signed requests for wrk")
    parser.add_argument("--baseline", type=int, default=1000, help="/ai-brief help requests first (0: skip)")
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
