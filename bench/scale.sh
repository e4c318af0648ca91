#!/bin/bash
# The same random-id reads at one fixed rate against a small and a large catalogue of the same
# store, in turn, cache off: how much the tail grows with the data. Each GET for DURATION at
# RATE/s, ids uniform over each catalogue (answers over its questions):
#   BIN=target/release/atelier RATE=2000 \
#     SMALL=sqlite:///work/data/bench_import.db SMALL_PRODUCTS=1000000 SMALL_QUESTIONS=3528273 \
#     LARGE=sqlite:///work/data/10m.db LARGE_PRODUCTS=10000000 LARGE_QUESTIONS=22000000 bench/scale.sh
# SEED, if set, seeds the ids (else the tester's default): the same seed sends the same ids, whose
# pages a second run finds in memory, so give each round its own seed to measure ids the store
# has not just read.
set -eu
PORT=${PORT:-3952}
RATE=${RATE:-2000}
DURATION=${DURATION:-10s}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/find_max.sh"
# One catalogue: $1 label, $2 store, $3 products, $4 questions.
each_get() {
  serve "$2" 0 /tmp/scale_serve.log
  for endpoint in meta reviews questions answers; do
    "$BIN" bench --url $url --scenario $endpoint $(ids_for $endpoint "$3" "$4") --rate "$RATE" --duration "$DURATION" ${SEED:+--seed $SEED} --json 2>> /tmp/scale_bench.err \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency"]; print("'"$1 $endpoint"': achieved %.0f/s, failed %d, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms" % (r["achieved_rate"], r["failed"], l["p50_ms"], l["p99_ms"], l["p999_ms"]))' || true
  done
  stop
}
each_get small "$SMALL" "$SMALL_PRODUCTS" "$SMALL_QUESTIONS"
each_get large "$LARGE" "$LARGE_PRODUCTS" "$LARGE_QUESTIONS"
