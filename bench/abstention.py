"""Abstention and accuracy on the labelled question sets (quality, not timing).

Prints, for the tune and held-out splits, in-scope top-1 (tests/data/policy_questions.yaml:
answered with the labelled section first) and off-topic abstention
(tests/data/offtopic_questions.yaml: no section presented as the answer), against the bundled
policy pack, through ``KnowledgeService.policy_answer`` as users ask.

    .venv/bin/python bench/abstention.py                 # SQLite (the embedded default)
    .venv/bin/python bench/abstention.py --db postgres   # PostgreSQL at TEST_DATABASE_URL
    .venv/bin/python bench/abstention.py --misses        # also list what each split got wrong

Targets: in-scope top-1 >= 90%, off-topic abstention >= 80% (the regression guard in
tests/knowledge/test_abstention.py). The bundled pack is one pack of bench/policy_packs.py,
which measures every pack held out in turn beside plain BM25 and main: the quality figures
of record, since the abstention model is no longer tuned on this pack's questions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.service import KnowledgeConfig, KnowledgeService  # noqa: E402
from storage import Database  # noqa: E402
from tests.databases import postgres_schema  # noqa: E402
from tests.departments import REGISTRY  # noqa: E402
from tests.knowledge.labelled import SPLITS, evaluate, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--misses", action="store_true", help="list the wrong answers per split")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.db == "postgres":
            base = os.environ.get("TEST_DATABASE_URL")
            if not base:
                print("set TEST_DATABASE_URL to a PostgreSQL URL", file=sys.stderr)
                return 2
            url = stack.enter_context(postgres_schema(base))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/abstention.db"
        db = Database(url)
        stack.callback(db.dispose)
        db.upgrade()
        knowledge = KnowledgeService(db=db, config=KnowledgeConfig(departments=REGISTRY))
        knowledge.load_configured_packs()
        result = evaluate(knowledge)
        print(f"{args.db}:\n{summary(result)}")
        if args.misses:
            for split in SPLITS:
                for kind in ("in-scope", "off-topic"):
                    for miss in result[kind][split].misses:
                        print(f"  {split} {kind}: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
