#!/bin/bash
# Two builds side by side on one SQLite catalogue, alternating, two rounds:
#   OLD=path/to/atelier-old NEW=path/to/atelier DB=/tmp/qs/demo.db bench/compare_reads.sh
# Make the catalogue first: atelier generate --products 10000 --seed 42 --into sqlite://$DB
set -u
here=$(cd "$(dirname "$0")" && pwd)
for round in 1 2; do
  for bin in "$OLD" "$NEW"; do
    "$bin" serve --database-url "sqlite://$DB" --pool-size 8 --listen 127.0.0.1:3911 > /dev/null 2>&1 &
    pid=$!
    sleep 1
    for path in '/reviews/meta?product_id=%d' '/reviews?product_id=%d&sort=relevant'; do
      out=$(PATH_TEMPLATE="$path" MAX_ID=10000 wrk -t2 -c64 -d8s --latency -s "$here/random_ids.lua" http://127.0.0.1:3911 2>&1)
      echo "round $round $bin $path rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}') p99=$(echo "$out" | awk '/ 99%/ {print $2}') non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')"
    done
    kill $pid
    wait $pid 2> /dev/null
  done
done
