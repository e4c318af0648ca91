#!/bin/bash
# The soak: a mix with 5 % writes (each followed by a read that must show it), first stepped up
# to its highest sustained rate (p99 within 10 ms), then run at 70 % of that for DURATION with
# the cache on, the server's memory sampled every 30 s (resident, anonymous, file-backed):
#   BIN=target/release/atelier STORE=postgres://postgres@127.0.0.1:5432/bench_import [SHARE=70] \
#     [CACHE=268435456] PRODUCTS=1000000 QUESTIONS=3528273 DURATION=10m bench/mixed.sh
# CACHE is the response cache's bound in bytes (the default's); a small one fills within the
# first minutes, so memory beyond it can be seen to stay flat. The store is read into the page
# cache first (bench/prewarm.sh).
set -eu
PORT=${PORT:-3951}
url=http://127.0.0.1:$PORT
MIX=meta=30,reviews=30,questions=25,answers=10,write=5
ids="--ids 1-$PRODUCTS --question-ids 1-$QUESTIONS"
STORE=$STORE GETS=reads "$(dirname "$0")/prewarm.sh"
. "$(dirname "$0")/serve.sh"
serve "$STORE" "${CACHE:-268435456}" /tmp/mixed_serve.log
highest=$("$BIN" bench --url $url --scenario $MIX $ids --find-max --rate 2000 --duration 3s --p99 10ms --json 2>> /tmp/mixed_bench.err \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["highest_sustained"] or 0)')
rate=$(python3 -c "print(round(${SHARE:-70} / 100 * $highest))")
echo "highest mixed rate: $highest/s; soak at ${SHARE:-70} % of it, $rate/s, for $DURATION"
memory() { awk '/^(VmRSS|RssAnon|RssFile)/ {printf "%s %d MB  ", $1, $2 / 1024}' /proc/$pid/status; echo; }
echo "before: $(memory)"
"$BIN" bench --url $url --scenario $MIX $ids --rate $rate --duration $DURATION --html /tmp/mixed.html > /tmp/mixed_table.txt 2>> /tmp/mixed_bench.err &
bench=$!
while kill -0 $bench 2> /dev/null; do sleep 30; echo "$(date +%T) $(memory)"; done
wait $bench && echo "bench exit 0 (no failures, no stale read)" || echo "bench exit $? (failures: see the table)"
cat /tmp/mixed_table.txt
