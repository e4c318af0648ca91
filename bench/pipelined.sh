#!/bin/bash
# PostgreSQL reads with the cache off at their highest sustained rate (p99 within 10 ms, no
# failures; `atelier bench --find-max`), with the reads pipelined on N shared connections
# (`--pipelined-connections N`) and with every read on a pooled connection of its own (N = 0),
# the settings in turn, ROUNDS times, in one run beside GET /health's ceiling. The store is read
# into PostgreSQL's shared buffers first (bench/prewarm.sh).
#   BIN=target/release/atelier STORE=postgres://postgres@127.0.0.1:5440/bench_import \
#     PRODUCTS=1000000 QUESTIONS=3528273 SETTINGS="0 1 2" ROUNDS=2 bench/pipelined.sh
set -eu
PORT=${PORT:-3952}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/find_max.sh"
STORE=$STORE GETS=reads "$(dirname "$0")/prewarm.sh"
serve_with() {
  "$BIN" serve --database-url "$STORE" --listen 127.0.0.1:$PORT --cache-bytes 0 --pipelined-connections "$1" > /tmp/pipelined_serve.log 2>&1 &
  pid=$!
  until curl -sf $url/health > /dev/null; do
    kill -0 $pid 2> /dev/null || { echo "the server exited at start: see /tmp/pipelined_serve.log" >&2; exit 1; }
    sleep 0.2
  done
}
stop() { [ -n "${pid:-}" ] && kill $pid && wait $pid 2> /dev/null; pid=; }
trap stop EXIT
serve_with 0
echo "ceiling: GET /health $(highest_at $url --scenario health)"
stop
for round in $(seq "${ROUNDS:-2}"); do
  for n in ${SETTINGS:-0 1 2}; do
    serve_with "$n"
    for endpoint in meta reviews questions answers; do
      echo "round $round, pipelined $n: $endpoint $(highest_at $url --scenario $endpoint $(ids_for $endpoint $PRODUCTS $QUESTIONS))"
    done
    stop
  done
done
