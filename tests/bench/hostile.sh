#!/usr/bin/env bash
# Load test of the hostile-traffic limits (loopback only, about two minutes): a `serve
# --demo` gateway under (1) 16 parallel 4096 x 4096 PNG image bombs sent to the Vision
# model's generate by 16 licensed accounts, and (2) 3,000 connections that send a request
# head with `Content-Length` and never the body, spread over twelve loopback addresses.
# Prints the peak RSS growth during (1), and `/healthz` latency with no attack against
# latency during (1) and (2) (ratios to the quiet baseline), plus what the caps refused.
# Needs: a release build (cargo build --release), python3, Linux (/proc).
# Usage: tests/bench/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${MODELGATE_BIN:-target/release/modelgate}
for tool in python3 "$BIN"; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done
BIN=$(realpath "$BIN")
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
MG_PORT=18187
cleanup() {
    [ -n "${MG_PID:-}" ] && kill "$MG_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

MODELGATE__AUTH__MAX_SIGNUPS_PER_IP=100 \
    MODELGATE__INFERENCE__QUEUE_WAIT_SECS=120 \
    MODELGATE__SERVER__BODY_READ_TIMEOUT_SECS=60 \
    "$BIN" --data-dir "$WORK/data" --log-level warn serve --demo --port "$MG_PORT" \
    >"$WORK/serve.log" 2>&1 &
MG_PID=$!
for _ in $(seq 1 600); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" \
        "http://127.0.0.1:$MG_PORT/healthz" 2>/dev/null && break
    sleep 0.2
done
python3 tests/bench/hostile_load.py "http://127.0.0.1:$MG_PORT" "$MG_PID"
