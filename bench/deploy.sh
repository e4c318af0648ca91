#!/bin/bash
# Atelier behind nginx on the deployment of deploy/atelier.sh (PostgreSQL primary with a
# streaming replica taking the reads, Redis as the shared cache tier, Prometheus scraping):
# the highest sustained rate (p99 within 10 ms, no failures; `atelier bench --find-max`) of
# GET /health, of meta on a hot set of 10 products (cache on: what the balancer costs on the
# cheapest GET) and of meta on random ids (cache on, a fresh catalogue: mostly store reads),
# straight to instance 1 and through nginx, with one instance and with two; then, with two,
# instance 1 restarted in the middle of a fixed-rate run through nginx (reads and 5 % writes),
# and the hot meta of an extra instance on the same stores without Redis, for what the shared
# tier's generation check costs.
#   BIN=target/release/atelier [PRODUCTS=100000] bench/deploy.sh
set -eu
cd "$(dirname "$0")/.."
export BIN=$(realpath "$BIN") DIR=${DIR:-/tmp/atelier-bench-deploy} BASE=${BASE:-7300} PRODUCTS=${PRODUCTS:-100000}
. bench/find_max.sh
trap 'deploy/atelier.sh down > /dev/null 2>&1 || true; [ -n "${extra:-}" ] && kill $extra 2>/dev/null || true' EXIT
for n in 1 2; do
  deploy/atelier.sh down > /dev/null 2>&1 || true
  deploy/atelier.sh up $n > /tmp/deploy_up.log
  direct=http://127.0.0.1:$((BASE + 1)) balanced=http://127.0.0.1:$BASE
  for target in direct balanced; do
    url=${!target}
    echo "$n instance(s), $target: health $(highest_at $url --scenario health)"
    echo "$n instance(s), $target: meta hot 10 $(highest_at $url --scenario meta --ids 1-$PRODUCTS --hot 10)"
  done
  echo "$n instance(s), balanced: meta random $(highest_at $balanced --scenario meta --ids 1-$PRODUCTS --seed $((7 + n)))"
done
# Two instances: a restart of instance 1 under load through nginx.
rate=${RESTART_RATE:-2000}
"$BIN" bench --url http://127.0.0.1:$BASE --scenario meta=40,reviews=25,questions=25,answers=5,write=5 \
  --ids 1-$PRODUCTS --question-ids 1-$((PRODUCTS * 3)) --rate $rate --duration 10s --warmup 0s --json > /tmp/deploy_restart.json 2>> /tmp/deploy_bench.err &
load=$!
sleep 3
deploy/atelier.sh restart 1 > /dev/null
wait $load || true
python3 -c 'import json; r=json.load(open("/tmp/deploy_restart.json")); l=r["latency"]; print("restart of instance 1 at %d/s through nginx: %d scheduled, %d completed, %d failed, p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (r["target_rate"], r["scheduled"], r["completed"], r["failed"], l["p50_ms"], l["p99_ms"], l["max_ms"]))' 
# The same hot meta on an instance without Redis, beside one with it.
"$BIN" serve --database-url postgres://postgres@127.0.0.1:$((BASE + 50))/atelier --read-url postgres://postgres@127.0.0.1:$((BASE + 51))/atelier \
  --listen 127.0.0.1:$((BASE + 30)) > /tmp/deploy_extra.log 2>&1 &
extra=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:$((BASE + 30))/readyz && break; sleep 0.1; done
echo "without Redis: meta hot 10 $(highest_at http://127.0.0.1:$((BASE + 30)) --scenario meta --ids 1-$PRODUCTS --hot 10)"
echo "with Redis:    meta hot 10 $(highest_at http://127.0.0.1:$((BASE + 1)) --scenario meta --ids 1-$PRODUCTS --hot 10)"
