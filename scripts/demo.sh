#!/usr/bin/env bash
# The main job: apply the HA web service (examples/web_service.toml) on the
# embedded simulated AWS (no AWS account needed), then show it. State goes
# to examples/.strata/. Pass another manifest to apply that instead.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest="${1:-examples/web_service.toml}"
# The example reads the DB password from the environment. On a fresh
# machine there is none: make one up (and say so) so the demo runs, kept
# beside the demo's state (owner-only) so the next run uses the same one.
if [ -z "${SHOP_DB_PASSWORD:-}" ]; then
  kept="$(dirname "$manifest")/.strata/demo-db-password"
  if [ ! -s "$kept" ]; then
    mkdir -p "$(dirname "$kept")"
    (umask 077; od -An -N18 -tx1 /dev/urandom | tr -d ' \n' > "$kept")
  fi
  SHOP_DB_PASSWORD="$(cat "$kept")"
  export SHOP_DB_PASSWORD
  echo "SHOP_DB_PASSWORD was not set: using the demo's generated password (kept in $kept)." >&2
fi
cargo build --release --quiet --bin strata
strata=target/release/strata
"$strata" -f "$manifest" apply --yes
"$strata" -f "$manifest" show
"$strata" -f "$manifest" output
