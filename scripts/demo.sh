#!/usr/bin/env bash
# Install the project into .venv (skipped when nothing changed) and run the offline demo on a
# throwaway embedded SQLite. Afterwards `source .venv/bin/activate` puts `briefbot` on your PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/install.sh
install_briefbot ""
exec .venv/bin/briefbot demo "$@"
