#!/bin/bash
# Reads a whole store once before a read benchmark, so that it starts from memory: a database
# server is sized to hold its working set, and a benchmark that reads the disk measures the
# disk (here random-id answer pages stalled for up to a second when their pages had to come
# from it; BENCHMARKS.md). PostgreSQL's pages go into its shared buffers (bench/pg_cluster.sh
# makes them large enough), SQLite's file into the kernel's cache.
#   STORE=postgres://postgres@127.0.0.1:5432/bench_import bench/prewarm.sh
#   STORE=sqlite:///work/data/bench_import.db bench/prewarm.sh
set -eu
case "$STORE" in
  sqlite://*) cat "${STORE#sqlite://}" > /dev/null; echo "prewarm: read ${STORE#sqlite://}" ;;
  postgres://* | postgresql://*)
    # pg_prewarm ships with the server; 'buffer' mode reads every block into the shared buffers
    # (those that fit stay; reading them also fills the kernel's cache).
    # A checkpoint first: after a load the checkpointer would otherwise be writing its dirty
    # buffers (gigabytes) during the benchmark.
    psql "$STORE" -qAt -c "CHECKPOINT" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
      -c "SELECT 'prewarm: read ' || sum(pg_prewarm(c.oid, 'buffer')) || ' blocks'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')" ;;
  *) echo "prewarm: unsupported store $STORE" >&2; exit 2 ;;
esac
