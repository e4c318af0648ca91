//! The catalogue's reads on PostgreSQL: products, a product with its features, its styles, its
//! related products. Each is one statement; the rows are folded by `atelier_core::fold`.

use atelier_core::fold::{ProductList, ProductRows, RelatedRows, StyleRows};
use atelier_core::input::{NewInteraction, PageRequest, now_ms};
use atelier_core::records::{CartLine, Product, Style};
use atelier_core::{ProductId, StoreError};
use deadpool_postgres::ClientWrapper;

use crate::db_error;
use crate::read::fold;

/// A page of products in id order (the primary key).
pub(crate) const LIST: &str = "SELECT p.id AS product_id, p.name AS product_name, p.slogan AS slogan, \
     p.description AS description, p.category AS category, p.default_price AS default_price \
     FROM products p ORDER BY p.id LIMIT $1 OFFSET $2";

/// A product (primary key) and its features in file order (`features_product`); a product
/// without features yields one row with NULL features, an unknown product none.
pub(crate) const PRODUCT: &str = "SELECT p.id AS product_id, p.name AS product_name, p.slogan AS slogan, \
     p.description AS description, p.category AS category, p.default_price AS default_price, \
     f.feature AS feature, f.value AS feature_value \
     FROM products p LEFT JOIN features f ON f.product_id = p.id WHERE p.id = $1 ORDER BY f.id";

/// A product's styles in one statement: the product's row (primary key), then each style's row
/// (`styles_product`, read once into `s`) followed by its photos in file order (`style_photos_style`)
/// and skus in id order (`skus_style`), told apart by `part`.
pub(crate) const STYLES: &str = "WITH s AS (SELECT id, name, original_price, sale_price, default_style \
                FROM styles WHERE product_id = $1) \
     SELECT 0 AS part, NULL::bigint AS style_id, NULL::bigint AS item_id, \
            NULL::text AS style_name, NULL::text AS original_price, NULL::text AS sale_price, \
            NULL::boolean AS default_style, NULL::text AS photo_url, NULL::text AS thumbnail_url, \
            NULL::bigint AS sku_id, NULL::text AS size, NULL::integer AS quantity \
     FROM products WHERE id = $1 \
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

/// A product (primary key) and its related products in file order (`related_current`).
pub(crate) const RELATED: &str = "SELECT p.id AS product_id, r.related_product_id AS related_product_id \
     FROM products p LEFT JOIN related r ON r.current_product_id = p.id WHERE p.id = $1 ORDER BY r.position";

pub(crate) async fn list(client: &ClientWrapper, page: PageRequest) -> Result<Vec<Product>, StoreError> {
    let stmt = client.prepare_cached(LIST).await.map_err(db_error)?;
    fold::<ProductList>(&client.query(&stmt, &[&page.count(), &page.offset()]).await.map_err(db_error)?)
}

pub(crate) async fn product(client: &ClientWrapper, product: ProductId) -> Result<Product, StoreError> {
    let stmt = client.prepare_cached(PRODUCT).await.map_err(db_error)?;
    fold::<ProductRows>(&client.query(&stmt, &[&product.get()]).await.map_err(db_error)?)
}

pub(crate) async fn styles(client: &ClientWrapper, product: ProductId) -> Result<Vec<Style>, StoreError> {
    let stmt = client.prepare_cached(STYLES).await.map_err(db_error)?;
    fold::<StyleRows>(&client.query(&stmt, &[&product.get()]).await.map_err(db_error)?)
}

pub(crate) async fn related(client: &ClientWrapper, product: ProductId) -> Result<Vec<i64>, StoreError> {
    let stmt = client.prepare_cached(RELATED).await.map_err(db_error)?;
    fold::<RelatedRows>(&client.query(&stmt, &[&product.get()]).await.map_err(db_error)?)
}

/// A caller's cart by sku (the primary key's prefix).
const CART: &str = "SELECT sku_id, count FROM cart_items WHERE caller = $1 ORDER BY sku_id";

/// One more of a sku in a cart, if the sku exists (primary key of `skus`), in one statement.
const ADD_TO_CART: &str = "INSERT INTO cart_items (caller, sku_id, count) SELECT $1, id, 1 FROM skus WHERE id = $2 \
     ON CONFLICT (caller, sku_id) DO UPDATE SET count = cart_items.count + 1";

const ADD_INTERACTION: &str =
    "INSERT INTO interactions (element, widget, time, created_ms) VALUES ($1, $2, $3, $4)";

pub(crate) async fn cart(client: &ClientWrapper, caller: &str) -> Result<Vec<CartLine>, StoreError> {
    let stmt = client.prepare_cached(CART).await.map_err(db_error)?;
    let rows = client.query(&stmt, &[&caller]).await.map_err(db_error)?;
    rows.iter()
        .map(|row| {
            Ok(CartLine {
                sku_id: row.try_get(0).map_err(db_error)?,
                count: i64::from(row.try_get::<_, i32>(1).map_err(db_error)?),
            })
        })
        .collect()
}

pub(crate) async fn add_to_cart(client: &ClientWrapper, caller: &str, sku: i64) -> Result<(), StoreError> {
    let stmt = client.prepare_cached(ADD_TO_CART).await.map_err(db_error)?;
    match client.execute(&stmt, &[&caller, &sku]).await.map_err(db_error)? {
        0 => Err(StoreError::NotFound("sku")),
        _ => Ok(()),
    }
}

pub(crate) async fn add_interaction(
    client: &ClientWrapper,
    interaction: &NewInteraction,
) -> Result<(), StoreError> {
    let stmt = client.prepare_cached(ADD_INTERACTION).await.map_err(db_error)?;
    let values: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
        [&interaction.element.as_str(), &interaction.widget.as_str(), &interaction.time.as_str(), &now_ms()];
    client.execute(&stmt, &values).await.map_err(db_error).map(drop)
}
