-- The rest of the original catalogue: features, styles with their skus and photos, and related
-- products (issue 12). Additive. Ids are the rowid, as elsewhere; reads list every child in id
-- order, which is file order for the loaded rows.

CREATE TABLE features (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    feature TEXT NOT NULL,
    value TEXT
);
-- Serves GET /products/{id}: the product's features in id order.
CREATE INDEX features_product ON features (product_id, id);

CREATE TABLE styles (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    name TEXT NOT NULL,
    sale_price TEXT,
    original_price TEXT NOT NULL,
    default_style INTEGER NOT NULL CHECK (default_style IN (0, 1))
);
-- Serves GET /products/{id}/styles: the product's styles in id order.
CREATE INDEX styles_product ON styles (product_id, id);

CREATE TABLE skus (
    id INTEGER PRIMARY KEY,
    style_id INTEGER NOT NULL REFERENCES styles (id),
    size TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0)
);
-- Serves each listed style's skus in id order.
CREATE INDEX skus_style ON skus (style_id, id);

CREATE TABLE style_photos (
    id INTEGER PRIMARY KEY,
    style_id INTEGER NOT NULL REFERENCES styles (id),
    url TEXT NOT NULL,
    thumbnail_url TEXT NOT NULL
);
-- Serves each listed style's photos in id order.
CREATE INDEX style_photos_style ON style_photos (style_id, id);

CREATE TABLE related (
    id INTEGER PRIMARY KEY,
    current_product_id INTEGER NOT NULL REFERENCES products (id),
    related_product_id INTEGER NOT NULL REFERENCES products (id)
);
-- Serves GET /products/{id}/related in id (file) order.
CREATE INDEX related_current ON related (current_product_id, id);
