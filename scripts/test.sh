#!/usr/bin/env bash
# Install the project with its test extra into .venv (skipped when nothing changed) and run the
# test suite; arguments go to pytest (`./scripts/test.sh tests/ops -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/install.sh
install_briefbot test
exec .venv/bin/python -m pytest "$@"
