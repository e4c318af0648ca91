#!/bin/bash
# GET /products/{id}/styles on random ids, cache off, at its highest sustained rate (p99 within
# 10 ms, no failures; `atelier bench --find-max`) as a share of GET /health's in the same run,
# the store read into memory first (bench/prewarm.sh). The store needs only the product files:
#   BIN=target/release/atelier STORE=postgres://postgres@127.0.0.1:5440/bench_styles \
#     PRODUCTS=1000000 bench/styles.sh
set -eu
PORT=${PORT:-3954}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/find_max.sh"
STORE=$STORE "$(dirname "$0")/prewarm.sh"
serve "$STORE" 0 /tmp/styles_serve.log
for round in 1 2; do
  health=$(highest_at $url --scenario health)
  styles=$(highest_at $url --scenario styles --ids 1-$PRODUCTS --seed $((40 + round)))
  echo "round $round: health $health; styles $styles = $(echo "scale=1; 100 * ${styles%%/s*} / ${health%%/s*}" | bc) % of the ceiling"
done
