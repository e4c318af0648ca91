-- Meta in one row per product, as PostgreSQL's V3: the rating histogram, the recommend counts,
-- and the product's characteristics with their rating sums and counts as one JSON array of
-- `[id, name, rating_sum, rating_count]`, ids ascending, so GET /reviews/meta reads one row of
-- one table by its key. Before, it read `products`, `review_meta`, `characteristics` (index and
-- table) and `characteristic_meta`: four b-trees and their pages per read, each page that
-- misses the reader's own cache a read from the kernel. Every product now has a row (no row: no
-- such product), kept by the review write in its transaction and built by a bulk load;
-- characteristic_meta's totals move into it.

ALTER TABLE review_meta ADD COLUMN characteristics TEXT NOT NULL DEFAULT '[]';

INSERT INTO review_meta (product_id) SELECT id FROM products WHERE true
    ON CONFLICT (product_id) DO NOTHING;

UPDATE review_meta SET characteristics = (
    SELECT json_group_array(json_array(c.id, c.name, COALESCE(cm.rating_sum, 0), COALESCE(cm.rating_count, 0))
                            ORDER BY c.id)
    FROM characteristics c
    LEFT JOIN characteristic_meta cm ON cm.characteristic_id = c.id
    WHERE c.product_id = review_meta.product_id
);

DROP TABLE characteristic_meta;
