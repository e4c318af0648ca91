//! Extractors whose rejections use the API's own error body: query parameters, one id in the
//! path, and a JSON object body.

use std::collections::HashMap;

use atelier_core::{InputError, ProductId};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::ApiError;
use crate::body::Fields;

/// The query string as a map (the last value wins for a repeated key).
pub(crate) struct Params(pub HashMap<String, String>);

impl Params {
    /// The raw value of `key`, if given.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The raw value of a required `key`.
    pub(crate) fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).ok_or_else(|| ApiError::InvalidParameter(InputError::new(key, "is required")))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(map)| Self(map))
            .map_err(|e| ApiError::InvalidParameter(InputError::new("query", e.body_text())))
    }
}

/// The single `{id}` segment of a route, still text: the handler parses it with the right
/// field name (`review_id`, `product_id`, ...).
pub(crate) struct IdSegment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdSegment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Self(id))
            .map_err(|e| ApiError::InvalidParameter(InputError::new("id", e.body_text())))
    }
}

/// The product a request names: the `{id}` segment of a 2020 route (`/reviews/{id}/list`,
/// `/qa/{id}`, `POST /reviews/{id}`), or else nothing, and the handler reads `product_id` from
/// the query or body as the current routes have it. One handler then serves both editions.
pub(crate) struct ProductInPath(pub Option<ProductId>);

impl<S: Send + Sync> FromRequestParts<S> for ProductInPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A map, because a route without parameters yields an empty one rather than an error.
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::InvalidParameter(InputError::new("product_id", e.body_text())))?;
        match params.get("id") {
            Some(id) => ProductId::parse("product_id", id)
                .map(|id| Self(Some(id)))
                .map_err(ApiError::InvalidParameter),
            None => Ok(Self(None)),
        }
    }
}

impl ProductInPath {
    /// The product of the path, or else of the `product_id` query parameter.
    pub(crate) fn or_query(self, params: &Params) -> Result<ProductId, ApiError> {
        match self.0 {
            Some(id) => Ok(id),
            None => ProductId::parse("product_id", params.required("product_id")?)
                .map_err(ApiError::InvalidParameter),
        }
    }
}

/// A JSON object body, whatever the content type says (some clients omit it).
pub(crate) struct JsonObject(pub Fields);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state).await.map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(e.body_text())
            }
        })?;
        Fields::parse(&bytes).map(Self)
    }
}
