#!/usr/bin/env bash
# Checks the workspace with exactly the Rust version it declares (`rust-version` in Cargo.toml),
# so the README's "Rust 1.95 or newer" is tested rather than hoped. "1.95" means 1.95.0, the
# oldest release of it. The toolchain comes from rustup; CI machines have it installed.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv="$(sed -nE 's/^rust-version = "([0-9]+\.[0-9]+(\.[0-9]+)?)"$/\1/p' Cargo.toml)"
[[ -n "$msrv" ]] || { echo "check-msrv: no rust-version in Cargo.toml" >&2; exit 1; }
toolchain="$msrv"
[[ "$toolchain" =~ ^[0-9]+\.[0-9]+$ ]] && toolchain="${toolchain}.0"

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$toolchain" --profile minimal
fi
echo "checking with $(rustup run "$toolchain" rustc --version)"
rustup run "$toolchain" cargo check --workspace --all-targets --locked
