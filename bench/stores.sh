#!/bin/bash
# The two stores side by side on the same catalogue, with the same build: for each GET (random
# ids, cache off) the highest rate each sustains (p99 within 10 ms, no failures), PostgreSQL then
# SQLite, endpoint by endpoint, ROUNDS times, so a noisy machine moves both alike. Both stores are
# read into memory first (bench/prewarm.sh: on PostgreSQL the four GETs' tables and indexes).
# Last (bench/medians.py), each GET's median rate over the rounds, SQLite's over PostgreSQL's,
# each round's ratio and their median.
#   BIN=target/release/atelier PG=postgres://postgres@127.0.0.1:5440/bench_import \
#     SQLITE=sqlite:///work/data/bench_import.db PRODUCTS=1000000 QUESTIONS=3528273 [ROUNDS=2] \
#     bench/stores.sh
set -eu
PORT=${PORT:-3953}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/find_max.sh"
for store in "$PG" "$SQLITE"; do STORE=$store GETS=reads "$(dirname "$0")/prewarm.sh"; done
: > /tmp/stores_runs.txt
for round in $(seq 1 "${ROUNDS:-2}"); do
  for endpoint in meta reviews questions answers; do
    line="round $round: $endpoint"
    for store in "$PG" "$SQLITE"; do
      serve "$store" 0 /tmp/stores_serve.log
      found=$(highest_at $url --scenario $endpoint $(ids_for $endpoint $PRODUCTS $QUESTIONS))
      echo "$endpoint ${store%%:*}: $found" >> /tmp/stores_runs.txt
      line="$line, ${store%%:*} $found"
      stop
    done
    echo "$line"
  done
done
python3 "$(dirname "$0")/medians.py" /tmp/stores_runs.txt sqlite postgres rate
