//! The catalogue's reads on SQLite: products, a product with its features, its styles, its
//! related products. Each is one statement; the rows are folded by `atelier_core::fold`.

use atelier_core::fold::{ProductList, ProductRows, RelatedRows, StyleRows};
use atelier_core::input::{NewInteraction, PageRequest, now_ms};
use atelier_core::records::{CartLine, Product, Style};
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
/// (`styles_product`, read once into `s`) followed by its photos in file order (`style_photos_style`)
/// and skus in id order (`skus_style`), told apart by `part`.
pub(crate) const STYLES: &str = "WITH s AS MATERIALIZED (SELECT id, name, original_price, sale_price, default_style \
                FROM styles WHERE product_id = ?1) \
     SELECT 0 AS part, NULL AS style_id, NULL AS item_id, NULL AS style_name, \
            NULL AS original_price, NULL AS sale_price, NULL AS default_style, NULL AS photo_url, \
            NULL AS thumbnail_url, NULL AS sku_id, NULL AS size, NULL AS quantity \
     FROM products WHERE id = ?1 \
     UNION ALL \
     SELECT 1, s.id, s.id, s.name, s.original_price, s.sale_price, s.default_style, NULL, NULL, NULL, NULL, NULL \
     FROM s \
     UNION ALL \
     SELECT 2, ph.style_id, ph.position, NULL, NULL, NULL, NULL, ph.url, ph.thumbnail_url, NULL, NULL, NULL \
     FROM s JOIN style_photos ph ON ph.style_id = s.id \
     UNION ALL \
     SELECT 3, k.style_id, k.id, NULL, NULL, NULL, NULL, NULL, NULL, k.id, k.size, k.quantity \
     FROM s JOIN skus k ON k.style_id = s.id \
     ORDER BY style_id NULLS FIRST, part, item_id";

/// A product (rowid) and its related products in file order (`related_current`).
pub(crate) const RELATED: &str = "SELECT p.id AS product_id, r.related_product_id AS related_product_id \
     FROM products p LEFT JOIN related r ON r.current_product_id = p.id WHERE p.id = ?1 ORDER BY r.position";

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

/// A caller's cart by sku (the primary key's prefix).
const CART: &str = "SELECT sku_id, count FROM cart_items WHERE caller = ?1 ORDER BY sku_id";

/// One more of a sku in a cart, if the sku exists (rowid of `skus`), in one statement.
const ADD_TO_CART: &str = "INSERT INTO cart_items (caller, sku_id, count) SELECT ?1, id, 1 FROM skus WHERE id = ?2 \
     ON CONFLICT (caller, sku_id) DO UPDATE SET count = count + 1";

const ADD_INTERACTION: &str =
    "INSERT INTO interactions (element, widget, time, created_ms) VALUES (?1, ?2, ?3, ?4)";

pub(crate) fn cart(conn: &Connection, caller: &str) -> Result<Vec<CartLine>, StoreError> {
    let mut stmt = conn.prepare_cached(CART).map_err(db_error)?;
    let lines = stmt
        .query_map(params![caller], |row| Ok(CartLine { sku_id: row.get(0)?, count: row.get(1)? }))
        .map_err(db_error)?;
    lines.collect::<Result<_, _>>().map_err(db_error)
}

pub(crate) fn add_to_cart(conn: &Connection, caller: &str, sku: i64) -> Result<(), StoreError> {
    match conn
        .prepare_cached(ADD_TO_CART)
        .and_then(|mut stmt| stmt.execute(params![caller, sku]))
        .map_err(db_error)?
    {
        0 => Err(StoreError::NotFound("sku")),
        _ => Ok(()),
    }
}

pub(crate) fn add_interaction(conn: &Connection, interaction: &NewInteraction) -> Result<(), StoreError> {
    conn.prepare_cached(ADD_INTERACTION)
        .and_then(|mut stmt| {
            stmt.execute(params![
                interaction.element.as_str(),
                interaction.widget.as_str(),
                interaction.time.as_str(),
                now_ms()
            ])
        })
        .map_err(db_error)
        .map(drop)
}
