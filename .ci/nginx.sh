#!/usr/bin/env bash
# Install Debian's nginx and openssl for tests/e2e/test_tls_proxy.py (docs/deploy.md's reverse
# proxy, run for real). Idempotent; the test starts its own nginx, so the service stays stopped.
set -euo pipefail
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] || ! command -v openssl >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx openssl >/dev/null
fi
