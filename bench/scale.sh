#!/bin/bash
# The same random-id reads at one fixed rate against a small and a large catalogue of the same
# store, cache off: how much the tail grows with the data. Both catalogues are served at once
# (ports PORT and PORT+1) and each GET runs on them in turn, ROUNDS times (the order swapped
# every round), so the machine's drift touches both alike; each run lasts DURATION at RATE/s,
# ids uniform over its catalogue (answers over its questions), with a seed of its own per round
# (SEED+round; the same seed sends the same ids, whose pages a later run finds in memory). Last,
# each GET's median p99 on each catalogue and their ratio.
#   BIN=target/release/atelier RATE=1000 ROUNDS=5 \
#     SMALL=postgres://postgres@127.0.0.1:5440/bench_import SMALL_PRODUCTS=1000000 SMALL_QUESTIONS=3528273 \
#     LARGE=postgres://postgres@127.0.0.1:5440/bench_10m LARGE_PRODUCTS=10000000 LARGE_QUESTIONS=21988384 bench/scale.sh
# GETS (default "meta reviews questions answers") picks the GETs. PREWARM=1 reads each GET's
# read path on both catalogues into memory before its runs (bench/prewarm.sh with GETS): a
# server at steady state, whose memory holds the read path of what it serves, rather than
# whatever the last load or benchmark left in it.
set -eu
PORT=${PORT:-3952}
RATE=${RATE:-1000}
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-100}
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/find_max.sh"
PORT=$PORT serve "$SMALL" 0 /tmp/scale_small.log
small_pid=$pid
PORT=$((PORT + 1)) serve "$LARGE" 0 /tmp/scale_large.log
large_pid=$pid
pid=
trap 'kill $small_pid $large_pid 2> /dev/null; wait' EXIT
# One run: $1 label, $2 port, $3 GET, $4 products, $5 questions, $6 seed.
one() {
  one_run "$3 $1 seed $6" http://127.0.0.1:$2 --scenario $3 $(ids_for $3 $4 $5) --rate "$RATE" --duration "$DURATION" --seed $6
}
for endpoint in ${GETS:-meta reviews questions answers}; do
  if [ -n "${PREWARM:-}" ]; then
    for store in "$SMALL" "$LARGE"; do STORE=$store GETS=$endpoint "$(dirname "$0")/prewarm.sh" | sed "s/^/$endpoint /"; done
  fi
  for round in $(seq "$ROUNDS"); do
    small="one small $PORT $endpoint $SMALL_PRODUCTS $SMALL_QUESTIONS $((SEED + round))"
    large="one large $((PORT + 1)) $endpoint $LARGE_PRODUCTS $LARGE_QUESTIONS $((SEED + round))"
    if [ $((round % 2)) = 1 ]; then $small; $large; else $large; $small; fi
  done
done | tee /tmp/scale_runs.txt
python3 "$(dirname "$0")/medians.py" /tmp/scale_runs.txt large small p50 p99
