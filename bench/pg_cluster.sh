#!/bin/bash
# A PostgreSQL 15 cluster of the benchmarks' own, set up as a team would run a database server:
# shared buffers large enough to hold the 1-million-product catalogue (7.5 GB; 40 % of the RAM
# here, within PostgreSQL's advice of 25-40 %), instead of Debian's 128 MB on the shared server.
# On this machine that matters beyond the usual: the sandbox takes pages back from the kernel's
# file cache even with most of the RAM free, so reads that rely on it reach the disk and stall
# for hundreds of milliseconds (BENCHMARKS.md), while PostgreSQL's shared buffers stay in memory.
# The shared server on 5432 is never touched.
#   bench/pg_cluster.sh start   # prints postgres://postgres@127.0.0.1:5440/postgres
#   bench/pg_cluster.sh stop
# Idempotent. DIR (default /work/data/pg-bench) holds the data, PORT (default 5440) is its
# port, SHARED_BUFFERS (default 40 % of the RAM) its buffer pool, as of the start that gives it
# (stop, then start with SHARED_BUFFERS=16GB to hold a larger read path: 10 million products).
set -eu
BIN=/usr/lib/postgresql/15/bin
DIR=${DIR:-/work/data/pg-bench}
PORT=${PORT:-5440}
mem_mb=$(($(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 1024))
SHARED_BUFFERS=${SHARED_BUFFERS:-$((mem_mb * 2 / 5))MB}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
      as_pg "$BIN/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --locale C > /dev/null
      cat >> "$DIR/postgresql.conf" << CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '/tmp'
shared_buffers = $SHARED_BUFFERS
effective_cache_size = $((mem_mb * 3 / 4))MB
maintenance_work_mem = 1GB
max_wal_size = 8GB
checkpoint_timeout = 15min
CONF
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR" status > /dev/null 2>&1 \
      || as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -o "-c shared_buffers=$SHARED_BUFFERS" -w start > /dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop) as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop > /dev/null 2>&1 || true ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
