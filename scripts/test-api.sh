#!/usr/bin/env bash
# make test-api: the query API's contract, checked from outside against a running `cashtag serve`.
#   1. data: a finished embedded run (fixed seed, with windows and alerts) and the batch reports;
#   2. the OpenAPI documents of two servers, one with the defaults and one with API_TOKEN set,
#      must validate (openapi-spec-validator);
#   3. schemathesis, all checks, fuzzes the server with the token (and sends requests without it:
#      its ignored_auth check), the rate limit off so every generated request reaches the API;
#      then a short pass against a server limited to 60 requests a minute, whose 429s (with
#      Retry-After) must be documented and well formed too.
# Any failure fails the target. Python tools: $PY_TOOLS (make api-tools installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY_TOOLS:-$PWD/.tools/py}/bin
NODE=${NODE:-node}
EXAMPLES=${FUZZ_EXAMPLES:-30}
SEED=${FUZZ_SEED:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/cashtag-test-api.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf 'test-api: %s\n' "$*"; }
fail() { printf 'test-api: %s\n' "$*" >&2; exit 1; }

say "data: an embedded run of 3,000 tweets and the batch reports over it"
$NODE dist/src/cli.js run --data-dir "$work/data" --events 3000 --rate 0 --event-rate 20 --epoch 2025-12-18T14:00:00Z \
  --seed 7 --symbols AAPL,TSLA,MSFT,BRK.B --partitions 2 --prices-per-tweet 0.5 --late 0 --metrics-port 0 --serve off \
  --actor-threads 1 --score-threads 1 --alert-sentiment-below -0.05 --alert-price-drop 0.001 --store-retention 0 \
  --checkpoint-interval 1 --log-level warn >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the embedded run failed"; }
$NODE dist/src/cli.js batch --data-dir "$work/data" --batch-threads 1 --log-level warn >"$work/batch.log" 2>&1 || { cat "$work/batch.log"; fail "the batch run failed"; }

# Starts `cashtag serve` on a free port with the given settings; sets $url to its /openapi.json.
serve() {
  local name=$1 i
  shift
  env "$@" DATA_DIR="$work/data" HTTP_PORT=0 LOG_LEVEL=warn $NODE dist/src/cli.js serve >"$work/$name.log" 2>&1 &
  pids+=($!)
  url=
  for i in $(seq 1 150); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/openapi\.json' "$work/$name.log" | head -1 || true)
    [[ -n $url ]] && return 0
    sleep 0.1
  done
  cat "$work/$name.log" >&2
  fail "cashtag serve ($name) did not start within 15 s"
}
fetch_to() { $NODE -e 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error(`${r.status}`); process.stdout.write(await r.text()); })' "$1" >"$2"; }

token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
serve defaults
default_url=$url
serve secured API_TOKEN="$token" HTTP_RATE_LIMIT=0
secured_url=$url
serve limited HTTP_RATE_LIMIT=60
limited_url=$url
fetch_to "$default_url" "$work/openapi-defaults.json"
fetch_to "$secured_url" "$work/openapi-token.json"

say "openapi-spec-validator: the documents of both servers"
"$PY/openapi-spec-validator" "$work/openapi-defaults.json" "$work/openapi-token.json"

say "schemathesis, all checks, $EXAMPLES examples per operation, seed $SEED: API_TOKEN set, no rate limit"
(cd "$work" && "$PY/st" run "$secured_url" -H "Authorization: Bearer $token" --checks all --max-examples "$EXAMPLES" \
  --seed "$SEED" --request-timeout 2 --output-sanitize true)

say "schemathesis, all checks, 5 examples per operation: 60 requests a minute, the rest answered 429"
(cd "$work" && "$PY/st" run "$limited_url" --checks all --max-examples 5 --seed "$SEED" --request-timeout 2)
say "passed"
