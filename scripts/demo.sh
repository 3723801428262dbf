#!/usr/bin/env bash
# The main job: apply the example HA stack on the embedded simulated AWS
# (no AWS account needed), then show it. State goes to examples/.strata/.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest="${1:-examples/quickstart.toml}"
cargo build --release --quiet --bin strata
strata=target/release/strata
"$strata" -f "$manifest" apply --yes
"$strata" -f "$manifest" show
"$strata" -f "$manifest" output
