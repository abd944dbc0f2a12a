#!/usr/bin/env bash
# CI smoke run: every fuzz target for 20 seconds. Exits non-zero on any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
SECS=${SMOKE_SECONDS:-20}
for t in jwt jwks callback_url storage_blob responses; do
  echo "=== fuzz $t for ${SECS}s ==="
  fuzz/run.sh "$t" "$SECS"
done
echo "all fuzz targets ran ${SECS}s without a crash"
