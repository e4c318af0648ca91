#!/bin/bash
# What the whole stack does on one GET, cache off: the store read into memory, then the GET
# offered far above what it can serve for a few seconds (the achieved rate is the capacity),
# and at a lower fixed rate for its latency. Run it for two builds in turn to compare them:
#   BIN=target/release/atelier STORE=postgres://postgres@127.0.0.1:5440/bench_import \
#     [SCENARIO=meta] [IDS=1-1000000] [RATES="20000 7000"] bench/capacity.sh
set -eu
PORT=${PORT:-3953}
url=http://127.0.0.1:$PORT
STORE=$STORE "$(dirname "$0")/prewarm.sh" > /dev/null
. "$(dirname "$0")/serve.sh"
serve "$STORE" 0 /tmp/capacity_serve.log
for rate in ${RATES:-20000 7000}; do
  "$BIN" bench --url $url --scenario "${SCENARIO:-meta}" --ids "${IDS:-1-1000000}" --rate "$rate" --duration 5s --json 2>> /tmp/capacity_bench.err \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency"]; print("offered %s/s: achieved %.0f/s, failed %d, p50 %.2f ms, p99 %.2f ms, tester %.2f cores" % (sys.argv[1], r["achieved_rate"], r["failed"], l["p50_ms"], l["p99_ms"], r["client_cores"]))' "$rate"
done
