#!/usr/bin/env bash
# Runs the AWS provider's end-to-end tests against moto in server mode.
#
#   scripts/moto.sh              # install (once), check the schemas against AWS's
#                                # models (tests/aws_model), start moto, run the tests, stop moto
#   scripts/moto.sh --serve      # only start moto and print the exports (Ctrl-C stops it)
#
# moto is pinned and installed in .venv-moto/ (gitignored) from PyPI; the
# server listens on a free loopback port and the tests reach it through the
# real aws-sdk clients with AWS_ENDPOINT_URL. The server stops on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION="5.2.5"
VENV=".venv-moto"

if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    echo "== installing moto[server]==$MOTO_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

if [ "${1:-}" != "--serve" ]; then
    # botocore (installed with moto) ships AWS's own service models: check
    # every kind's schema against them before testing against moto.
    BOTOCORE_DATA="$("$VENV/bin/python" -c 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))')"
    # --workspace everywhere: the same feature set as scripts/test.sh, so
    # cargo reuses what the suite built instead of building it all again.
    echo "== cargo test --workspace --test aws_model (AWS's models in $BOTOCORE_DATA)"
    STRATA_BOTOCORE_DATA="$BOTOCORE_DATA" cargo test --workspace --test aws_model -- --include-ignored --nocapture
fi

PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
LOG="$(mktemp -t moto.XXXXXX.log)"
# moto issues an ACM certificate a fixed time after it was requested,
# whatever its DNS records (60 s by default): 15 s keeps certificate
# validations short, and a certificate just requested still pending for
# the lookup tests. The sim models the records (book/src/aws.md).
MOTO_ACM_VALIDATION_WAIT="${MOTO_ACM_VALIDATION_WAIT:-15}" "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
stop() {
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$PORT/moto-api/" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        echo "moto_server exited:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN || true
echo "== moto $MOTO_VERSION on $AWS_ENDPOINT_URL (log: $LOG)"

if [ "${1:-}" = "--serve" ]; then
    echo "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1"
    wait "$MOTO_PID"
    exit 0
fi

echo "== cargo test --workspace --features strata/moto-tests --test aws"
cargo test --workspace --features strata/moto-tests --test aws -- --test-threads 1 "$@"

echo "== cargo test --workspace --features strata/moto-tests --test conformance moto:: (the provider conformance suite on moto)"
cargo test --workspace --features strata/moto-tests --test conformance -- --test-threads 1 moto::
