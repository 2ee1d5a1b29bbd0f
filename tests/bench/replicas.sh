#!/usr/bin/env bash
# Benchmark: one gateway replica against two, in the scale-out setup (PostgreSQL for state,
# a Garage bucket for blobs, nginx as the load balancer), over loopback on this machine.
# Both runs go through the same nginx (one upstream vs two), so only the replica count
# changes. Prints, for each workload, requests/s or MB/s of one and of two replicas and the
# ratio two/one:
#   - audited blob GETs: a 256 KiB blob with a grant (grant check, download count and audit
#     append in PostgreSQL, bytes streamed from the bucket), wrk -c32;
#   - manifest GETs (database and cache reads only), wrk -c32;
#   - large streams: four parallel curl downloads of a 64 MiB shard.
# With STORE=local the replicas read blobs from one local directory instead of the bucket,
# which leaves the database as the only shared part (the bucket's own throughput on these
# cores caps the S3 runs).
# On a machine whose cores the replicas, PostgreSQL, nginx and wrk all share, a second
# replica can only take CPU from the first; so the script also prints the replicas' CPU
# time per request (from /proc) in each run. Two replicas scale out on their own cores
# when the CPU per request stays the same with two (the database does not serialise them).
# Needs: a release build, Garage (cargo install garage; or MODELGATE_GARAGE; not with
# STORE=local), PostgreSQL at 127.0.0.1:5432 (user postgres, trust), nginx, wrk, curl,
# psql, python3.
# Usage: [STORE=s3|local] tests/bench/replicas.sh [SECONDS]   (default 10 per measurement)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
STORE=${STORE:-s3}
BIN=$(realpath "${MODELGATE_BIN:-target/release/modelgate}")
GARAGE=${MODELGATE_GARAGE:-$HOME/.cache/modelgate-tools/bin/garage}
needs=(nginx wrk curl psql python3 "$BIN")
[ "$STORE" = s3 ] && needs+=("$GARAGE")
for tool in "${needs[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done

WORK=$(mktemp -d)
DB="mg_bench_$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    sleep 0.5
    psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# Garage, single node, one bucket.
if [ "$STORE" = s3 ]; then
S3_PORT=18390; RPC_PORT=18391
ACCESS="GK$(head -c12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SECRET=$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$WORK/garage.toml" <<EOF
metadata_dir = "$WORK/garage/meta"
data_dir = "$WORK/garage/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$RPC_PORT"
rpc_public_addr = "127.0.0.1:$RPC_PORT"
rpc_secret = "$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$S3_PORT"
EOF
chmod 600 "$WORK/garage.toml"
GARAGE_DEFAULT_ACCESS_KEY=$ACCESS GARAGE_DEFAULT_SECRET_KEY=$SECRET GARAGE_DEFAULT_BUCKET=modelgate \
    RUST_LOG=warn "$GARAGE" -c "$WORK/garage.toml" server --single-node --default-bucket \
    >"$WORK/garage.log" 2>&1 &
PIDS+=($!)
fi

psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $DB" >/dev/null
export MODELGATE__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB"
export MODELGATE__DATABASE__MIGRATE_ON_START=false
export MODELGATE__STORAGE__KEY_DIR="$WORK/keys"
if [ "$STORE" = s3 ]; then
    export MODELGATE__STORAGE__BACKEND=s3
    export MODELGATE__STORAGE__S3__ENDPOINT="http://127.0.0.1:$S3_PORT"
    export MODELGATE__STORAGE__S3__REGION=garage
    export MODELGATE__STORAGE__S3__BUCKET=modelgate
    export MODELGATE__STORAGE__S3__ACCESS_KEY_ID=$ACCESS
    export MODELGATE__STORAGE__S3__SECRET_ACCESS_KEY=$SECRET
fi
export MODELGATE__GRANTS__DOWNLOADS_PER_BLOB=100000000
export MODELGATE__SERVER__TRUSTED_PROXIES='["127.0.0.1/32"]'
export MODELGATE__LOG__LEVEL=warn
export MODELGATE__AUTH__REQUIRE_VERIFIED_EMAIL=false
"$BIN" --data-dir "$WORK/init" migrate >/dev/null
"$BIN" --data-dir "$WORK/init" keys init >/dev/null

echo "publishing a model with a 256 KiB and a 64 MiB file ($STORE store) ..."
mkdir -p "$WORK/model"
head -c $((256 * 1024)) /dev/urandom > "$WORK/model/small.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$WORK/model/model.safetensors"
"$BIN" --data-dir "$WORK/init" publish "$WORK/model" --model bench/model --license llama-3.2 \
    --modality text >/dev/null

A=18381; B=18382; ONE=18393; TWO=18394
REPLICAS=()
for port in $A $B; do
    if [ "$STORE" = local ]; then
        # Each replica's blob directory is the one publish wrote.
        mkdir -p "$WORK/replica-$port"
        ln -s "$WORK/init/blobs" "$WORK/replica-$port/blobs"
    fi
    "$BIN" --data-dir "$WORK/replica-$port" serve --port "$port" >/dev/null 2>&1 &
    PIDS+=($!); REPLICAS+=($!)
done
for port in $A $B; do
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
done
cat > "$WORK/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    upstream one { server 127.0.0.1:$A; keepalive 64; }
    upstream two { server 127.0.0.1:$A; server 127.0.0.1:$B; keepalive 64; }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_buffering off;
    proxy_request_buffering off;
    client_body_temp_path $WORK/nginx-body;
    proxy_temp_path $WORK/nginx-proxy;
    server { listen 127.0.0.1:$ONE; location / { proxy_pass http://one; } }
    server { listen 127.0.0.1:$TWO; location / { proxy_pass http://two; } }
}
EOF
nginx -c "$WORK/nginx.conf"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
MG="http://127.0.0.1:$TWO"
CRED='{"email":"bench@example.com","password":"correct horse battery staple"}'
curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/register" >/dev/null
TOKEN=$(curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/login" | json 'd["token"]')
curl -fs -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"legal_name":"Bench","domicile_country":"US","on_behalf_of_organisation":false,"monthly_active_users":"up_to_1m"}' "$MG/v1/me/attestation" >/dev/null
LICENSE_DIGEST=$(curl -fs "$MG/v1/licenses/llama-3.2" | json 'd["digest"]')
curl -fs -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"digest\":\"$LICENSE_DIGEST\"}" "$MG/v1/licenses/llama-3.2/accept" >/dev/null
ANSWER=$(curl -fs -X POST -H "authorization: Bearer $TOKEN" "$MG/v1/models/bench/model/access")
path_of() { echo "$ANSWER" | json "[f['url'] for f in d['files'] if f['path'] == '$1'][0].split('/v1/', 1)[1]"; }
SMALL="/v1/$(path_of small.bin)"
LARGE="/v1/$(path_of model.safetensors)"

# CPU ticks (user + system) the replicas have used so far.
ticks() { for pid in "${REPLICAS[@]}"; do awk '{print $14 + $15}' "/proc/$pid/stat"; done | awk '{t += $1} END {print t}'; }
HZ=$(getconf CLK_TCK)
# Requests/s for SECS at 32 connections, and the replicas' CPU microseconds per request.
rps() {
    local before after out rate
    before=$(ticks)
    out=$(wrk -t2 -c32 -d"${SECS}s" "http://127.0.0.1:$1$2")
    after=$(ticks)
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    python3 -c "print(f'{$rate:.0f} {($after - $before) / $HZ * 1e6 / ($rate * $SECS):.0f}')"
}
streams() {
    local start end
    start=$(date +%s.%N)
    for _ in 1 2 3 4; do curl -fs -o /dev/null "http://127.0.0.1:$1$LARGE" & done
    wait
    end=$(date +%s.%N)
    python3 -c "print(f'{4 * 64 * 1048576 / 1e6 / ($end - $start):.0f}')"
}
ratio() { python3 -c "print(f'{$2 / $1:.2f}x')"; }

rps $TWO "$SMALL" >/dev/null   # warm both replicas' pools and caches
read -r small_one small_one_cpu < <(rps $ONE "$SMALL")
read -r small_two small_two_cpu < <(rps $TWO "$SMALL")
read -r manifest_one manifest_one_cpu < <(rps $ONE /v1/models/bench/model/manifest)
read -r manifest_two manifest_two_cpu < <(rps $TWO /v1/models/bench/model/manifest)
stream_one=$(streams $ONE); stream_two=$(streams $TWO)
echo "store: $STORE"
printf '%-40s %12s %12s %8s\n' workload "one replica" "two replicas" "two/one"
printf '%-40s %12s %12s %8s\n' "audited 256 KiB blob GETs (req/s)" "$small_one" "$small_two" "$(ratio "$small_one" "$small_two")"
printf '%-40s %12s %12s %8s\n' "  replicas' CPU per GET (us)" "$small_one_cpu" "$small_two_cpu" "$(ratio "$small_one_cpu" "$small_two_cpu")"
printf '%-40s %12s %12s %8s\n' "manifest GETs (req/s)" "$manifest_one" "$manifest_two" "$(ratio "$manifest_one" "$manifest_two")"
printf '%-40s %12s %12s %8s\n' "  replicas' CPU per GET (us)" "$manifest_one_cpu" "$manifest_two_cpu" "$(ratio "$manifest_one_cpu" "$manifest_two_cpu")"
printf '%-40s %12s %12s %8s\n' "4 x 64 MiB streams (MB/s)" "$stream_one" "$stream_two" "$(ratio "$stream_one" "$stream_two")"
echo "cores: $(nproc); PostgreSQL, nginx, wrk and the replicas (and Garage) share them"
