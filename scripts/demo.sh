#!/usr/bin/env bash
# The main job: apply the HA web service (examples/web_service.toml) on the
# embedded simulated AWS (no AWS account needed), then show it. State goes
# to examples/.strata/. Pass another manifest to apply that instead.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest="${1:-examples/web_service.toml}"
# The example reads the DB password and the Redis AUTH token from the
# environment. On a fresh machine there are none: make each up (and say
# so) so the demo runs, kept beside the demo's state (owner-only) so the
# next run uses the same ones.
demo_secret() {
  local var="$1" kept
  kept="$(dirname "$manifest")/.strata/demo-$2"
  if [ -z "${!var:-}" ]; then
    if [ ! -s "$kept" ]; then
      mkdir -p "$(dirname "$kept")"
      (umask 077; od -An -N18 -tx1 /dev/urandom | tr -d ' \n' > "$kept")
    fi
    export "$var=$(cat "$kept")"
    echo "$var was not set: using the demo's generated one (kept in $kept)." >&2
  fi
}
demo_secret SHOP_DB_PASSWORD db-password
demo_secret SHOP_CACHE_AUTH_TOKEN cache-auth-token
cargo build --release --quiet --bin strata
strata=target/release/strata
"$strata" -f "$manifest" apply --yes
"$strata" -f "$manifest" show
"$strata" -f "$manifest" output
