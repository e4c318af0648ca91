#!/usr/bin/env bash
# The whole test suite: services, formatting, lints, then every test of every crate.
# The README's test command and CI's (.ci/run) are this script.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
if cargo nextest --version >/dev/null 2>&1; then
  # No crate has doc tests (nextest does not run them); nextest's summary closes the output.
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
