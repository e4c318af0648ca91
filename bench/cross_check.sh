#!/bin/bash
# `atelier bench` against oha on the same server, the same requests, rate and connections, in
# turn, twice each: GET /health and GET /reviews/meta of one product (cache off, so every
# request reads the store). oha runs with its rate limit and latency correction, so both
# measure from each request's scheduled time.
#   BIN=target/release/atelier OHA=oha STORE=sqlite:///work/data/bench_import.db bench/cross_check.sh
# With SERVER_CPUS=0 CLIENT_CPUS=1 the server has one core and each client, in turn, the other
# (the database's processes are not pinned). RATES (default "20000 5000") are the /health and
# meta rates, ROUNDS (default 2) the rounds of each, DURATION (default 10s) each run's length.
# Last (bench/medians.py), each percentile's median over the rounds, oha's over the tester's:
# one run's p99 moves by more than 20 % between rounds of the same tester on this machine.
# OHA_THREADS sets the worker threads of oha's runtime (its --worker-threads; else one per
# physical core): 1 gives it the one thread `atelier bench` runs on.
set -eu
PORT=${PORT:-3952}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
serve "$STORE" 0 /tmp/cross_check_serve.log
read health_rate meta_rate <<< "${RATES:-20000 5000}"
pin=${CLIENT_CPUS:+taskset -c $CLIENT_CPUS}
# One run of each tester: $1 label, $2 rate, $3 path.
run_tester() {
  $pin "$BIN" bench --url $url --scenario $1 --ids 1-1 --rate $2 --duration "${DURATION:-10s}" --connections 64 --json 2> /dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency"]; print("%-6s tester: %6.0f/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  failed %d" % ("'$1'", r["achieved_rate"], l["p50_ms"], l["p90_ms"], l["p99_ms"], l["max_ms"], r["failed"]))'
}
run_oha() {
  $pin "$OHA" ${OHA_THREADS:+--worker-threads $OHA_THREADS} --no-tui --output-format json -z "${DURATION:-10s}" -c 64 -q $2 --latency-correction "$url$3" 2> /dev/null \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); p=r["latencyPercentiles"]; s=r["summary"]; print("%-6s oha:    %6.0f/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  success %.4f" % ("'$1'", s["requestsPerSec"], 1000*p["p50"], 1000*p["p90"], 1000*p["p99"], 1000*s["slowest"], s["successRate"]))'
}
# The two testers take turns going first, so neither always meets the server just warmed.
for case in "health $health_rate /health" "meta $meta_rate /reviews/meta?product_id=1"; do
  set -- $case
  for round in $(seq "${ROUNDS:-2}"); do
    if [ $((round % 2)) = 1 ]; then run_tester "$@"; run_oha "$@"; else run_oha "$@"; run_tester "$@"; fi
  done
done | tee /tmp/cross_check_runs.txt
python3 "$(dirname "$0")/medians.py" /tmp/cross_check_runs.txt oha tester p50 p90 p99
