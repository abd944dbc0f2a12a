#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: it installs what it needs itself
# (Debian packages, npm packages, Python packages) and stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

steps=0
step() { steps=$((steps + 1)); printf '\n==> %s\n' "$*"; }

# `LOGTO_REAL_ENV=testing/real-logto/.env.local scripts/test.sh --real-logto`: the real-Logto
# leg only, against a Logto provisioned by testing/real-logto/provision.py (see its README).
if [ "${1:-}" = "--real-logto" ]; then
  if [ -z "${LOGTO_REAL_ENV:-}" ]; then
    echo "set LOGTO_REAL_ENV to the env file testing/real-logto/provision.py wrote" >&2
    exit 2
  fi
  LOGTO_REAL_ENV="$(cd "$(dirname "$LOGTO_REAL_ENV")" && pwd)/$(basename "$LOGTO_REAL_ENV")"
  export LOGTO_REAL_ENV
  step "real Logto: the core client, machine tokens, token exchange, axum (Rust)"
  cargo test -p logto-axum --test real_logto --locked -- --test-threads=1
  step "real Logto: the Management API and the Account API (Rust)"
  cargo test -p logto-management --test real_logto --locked
  step "real Logto: the sample CLI's loopback sign-in (Rust; Logto 1.37 has no device flow)"
  cargo test -p logto-cli --test real_logto --locked
  step "real Logto: Flask, Django and FastAPI, the Management and Account API (Python)"
  python/scripts/test.sh tests/test_real_logto.py
  echo
  echo "suites: ${steps} passed, 0 failed"
  exit 0
fi

# `scripts/test.sh --quick`: formatting, lints, the unit tests of both languages and the SDK's
# flows against the in-process test server (no Node, no Redis, no browser, no fuzzing), for a
# contributor's loop. CI runs the full script.
if [ "${1:-}" = "--quick" ]; then
  step "format and lints"
  cargo fmt --all --check
  cargo clippy --workspace --all-targets --locked -- -D warnings
  step "Rust unit tests (the crates' own, no servers)"
  cargo test --workspace --lib --locked
  step "Rust flows and refresh coordination against the in-process test server (logto-testing: no Node)"
  cargo test --workspace --locked --test sdk_flows --test axum_app --test with_mock_logto
  cargo test -p logto --locked --test concurrency --test coordination
  cargo test -p logto-management --locked
  step "Python package (build, mypy + stubtest, unit tests, flows against logto.testing)"
  python/scripts/test.sh tests/test_models.py tests/test_web_pieces.py tests/test_oidc_core.py \
    tests/test_testing_kit.py tests/test_management.py -k "not sessions_live_in_redis and not store_that_is_down"
  echo
  echo "quick tests passed"
  echo "suites: ${steps} passed, 0 failed"
  exit 0
fi

step "system packages"
scripts/install-system-deps.sh

step "test identity server (npm ci)"
npm ci --prefix testing/idp --no-audit --no-fund --loglevel=error

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "minimum supported Rust version (rust-version in Cargo.toml)"
scripts/check-msrv.sh

step "Rust tests (unit, integration against the test identity server, doc tests)"
cargo test --workspace --locked

step "API docs (cargo doc, warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "publishable crates (cargo package: each crate built from its own tarball)"
# --allow-dirty: the check is whether the crates package and build, not whether the work tree
# is committed (a fresh CI clone always is). Cargo unpacks the tarballs into its registry cache
# by name and version and takes a copy, or a build of it, that an earlier run left as up to
# date: remove both, so the sources verified are the ones packaged now.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/logto-{0,redis-0,axum-0,management-0}.* \
  "${CARGO_TARGET_DIR:-target}"/debug/.fingerprint/logto-{[0-9a-f],redis-,management-}*
cargo package -p logto -p logto-redis -p logto-axum -p logto-management --locked --allow-dirty

step "Python package (maturin build, mypy + stubtest, pytest)"
python/scripts/test.sh

step "several instances of the Python FastAPI sample on one Redis (needs the package built above)"
# --workspace: the features the Rust tests step resolved, so its build is reused (with `-p` alone
# the dependencies resolve other features and compile again).
cargo test --workspace --features logto-test-idp/python-samples --test python_instances --locked

step "README code blocks (built as written, run against the test identity server)"
# Includes the README's Python install line: a wheel built by maturin into a fresh venv.
cargo run --quiet -p readme-check --locked

step "browser end-to-end test (headless Chromium)"
npm ci --prefix testing/browser --no-audit --no-fund --loglevel=error
cargo build -p axum-sample --locked
node testing/browser/e2e.mjs

step "browser walks of the Python samples (Flask, Django, FastAPI; headless Chromium)"
node testing/browser/python-samples.mjs

step "Python wheel on CPython 3.9-3.13 (one abi3 wheel from the release build above, no Rust on PATH)"
python/scripts/wheel-matrix.sh

step "fuzz smoke run"
fuzz/smoke.sh

echo
echo "all tests passed"
# Every step stops the script on failure, so reaching here means each one passed.
echo "suites: ${steps} passed, 0 failed"
