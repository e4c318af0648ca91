//! The one API error type and its JSON body, `{"error": code, "message": sentence}`, used for
//! every failure including extractor rejections.

use atelier_core::{InputError, StoreError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every way a request can fail. Each variant documents its status. `Clone`, so one failed
/// store call can answer every request that waited on it (the cache's coalesced misses).
#[derive(Debug, Clone)]
pub enum ApiError {
    /// 400: a query parameter or path segment breaks a rule; names the field.
    InvalidParameter(InputError),
    /// 400: a body field breaks a rule; names the field.
    InvalidBody(InputError),
    /// A body that parses but cannot be acted on (422): an interaction missing a field.
    Unprocessable(InputError),
    /// 400: the body is not JSON, or not a JSON object.
    MalformedJson(String),
    /// 400: a url-encoded body uses one name in two shapes.
    MalformedForm(String),
    /// 415: the body is neither JSON nor a url-encoded form (a multipart upload, XML, ...).
    UnsupportedMediaType(String),
    /// 404: the product, review, question or answer does not exist.
    NotFound(&'static str),
    /// 404: no route has this path.
    RouteNotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 413: the body is larger than [`crate::MAX_BODY_BYTES`].
    PayloadTooLarge,
    /// 409: the store refuses the write in its current state.
    Conflict(String),
    /// 503: the database is unreachable or overloaded; retry later.
    Unavailable(String),
    /// 503: as many requests of this kind are in progress as the service takes; shed at once.
    Overloaded,
    /// 503: the request was not done by the deadline (the duration); its work was dropped.
    Timeout(std::time::Duration),
    /// 401: a write without the configured bearer token.
    Unauthorized,
    /// 429: this client wrote too often; it may again after the duration.
    RateLimited(std::time::Duration),
    /// 414: the request's URI is longer than [`crate::MAX_URI_BYTES`].
    UriTooLong,
    /// 431: the request has more than [`crate::MAX_HEADERS`] headers, or more than
    /// [`crate::MAX_HEADER_BYTES`] of them.
    HeadersTooLarge,
    /// 500: a bug. The detail is logged, never sent.
    Internal(String),
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody<'a> {
    /// A machine-readable code: `invalid_parameter`, `invalid_body`, `malformed_json`,
    /// `malformed_form`, `unsupported_media_type`, `not_found`, `method_not_allowed`,
    /// `payload_too_large`, `uri_too_long`, `headers_too_large`, `conflict`, `unauthorized`,
    /// `rate_limited`, `overloaded`, `timeout`, `unavailable` or `internal`.
    error: &'a str,
    /// A sentence for a person, naming the field at fault when there is one.
    message: String,
    /// The field at fault, when there is one (an addition to the original body).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Invalid(input) => Self::InvalidBody(input),
            StoreError::Conflict(message) => Self::Conflict(message),
            StoreError::Unavailable(message) => Self::Unavailable(message),
            StoreError::Internal(message) | StoreError::Config(message) => Self::Internal(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message, field) = match &self {
            Self::InvalidParameter(input) => {
                (StatusCode::BAD_REQUEST, "invalid_parameter", input.to_string(), Some(input.field.as_str()))
            }
            Self::InvalidBody(input) => {
                (StatusCode::BAD_REQUEST, "invalid_body", input.to_string(), Some(input.field.as_str()))
            }
            Self::Unprocessable(input) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                input.to_string(),
                Some(input.field.as_str()),
            ),
            Self::MalformedJson(detail) => (
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not a JSON object: {detail}"),
                None,
            ),
            Self::MalformedForm(detail) => (
                StatusCode::BAD_REQUEST,
                "malformed_form",
                format!("the form body cannot be read: {detail}"),
                None,
            ),
            Self::UnsupportedMediaType(content_type) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "the body must be application/json or application/x-www-form-urlencoded, not {content_type}"
                ),
                None,
            ),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", format!("no such {what}"), None),
            Self::RouteNotFound => (StatusCode::NOT_FOUND, "not_found", "no such route".to_owned(), None),
            Self::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                format!("the URI must be at most {} bytes", crate::MAX_URI_BYTES),
                None,
            ),
            Self::HeadersTooLarge => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                format!(
                    "a request may have at most {} headers and {} bytes of them",
                    crate::MAX_HEADERS,
                    crate::MAX_HEADER_BYTES
                ),
                None,
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method".to_owned(),
                None,
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body must be at most {} bytes", crate::MAX_BODY_BYTES),
                None,
            ),
            Self::Conflict(message) => (StatusCode::CONFLICT, "conflict", message.clone(), None),
            Self::Unavailable(detail) => {
                tracing::warn!(error.detail = %detail, "store unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is busy or its database is unreachable; retry later".to_owned(),
                    None,
                )
            }
            Self::Internal(detail) => {
                tracing::error!(error.detail = %detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the request failed on the server".to_owned(),
                    None,
                )
            }
            Self::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "the service is at capacity; retry shortly".to_owned(),
                None,
            ),
            Self::Timeout(deadline) => {
                tracing::warn!(deadline_ms = deadline.as_millis() as u64, "request timed out");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    format!("the request took longer than {} ms; retry later", deadline.as_millis()),
                    None,
                )
            }
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "writes need the header Authorization: Bearer <token>".to_owned(),
                None,
            ),
            Self::RateLimited(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many writes from this client; retry in {} s", retry_after(*wait)),
                None,
            ),
        };
        let mut response = (status, Json(ErrorBody { error, message, field })).into_response();
        let retry = match &self {
            Self::Unavailable(_) | Self::Overloaded | Self::Timeout(_) => Some(1),
            Self::RateLimited(wait) => Some(retry_after(*wait)),
            _ => None,
        };
        if let Some(seconds) = retry {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, Self::Unauthorized) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Whole seconds to wait, rounded up and at least one (`Retry-After` takes integers).
fn retry_after(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0 || wait.is_zero())
}

/// A bad query parameter or path segment.
pub(crate) fn parameter<T>(result: Result<T, InputError>) -> Result<T, ApiError> {
    result.map_err(ApiError::InvalidParameter)
}

/// A bad body field.
pub(crate) fn body_field<T>(result: Result<T, InputError>) -> Result<T, ApiError> {
    result.map_err(ApiError::InvalidBody)
}
