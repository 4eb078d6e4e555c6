#!/usr/bin/env bash
# Install the project into .venv (if needed) and run the offline demo on the embedded SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
exec .venv/bin/briefbot demo "$@"
