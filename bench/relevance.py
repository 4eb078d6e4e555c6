"""Relevance of the department ranking on labelled headlines: phrases only, meaning only, combined.

Splits (tests/data/): ``ranking_headlines.yaml`` is the tuning split, which the semantic scorer is
also trained on (shipped as briefings/data/training_headlines.yaml), so its "meaning" figures are
in-sample; ``relevance_heldout.yaml`` is held out (never trained or tuned on).

Per department:
- P@5: precision of the top five when the whole split is ranked (a slot left empty because too
  few stories pass the bar counts as a miss);
- R-prec: R-precision over rounds in which 3 of the department's stories hide among 30 others
  (general news and other departments' stories), averaged over 200 seeded rounds.

"phrases" is today's ranking (the phrase lists alone); "meaning" ranks by the semantic scorer's
probability alone; "combined" is the ranking as shipped. A custom ``security`` department defined
only by a description and five examples (tests/data/security_profile.yaml) is measured on the
held-out split's security stories.

Targets: every department combined >= phrases on both splits; finance combined >= phrases + 0.1
on the held-out split; security P@5 and R-prec >= 0.8.

    python bench/relevance.py        # the figures above
    python bench/relevance.py --cv   # how the scorer's settings were chosen: two-fold
                                     # cross-validation on the tuning split only
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

# This folder holds a briefings.py of its own: the package must come first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefings.profiles import Profiles, load_profiles
from briefings.rank import Candidate, Ranker, RankingConfig
from briefings.semantic import TrainingConfig, load_training, train_for

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ROUNDS, HIDDEN, OTHERS = 200, 3, 30

Ranking = Callable[[Sequence[Candidate], str], list[int]]


@dataclass(frozen=True)
class Row:
    title: str
    summary: str
    labels: frozenset[str]


def load_split(name: str) -> list[Row]:
    rows: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return [Row(r["title"], r["summary"], frozenset({r["department"], *(r.get("also") or [])})) for r in rows]


def candidates(rows: Sequence[Row]) -> list[Candidate]:
    return [
        Candidate(
            key=str(i),
            story_id=i,
            title=r.title,
            summary=r.summary,
            url=None,
            sources=(f"s{i}",),
            source_keys=(f"s{i}",),
            published_at=NOW - timedelta(hours=1),
        )
        for i, r in enumerate(rows)
    ]


def by_ranker(ranker: Ranker) -> Ranking:
    def rank(cands: Sequence[Candidate], dept: str) -> list[int]:
        return [s.candidate.story_id or 0 for s in ranker.score(cands, dept, now=NOW)]

    return rank


def by_meaning(ranker: Ranker) -> Ranking:
    def rank(cands: Sequence[Candidate], dept: str) -> list[int]:
        d = ranker.profiles.keys.index(dept)
        meaning = {c.story_id: ranker.match(c.title, c.summary)[d].meaning for c in cands}
        return [c.story_id or 0 for c in sorted(cands, key=lambda c: -meaning[c.story_id])]

    return rank


def precision_at_5(rows: Sequence[Row], dept: str, rank: Ranking) -> float:
    top = rank(candidates(rows), dept)[:5]
    return sum(dept in rows[i].labels for i in top) / 5


def r_precision(rows: Sequence[Row], dept: str, rank: Ranking) -> float:
    own = [i for i, r in enumerate(rows) if dept in r.labels]
    rest = [i for i, r in enumerate(rows) if dept not in r.labels]
    rng = random.Random(f"{dept}-{len(rows)}")
    total = 0.0
    for _ in range(ROUNDS):
        chosen = rng.sample(own, HIDDEN) + rng.sample(rest, min(OTHERS, len(rest)))
        cands = candidates(rows)
        picked = [cands[i] for i in chosen]
        top = rank(picked, dept)[:HIDDEN]
        total += sum(dept in rows[i].labels for i in top) / HIDDEN
    return total / ROUNDS


def measure(
    profiles: Profiles, rows: Sequence[Row], depts: Sequence[str]
) -> dict[str, dict[str, tuple[float, float]]]:
    combined = Ranker(profiles)
    phrases = Ranker(
        profiles,
        replace(RankingConfig(), phrase_trust=1.0, meaning_weight=0.0, meaning_weight_without_phrases=0.0),
    )
    modes = {"phrases": by_ranker(phrases), "meaning": by_meaning(combined), "combined": by_ranker(combined)}
    return {
        mode: {d: (precision_at_5(rows, d, rank), r_precision(rows, d, rank)) for d in depts}
        for mode, rank in modes.items()
    }


def report(title: str, results: dict[str, dict[str, tuple[float, float]]]) -> None:
    print(f"\n{title}")
    depts = list(next(iter(results.values())))
    print(f"{'department':<12}" + "".join(f"{m + ' P@5':>14}{m + ' R-prec':>17}" for m in results))
    for d in depts:
        print(f"{d:<12}" + "".join(f"{results[m][d][0]:>14.2f}{results[m][d][1]:>17.2f}" for m in results))


def cross_validate() -> None:
    """R-precision (combined, meaning) on each half of the tuning split, trained on the other half:
    the bundled departments, and each department re-learnt as a custom one (its phrases and
    labelled headlines dropped, five of its headlines as examples). Nothing here reads the
    held-out split."""
    rows = load_training()
    profiles = load_profiles()
    order = list(range(len(rows)))
    random.Random(1).shuffle(order)
    folds = (order[::2], order[1::2])
    for bias in (None, -1.0, -2.0):
        config = TrainingConfig(bias=bias)
        bundled: dict[str, list[float]] = {}
        custom: dict[str, list[float]] = {}
        for k in (0, 1):
            train_rows = [rows[i] for i in folds[k]]
            test = [
                Row(r["title"], r["summary"], frozenset({r["department"], *(r.get("also") or [])}))
                for r in (rows[i] for i in folds[1 - k])
            ]
            ranker = Ranker(profiles, semantic=train_for(profiles, train_rows, config))
            for d in profiles.keys:
                bundled.setdefault(d, []).append(r_precision(test, d, by_ranker(ranker)))
                own = tuple(r["title"] for r in train_rows if r["department"] == d)[:5]
                others = [r for r in train_rows if d not in {r["department"], *(r.get("also") or [])}]
                alone = Profiles(
                    tuple(replace(p, phrases=(), examples=own) if p.key == d else p for p in profiles)
                )
                ranker = Ranker(alone, semantic=train_for(alone, others, config))
                custom.setdefault(d, []).append(r_precision(test, d, by_ranker(ranker)))
                custom.setdefault(f"{d} by meaning", []).append(r_precision(test, d, by_meaning(ranker)))
        mean = {d: f"{sum(v) / 2:.2f}" for d, v in bundled.items()}
        alone_mean = {d: f"{sum(v) / 2:.2f}" for d, v in custom.items()}
        print(f"intercept {bias}: R-prec bundled {mean}; re-learnt from 5 examples {alone_mean}")


def main() -> None:
    bundled = load_profiles()
    depts = list(bundled.keys)
    tune = measure(bundled, load_split("ranking_headlines.yaml"), depts)
    held = measure(bundled, load_split("relevance_heldout.yaml"), depts)
    report("tuning split (tests/data/ranking_headlines.yaml; meaning is in-sample)", tune)
    report("held-out split (tests/data/relevance_heldout.yaml)", held)
    custom = load_profiles(DATA / "security_profile.yaml")
    security = measure(custom, load_split("relevance_heldout.yaml"), ["security"])
    report("custom security department (description + 5 examples), held-out split", security)

    failures = []
    for name, results in (("tuning", tune), ("held-out", held)):
        for d in depts:
            before, after = results["phrases"][d], results["combined"][d]
            if after[0] < before[0] or after[1] < before[1]:
                failures.append(f"{d} on the {name} split is worse than phrases alone")
    gain = held["combined"]["finance"][1] - held["phrases"]["finance"][1]
    if gain < 0.1:
        failures.append(f"finance R-precision gains only {gain:+.2f} on the held-out split (target +0.10)")
    sec = security["combined"]["security"]
    if min(sec) < 0.8:
        failures.append(f"security P@5 {sec[0]:.2f}, R-prec {sec[1]:.2f} (target >= 0.8)")
    print("\ntargets: " + ("all met" if not failures else "MISSED: " + "; ".join(failures)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="cross-validate the scorer's settings instead")
    if parser.parse_args().cv:
        cross_validate()
    else:
        main()
