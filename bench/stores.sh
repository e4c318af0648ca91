#!/bin/bash
# The two stores side by side on the same catalogue, with the same build: for each GET (random
# ids, cache off) the highest rate each sustains (p99 within 10 ms, no failures), PostgreSQL then
# SQLite (its file locked in memory: bench/serve.sh), endpoint by endpoint, ROUNDS times, so a noisy machine moves both alike. Both stores are
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
serve_side() { if [ "$1" = postgres ]; then serve "$PG" 0 /tmp/stores_serve.log; else serve "$SQLITE" 0 /tmp/stores_serve.log; fi; }
alternate /tmp/stores_runs.txt sqlite postgres
