//! Extractors whose rejections use the API's own error body: query parameters, one id in the
//! path, and a body that is a JSON object or a url-encoded form.

use std::collections::HashMap;

use atelier_core::{InputError, ProductId};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use crate::ApiError;
use crate::body::Fields;

/// The query string as a map (the last value wins for a repeated key). A value wrapped in one
/// pair of double or single quotes (`sort="relevant"`, `%22relevant%22`) is read as the bare
/// value, because shipped front ends send them so and the original host accepted it.
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
            .map(|Query(mut map)| {
                // In place: the map is not rebuilt on the hot path.
                map.values_mut().for_each(unquote);
                Self(map)
            })
            .map_err(|e| ApiError::InvalidParameter(InputError::new("query", e.body_text())))
    }
}

/// Strips one pair of matching double or single quotes around a query value.
fn unquote(value: &mut String) {
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    if quoted {
        value.pop();
        value.remove(0);
    }
}

/// The single id segment of a route (`{review_id}`, `{question_id}`, ...), still text: the
/// handler parses it under the name of what it identifies.
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

/// The product a request names: the `{product_id}` segment of a 2020 route
/// (`/reviews/{product_id}/list`, `/qa/{product_id}`, `POST /reviews/{product_id}`), or else
/// nothing, and the handler reads `product_id` from the query or body as the current routes
/// have it. One handler then serves both editions.
pub(crate) struct ProductInPath(pub Option<ProductId>);

impl<S: Send + Sync> FromRequestParts<S> for ProductInPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A map, because a route without parameters yields an empty one rather than an error.
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::InvalidParameter(InputError::new("product_id", e.body_text())))?;
        match params.get("product_id") {
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

    /// The product of the path, or else of the body's `product_id` field.
    pub(crate) fn or_body(self, fields: &Fields) -> Result<ProductId, ApiError> {
        match self.0 {
            Some(id) => Ok(id),
            None => fields.product_id().map_err(ApiError::InvalidBody),
        }
    }
}

/// A POST body as fields: a JSON object, or an `application/x-www-form-urlencoded` form read
/// into the same object. A body without a content type, or with `text/plain` (what `fetch`
/// sends for a string body), is read as JSON, since such clients send JSON; any other type is
/// a 415 that names the two accepted.
pub(crate) struct Body(pub Fields);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase());
        let essence = content_type.as_deref().map(|full| full.split(';').next().unwrap_or("").trim());
        let form = match essence {
            Some("application/x-www-form-urlencoded") => true,
            None | Some("" | "application/json" | "text/plain") => false,
            Some(json) if json.ends_with("+json") => false,
            Some(_) => {
                return Err(ApiError::UnsupportedMediaType(content_type.unwrap_or_default()));
            }
        };
        let bytes = Bytes::from_request(request, state).await.map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(e.body_text())
            }
        })?;
        if form { Fields::parse_form(&bytes) } else { Fields::parse(&bytes) }.map(Self)
    }
}

#[cfg(test)]
mod tests {
    fn unquote(text: &str) -> String {
        let mut value = text.to_owned();
        super::unquote(&mut value);
        value
    }

    #[test]
    fn one_pair_of_quotes_is_stripped() {
        assert_eq!(unquote("\"relevant\""), "relevant");
        assert_eq!(unquote("'2'"), "2");
    }

    #[test]
    fn unmatched_or_lone_quotes_are_kept() {
        for kept in ["\"relevant", "'2\"", "\"", "plain"] {
            assert_eq!(unquote(kept), kept);
        }
    }

    #[test]
    fn only_one_pair_is_stripped() {
        assert_eq!(unquote("\"\"x\"\""), "\"x\"");
    }
}
