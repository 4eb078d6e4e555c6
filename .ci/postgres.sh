#!/usr/bin/env bash
# Install (Debian's packages) and start a local PostgreSQL for the test suite. Idempotent.
# Prints exactly one line on standard output, the database URL for TEST_DATABASE_URL; every
# other message (apt, pg_ctlcluster's "Removed stale pid file." after an unclean stop, psql)
# goes to standard error.
set -euo pipefail
url=postgresql+psycopg://briefbot:briefbot@127.0.0.1:5432/briefbot
{
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
# After an unclean stop the old postmaster's pid can linger for a moment: retry the start.
for attempt in 1 2 3 4 5; do
  pg_lsclusters -h | grep "^$version main" | grep -q online && break
  pg_ctlcluster "$version" main start && break
  [ "$attempt" = 5 ] && { echo "CI: PostgreSQL $version would not start" ; exit 1; }
  sleep 2
done
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='briefbot'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE USER briefbot PASSWORD 'briefbot' SUPERUSER;\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='briefbot'\"" | grep -q 1 \
  || su postgres -c "createdb -O briefbot briefbot"
} >&2
echo "$url"
