//! Handlers of the catalogue's endpoints: products, a product, its styles, its related products.

use std::hash::{Hash, Hasher};

use atelier_core::input::PageRequest;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;

use crate::cache::View;
use crate::error::parameter;
use crate::extract::{Params, ProductInPath};
use crate::wire::{ProductList, RelatedIds, StyleList, WireProduct, json, json_response};
use crate::{ApiError, AppState, Campus, metrics};

/// `GET /products?page=&count=`: products in id order, without their features. Not cached:
/// pages of the whole catalogue are many and rarely asked twice.
pub(crate) async fn list(
    State(app): State<AppState>,
    campus: Option<Extension<Campus>>,
    params: Params,
) -> Result<Response, ApiError> {
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let products = metrics::statement("products", app.store.products(page)).await?;
    let campus = campus.as_ref().map(|Extension(Campus(name))| name.as_str());
    let list = ProductList(products.iter().map(|p| WireProduct::new(p, campus, false)).collect());
    Ok(json_response(json(&list)?))
}

/// `GET /products/{product_id}`: the product with its features.
pub(crate) async fn one(
    State(app): State<AppState>,
    path: ProductInPath,
    campus: Option<Extension<Campus>>,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let campus = campus.as_ref().map(|Extension(Campus(name))| name.as_str());
    let body = app.cache.get_or_load(product.into(), View::Product(campus_key(campus)), async {
        let found = metrics::statement("product", app.store.product(product)).await?;
        json(&WireProduct::new(&found, campus, true))
    });
    Ok(json_response(body.await?))
}

/// `GET /products/{product_id}/styles`.
pub(crate) async fn styles(
    State(app): State<AppState>,
    path: ProductInPath,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let body = app.cache.get_or_load(product.into(), View::Styles, async {
        let styles = metrics::statement("styles", app.store.styles(product)).await?;
        json(&StyleList::new(product.to_string(), &styles))
    });
    Ok(json_response(body.await?))
}

/// `GET /products/{product_id}/related`.
pub(crate) async fn related(
    State(app): State<AppState>,
    path: ProductInPath,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let body = app.cache.get_or_load(product.into(), View::Related, async {
        let related = metrics::statement("related", app.store.related(product)).await?;
        json(&RelatedIds(related))
    });
    Ok(json_response(body.await?))
}

/// The campus in a cache key: its hash, 0 for none (a product object echoes the campus).
fn campus_key(campus: Option<&str>) -> u64 {
    campus.map_or(0, |name| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        hasher.finish() | 1
    })
}
