#!/bin/bash
# Reads a store into memory before a read benchmark, so that it starts from memory: a database
# server is sized to hold its working set, and a benchmark that reads the disk measures the
# disk (here random-id answer pages stalled for up to a second when their pages had to come
# from it; BENCHMARKS.md). PostgreSQL's pages go into its shared buffers (bench/pg_cluster.sh
# makes them large enough), SQLite's file into the kernel's cache.
#   STORE=postgres://postgres@127.0.0.1:5432/bench_import bench/prewarm.sh
#   STORE=sqlite:///work/data/bench_import.db bench/prewarm.sh
# GETS (PostgreSQL only), e.g. "questions answers", or "reads" for the four GETs of the read
# benchmarks: only the tables and indexes those GETs read
# (as the read statements' comments in crates/store-postgres name them), for a catalogue whose
# whole store exceeds the buffers but whose one GET's read path fits (10 million products).
set -eu
# The relations each GET of `atelier bench` reads on PostgreSQL (reviews: sort=relevant).
relations_for() {
  case "$1" in
    meta) echo review_meta review_meta_pkey ;;
    reviews) echo products_pkey reviews_relevant reviews review_photos_review review_photos ;;
    questions) echo products_pkey questions_product questions answers_question answers answer_photos_answer answer_photos ;;
    answers) echo questions_pkey questions answers_question answers answer_photos_answer answer_photos ;;
    reads) for get in meta reviews questions answers; do relations_for $get; done ;;
    *) echo "prewarm: no read path known for $1" >&2; exit 2 ;;
  esac
}
case "$STORE" in
  sqlite://*) cat "${STORE#sqlite://}" > /dev/null; echo "prewarm: read ${STORE#sqlite://}" ;;
  postgres://* | postgresql://*)
    names=
    for get in ${GETS:-}; do names="$names $(relations_for "$get")"; done
    # An array literal of the names, or NULL for every table and index of the schema.
    wanted=NULL
    [ -n "$names" ] && wanted="'{$(echo $names | tr ' ' ',')}'"
    # A name the schema no longer has (a renamed index) would leave part of a read path cold.
    missing=$(psql "$STORE" -qAt -c "SELECT string_agg(w, ' ') FROM unnest($wanted::text[]) w
        WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = w AND c.relnamespace = current_schema()::regnamespace)")
    [ -z "$missing" ] || { echo "prewarm: the schema has no $missing" >&2; exit 1; }
    # pg_prewarm ships with the server; 'buffer' mode reads every block into the shared buffers
    # (those that fit stay; reading them also fills the kernel's cache).
    # A checkpoint first: after a load the checkpointer would otherwise be writing its dirty
    # buffers (gigabytes) during the benchmark.
    psql "$STORE" -qAt -c "CHECKPOINT" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
      -c "SELECT 'prewarm: read ' || coalesce(sum(pg_prewarm(c.oid, 'buffer')), 0) || ' blocks of '
                 || count(*) || ' relations'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')
            AND ($wanted::text[] IS NULL OR c.relname = ANY ($wanted::text[]))" ;;
  *) echo "prewarm: unsupported store $STORE" >&2; exit 2 ;;
esac
