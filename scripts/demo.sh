#!/usr/bin/env bash
# The main job: apply the HA web service (examples/web_service.toml) on the
# embedded simulated AWS (no AWS account needed), then show it. State goes
# to examples/.strata/. Pass another manifest to apply that instead.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest="${1:-examples/web_service.toml}"
cargo build --release --quiet --bin strata
strata=target/release/strata
"$strata" -f "$manifest" apply --yes
"$strata" -f "$manifest" show
"$strata" -f "$manifest" output
