#!/usr/bin/env bash
# Demo: the axum sample app signing in against the local Logto-like test identity server.
#
#   scripts/demo.sh                 # local identity server on IDP_PORT (default 3001), app on PORT (default 3000)
#   scripts/demo.sh flask           # the same with the Python Flask sample (or django, fastapi) on PORT (default 5000)
#   LOGTO_ENDPOINT=https://tenant.logto.app LOGTO_APP_ID=... LOGTO_APP_SECRET=... scripts/demo.sh
#                                   # a real Logto tenant instead (no local server)
#
# Needs: node + npm (for the local identity server), cargo. Ctrl-C stops everything.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# `scripts/demo.sh flask|django|fastapi` runs that Python framework's sample instead.
case "${1:-axum}" in
  axum) ;;
  flask|django|fastapi) exec python/scripts/sample.sh "$1" ;;
  *) echo "usage: $0 [axum|flask|django|fastapi]" >&2; exit 2 ;;
esac
PORT="${PORT:-3000}"
HOST="${HOST:-127.0.0.1}"
IDP_PORT="${IDP_PORT:-3001}"
pids=()

cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -f "${idp_out:-}" "${app_out:-}"
  wait 2>/dev/null || true
  echo "demo stopped"
}
trap cleanup INT TERM EXIT

# Waits up to $2 seconds for the first line of file $1 and prints it.
first_line() {
  local tries=$(($2 * 10))
  while ((tries-- > 0)); do
    if [[ -s "$1" ]] && IFS= read -r first <"$1" && [[ -n "$first" ]]; then
      printf '%s\n' "$first"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

need() { command -v "$1" >/dev/null 2>&1 || { echo "demo: '$1' is required ($2)" >&2; exit 1; }; }
need cargo "install Rust from https://rustup.rs"

local_idp=false
if [[ -z "${LOGTO_ENDPOINT:-}" ]]; then
  local_idp=true
  need node "apt-get install -y nodejs npm (Node 20+)"
  need npm "apt-get install -y npm"
  if [[ ! -d testing/idp/node_modules/oidc-provider ]]; then
    echo "==> installing the test identity server (npm ci in testing/idp)"
    (cd testing/idp && npm ci --no-audit --no-fund)
  fi
  echo "==> starting the test identity server on 127.0.0.1:${IDP_PORT}"
  # The server's first stdout line says where it listens; stdout goes to a file, which (unlike a
  # pipe) can never block or break the server.
  idp_out="$(mktemp)"
  (cd testing/idp && exec node server.mjs --port "$IDP_PORT" --host 127.0.0.1 2> >(grep -v 'WARNING' >&2)) >"$idp_out" &
  pids+=("$!")
  line="$(first_line "$idp_out" 30)" || { echo "demo: the identity server did not start (is port ${IDP_PORT} free? set IDP_PORT)" >&2; exit 1; }
  LOGTO_ENDPOINT="$(sed -E 's/.*"endpoint":"([^"]+)".*/\1/' <<<"$line")"
  export LOGTO_ENDPOINT
  export LOGTO_APP_ID="${LOGTO_APP_ID:-confidential-app}"
  export LOGTO_APP_SECRET="${LOGTO_APP_SECRET:-confidential-secret}"
fi
: "${LOGTO_APP_ID:?set LOGTO_APP_ID for your Logto tenant}"

echo "==> building the sample app"
cargo build --quiet -p axum-sample
export PORT HOST COOKIE_SECURE="${COOKIE_SECURE:-false}"
export RUST_LOG="${RUST_LOG:-info}"
app_out="$(mktemp)"
"${CARGO_TARGET_DIR:-target}/debug/axum-sample" > >(tee "$app_out") &
pids+=("$!")
line="$(first_line "$app_out" 60)" || { echo "demo: the sample app did not start (is port ${PORT} free? set PORT)" >&2; exit 1; }
url="$(sed -E 's/.*"url":"([^"]+)".*/\1/' <<<"$line")"

echo
echo "  Logto axum sample:  ${url}/"
echo "  Identity server:    ${LOGTO_ENDPOINT}"
if $local_idp; then
  echo "  Sign in with:       username 'demo', password 'Demo-Passw0rd!'"
else
  echo "  Register ${url}/callback as a redirect URI and ${url}/ as a post sign-out redirect URI in Logto."
fi
echo "  Pages:              ${url}/ (the session), /protected (ID token), /protected/userinfo,"
echo "                      /protected/organizations, /protected/api (a call of the API below)"
echo "  API:                curl -H 'Authorization: Bearer <token>' ${url}/api/data"
echo "  Press Ctrl-C to stop."
echo
wait -n "${pids[@]}"
echo "demo: a process exited" >&2
