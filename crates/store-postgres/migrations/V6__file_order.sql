-- Photos and related products in file order (issue 12): the original photos.csv lists its ids
-- out of order, and the API serves a style's photos, and a product's related ids, in the order
-- of their file. Each row's place in its file is kept in `position` (the importer numbers the
-- rows as it reads them); rows loaded before this migration take their id, the order they were
-- served in until now. Reads of the previous build keep working; bulk loads need this build.

ALTER TABLE style_photos ADD COLUMN position bigint;
UPDATE style_photos SET position = id;
ALTER TABLE style_photos ALTER COLUMN position SET NOT NULL;
DROP INDEX style_photos_style;
-- Serves each listed style's photos in file order.
CREATE INDEX style_photos_style ON style_photos (style_id, position);

ALTER TABLE related ADD COLUMN position bigint;
UPDATE related SET position = id;
ALTER TABLE related ALTER COLUMN position SET NOT NULL;
DROP INDEX related_current;
-- Serves GET /products/{id}/related in file order.
CREATE INDEX related_current ON related (current_product_id, position);
