-- PostgreSQL's V3 keeps meta in one row per product; SQLite reads its meta as fast from the
-- tables it has (BENCHMARKS.md), so nothing changes here. The version is kept so that the same
-- change has the same version in both stores.
SELECT 1;
