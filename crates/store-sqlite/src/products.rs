//! The catalogue's reads on SQLite: products, a product with its features, its styles, its
//! related products. Each is one statement; the rows are folded by `atelier_core::fold`.

use atelier_core::fold::{ProductList, ProductRows, RelatedRows, StyleRows};
use atelier_core::input::PageRequest;
use atelier_core::records::{Product, Style};
use atelier_core::{ProductId, StoreError};
use rusqlite::{Connection, params};

use crate::db_error;
use crate::read::fold;

/// A page of products in id order (the rowid).
pub(crate) const LIST: &str = "SELECT p.id AS product_id, p.name AS product_name, p.slogan AS slogan, \
     p.description AS description, p.category AS category, p.default_price AS default_price \
     FROM products p ORDER BY p.id LIMIT ?1 OFFSET ?2";

/// A product (rowid) and its features in file order (`features_product`); a product without
/// features yields one row with NULL features, an unknown product none.
pub(crate) const PRODUCT: &str = "SELECT p.id AS product_id, p.name AS product_name, p.slogan AS slogan, \
     p.description AS description, p.category AS category, p.default_price AS default_price, \
     f.feature AS feature, f.value AS feature_value \
     FROM products p LEFT JOIN features f ON f.product_id = p.id WHERE p.id = ?1 ORDER BY f.id";

/// A product's styles in one statement: the product's row (rowid), then each style's row
/// (`styles_product`) followed by its photos (`style_photos_style`) and skus (`skus_style`), in
/// id order, told apart by `part`.
pub(crate) const STYLES: &str = "SELECT 0 AS part, NULL AS style_id, NULL AS item_id, NULL AS style_name, \
            NULL AS original_price, NULL AS sale_price, NULL AS default_style, NULL AS photo_url, \
            NULL AS thumbnail_url, NULL AS sku_id, NULL AS size, NULL AS quantity \
     FROM products WHERE id = ?1 \
     UNION ALL \
     SELECT 1, s.id, s.id, s.name, s.original_price, s.sale_price, s.default_style, NULL, NULL, NULL, NULL, NULL \
     FROM styles s WHERE s.product_id = ?1 \
     UNION ALL \
     SELECT 2, s.id, ph.id, NULL, NULL, NULL, NULL, ph.url, ph.thumbnail_url, NULL, NULL, NULL \
     FROM styles s JOIN style_photos ph ON ph.style_id = s.id WHERE s.product_id = ?1 \
     UNION ALL \
     SELECT 3, s.id, k.id, NULL, NULL, NULL, NULL, NULL, NULL, k.id, k.size, k.quantity \
     FROM styles s JOIN skus k ON k.style_id = s.id WHERE s.product_id = ?1 \
     ORDER BY style_id NULLS FIRST, part, item_id";

/// A product (rowid) and its related products in file order (`related_current`).
pub(crate) const RELATED: &str = "SELECT p.id AS product_id, r.related_product_id AS related_product_id \
     FROM products p LEFT JOIN related r ON r.current_product_id = p.id WHERE p.id = ?1 ORDER BY r.id";

pub(crate) fn list(conn: &Connection, page: PageRequest) -> Result<Vec<Product>, StoreError> {
    let mut stmt = conn.prepare_cached(LIST).map_err(db_error)?;
    fold::<ProductList>(stmt.query(params![page.count(), page.offset()]).map_err(db_error)?)
}

pub(crate) fn product(conn: &Connection, product: ProductId) -> Result<Product, StoreError> {
    let mut stmt = conn.prepare_cached(PRODUCT).map_err(db_error)?;
    fold::<ProductRows>(stmt.query(params![product.get()]).map_err(db_error)?)
}

pub(crate) fn styles(conn: &Connection, product: ProductId) -> Result<Vec<Style>, StoreError> {
    let mut stmt = conn.prepare_cached(STYLES).map_err(db_error)?;
    fold::<StyleRows>(stmt.query(params![product.get()]).map_err(db_error)?)
}

pub(crate) fn related(conn: &Connection, product: ProductId) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(RELATED).map_err(db_error)?;
    fold::<RelatedRows>(stmt.query(params![product.get()]).map_err(db_error)?)
}
