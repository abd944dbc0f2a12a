#!/usr/bin/env bash
# Run one fuzz target for N seconds, starting from the committed seeds.
# Usage: fuzz/run.sh TARGET SECONDS [extra libFuzzer args...]
# Uses the stable toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly -Z flags).
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: $0 TARGET SECONDS [libfuzzer args...]" >&2; exit 2; fi
T=$1; S=$2; shift 2
cd "$(dirname "$0")/.."
mkdir -p "fuzz/corpus/$T"
cp -n fuzz/seeds/"$T"/* "fuzz/corpus/$T/" 2>/dev/null || true
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run ${FUZZ_SANITIZER:+--sanitizer "$FUZZ_SANITIZER"} "$T" "fuzz/corpus/$T" "fuzz/seeds/$T" -- \
  -max_total_time="$S" -max_len=8192 -print_final_stats=1 "$@"
