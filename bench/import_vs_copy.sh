#!/bin/bash
# The same CSV files (all thirteen, or the eight of reviews and Q&A of an older folder) loaded three ways in one run: a plain `psql \copy` into unindexed
# tables (the floor: no checks, no indexes, no keys, no summaries), `atelier import` into
# PostgreSQL, and `atelier import` into SQLite. Each in a fresh database.
#   BIN=target/release/atelier DATA=/work/data/csv1m bench/import_vs_copy.sh
set -eu
PG=${PG:-postgres://postgres@127.0.0.1:5432}
SQLITE=${SQLITE:-/work/data/bench_import.db}
seconds() { local start=$(date +%s.%N); "$@" > /tmp/import_vs_copy.out 2>&1 || { cat /tmp/import_vs_copy.out; exit 1; }; echo "$(date +%s.%N) - $start" | bc; }
fresh() { psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }

fresh bench_copy
psql -q "$PG/bench_copy" <<'SQL'
CREATE TABLE product (id bigint, name text, slogan text, description text, category text, default_price text);
CREATE TABLE characteristics (id bigint, product_id bigint, name text);
CREATE TABLE reviews (id bigint, product_id bigint, rating smallint, date bigint, summary text, body text,
  recommend boolean, reported boolean, reviewer_name text, reviewer_email text, response text, helpfulness int);
CREATE TABLE reviews_photos (id bigint, review_id bigint, url text);
CREATE TABLE characteristic_reviews (id bigint, characteristic_id bigint, review_id bigint, value smallint);
CREATE TABLE questions (id bigint, product_id bigint, body text, date_written bigint, asker_name text,
  asker_email text, reported smallint, helpful int);
CREATE TABLE answers (id bigint, question_id bigint, body text, date_written bigint, answerer_name text,
  answerer_email text, reported smallint, helpful int);
CREATE TABLE answers_photos (id bigint, answer_id bigint, url text);
CREATE TABLE features (id bigint, product_id bigint, feature text, value text);
CREATE TABLE styles (id bigint, product_id bigint, name text, sale_price text, original_price text, default_style smallint);
CREATE TABLE skus (id bigint, style_id bigint, size text, quantity int);
CREATE TABLE photos (id bigint, style_id bigint, url text, thumbnail_url text);
CREATE TABLE related (id bigint, current_product_id bigint, related_product_id bigint);
SQL
copy_all() {
  for table in product features styles skus photos related characteristics reviews reviews_photos characteristic_reviews questions answers answers_photos; do
    [ -f "$DATA/$table.csv" ] || continue
    psql -q "$PG/bench_copy" -c "\\copy $table FROM '$DATA/$table.csv' CSV HEADER"
  done
}
copy=$(seconds copy_all)
echo "psql \\copy, $(ls "$DATA"/*.csv | wc -l) files, unindexed: $copy s"

fresh bench_import
pg=$(seconds "$BIN" import --database-url "$PG/bench_import" --dir "$DATA" --replace --rejects /tmp/rejects_pg.csv)
echo "atelier import, PostgreSQL: $pg s ($(echo "scale=2; $pg / $copy" | bc)x the copy)"
cp /tmp/import_vs_copy.out /tmp/import_vs_copy_pg.out
grep -E "phase|total" /tmp/import_vs_copy.out || true

rm -f "$SQLITE" "$SQLITE-wal" "$SQLITE-shm"
lite=$(seconds "$BIN" import --database-url "sqlite://$SQLITE" --dir "$DATA" --replace --rejects /tmp/rejects_sqlite.csv)
echo "atelier import, SQLite: $lite s ($(echo "scale=2; $lite / $copy" | bc)x the copy)"
grep -E "phase|total" /tmp/import_vs_copy.out || true
