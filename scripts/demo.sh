#!/usr/bin/env bash
# The main job: apply the HA web service (examples/web_service.toml) on the
# embedded simulated AWS (no AWS account needed), then show it. State goes
# to examples/.strata/. Pass another manifest to apply that instead.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest="${1:-examples/web_service.toml}"
# The example reads the DB password from the environment. On a fresh
# machine there is none: make one up (and say so) so the demo runs.
if [ -z "${SHOP_DB_PASSWORD:-}" ]; then
  SHOP_DB_PASSWORD="$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')"
  export SHOP_DB_PASSWORD
  echo "SHOP_DB_PASSWORD was not set: using a generated password for this demo." >&2
fi
cargo build --release --quiet --bin strata
strata=target/release/strata
"$strata" -f "$manifest" apply --yes
"$strata" -f "$manifest" show
"$strata" -f "$manifest" output
