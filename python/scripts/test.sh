#!/usr/bin/env bash
# Builds the `logto` Python package (maturin, release profile) into a virtualenv and runs its
# pytest suite against the repository's test identity server. Works on a fresh machine with
# python3 (3.9+), cargo, node and npm. Extra arguments go to pytest.
#
#   python/scripts/test.sh            # everything
#   python/scripts/test.sh -k sample  # a subset
set -euo pipefail

cd "$(dirname "$0")/.."
VENV="${LOGTO_PYTHON_VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"

python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ ! -f ../testing/idp/node_modules/oidc-provider/package.json ]; then
  npm ci --prefix ../testing/idp --no-audit --no-fund
fi

# Editable install: the extension lands in logto/ beside the Python sources.
maturin develop --release --quiet

python -m pytest -q "$@"
