#!/usr/bin/env bash
# The package's CPython matrix: builds the wheel once (abi3, so one wheel serves every CPython from
# 3.9 on), then, with no Rust toolchain on PATH, installs it from the file into a fresh virtualenv
# for each of CPython 3.9 to 3.13 with Flask, Django and FastAPI from PyPI, imports each
# integration and runs the framework-independent tests (they start the test identity
# server and Redis themselves, as in python/scripts/test.sh). Needs python3.9 ... python3.13 on
# PATH or under pyenv, cargo, node (with testing/idp's npm packages) and redis-server.
#
#   python/scripts/wheel-matrix.sh               # wheel from the workspace's release build (fast
#                                                # after python/scripts/test.sh), host glibc's tag
#   python/scripts/wheel-matrix.sh --manylinux   # manylinux2014 with zig, as released: a full build
#   WHEEL_MATRIX_WHEEL=path.whl python/scripts/wheel-matrix.sh   # test a wheel built elsewhere
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON_DIR="$PWD"
WORK="${WHEEL_MATRIX_DIR:-${CARGO_TARGET_DIR:-$PYTHON_DIR/../target}/wheel-matrix}"
# Absolute and without `..`: the check below compares it with where Python loaded the module from.
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd -P)"
VERSIONS=(3.9 3.10 3.11 3.12 3.13)
# The tests: the Python API over the core (models, the OIDC core against the test identity
# server) and the web pieces the integrations share (settings, sessions in Redis, error pages;
# one of them answers through FastAPI's test client, hence httpx).
TESTS=(tests/test_models.py tests/test_oidc_core.py tests/test_web_pieces.py)

find_python() {
  local version="$1" candidate
  # pyenv's shims are on PATH but fail for a version that is not selected: try each candidate.
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"python$version" \
    "$(command -v "python$version" || true)"; do
    if [ -x "$candidate" ] && "$candidate" -c "" 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  return 1
}

pythons=()
for version in "${VERSIONS[@]}"; do
  python="$(find_python "$version")" || { echo "CPython $version not found (PATH or pyenv)" >&2; exit 1; }
  pythons+=("$python")
done

rm -rf "$WORK/venvs" "$WORK/dist"
mkdir -p "$WORK"
pip_quiet=(--quiet --disable-pip-version-check)

# -- the wheel, built once ---------------------------------------------------------------------
if [ -n "${WHEEL_MATRIX_WHEEL:-}" ]; then
  mkdir -p "$WORK/dist" && cp "$WHEEL_MATRIX_WHEEL" "$WORK/dist/"
else
  if [ ! -x "$WORK/build/bin/python" ]; then
    python3 -m venv "$WORK/build"
  fi
  maturin_pin="$(grep -E '^maturin==' requirements-dev.txt)"
  build_tools=("$maturin_pin" auditwheel)
  build_args=(--release --out "$WORK/dist")
  if [ "${1:-}" = "--manylinux" ]; then
    # zig links against glibc 2.17's symbols (and compiles aws-lc's C), as the manylinux2014
    # images of the release workflow do.
    build_tools+=(ziglang)
    build_args+=(--zig --compatibility manylinux2014)
  fi
  "$WORK/build/bin/python" -m pip install "${pip_quiet[@]}" "${build_tools[@]}"
  # The build venv first on PATH: maturin finds zig as `python -m ziglang`.
  PATH="$WORK/build/bin:$PATH" maturin build "${build_args[@]}" --interpreter "$WORK/build/bin/python"
  "$WORK/build/bin/auditwheel" show "$WORK"/dist/*.whl
fi
wheel="$(ls "$WORK"/dist/*.whl)"
echo "wheel: $(basename "$wheel")"
case "$wheel" in
  *-cp39-abi3-*) ;;
  *) echo "expected one cp39-abi3 wheel" >&2; exit 1 ;;
esac

# -- every CPython, without Rust ---------------------------------------------------------------
# PATH without the directories that hold cargo or rustc: pip must install the wheel, not build.
norust_path=""
IFS=: read -ra path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
  if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ]; then continue; fi
  norust_path="${norust_path:+$norust_path:}$dir"
done

printf '[pytest]\n' >"$WORK/pytest.ini"  # not pyproject's: its pythonpath would import ./logto
mkdir -p "$WORK/venvs"

# Django 5 (the Django integration's floor: async session methods) needs Python 3.10.
extras_for() { if [ "$1" = "3.9" ]; then echo "flask,fastapi"; else echo "flask,django,fastapi"; fi; }

# The virtualenvs are filled side by side (mostly waiting on downloads and unpacking), each
# with the wheel from its file and the frameworks' newest releases for that Python.
install_venv() {
  local python="$1" venv="$2" extras="$3"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install "${pip_quiet[@]}" --only-binary logto-rs \
    "$wheel[$extras]" pytest requests redis httpx
}
pids=()
for i in "${!VERSIONS[@]}"; do
  version="${VERSIONS[$i]}"
  (export PATH="$norust_path"; install_venv "${pythons[$i]}" "$WORK/venvs/$version" "$(extras_for "$version")") \
    >"$WORK/venvs/$version.log" 2>&1 &
  pids+=($!)
done
for i in "${!VERSIONS[@]}"; do
  if ! wait "${pids[$i]}"; then
    cat "$WORK/venvs/${VERSIONS[$i]}.log" >&2
    echo "CPython ${VERSIONS[$i]}: the wheel or its dependencies did not install" >&2
    exit 1
  fi
done

results=()
for version in "${VERSIONS[@]}"; do
  venv="$WORK/venvs/$version"
  integrations="$(extras_for "$version" | sed 's/\([a-z]*\)/logto.\1/g; s/,/, /g')"
  printf '\n--> CPython %s\n' "$version"
  (
    export PATH="$norust_path"
    if command -v cargo >/dev/null || command -v rustc >/dev/null; then
      echo "Rust is still on PATH" >&2
      exit 1
    fi
    cd "$WORK"  # not python/: its logto/ sources must not shadow the installed wheel
    "$venv/bin/python" - "$venv" <<EOF
import sys, logto._core
assert logto._core.__file__.startswith(sys.argv[1]), logto._core.__file__
import $integrations
print("imported", logto._core.__file__.rsplit("/", 1)[-1], "and $integrations")
EOF
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -c "$WORK/pytest.ini" --rootdir "$WORK" \
      "${TESTS[@]/#/$PYTHON_DIR/}"
  )
  results+=("CPython $version: passed")
done

printf '\n'
printf '%s\n' "${results[@]}"
