-- Products, reviews and the precomputed review summary.
-- Ids are INTEGER PRIMARY KEY (the rowid): a bulk load keeps the original ids and a new row
-- gets max(id) + 1 without any sequence to move. Dates are epoch milliseconds, as in the CSV.

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slogan TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    default_price TEXT NOT NULL
);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    date_ms INTEGER NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    recommend INTEGER NOT NULL CHECK (recommend IN (0, 1)),
    reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
    reviewer_name TEXT NOT NULL,
    reviewer_email TEXT NOT NULL,
    response TEXT,
    helpfulness INTEGER NOT NULL DEFAULT 0,
    -- The `relevant` order: one helpful vote weighs as much as 90 days (7,776,000,000 ms) of
    -- recency. Virtual, so it costs no space in the row; the index below stores it.
    relevance REAL GENERATED ALWAYS AS (helpfulness + date_ms / 7776000000.0) VIRTUAL
);

-- One index per sort order of GET /reviews. Partial on unreported rows because lists never
-- show reported reviews: the index holds only what a list can return, and ends with id DESC so
-- the tie-break is read from the index too.
CREATE INDEX reviews_newest ON reviews (product_id, date_ms DESC, id DESC) WHERE reported = 0;
CREATE INDEX reviews_helpful ON reviews (product_id, helpfulness DESC, id DESC) WHERE reported = 0;
CREATE INDEX reviews_relevant ON reviews (product_id, relevance DESC, id DESC) WHERE reported = 0;

CREATE TABLE review_photos (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES reviews (id),
    url TEXT NOT NULL
);
-- Serves the photos of each listed review, in id order.
CREATE INDEX review_photos_review ON review_photos (review_id, id);

CREATE TABLE characteristics (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    name TEXT NOT NULL
);
-- Serves meta (the product's characteristics) and the ownership check of POST /reviews.
CREATE INDEX characteristics_product ON characteristics (product_id, id);

-- Kept for the record and for recomputing the totals; no read path uses it, so no index.
CREATE TABLE characteristic_reviews (
    id INTEGER PRIMARY KEY,
    characteristic_id INTEGER NOT NULL REFERENCES characteristics (id),
    review_id INTEGER NOT NULL REFERENCES reviews (id),
    value INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5)
);

-- The rating histogram and recommend counts of a product, reported reviews included. A product
-- without reviews has no row and reads as zeros.
CREATE TABLE review_meta (
    product_id INTEGER PRIMARY KEY REFERENCES products (id),
    rating_1 INTEGER NOT NULL DEFAULT 0,
    rating_2 INTEGER NOT NULL DEFAULT 0,
    rating_3 INTEGER NOT NULL DEFAULT 0,
    rating_4 INTEGER NOT NULL DEFAULT 0,
    rating_5 INTEGER NOT NULL DEFAULT 0,
    recommended_false INTEGER NOT NULL DEFAULT 0,
    recommended_true INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The running totals behind meta's characteristic averages, kept by every review write and
-- recomputed by a bulk load, so meta never aggregates ratings. A table of its own rather than
-- columns of `characteristics`: a load builds it with one INSERT ... SELECT instead of
-- rewriting every characteristic row.
CREATE TABLE characteristic_meta (
    characteristic_id INTEGER PRIMARY KEY REFERENCES characteristics (id),
    rating_sum INTEGER NOT NULL DEFAULT 0,
    rating_count INTEGER NOT NULL DEFAULT 0
);
