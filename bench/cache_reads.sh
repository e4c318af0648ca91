#!/bin/bash
# The response cache off and on, ids over all 10,000 products and over a hot set of 10, and
# GET /health as the ceiling, on one SQLite catalogue:
#   BIN=target/release/atelier DB=/tmp/qs/demo.db bench/cache_reads.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
for ids in 10000 10; do
  for bytes in 0 268435456; do
    "$BIN" serve --database-url "sqlite://$DB" --pool-size 8 --listen 127.0.0.1:3912 --cache-bytes $bytes > /dev/null 2>&1 &
    pid=$!
    sleep 1
    for path in '/reviews/meta?product_id=%d' '/reviews?product_id=%d&sort=relevant' '/qa/questions?product_id=%d'; do
      out=$(PATH_TEMPLATE="$path" MAX_ID=$ids wrk -t2 -c64 -d6s --latency -s "$here/random_ids.lua" http://127.0.0.1:3912 2>&1)
      echo "ids=$ids cache=$bytes $path rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}') p99=$(echo "$out" | awk '/ 99%/ {print $2}') non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')"
    done
    kill $pid
    wait $pid 2> /dev/null
  done
done
"$BIN" serve --database-url "sqlite://$DB" --listen 127.0.0.1:3912 > /dev/null 2>&1 &
pid=$!
sleep 1
out=$(wrk -t2 -c64 -d6s --latency http://127.0.0.1:3912/health 2>&1)
echo "health rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}') p99=$(echo "$out" | awk '/ 99%/ {print $2}')"
kill $pid
wait $pid 2> /dev/null
