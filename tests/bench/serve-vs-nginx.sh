#!/usr/bin/env bash
# Benchmark: modelgate against nginx (sendfile on) serving the same 1 GiB blob over loopback,
# and `modelgate verify` against `openssl dgst -sha256`. Prints each ratio (modelgate / reference).
# modelgate does its full work per blob request: grant signature, the holder's standing in
# SQLite, the download count and the audit event (the per-blob cap is lifted for the load).
# Needs: a release build (cargo build --release), nginx, wrk, curl, openssl, python3.
#   apt-get install -y nginx-light wrk curl openssl
# Usage: tests/bench/serve-vs-nginx.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB=${1:-1024}
BIN=${MODELGATE_BIN:-target/release/modelgate}
for tool in nginx wrk curl openssl "$BIN"; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done

WORK=$(mktemp -d)
MG_PORT=18181
NGINX_PORT=18182
cleanup() {
    [ -n "${MG_PID:-}" ] && kill "$MG_PID" 2>/dev/null || true
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "preparing a ${SIZE_MIB} MiB model in $WORK ..."
mkdir -p "$WORK/model" "$WORK/www" "$WORK/shards"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/model/model-00001-of-00001.safetensors"
# An architecture the gateway does not run: publishing records no validation vectors.
echo '{"architectures":["BenchOnlyModel"]}' > "$WORK/model/config.json"
head -c 16384 /dev/urandom > "$WORK/model/small-16k.bin"
"$BIN" --data-dir "$WORK/data" --log-level warn publish "$WORK/model" --model bench/one --license llama-3.2 --modality text >/dev/null
for i in 1 2 3 4; do
    head -c "$((SIZE_MIB * 1024 * 1024 / 4))" /dev/urandom > "$WORK/shards/model-0000$i-of-00004.safetensors"
done
"$BIN" --data-dir "$WORK/data" --log-level warn publish "$WORK/shards" --model bench/four --license llama-3.2 --modality text >/dev/null

MODELGATE__GRANTS__DOWNLOADS_PER_BLOB=4000000000 \
    MODELGATE__AUTH__REQUIRE_VERIFIED_EMAIL=false \
        "$BIN" --data-dir "$WORK/data" --log-level warn serve --port "$MG_PORT" >/dev/null 2>&1 &
MG_PID=$!
MG="http://127.0.0.1:$MG_PORT"
for _ in $(seq 1 50); do curl -fs "$MG/healthz" >/dev/null && break; sleep 0.1; done

# A licensed user and a grant for the benchmark model.
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
CRED='{"email":"bench@example.com","password":"correct horse battery staple"}'
curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/register" >/dev/null
TOKEN=$(curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/login" | json '["token"]')
curl -fs -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"legal_name":"Bench","domicile_country":"US","on_behalf_of_organisation":false,"monthly_active_users":"up_to_1m"}' "$MG/v1/me/attestation" >/dev/null
LICENSE_DIGEST=$(curl -fs "$MG/v1/licenses/llama-3.2" | json '["digest"]')
curl -fs -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"digest\":\"$LICENSE_DIGEST\"}" "$MG/v1/licenses/llama-3.2/accept" >/dev/null
GRANT=$(curl -fs -X POST -H "authorization: Bearer $TOKEN" "$MG/v1/models/bench/one/access" | json '["grant"]["token"]')

DIGEST=$(sha256sum "$WORK/model/model-00001-of-00001.safetensors" | cut -d' ' -f1)
ln "$WORK/data/blobs/sha256/${DIGEST:0:2}/$DIGEST" "$WORK/www/blob"
curl -fs "$MG/v1/models/bench/one/manifest" > "$WORK/www/manifest.json"
cp "$WORK/model/config.json" "$WORK/model/small-16k.bin" "$WORK/www/"
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    default_type application/octet-stream;
    client_body_temp_path $WORK/nginx-tmp;
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
mkdir -p "$WORK/nginx-tmp"
chmod -R a+rX "$WORK"   # nginx workers run as an unprivileged user
nginx -c "$WORK/nginx.conf"
NG="http://127.0.0.1:$NGINX_PORT"
sleep 0.3

# Warm the page cache for both paths.
cat "$WORK/www/blob" "$WORK"/shards/* > /dev/null

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
mbps() { awk -v b="$1" 'BEGIN { printf "%.0f MB/s", b / 1e6 }'; }

best_stream() { # best of 3 single-stream downloads, bytes/s
    local best=0 speed
    for _ in 1 2 3; do
        speed=$(curl -fs -o /dev/null -w '%{speed_download}' "$1")
        best=$(awk -v a="$best" -v b="$speed" 'BEGIN { print (b > a ? b : a) }')
    done
    echo "$best"
}

parallel_streams() { # 4 concurrent downloads, aggregate bytes/s
    local start end
    start=$(date +%s.%N)
    local pids=()
    for _ in 1 2 3 4; do curl -fs -o /dev/null "$1" & pids+=($!); done
    wait "${pids[@]}"
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v n="$((4 * SIZE_MIB * 1024 * 1024))" 'BEGIN { print n / (e - s) }'
}

wrk_rps() { # requests/s for 5 s at 64 connections
    wrk -t2 -c64 -d5s "$1" | awk '/Requests\/sec/ { print $2 }'
}

echo
echo "== one stream (curl, best of 3)"
NG1=$(best_stream "$NG/blob"); MG1=$(best_stream "$MG/v1/blobs/sha256:$DIGEST?grant=$GRANT")
echo "nginx $(mbps "$NG1")   modelgate $(mbps "$MG1")   ratio $(ratio "$MG1" "$NG1")"

echo "== 4 parallel streams"
NG4=$(parallel_streams "$NG/blob"); MG4=$(parallel_streams "$MG/v1/blobs/sha256:$DIGEST?grant=$GRANT")
echo "nginx $(mbps "$NG4")   modelgate $(mbps "$MG4")   ratio $(ratio "$MG4" "$NG4")"

echo "== small responses, wrk -c64"
NGS=$(wrk_rps "$NG/manifest.json"); MGS=$(wrk_rps "$MG/v1/models/bench/one/manifest")
echo "GET manifest:   nginx ${NGS} req/s   modelgate ${MGS} req/s   ratio $(ratio "$MGS" "$NGS")"
# (wrk cannot measure HEAD: its parser waits for the body that Content-Length announces.)
SMALL_DIGEST=$(sha256sum "$WORK/model/small-16k.bin" | cut -d' ' -f1)
NGB=$(wrk_rps "$NG/small-16k.bin"); MGB=$(wrk_rps "$MG/v1/blobs/sha256:$SMALL_DIGEST?grant=$GRANT")
echo "GET 16 KiB blob (audited): nginx ${NGB} req/s   modelgate ${MGB} req/s   ratio $(ratio "$MGB" "$NGB")"

echo "== server memory: 64 concurrent downloads of the blob (rate-limited clients, 4 s)"
pids=()
for _ in $(seq 1 64); do curl -fs -o /dev/null --max-time 4 --limit-rate 30M "$MG/v1/blobs/sha256:$DIGEST?grant=$GRANT" & pids+=($!); done
wait "${pids[@]}" || true
echo "modelgate peak RSS: $(awk '/VmHWM/ { print $2, $3 }' /proc/$MG_PID/status) (target: under 256 MiB)"

echo "== SHA-256 verify (page cache warm)"
mkdir -p "$WORK/dl-one" "$WORK/dl-four"
ln "$WORK/model/"* "$WORK/dl-one/"; curl -fs "$MG/v1/models/bench/one/model.sig" > "$WORK/dl-one/model.sig"
ln "$WORK/shards/"* "$WORK/dl-four/"; curl -fs "$MG/v1/models/bench/four/model.sig" > "$WORK/dl-four/model.sig"
curl -fs "$MG/v1/keys/publisher" > "$WORK/pub.pem"
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
OSSL1=$(seconds openssl dgst -sha256 "$WORK/dl-one/model-00001-of-00001.safetensors")
MGV1=$(seconds "$BIN" verify "$WORK/dl-one" --public-key "$WORK/pub.pem" --threads 1)
echo "one file, one core:  openssl ${OSSL1}s   modelgate verify ${MGV1}s   throughput ratio $(ratio "$OSSL1" "$MGV1")"
OSSL4=$(seconds openssl dgst -sha256 "$WORK"/dl-four/*.safetensors)
MGV4=$(seconds "$BIN" verify "$WORK/dl-four" --public-key "$WORK/pub.pem")
echo "4 shards, all cores: openssl ${OSSL4}s   modelgate verify ${MGV4}s   throughput ratio $(ratio "$OSSL4" "$MGV4")"
