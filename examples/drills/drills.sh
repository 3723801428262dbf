#!/bin/sh
# Backup-restore and AZ failover drills with the CLI, as a team would run
# them from CI or a cron job. Each drill writes a Markdown and JSON report
# to $REPORTS; the script fails (non-zero) if a drill fails, including when
# its RTO or RPO exceeds the thresholds.
#
#   export SHOP_DB_PASSWORD=...   # the example's DB password (see README)
#   strata -f examples/web_service.toml apply --yes
#   examples/drills/drills.sh examples/web_service.toml
#   MAX_RTO=15m MAX_RPO=1h AZ=us-east-1b examples/drills/drills.sh strata.toml
#
# Environment: STRATA (the binary, default `strata`), MAX_RTO (default 30m),
# MAX_RPO (default 24h), AZ (default us-east-1a), REPORTS (default
# drill-reports). Exit codes of `strata drill`: 0 passed, 3 failed a check,
# 1 could not run (e.g. the state lock is held by an apply).

set -u

MANIFEST=${1:-strata.toml}
STRATA=${STRATA:-strata}
MAX_RTO=${MAX_RTO:-30m}
MAX_RPO=${MAX_RPO:-24h}
AZ=${AZ:-us-east-1a}
REPORTS=${REPORTS:-drill-reports}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

status=0

echo "== backup-restore (RTO <= $MAX_RTO, RPO <= $MAX_RPO)"
"$STRATA" -f "$MANIFEST" drill backup-restore \
    --max-rto "$MAX_RTO" --max-rpo "$MAX_RPO" \
    --report "$REPORTS/backup-restore-$STAMP" || status=$?

echo "== failover --az $AZ (RTO <= $MAX_RTO)"
"$STRATA" -f "$MANIFEST" drill failover --az "$AZ" \
    --max-rto "$MAX_RTO" \
    --report "$REPORTS/failover-az-$STAMP" || status=$?

if [ "$status" -ne 0 ]; then
    echo "drills FAILED (exit $status); reports in $REPORTS/" >&2
    # Whatever a failed drill left is removed; a second run would too.
    "$STRATA" -f "$MANIFEST" drill cleanup || true
    exit "$status"
fi
echo "drills passed; reports in $REPORTS/"
"$STRATA" -f "$MANIFEST" drill list
