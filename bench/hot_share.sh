#!/bin/bash
# The hot-set shares, round after round: each round searches GET /health's highest rate (the
# ceiling) and then each GET's on a hot set of 10 products with the response cache on, so every
# share is against a ceiling measured minutes before it, not once at the start of a long run.
# Last (bench/medians.py), each GET's median rate over the rounds against the ceiling's median,
# each round's share and their median. One store per run:
#   BIN=target/release/atelier STORE=sqlite:///work/data/bench_import.db PRODUCTS=1000000 \
#     QUESTIONS=3528273 [ROUNDS=3] bench/hot_share.sh
set -eu
PORT=${PORT:-3955}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/find_max.sh"
serve "$STORE" "${CACHE:-268435456}" /tmp/hot_share_serve.log
: > /tmp/hot_share_runs.txt
for round in $(seq 1 "${ROUNDS:-3}"); do
  ceiling=$(START=5000 highest_at $url --scenario health)
  echo "round $round: ceiling $ceiling"
  for endpoint in meta reviews questions answers; do
    found=$(START=5000 highest_at $url --scenario $endpoint $(ids_for $endpoint $PRODUCTS $QUESTIONS) --hot 10)
    echo "round $round: $endpoint $found"
    echo "$endpoint ceiling: $ceiling" >> /tmp/hot_share_runs.txt
    echo "$endpoint hot: $found" >> /tmp/hot_share_runs.txt
  done
done
python3 "$(dirname "$0")/medians.py" /tmp/hot_share_runs.txt hot ceiling rate
