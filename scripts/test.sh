#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests.
# Installs and starts what the tests need, and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

# A clean build is not sped up by incremental compilation, and its cache
# would double the disk the suite needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
# With the moto tests' feature, so their code is linted too.
cargo clippy --workspace --all-targets --features strata/moto-tests --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --quiet
echo "== moto: the AWS provider end to end (installs moto[server] in .venv-moto/)"
scripts/moto.sh
