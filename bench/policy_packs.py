"""Policy answers across packs, leave-one-pack-out: does /ai-policy hold on any company's pack?

Packs: the bundled one (knowledge/data/policies with tests/data/policy_questions.yaml and
offtopic_questions.yaml) and every real public pack in tests/data/policy_packs/<pack>/ (policies/
and questions.yaml). For each pack, with the abstention model trained on the OTHER packs only
(scikit-learn logistic regression over knowledge.decide.FEATURES), it prints:

    top-1      right section first, in-scope (a wrong decline counts as a miss)
    top-3      right section among the three best-ranked
    off-topic  off-topic questions declined ("no match" or "related, not an answer")
    near-miss  near-miss questions declined
    wrong-dec  in-scope questions declined

beside plain BM25 on the same sections (heading + body, one field, always answers: ranking
alone) and today's product (the ``main`` branch, run from a ``git archive`` of it).

    .venv/bin/python bench/policy_packs.py                 # the table; exit 1 on a missed target
    .venv/bin/python bench/policy_packs.py --misses        # also every miss, held out
    .venv/bin/python bench/policy_packs.py --write-model   # fit on all packs, write abstain.json
    .venv/bin/python bench/policy_packs.py --excerpts 20   # answers to judge by hand
    .venv/bin/python bench/policy_packs.py --no-main       # skip today's product

The abstention model's threshold is chosen inside each training set the same way, on
probabilities every training pack gets from a model fit on the other training packs (nested
leave-one-pack-out): among the thresholds that meet the off-topic target on average, the one
with the most in-scope questions answered right. ``--write-model`` applies the same rule to all packs,
then raises the shipped threshold (in 0.01 steps) only as far as the bundled pack, which ships as
the default, needs to decline as many off-topic questions as the release before (``shipped_guard``);
the held-out figures never use that guard. The bundled pack's line compares shipped model to
shipped model (today's product is its shipped model), with the held-out figure beside it.

Tried and not kept (2026-12-08, issue 19): a hybrid ranker, BM25 plus WordLlama cosine (static
embeddings shipped in the ``wordllama`` wheel; each section as its best passage, heading path
included), fused as BM25/max + w * (cosine - pack mean)/(best lift), w chosen leave-one-pack-out
(0.1 to 0.5; 0.2 on all packs), with three semantic abstention features (best-section cosine, its
lift over the pack mean, best-passage cosine) refit the same way. Held out, today -> hybrid: top-1
.740 -> .729, top-3 .897 -> .907, off-topic .903 -> .913, near misses .600 -> .613, wrong declines
.051 -> .052; the semantic features over BM25 ranking alone: .739 / .897 / .905 / .613 / .049.
Ranking alone (no abstention) gained under a point of top-1 at best (.753 -> .761; reciprocal-
rank fusion and a logistic learning-to-rank over both scores did no better), and search alone got
slower (p50/p99 3.0/5.6 -> 4.7/12.9 ms on 2,000 sections). Static word vectors average a
question's words; the paraphrases BM25 misses ("call it Sam", "swearing") mostly stay missed.

Targets (averaged over packs): top-1 >= 0.85, top-3 >= 0.95, off-topic declined >= 0.9, near
misses declined >= 0.8, wrong declines <= 0.05; the bundled pack no worse than today.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.decide import FEATURES, MODEL_FILE, Model, features  # noqa: E402
from knowledge.index import PolicyIndex, index_sections, pack_sections  # noqa: E402
from knowledge.packs import BUNDLED_POLICIES  # noqa: E402
from knowledge.policies import PolicySearch  # noqa: E402
from knowledge.policy_pack import load_policy_dir  # noqa: E402
from knowledge.query import analyze_query  # noqa: E402
from knowledge.search import index_tokens, plain_bm25, rank  # noqa: E402
from tests.departments import REGISTRY  # noqa: E402

PACKS_DIR = ROOT / "tests" / "data" / "policy_packs"
DATA = ROOT / "tests" / "data"
TARGETS = {"top1": (0.85, ">="), "top3": (0.95, ">="), "off_topic": (0.9, ">="), "near_miss": (0.8, ">=")}
TARGETS["wrong_declines"] = (0.05, "<=")
ANSWER_AT = 0.5


@dataclass
class Case:
    question: str
    kind: str  # in_scope | off_topic | near_miss
    expect: frozenset[tuple[str, str]]


@dataclass
class Pack:
    name: str
    folder: Path
    cases: list[Case]


@dataclass
class Row:
    """One question on its pack: what our ranker found and the features of its best section."""

    case: Case
    top: list[tuple[str, str]]
    values: dict[str, float] | None
    answer_excerpt: str = ""
    pack: str = ""


@dataclass
class Tally:
    n: dict[str, int] = field(default_factory=lambda: {"in_scope": 0, "off_topic": 0, "near_miss": 0})
    top1 = 0
    top3 = 0
    wrong = 0
    declined: dict[str, int] = field(default_factory=lambda: {"off_topic": 0, "near_miss": 0})
    misses: list[str] = field(default_factory=list)

    def add(self, case: Case, verdict: str, top: list[tuple[str, str]], declines: bool = True) -> None:
        self.n[case.kind] += 1
        if case.kind == "in_scope":
            right = verdict == "answer" and bool(top) and top[0] in case.expect
            self.top1 += right
            self.top3 += any(t in case.expect for t in top[:3])
            self.wrong += verdict != "answer"
            if not right:
                self.misses.append(f"{case.question!r} -> {verdict} {top[:1]} want {sorted(case.expect)[:2]}")
        else:
            self.declined[case.kind] += verdict != "answer"
            if verdict == "answer":
                self.misses.append(f"[{case.kind}] {case.question!r} -> {top[:1]}")

    def rates(self) -> dict[str, float | None]:
        def r(a: int, b: int) -> float | None:
            return a / b if b else None

        return {
            "top1": r(self.top1, self.n["in_scope"]),
            "top3": r(self.top3, self.n["in_scope"]),
            "off_topic": r(self.declined["off_topic"], self.n["off_topic"]),
            "near_miss": r(self.declined["near_miss"], self.n["near_miss"]),
            "wrong_declines": r(self.wrong, self.n["in_scope"]),
        }


def load_packs() -> list[Pack]:
    bundled: list[Case] = []
    for c in yaml.safe_load((DATA / "policy_questions.yaml").read_text(encoding="utf-8")):
        bundled.append(Case(c["question"], "in_scope", frozenset({(c["policy"], c["section"])})))
    for c in yaml.safe_load((DATA / "offtopic_questions.yaml").read_text(encoding="utf-8")):
        bundled.append(Case(c["question"], "off_topic", frozenset()))
    packs = [Pack("bundled (ours)", BUNDLED_POLICIES, bundled)]
    for folder in sorted(p for p in PACKS_DIR.iterdir() if (p / "questions.yaml").exists()):
        cases = []
        for c in yaml.safe_load((folder / "questions.yaml").read_text(encoding="utf-8")):
            expect = c.get("expect")
            wanted = (
                frozenset((e["policy"], e["section"]) for e in expect)
                if isinstance(expect, list)
                else frozenset()
            )
            cases.append(
                Case(c["question"], c.get("kind") or ("in_scope" if wanted else "off_topic"), wanted)
            )
        packs.append(Pack(folder.name, folder / "policies", cases))
    return packs


def pack_index(pack: Pack) -> PolicyIndex:
    loaded = load_policy_dir(pack.folder, departments=REGISTRY)
    return index_sections(pack_sections(loaded), [], [])


def our_rows(pack: Pack, index: PolicyIndex, excerpts: bool = False) -> list[Row]:
    rows = []
    for case in pack.cases:
        plan = analyze_query(case.question, index.vocabulary)
        ranked = rank(plan, index.ranker, index.vocabulary, index.stems)
        top = [(r.candidate.policy_id, r.candidate.heading) for r in ranked[:3]]
        values = features(plan, ranked, index.vocabulary) if ranked else None
        shown = PolicySearch._hit(ranked[0], index).excerpt_markdown if ranked and excerpts else ""
        rows.append(Row(case, top, values, shown, pack.name))
    return rows


def bm25_tally(pack: Pack, index: PolicyIndex) -> Tally:
    sections = index.ranker.sections
    bm25 = plain_bm25(sections)
    tally = Tally()
    for case in pack.cases:
        tokens = [t for t in index_tokens(case.question) if t in bm25.vocab_dict]
        scores = bm25.get_scores(tokens) if tokens else np.zeros(len(sections))
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:3] if scores[i] > 0]
        top = [(sections[i].policy_id, sections[i].heading) for i in order]
        tally.add(case, "answer" if top else "no_match", top)
    return tally


def fit(rows: list[Row]) -> Model:
    """Standardise and fit a balanced logistic regression (scikit-learn) on ``rows``, with the
    answer threshold chosen the way the model will meet a new pack: on probabilities each of
    these packs gets from a model fit on the others (nested leave-one-pack-out), the threshold
    that meets the off-topic target with the most questions answered right (``_objective``)."""
    model = _fit(rows, ANSWER_AT)
    names = sorted({row.pack for row in rows})
    if len(names) < 3:
        return model
    scored: list[tuple[Row, float]] = []
    for name in names:
        inner = _fit([r for r in rows if r.pack != name], ANSWER_AT)
        scored += [(r, inner.probability(r.values) if r.values else 0.0) for r in rows if r.pack == name]
    best = max(THRESHOLDS, key=lambda t: (_objective(scored, t), -abs(t - 0.5)))
    return replace(model, answer_at=best, related_at=round(best * RELATED_SHARE, 4))


THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 15)]
RELATED_SHARE = 0.6
# The bundled pack ships as the product's default: the shipped model may not decline fewer of its
# off-topic questions than the release before (issue 19: "the bundled pack no worse than today").
BUNDLED_OFF_TOPIC_FLOOR = 0.86


def shipped_guard(model: Model, bundled: list[Row]) -> Model:
    """The shipped model's answer threshold, raised in steps of 0.01 only as far as the bundled
    pack needs to keep its off-topic figure (the held-out figures never use this: there the
    bundled pack is either held out or one training pack among eight)."""
    threshold = model.answer_at
    while threshold < 0.95:
        candidate = replace(model, answer_at=threshold, related_at=round(threshold * RELATED_SHARE, 4))
        tally = Tally()
        for row in bundled:
            tally.add(row.case, verdict_of(row, candidate), row.top)
        if (tally.rates()["off_topic"] or 1.0) >= BUNDLED_OFF_TOPIC_FLOOR:
            return candidate
        threshold = round(threshold + 0.01, 2)
    return model


def _objective(scored: list[tuple[Row, float]], threshold: float) -> tuple[bool, float]:
    """(off-topic target met, top-1) on the packs' average figures: the threshold must decline
    off-topic questions as the target asks, and then answers as many questions right as it can
    (the targets cannot all be met at once; a wrong "not covered" fails a real question)."""
    by_pack: dict[str, Tally] = {}
    for row, p in scored:
        verdict = "no_match" if row.values is None else _verdict(p, threshold, threshold * RELATED_SHARE)
        by_pack.setdefault(row.pack, Tally()).add(row.case, verdict, row.top)

    def mean(key: str) -> float:
        values = [v for t in by_pack.values() if (v := t.rates()[key]) is not None]
        return sum(values) / len(values) if values else 1.0

    return mean("off_topic") >= TARGETS["off_topic"][0], mean("top1")


def _verdict(p: float, answer_at: float, related_at: float) -> str:
    return "answer" if p >= answer_at else ("related" if p >= related_at else "no_match")


def _fit(rows: list[Row], answer_at: float) -> Model:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x, y = [], []
    for row in rows:
        if row.values is None:
            continue
        if row.case.kind == "in_scope":
            if not row.top or row.top[0] not in row.case.expect:
                continue  # ranked wrong: neither answering nor declining is right
            label = 1
        else:
            label = 0
        x.append([row.values[f] for f in FEATURES])
        y.append(label)
    scaler = StandardScaler().fit(np.array(x))
    model = LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000)
    model.fit(scaler.transform(np.array(x)), np.array(y))
    return Model(
        features=FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        answer_at=answer_at,
        related_at=answer_at * RELATED_SHARE,
    )


def verdict_of(row: Row, model: Model) -> str:
    if row.values is None:
        return "no_match"
    return _verdict(model.probability(row.values), model.answer_at, model.related_at)


def main_product(packs: list[Pack], ref: str) -> dict[str, list[tuple[str, list[tuple[str, str]]]]] | None:
    """Today's product: ``ref`` extracted with git archive, asked every question of every pack."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", ref], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not commit:
        print(f"(no {ref} branch: today's product skipped)", file=sys.stderr)
        return None
    cache = Path(tempfile.gettempdir()) / f"briefbot-policy-packs-{commit[:12]}.json"
    key = json.dumps([[str(p.folder), [c.question for c in p.cases]] for p in packs])
    if cache.exists():
        stored = json.loads(cache.read_text())
        if stored.get("key") == key:
            return stored["result"]  # type: ignore[no-any-return]
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "main.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), commit], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "tree", filter="data")
        job = {"packs": [[p.name, str(p.folder.resolve()), [c.question for c in p.cases]] for p in packs]}
        (Path(tmp) / "job.json").write_text(json.dumps(job))
        out = subprocess.run(
            [sys.executable, "-c", MAIN_SCRIPT, str(Path(tmp) / "job.json")],
            cwd=Path(tmp) / "tree",
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(tmp) / "tree")},
            check=False,
        )
        if out.returncode != 0:
            print(f"today's product failed:\n{out.stderr[-2000:]}", file=sys.stderr)
            return None
        result = json.loads(out.stdout.splitlines()[-1])
    cache.write_text(json.dumps({"key": key, "result": result}))
    return result  # type: ignore[no-any-return]


MAIN_SCRIPT = r"""
import json, re, sys, tempfile, logging
logging.disable(logging.WARNING)
from knowledge.service import KnowledgeConfig, KnowledgeService
from storage import Database
from tests.departments import REGISTRY
job = json.load(open(sys.argv[1]))
result = {}
for name, folder, questions in job["packs"]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/main.db"); db.upgrade()
        k = KnowledgeService(db=db, config=KnowledgeConfig(departments=REGISTRY))
        k.import_path(folder)
        rows = []
        for q in questions:
            a = k.policy_answer(q)
            # Today's product shows a "{#id}" anchor marker as part of the heading: compare the
            # heading without it, so the column measures ranking and abstention only.
            top = [(h.policy_id, re.sub(r"\s*\{#[^}]*\}\s*$", "", h.heading))
                   for h in (a.hits if a.kind == "answer" else k.search(q, limit=3))]
            rows.append((a.kind, top))
        result[name] = rows
        db.dispose()
print(json.dumps(result))
"""


def fmt(v: float | None) -> str:
    return "   -" if v is None else f"{v:4.2f}"


def print_table(title: str, tallies: dict[str, Tally], declines: bool = True) -> dict[str, float | None]:
    print(f"\n{title}")
    print(f"  {'pack':34} {'top-1':>5} {'top-3':>5} {'off-t':>5} {'near':>5} {'wr-dec':>6}   n(in/off/near)")
    sums: dict[str, list[float]] = {k: [] for k in TARGETS}
    for name, t in tallies.items():
        r = t.rates()
        for k, v in r.items():
            if v is not None:
                sums[k].append(v)
        shown = {k: (v if declines or k in ("top1", "top3") else None) for k, v in r.items()}
        print(
            f"  {name:34} {fmt(shown['top1']):>5} {fmt(shown['top3']):>5} {fmt(shown['off_topic']):>5} "
            f"{fmt(shown['near_miss']):>5} {fmt(shown['wrong_declines']):>6}   "
            f"{t.n['in_scope']}/{t.n['off_topic']}/{t.n['near_miss']}"
        )
    avg = {k: (sum(v) / len(v) if v else None) for k, v in sums.items()}
    shown = {k: (v if declines or k in ("top1", "top3") else None) for k, v in avg.items()}
    print(
        f"  {'average over packs':34} {fmt(shown['top1']):>5} {fmt(shown['top3']):>5} "
        f"{fmt(shown['off_topic']):>5} {fmt(shown['near_miss']):>5} {fmt(shown['wrong_declines']):>6}"
    )
    return avg


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list every held-out miss")
    parser.add_argument("--write-model", action="store_true", help="fit on all packs and write abstain.json")
    parser.add_argument("--excerpts", type=int, default=0, help="print N answered questions per pack")
    parser.add_argument("--no-main", action="store_true", help="skip today's product (main)")
    parser.add_argument("--main-ref", default="main")
    args = parser.parse_args()

    packs = load_packs()
    indexes = {p.name: pack_index(p) for p in packs}
    rows = {p.name: our_rows(p, indexes[p.name], excerpts=args.excerpts > 0) for p in packs}

    bm25 = {p.name: bm25_tally(p, indexes[p.name]) for p in packs}
    print_table("plain BM25 on the same sections (ranking alone, always answers)", bm25, declines=False)

    today = None if args.no_main else main_product(packs, args.main_ref)
    if today is not None:
        tallies = {}
        for p in packs:
            t = Tally()
            for case, (kind, top) in zip(p.cases, today[p.name], strict=True):
                t.add(case, kind, [tuple(x) for x in top])  # type: ignore[misc]
            tallies[p.name] = t
        print_table(f"today's product ({args.main_ref})", tallies)

    ours: dict[str, Tally] = {}
    for p in packs:
        model = fit([r for q in packs if q.name != p.name for r in rows[q.name]])
        t = Tally()
        for row in rows[p.name]:
            t.add(row.case, verdict_of(row, model), row.top)
        ours[p.name] = t
    avg = print_table("this branch, leave-one-pack-out (model fit on the other packs)", ours)

    if args.write_model:
        model = shipped_guard(fit([r for p in packs for r in rows[p.name]]), rows[packs[0].name])
        data = {
            "about": "Abstention model for knowledge/decide.py: a scikit-learn logistic regression "
            "(class_weight=balanced) over standardised features, fit by bench/policy_packs.py "
            "--write-model on these packs.",
            "trained_on": [p.name for p in packs],
            "features": list(model.features),
            "mean": [round(v, 6) for v in model.mean],
            "scale": [round(v, 6) for v in model.scale],
            "coef": [round(v, 6) for v in model.coef],
            "intercept": round(model.intercept, 6),
            "answer_at": model.answer_at,
            "related_at": model.related_at,
        }
        MODEL_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {MODEL_FILE.relative_to(ROOT)}")

    shipped = Model.from_dict(json.loads(MODEL_FILE.read_text()))
    shipped_tally = {}
    for p in packs:
        t = Tally()
        for row in rows[p.name]:
            t.add(row.case, verdict_of(row, shipped), row.top)
        shipped_tally[p.name] = t
    print_table("this branch, shipped model (fit on every pack: not held out)", shipped_tally)

    if args.misses:
        for name, t in ours.items():
            print(f"\nmisses, {name} (held out):")
            for m in t.misses:
                print(f"  {m}")

    if args.excerpts:
        model = shipped
        for p in packs:
            print(f"\n=== excerpts, {p.name}")
            shown = 0
            for row in rows[p.name]:
                if (
                    row.case.kind != "in_scope"
                    or verdict_of(row, model) != "answer"
                    or shown >= args.excerpts
                ):
                    continue
                shown += 1
                ok = "right section" if row.top and row.top[0] in row.case.expect else "WRONG section"
                print(f"\n[{shown}] Q: {row.case.question}\n    -> {row.top[0][1]} ({ok})")
                for line in row.answer_excerpt.splitlines():
                    print(f"    | {line}")

    failed = []
    for key, (target, op) in TARGETS.items():
        value = avg[key]
        if value is None:
            continue
        ok = value >= target if op == ">=" else value <= target
        print(f"target {key:15} {op} {target:.2f}: {value:.3f} {'ok' if ok else 'MISSED'}")
        if not ok:
            failed.append(key)
    if today is not None:
        bundled = packs[0].name
        before = Tally()
        for case, (kind, top) in zip(packs[0].cases, today[bundled], strict=True):
            before.add(case, kind, [tuple(x) for x in top])  # type: ignore[misc]
        # Like for like: today's product is its shipped model, so it is compared with this
        # branch's shipped model (the held-out figure is printed beside it).
        b, a, held = before.rates(), shipped_tally[bundled].rates(), ours[bundled].rates()
        worse = [k for k in ("top1", "top3", "off_topic") if (a[k] or 0) + 1e-9 < (b[k] or 0)]
        print(
            f"bundled pack, shipped model vs today: top-1 {fmt(b['top1'])} -> {fmt(a['top1'])}, off-topic "
            f"{fmt(b['off_topic'])} -> {fmt(a['off_topic'])} (held out: top-1 {fmt(held['top1'])}, "
            f"off-topic {fmt(held['off_topic'])}): " + ("worse on " + ", ".join(worse) if worse else "ok")
        )
        if worse:
            failed.append("bundled")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
