#!/usr/bin/env bash
# Builds the `logto` Python package (maturin, release profile) into a virtualenv, type-checks it
# (mypy on the package, its stubs and the samples; stubtest of the stubs against the built
# extension) and runs its pytest suite against the repository's test identity server. Works on a fresh machine with
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
# An extension built before the package became abi3 (`_core.cpython-3XX-*.so`) would shadow the
# new `_core.abi3.so` (CPython prefers the versioned name): remove every earlier build first.
rm -f logto/_core.*.so logto/_core.*.pyd
maturin develop --release --quiet

# The official SDK's wheel from PyPI, which tests/test_public_surface.py compares our public
# surface with (read with `ast`, never installed; the test checks its SHA-256).
if ! ls .official-wheel/logto-0.2.1-py3-none-any.whl >/dev/null 2>&1; then
  python -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest .official-wheel "logto==0.2.1"
fi

# Type checks (settings in pyproject.toml): mypy --strict on logto/ (with the _core.pyi stubs)
# and samples/, then stubtest, which compares the stubs with the compiled extension.
python -m mypy
python -m mypy.stubtest logto._core

python -m pytest -q "$@"
