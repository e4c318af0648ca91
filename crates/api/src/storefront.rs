//! The demo storefront at `/`: one page compiled into the binary (`storefront.html`: no build
//! step, no framework, nothing fetched from elsewhere) that shows a product with its styles and
//! photos, its rating summary and characteristics, reviews with sorting, questions with answers,
//! and related products, with working helpful, report, add-to-cart and ask-a-question controls,
//! all through the public API. `?product=ID` picks the product; the first one by default.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("storefront.html");

/// `GET /`: the storefront page.
pub(crate) async fn page() -> Response {
    let mut response = PAGE.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}
