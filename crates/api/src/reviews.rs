//! Handlers of the Ratings & Reviews endpoints.

use atelier_core::input::{Email, NewReview, PageRequest, ReviewSort, limits};
use atelier_core::{Flag, FlagTarget, InputError, ProductId, ReviewId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::body::Fields;
use crate::extract::{IdSegment, JsonObject, Params};
use crate::wire::{ReviewList, WireMeta};
use crate::{ApiError, AppState};

/// `GET /reviews?product_id=&page=&count=&sort=`
pub(crate) async fn list(
    State(app): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let product = parameter(ProductId::parse(
        "product_id",
        params.required("product_id")?,
    ))?;
    list_for(app, product, &params).await
}

/// `GET /reviews/{product_id}/list` (2020 edition).
pub(crate) async fn legacy_list(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
    params: Params,
) -> Result<Response, ApiError> {
    list_for(
        app,
        parameter(ProductId::parse("product_id", &id))?,
        &params,
    )
    .await
}

async fn list_for(
    app: AppState,
    product: ProductId,
    params: &Params,
) -> Result<Response, ApiError> {
    let sort = parameter(ReviewSort::parse(params.get("sort")))?;
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let reviews = app.store.reviews(product, sort, page).await?;
    let body = ReviewList {
        product: product.to_string(),
        page: page.page(),
        count: page.count(),
        results: reviews.iter().map(Into::into).collect(),
    };
    Ok(Json(body).into_response())
}

/// `GET /reviews/meta?product_id=`
pub(crate) async fn meta(
    State(app): State<AppState>,
    params: Params,
) -> Result<Json<WireMeta>, ApiError> {
    meta_for(
        app,
        parameter(ProductId::parse(
            "product_id",
            params.required("product_id")?,
        ))?,
    )
    .await
}

/// `GET /reviews/{product_id}/meta` (2020 edition).
pub(crate) async fn legacy_meta(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
) -> Result<Json<WireMeta>, ApiError> {
    meta_for(app, parameter(ProductId::parse("product_id", &id))?).await
}

async fn meta_for(app: AppState, product: ProductId) -> Result<Json<WireMeta>, ApiError> {
    let meta = app.store.review_meta(product).await?;
    Ok(Json(WireMeta::new(product.to_string(), &meta)))
}

/// `POST /reviews`
pub(crate) async fn create(
    State(app): State<AppState>,
    JsonObject(fields): JsonObject,
) -> Result<Response, ApiError> {
    let product = body_field(
        fields
            .integer("product_id")
            .and_then(|raw| ProductId::from_i64("product_id", raw)),
    )?;
    create_for(app, product, &fields).await
}

/// `POST /reviews/{product_id}` (2020 edition): the product comes from the path.
pub(crate) async fn legacy_create(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
    JsonObject(fields): JsonObject,
) -> Result<Response, ApiError> {
    create_for(
        app,
        parameter(ProductId::parse("product_id", &id))?,
        &fields,
    )
    .await
}

async fn create_for(
    app: AppState,
    product_id: ProductId,
    fields: &Fields,
) -> Result<Response, ApiError> {
    let review = body_field(new_review(product_id, fields))?;
    let id = app.store.add_review(&review).await?;
    Ok((StatusCode::CREATED, Json(json!({ "review_id": id.get() }))).into_response())
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

/// `PUT /reviews/{review_id}/helpful` and `PUT /reviews/helpful/{review_id}`
pub(crate) async fn helpful(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
) -> Result<StatusCode, ApiError> {
    flag(
        &app,
        FlagTarget::Review(parameter(ReviewId::parse("review_id", &id))?),
        Flag::Helpful,
    )
    .await
}

/// `PUT /reviews/{review_id}/report` and `PUT /reviews/report/{review_id}`
pub(crate) async fn report(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
) -> Result<StatusCode, ApiError> {
    flag(
        &app,
        FlagTarget::Review(parameter(ReviewId::parse("review_id", &id))?),
        Flag::Report,
    )
    .await
}

/// Applies a helpful vote or a report and answers 204.
pub(crate) async fn flag(
    app: &AppState,
    target: FlagTarget,
    flag: Flag,
) -> Result<StatusCode, ApiError> {
    app.store.flag(target, flag).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bad query parameter or path segment.
pub(crate) fn parameter<T>(result: Result<T, InputError>) -> Result<T, ApiError> {
    result.map_err(ApiError::InvalidParameter)
}

/// A bad body field.
pub(crate) fn body_field<T>(result: Result<T, InputError>) -> Result<T, ApiError> {
    result.map_err(ApiError::InvalidBody)
}
