#!/usr/bin/env bash
# Benchmark: `skopeo copy` of a model from the gateway's OCI registry (the ModelPack view,
# and the modelcar image) against `modelgate download` of the same model from the same
# gateway over loopback: one 1 GiB file. skopeo asks for a registry token (a policy
# decision), fetches the manifest and each layer, and checks every digest; modelgate download
# checks the signature, asks for access and verifies every SHA-256. Prints each skopeo
# throughput as a ratio of modelgate download's, measured in the same run.
# Needs: a release build (cargo build --release), curl, python3, skopeo.
# Usage: tests/bench/oci-vs-download.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB=${1:-1024}
BIN=${MODELGATE_BIN:-target/release/modelgate}
for tool in curl python3 skopeo "$BIN"; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done
BIN=$(realpath "$BIN")

WORK=$(mktemp -d)
MG_PORT=18184
cleanup() {
    [ -n "${MG_PID:-}" ] && kill "$MG_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "preparing a ${SIZE_MIB} MiB model in $WORK ..."
mkdir -p "$WORK/one"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/one/model-00001-of-00001.safetensors"
"$BIN" --data-dir "$WORK/data" --log-level warn publish "$WORK/one" --model "bench/one" \
    --license llama-3.2 --modality text >/dev/null
MODELGATE__GRANTS__DOWNLOADS_PER_BLOB=1000000 \
    MODELGATE__AUTH__REQUIRE_VERIFIED_EMAIL=false \
        "$BIN" --data-dir "$WORK/data" --log-level warn serve --port "$MG_PORT" >/dev/null 2>&1 &
MG_PID=$!
HOST="127.0.0.1:$MG_PORT"
MG="http://$HOST"
for _ in $(seq 1 50); do curl -fs "$MG/healthz" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
CRED='{"email":"bench@example.com","password":"correct horse battery staple"}'
curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/register" >/dev/null
SESSION=$(curl -fs -H 'content-type: application/json' -d "$CRED" "$MG/v1/auth/login" | json 'd["token"]')
curl -fs -X PUT -H "authorization: Bearer $SESSION" -H 'content-type: application/json' \
    -d '{"legal_name":"Bench","domicile_country":"US","on_behalf_of_organisation":false,"monthly_active_users":"up_to_1m"}' "$MG/v1/me/attestation" >/dev/null
LICENSE_DIGEST=$(curl -fs "$MG/v1/licenses/llama-3.2" | json 'd["digest"]')
curl -fs -H "authorization: Bearer $SESSION" -H 'content-type: application/json' \
    -d "{\"digest\":\"$LICENSE_DIGEST\"}" "$MG/v1/licenses/llama-3.2/accept" >/dev/null
TOKEN=$(curl -fs -H "authorization: Bearer $SESSION" -H 'content-type: application/json' \
    -d '{"name":"bench"}' "$MG/v1/me/tokens" | json 'd["token"]')
export MODELGATE_CONFIG_DIR="$WORK/config"

now() { date +%s.%N; }
bytes=$(du -sb "$WORK/one" | cut -f1)
timed() {
    rm -rf "$WORK/out"
    sync
    local start end
    start=$(now)
    "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    end=$(now)
    python3 -c "print($bytes / 1e6 / ($end - $start))"
}
mg=$(timed "$BIN" --log-level warn download bench/one --endpoint "$MG" --token "$TOKEN" --dir "$WORK/out")
modelpack=$(timed skopeo --insecure-policy copy --src-tls-verify=false --src-creds "bench:$TOKEN" \
    "docker://$HOST/bench/one:latest" "oci:$WORK/out:latest")
modelcar=$(timed skopeo --insecure-policy copy --src-tls-verify=false --src-creds "bench:$TOKEN" \
    --dest-oci-accept-uncompressed-layers "docker://$HOST/bench/one:latest-modelcar" "oci:$WORK/out:latest")
python3 -c "
mg, pack, car = $mg, $modelpack, $modelcar
print(f'bench/one ($(($bytes / 1048576)) MiB): modelgate download {mg:.1f} MB/s (signature, grant, parts, SHA-256 verified)')
print(f'  skopeo copy, ModelPack view: {pack:.1f} MB/s: {pack / mg:.2f}x of modelgate download')
print(f'  skopeo copy, modelcar image: {car:.1f} MB/s: {car / mg:.2f}x of modelgate download')
"
