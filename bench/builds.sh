#!/bin/bash
# Two builds in turn on one store, cache off, ROUNDS times (default 2), so a noisy machine moves
# both alike: for each GET, the CPU time per request of the server and (on PostgreSQL) every
# backend of the store's database while the GET is held at RATE (default 3000/s) for 15 s, read
# from /proc before and after, then the highest rate `atelier bench --find-max` sustains
# (p99 within 10 ms, no failures). The CPU time is the steadier figure on a shared machine: it
# counts work, not how fast the host let it run.
#   OLD=/work/data/atelier-old NEW=target/release/atelier \
#     STORE=postgres://postgres@127.0.0.1:5440/bench_import PRODUCTS=1000000 QUESTIONS=3528273 \
#     [ENDPOINTS="reviews questions answers"] bench/builds.sh
set -eu
PORT=${PORT:-3954}
RATE=${RATE:-3000}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/find_max.sh"
. "$(dirname "$0")/serve.sh"
STORE=$STORE GETS=reads "$(dirname "$0")/prewarm.sh"
# The CPU ticks (user and system) of the server and the database's backends so far.
ticks() {
  local pids=$pid
  case $STORE in postgres*) pids="$pids $(pgrep -f "postgres: .* ${STORE##*/} " || true)" ;; esac
  local total=0
  for p in $pids; do
    if [ -r /proc/$p/stat ]; then total=$((total + $(awk '{print $14 + $15}' /proc/$p/stat))); fi
  done
  echo $total
}
hz=$(getconf CLK_TCK)
for round in $(seq "${ROUNDS:-2}"); do
  for build in "$OLD" "$NEW"; do
    BIN=$build serve "$STORE" 0 /tmp/builds_serve.log
    # The tester is always the new build, so only the server differs.
    BIN=$NEW
    for endpoint in ${ENDPOINTS:-meta reviews questions answers}; do
      ids=$(ids_for $endpoint $PRODUCTS $QUESTIONS)
      one_run warm-up $url --scenario $endpoint $ids --rate 2000 --duration 3s --seed 3 > /dev/null
      before=$(ticks)
      held=$(one_run "round $round, $build, $endpoint at $RATE/s" $url --scenario $endpoint $ids --rate $RATE --duration 15s --seed $((6 + round)))
      after=$(ticks)
      echo "${held%%;*}; CPU per request $(( (after - before) * 1000000 / hz / (RATE * 15) )) us"
      echo "  highest: $(highest_at $url --scenario $endpoint $ids)"
    done
    stop
  done
done
