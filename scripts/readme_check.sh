#!/usr/bin/env bash
# Follow README.md literally and fail on any failure: the quick start's setup (scripts/demo.sh,
# scripts/test.sh), then every command of the README's fenced `bash` blocks that is a setup
# script, `source .venv/bin/activate` or a `briefbot` command, in order, in one shell. They run
# against a throwaway SQLite file, with no Slack credentials; a command whose comment says
# "needs network" or "needs Slack" is shown and skipped, other lines (export, pip, docker) are
# shown as not run. Afterwards a second scripts/demo.sh must skip the install and print nothing
# on stderr.
#
#   scripts/readme_check.sh             from a fresh clone of this repository's HEAD (a temp dir)
#   scripts/readme_check.sh --in-place  in this checkout (CI: it is a fresh clone already)
#
# README_CHECK_TEST_ARGS, when set, is passed to scripts/test.sh (e.g. "tests/ops -q" for a quick
# local run); CI leaves it unset, so the whole suite runs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ "${1:-}" = "--in-place" ]; then
  work=$repo
else
  git clone -q "$repo" "$scratch/clone"
  work=$scratch/clone
fi
cd "$work"

python3 - "$scratch" >"$scratch/steps.sh" <<'PY'
import re
import shlex
import sys

scratch = sys.argv[1]
text = open("README.md", encoding="utf-8").read()
blocks = re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)
print("set -euo pipefail")
print('trap \'echo "README check: FAILED at: $step" >&2\' ERR')
print(f"export DATABASE_URL=sqlite:///{scratch}/readme.db")
print("unset SLACK_BOT_TOKEN SLACK_APP_TOKEN SLACK_SIGNING_SECRET BRIEFBOT_ADMINS")
ran = 0
for block in blocks:
    for raw in block.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line, comments=True)
        comment = line.partition("  #")[2]  # comments stand two or more spaces after the command
        command = shlex.join(words)
        shown = shlex.quote(f"$ {command}")
        if "needs network" in comment or "needs Slack" in comment:
            print(f"echo {shown}' (skipped: {comment.strip()})'")
        elif words[:1] == ["source"] or words[:1] == ["briefbot"] or command.startswith("./scripts/"):
            ran += 1
            print(f"step={shlex.quote(command)}; echo {shown}")
            if command == "./scripts/test.sh":
                print('./scripts/test.sh ${README_CHECK_TEST_ARGS:-}')
            elif command == "./scripts/demo.sh":
                print(f'./scripts/demo.sh 2>"{scratch}/demo.err"; cat "{scratch}/demo.err" >&2')
                print(f'if grep -qi "warn" "{scratch}/demo.err"; then echo "README check: demo.sh printed a warning" >&2; exit 1; fi')
            else:
                print(command)
        else:
            print(f"echo {shown}' (not a briefbot command: not run)'")
if ran < 5:
    sys.exit(f"README check: only {ran} runnable commands found in README.md's bash blocks")
print(f"echo 'README check: {ran} commands ran'")
PY

started=$(date +%s)
bash "$scratch/steps.sh"

# A second demo skips the install and is quiet.
./scripts/demo.sh >/dev/null 2>"$scratch/again.err"
if [ -s "$scratch/again.err" ]; then
  echo "README check: a second scripts/demo.sh printed on stderr:" >&2
  cat "$scratch/again.err" >&2
  exit 1
fi
echo "README check passed in $(( $(date +%s) - started )) s"
