#!/usr/bin/env bash
# Runs one framework sample (python/samples) against the repository's test identity server:
#
#   python/scripts/sample.sh flask|django|fastapi
#
# Starts testing/idp on IDP_PORT (default 3001) unless LOGTO_ENDPOINT is set (then LOGTO_APP_ID
# and LOGTO_APP_SECRET name your app), builds the package into python/.venv if needed, and
# serves the sample on PORT (default 5000). Sign in as demo / Demo-Passw0rd!. REDIS_URL keeps
# the sessions in Redis; without it they live in the sample's memory (development only).
set -euo pipefail

framework="${1:-}"
case "$framework" in
  flask|django|fastapi) ;;
  *) echo "usage: $0 flask|django|fastapi" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
VENV="${LOGTO_PYTHON_VENV:-$PWD/.venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import logto._core, $framework" 2>/dev/null; then
  echo "building the logto package into $VENV (first run only)..." >&2
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  (export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"; maturin develop --release --quiet)
fi

PORT="${PORT:-5000}"
export PORT HOST="${HOST:-127.0.0.1}"
export APP_BASE_URL="${APP_BASE_URL:-http://127.0.0.1:$PORT}"

idp_pid=""
cleanup() { if [ -n "$idp_pid" ]; then kill "$idp_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

if [ -z "${LOGTO_ENDPOINT:-}" ]; then
  if [ ! -f ../testing/idp/node_modules/oidc-provider/package.json ]; then
    npm ci --prefix ../testing/idp --no-audit --no-fund --loglevel=error
  fi
  IDP_PORT="${IDP_PORT:-3001}"
  node ../testing/idp/server.mjs --port "$IDP_PORT" --host 127.0.0.1 >/dev/null &
  idp_pid=$!
  export LOGTO_ENDPOINT="http://127.0.0.1:$IDP_PORT"
  export LOGTO_APP_ID=confidential-app LOGTO_APP_SECRET=confidential-secret
  "$VENV/bin/python" - "$LOGTO_ENDPOINT/oidc/.well-known/openid-configuration" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the test identity server did not start")
PY
  echo "test identity server at $LOGTO_ENDPOINT (sign in as demo / Demo-Passw0rd!)" >&2
fi

echo "the $framework sample at $APP_BASE_URL" >&2
"$VENV/bin/python" -m "samples.${framework}_app"
