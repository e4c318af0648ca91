-- Carts and interactions (issue 12). Additive. A cart line names its sku without a foreign key,
-- so that replacing the catalogue by a bulk load never fails on carts; the write checks that the
-- sku exists. `caller` is a digest of the caller's token or session, never the token itself.

CREATE TABLE cart_items (
    caller TEXT NOT NULL,
    sku_id INTEGER NOT NULL,
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (caller, sku_id)
) WITHOUT ROWID;

CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    element TEXT NOT NULL,
    widget TEXT NOT NULL,
    time TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
