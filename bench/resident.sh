#!/bin/bash
# SQLite served from the kernel's file cache against its file locked in memory
# (`serve --sqlite-resident`), the same build and catalogue in turn: for each GET (random ids,
# cache off) the highest rate each sustains (p99 within 10 ms, no failures), ROUNDS times, then
# (bench/medians.py) each GET's median rate with the file locked over that without. The file is
# read into memory once at the start (bench/prewarm.sh), as the other read benchmarks do; what
# the host takes back from the file cache after that is read from the disk again without the
# lock, and never taken with it. The kernel's cache share of the file before each run is printed
# (fincore). ENDPOINTS narrows the GETs.
#   BIN=target/release/atelier SQLITE=sqlite:///work/data/bench_import.db PRODUCTS=1000000 \
#     QUESTIONS=3528273 [ROUNDS=2] [ENDPOINTS="reviews answers"] bench/resident.sh
set -eu
PORT=${PORT:-3954}
url=http://127.0.0.1:$PORT
. "$(dirname "$0")/serve.sh"
. "$(dirname "$0")/find_max.sh"
STORE=$SQLITE "$(dirname "$0")/prewarm.sh"
file=${SQLITE#sqlite://}
cached() { fincore -b -n "$file" | awk '{printf "%.0f %%", 100 * $1 / $3}'; }
serve_side() {
  echo "$1: the file $(cached) in the kernel's cache before its start"
  if [ "$1" = locked ]; then RESIDENT=1 serve "$SQLITE" 0 /tmp/resident_serve.log; else RESIDENT=0 serve "$SQLITE" 0 /tmp/resident_serve.log; fi
}
alternate /tmp/resident_runs.txt locked cache
