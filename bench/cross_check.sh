#!/bin/bash
# `atelier bench` against oha on the same server, the same requests, rate and connections, in
# turn, twice each: GET /health and GET /reviews/meta of one product (cache off, so every
# request reads the store). oha runs with its rate limit and latency correction, so both
# measure from each request's scheduled time.
#   BIN=target/release/atelier OHA=oha STORE=sqlite:///work/data/bench_import.db bench/cross_check.sh
# With SERVER_CPUS=0 CLIENT_CPUS=1 the server has one core and each client, in turn, the other
# (the database's processes are not pinned). RATES (default "20000 5000") are the /health and
# meta rates, ROUNDS (default 2) the rounds of each.
set -eu
PORT=${PORT:-3952}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
serve "$STORE" 0 /dev/null
read health_rate meta_rate <<< "${RATES:-20000 5000}"
pin=${CLIENT_CPUS:+taskset -c $CLIENT_CPUS}
for case in "health $health_rate /health" "meta $meta_rate /reviews/meta?product_id=1"; do
  set -- $case
  for round in $(seq "${ROUNDS:-2}"); do
    $pin "$BIN" bench --url $url --scenario $1 --ids 1-1 --rate $2 --duration 10s --connections 64 --json 2> /dev/null \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); l=r["latency"]; print("atelier bench %-6s %6.0f/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  failed %d" % ("'$1'", r["achieved_rate"], l["p50_ms"], l["p90_ms"], l["p99_ms"], l["max_ms"], r["failed"]))'
    $pin "$OHA" --no-tui --output-format json -z 10s -c 64 -q $2 --latency-correction "$url$3" 2> /dev/null \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); p=r["latencyPercentiles"]; s=r["summary"]; print("oha           %-6s %6.0f/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  success %.4f" % ("'$1'", s["requestsPerSec"], 1000*p["p50"], 1000*p["p90"], 1000*p["p99"], 1000*s["slowest"], s["successRate"]))'
  done
done
