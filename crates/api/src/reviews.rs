//! Handlers of the Ratings & Reviews endpoints.

use atelier_core::input::{Email, NewReview, PageRequest, ReviewSort, limits};
use atelier_core::{InputError, Owner, ProductId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::body::Fields;
use crate::cache::View;
use crate::error::{body_field, parameter};
use crate::extract::{Body, Params, ProductInPath};
use crate::wire::{ReviewCreated, ReviewList, WireMeta, json, json_response};
use crate::{ApiError, AppState, metrics};

/// `GET /reviews?product_id=&page=&count=&sort=` and `GET /reviews/{product_id}/list`
pub(crate) async fn list(
    State(app): State<AppState>,
    path: ProductInPath,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let sort = parameter(ReviewSort::parse(params.get("sort")))?;
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let body = app.cache.get_or_load(product.into(), View::Reviews(sort, page), async {
        let reviews = metrics::statement("reviews", app.store.reviews(product, sort, page)).await?;
        json(&ReviewList {
            product: product.to_string(),
            page: page.page(),
            count: page.count(),
            results: reviews.iter().map(Into::into).collect(),
        })
    });
    Ok(json_response(body.await?))
}

/// `GET /reviews/meta?product_id=` and `GET /reviews/{product_id}/meta`
pub(crate) async fn meta(
    State(app): State<AppState>,
    path: ProductInPath,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let body = app.cache.get_or_load(product.into(), View::Meta, async {
        let meta = metrics::statement("review_meta", app.store.review_meta(product)).await?;
        json(&WireMeta::new(product.to_string(), &meta))
    });
    Ok(json_response(body.await?))
}

/// `POST /reviews` and `POST /reviews/{product_id}` (where the path names the product)
pub(crate) async fn create(
    State(app): State<AppState>,
    path: ProductInPath,
    Body(fields): Body,
) -> Result<Response, ApiError> {
    let product = path.or_body(&fields)?;
    let review = body_field(new_review(product, &fields))?;
    let id = metrics::statement("add_review", app.store.add_review(&review)).await?;
    app.cache.invalidate(Owner { product, question: None }).await;
    Ok((StatusCode::CREATED, Json(ReviewCreated { review_id: id.get() })).into_response())
}

fn new_review(product_id: ProductId, fields: &Fields) -> Result<NewReview, InputError> {
    Ok(NewReview {
        product_id,
        rating: fields.rating("rating")?,
        summary: fields.text("summary", limits::SUMMARY, false)?,
        body: fields.text("body", limits::BODY, true)?,
        recommend: fields.boolean("recommend")?,
        name: fields.text("name", limits::NAME, true)?,
        email: Email::new("email", fields.string("email")?)?,
        photos: fields.photos("photos")?,
        characteristics: fields.characteristics("characteristics")?,
    })
}
