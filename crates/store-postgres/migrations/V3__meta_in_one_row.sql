-- Meta in one row per product: the rating histogram, the recommend counts, and the product's
-- characteristics (ids ascending, names, rating sums and counts) as parallel arrays, so
-- GET /reviews/meta reads one row of one table by primary key. Four tables and their indexes
-- per read cost PostgreSQL twice the work of a one-table primary-key read (pgbench, 1 million
-- products: 21,191-23,022 against 40,382-55,663 statements/s; BENCHMARKS.md). Every product now
-- has a row (no row: no such product), kept by the review write in the same statement and
-- built by a bulk load; characteristic_meta's totals move into it.

ALTER TABLE review_meta
    ADD COLUMN characteristic_ids bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN characteristic_names text[] NOT NULL DEFAULT '{}',
    ADD COLUMN rating_sums bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN rating_counts bigint[] NOT NULL DEFAULT '{}';

INSERT INTO review_meta (product_id) SELECT id FROM products ON CONFLICT (product_id) DO NOTHING;

UPDATE review_meta m
SET characteristic_ids = c.ids, characteristic_names = c.names, rating_sums = c.sums, rating_counts = c.counts
FROM (
    SELECT c.product_id,
           array_agg(c.id ORDER BY c.id) AS ids,
           array_agg(c.name ORDER BY c.id) AS names,
           array_agg(COALESCE(cm.rating_sum, 0) ORDER BY c.id) AS sums,
           array_agg(COALESCE(cm.rating_count, 0) ORDER BY c.id) AS counts
    FROM characteristics c
    LEFT JOIN characteristic_meta cm ON cm.characteristic_id = c.id
    GROUP BY c.product_id
) c
WHERE m.product_id = c.product_id;

DROP TABLE characteristic_meta;
