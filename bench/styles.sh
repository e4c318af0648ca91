#!/bin/bash
# GET /products/{id}/styles on random ids, cache off, at its highest sustained rate (p99 within
# 10 ms, no failures; `atelier bench --find-max`) as a share of GET /health's in the same run,
# the store read into memory first (bench/prewarm.sh). The store needs only the product files:
#   BIN=target/release/atelier STORE=postgres://postgres@127.0.0.1:5440/bench_styles \
#     PRODUCTS=1000000 bench/styles.sh
set -eu
STEP=${STEP:-3s}
PORT=${PORT:-3954}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
highest() {
  "$BIN" bench --url $url --find-max --rate "${START:-2000}" --duration $STEP --p99 10ms --json "$@" 2>> /tmp/styles_bench.err \
    | python3 -c 'import json,sys; s=json.load(sys.stdin); b=max([x for x in s["steps"] if x["failed_because"] is None], key=lambda x: x["run"]["target_rate"], default=None); print("%.0f %.2f %.2f" % ((b["run"]["target_rate"], b["run"]["latency"]["p50_ms"], b["run"]["latency"]["p99_ms"]) if b else (0,0,0)))'
}
STORE=$STORE "$(dirname "$0")/prewarm.sh"
serve "$STORE" 0 /tmp/styles_serve.log
for round in 1 2; do
  read ceiling p50 p99 <<< "$(highest --scenario health)"
  echo "round $round: health $ceiling/s (p50 $p50 ms, p99 $p99 ms)"
  read rate p50 p99 <<< "$(highest --scenario styles --ids 1-$PRODUCTS --seed $((40 + round)))"
  echo "round $round: styles $rate/s = $(echo "scale=1; 100 * $rate / $ceiling" | bc) % of the ceiling (p50 $p50 ms, p99 $p99 ms)"
done
