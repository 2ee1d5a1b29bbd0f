#!/usr/bin/env bash
# Benchmark: `modelgate download` against curl over loopback, both from the same gateway:
# one 1 GiB file, and a model of four 256 MiB shards (curl fetching them one after the
# other, as a script would). curl only transfers; modelgate download also checks the
# signature, asks for access and verifies every SHA-256, so its time includes that work.
# Prints each ratio (modelgate throughput / curl throughput), against curl alone and against
# curl followed by sha256sum (the same guarantee as modelgate's, done by hand). Then a
# partner mirror syncs both models (`modelgate mirror sync`: snapshot signature, mirror
# grants, parallel parts, SHA-256, one-transaction publish), against curl of the same
# files one after the other.
# Needs: a release build (cargo build --release), curl, python3.
# Usage: tests/bench/download-vs-curl.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB=${1:-1024}
BIN=${MODELGATE_BIN:-target/release/modelgate}
for tool in curl python3 "$BIN"; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done
BIN=$(realpath "$BIN")

WORK=$(mktemp -d)
MG_PORT=18183
cleanup() {
    [ -n "${MG_PID:-}" ] && kill "$MG_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "preparing a ${SIZE_MIB} MiB model and a four-shard model in $WORK ..."
mkdir -p "$WORK/one" "$WORK/four"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/one/model-00001-of-00001.safetensors"
for i in 1 2 3 4; do
    head -c "$((SIZE_MIB * 1024 * 1024 / 4))" /dev/urandom > "$WORK/four/model-0000$i-of-00004.safetensors"
done
for m in one four; do
    "$BIN" --data-dir "$WORK/data" --log-level warn publish "$WORK/$m" --model "bench/$m" \
        --license llama-3.2 --modality text >/dev/null
done
MODELGATE__GRANTS__DOWNLOADS_PER_BLOB=1000000 \
    MODELGATE__AUTH__REQUIRE_VERIFIED_EMAIL=false \
        "$BIN" --data-dir "$WORK/data" --log-level warn serve --port "$MG_PORT" >/dev/null 2>&1 &
MG_PID=$!
MG="http://127.0.0.1:$MG_PORT"
for _ in $(seq 1 50); do curl -fs "$MG/healthz" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
CRED='{"email":"bench@example.com","password":"correct horse battery staple"}'
curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/register" >/dev/null
TOKEN=$(curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/login" | json 'd["token"]')
curl -fs -X PUT -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"legal_name":"Bench","domicile_country":"US","on_behalf_of_organisation":false,"monthly_active_users":"up_to_1m"}' "$MG/v1/me/attestation" >/dev/null
LICENSE_DIGEST=$(curl -fs "$MG/v1/licenses/llama-3.2" | json 'd["digest"]')
curl -fs -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"digest\":\"$LICENSE_DIGEST\"}" "$MG/v1/licenses/llama-3.2/accept" >/dev/null
export MODELGATE_CONFIG_DIR="$WORK/config"

now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1 / 1e6 / ($3 - $2):8.1f}')"; }

curl_secs=0
curl_checked_secs=0
for m in one four; do
    bytes=$(du -sb "$WORK/$m" | cut -f1)
    urls=$(curl -fs -X POST -H "authorization: Bearer $TOKEN" "$MG/v1/models/bench/$m/access" \
        | json '"\n".join(f["url"] for f in d["files"])')
    rm -rf "$WORK/curl" && mkdir "$WORK/curl"
    sync
    start=$(now)
    i=0
    for url in $urls; do i=$((i + 1)); curl -fs -o "$WORK/curl/$i" "$url"; done
    end=$(now)
    curl_rate=$(rate "$bytes" "$start" "$end")
    sha256sum "$WORK"/curl/* >/dev/null
    checked=$(now)
    curl_checked_rate=$(rate "$bytes" "$start" "$checked")
    curl_secs=$(python3 -c "print($curl_secs + $end - $start)")
    curl_checked_secs=$(python3 -c "print($curl_checked_secs + $checked - $start)")
    rm -rf "$WORK/curl" "$WORK/dl"
    sync
    start=$(now)
    "$BIN" --log-level warn download "bench/$m" --endpoint "$MG" --token "$TOKEN" --dir "$WORK/dl" >/dev/null 2>&1
    end=$(now)
    mg_rate=$(rate "$bytes" "$start" "$end")
    rm -rf "$WORK/dl"
    python3 -c "print(f'bench/$m ($(($bytes / 1048576)) MiB): modelgate download {float($mg_rate):.1f} MB/s (signature, grant, parts, SHA-256 verified); curl {float($curl_rate):.1f} MB/s (transfer only): {float($mg_rate) / float($curl_rate):.2f}x; curl then sha256sum {float($curl_checked_rate):.1f} MB/s: {float($mg_rate) / float($curl_checked_rate):.2f}x')"
done

PARTNER_TOKEN=$("$BIN" --data-dir "$WORK/data" --log-level warn admin create-partner \
    --name "Bench Mirrors" --country NO --contact mirror@bench.example | sed -n 's/^partner token: //p')
curl -fs -H "authorization: Bearer $PARTNER_TOKEN" -H 'content-type: application/json' \
    -d "{\"digest\":\"$LICENSE_DIGEST\"}" "$MG/v1/licenses/llama-3.2/accept" >/dev/null
total=$(du -sbc "$WORK/one" "$WORK/four" | tail -1 | cut -f1)
sync
start=$(now)
"$BIN" --data-dir "$WORK/mirror" --log-level warn mirror sync --upstream "$MG" \
    --partner-token "$PARTNER_TOKEN" >/dev/null 2>&1
end=$(now)
python3 -c "
bytes, secs = $total, $end - $start
sync_rate = bytes / 1e6 / secs
curl_rate = bytes / 1e6 / $curl_secs
checked_rate = bytes / 1e6 / $curl_checked_secs
print(f'mirror sync of both models ({bytes // 1048576} MiB, 5 shards): {sync_rate:.1f} MB/s; curl of the same files {curl_rate:.1f} MB/s: {sync_rate / curl_rate:.2f}x; curl then sha256sum {checked_rate:.1f} MB/s: {sync_rate / checked_rate:.2f}x')
"
