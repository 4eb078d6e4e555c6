"""Round-four label corrections of the news corpus, applied in place to items-*.jsonl.

    .venv/bin/python scripts/corpus/relabel_r4.py          # rewrite the items files
    .venv/bin/python scripts/corpus/relabel_r4.py --check  # say what would change

How they were found: by topic, not by model score. Every item about AI whose headline names an AI
agent or agentic AI was read beside the others of its kind in all three sub-corpora (held-out and
training outlets alike), and enterprise agent-platform launches were checked against LABELLING.md's
operations rule ("vendor/platform changes that disrupt teams' workflows ... new enterprise
features"; "AI agents put into production processes"). Most such launches were labelled
operations (RapDev's agent platform for ServiceNow, WIZ.AI's multi-agent inbound platform, SAP's
Agent Hub, LaunchDarkly's AgentControl, Kore.ai's multi-agent orchestration for CX, Ping
Identity's access controls for agents); the three below, of the same kind, had been labelled for
no department. Developer how-tos, reference architectures without a deployment, consumer agents
and funding rounds stay as labelled. Run after relabel_r3.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NEWS = Path(__file__).resolve().parents[2] / "briefings" / "data" / "news"

# id -> (about_ai, departments, rationale)
CORRECTIONS: dict[str, tuple[bool, list[str], dict[str, str]]] = {
    # Same kind as Kore.ai's multi-agent orchestration for CX (operations) and RapDev's agent
    # platform for running ServiceNow: an enterprise agent platform for business workflows.
    "1d73760e9c4c3f78": (
        True,
        ["operations"],
        {
            "operations": "Kore.ai launches Artemis, an enterprise AI agent platform competing with "
            "Salesforce and ServiceNow for business workflows: a platform choice for operations."
        },
    ),
    # Same kind as WIZ.AI's multi-agent inbound platform for enterprises (operations).
    "266430348709e60b": (
        True,
        ["operations"],
        {
            "operations": "SoundHound launches a self-learning AI agent platform: a vendor platform for "
            "running AI agents, a choice for the teams that deploy them."
        },
    ),
    # Same kind as Ping Identity's controls for what AI agents can access (operations).
    "bc92266470f55b11": (
        True,
        ["operations"],
        {
            "operations": "Proton launches credential tokens to tackle the AI-agent security gap: an "
            "access control IT can put on the agents it runs."
        },
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    changed = 0
    for path in sorted(NEWS.glob("items-*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out = []
        for line in lines:
            row = json.loads(line) if line.strip() else None
            fix = CORRECTIONS.get(str(row["id"])) if row else None
            if row is not None and fix is not None:
                about_ai, departments, rationale = fix
                old = (row["about_ai"], row["departments"], row["rationale"])
                if old != (about_ai, departments, rationale):
                    print(
                        f"{path.name} {row['id']}: about_ai {row['about_ai']} -> {about_ai}, "
                        f"{row['departments']} -> {departments}  ({row['title'][:70]})"
                    )
                    row = {**row, "about_ai": about_ai, "departments": departments, "rationale": rationale}
                    line = json.dumps(row, ensure_ascii=False)
                    changed += 1
            out.append(line)
        if not args.check:
            path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{changed} items changed ({len(CORRECTIONS)} corrections listed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
