-- SQLite's V7 keeps meta in one row per product, as PostgreSQL's V3 already does; nothing
-- changes here. The version is kept so that the same change has the same version in both
-- stores.
SELECT 1;
