//! Handlers of `/cart` and `/interactions`. A cart belongs to its caller: the `Authorization`
//! header's value when one is sent (the original host scoped carts by token), otherwise a
//! session cookie the service sets (HttpOnly, SameSite=Lax). The store keeps a digest of either,
//! never the token itself.

use std::hash::{Hash, Hasher};
use std::io::Read;

use atelier_core::InputError;
use atelier_core::input::{NewInteraction, Text};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::body::Fields;
use crate::extract::Body;
use crate::wire::{CartLines, json, json_response};
use crate::{ApiError, AppState, metrics};

/// The session cookie's name.
const SESSION: &str = "atelier_session";
/// The longest interaction field taken.
const MAX_INTERACTION_TEXT: usize = 1000;

/// Who is asking, and the session cookie to set when this request opened the session.
struct Caller {
    key: String,
    new_session: Option<String>,
}

impl Caller {
    fn of(headers: &HeaderMap) -> Result<Self, ApiError> {
        let token = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes).filter(|v| !v.is_empty());
        if let Some(token) = token {
            return Ok(Self { key: digest(b"token", token), new_session: None });
        }
        if let Some(session) = session_cookie(headers) {
            return Ok(Self { key: digest(b"session", session.as_bytes()), new_session: None });
        }
        let session = new_session()?;
        Ok(Self { key: digest(b"session", session.as_bytes()), new_session: Some(session) })
    }

    /// `response`, with the new session's cookie when there is one.
    fn answer(self, mut response: Response) -> Response {
        if let Some(session) = self.new_session {
            let cookie = format!("{SESSION}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000");
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// The session id of the request's cookie, when it sends one this service could have set.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION)
        .map(|(_, value)| value)
        .filter(|value| value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// 128 random bits from the kernel, in hex: a session id nobody can guess.
fn new_session() -> Result<String, ApiError> {
    let mut bytes = [0_u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|e| ApiError::Internal(format!("failed to read random bytes for a session: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the store keys a cart by: a digest of the kind and value, so a token is never stored.
fn digest(kind: &[u8], value: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    kind.hash(&mut hasher);
    value.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// `GET /cart`: the caller's cart, `[{"sku_id": 1, "count": "2"}]`.
pub(crate) async fn list(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = Caller::of(&headers)?;
    let lines = metrics::statement("cart", app.store.cart(&caller.key)).await?;
    Ok(caller.answer(json_response(json(&CartLines::new(&lines))?)))
}

/// `POST /cart` with `{"sku_id": n}`: one more of that sku in the caller's cart (201).
pub(crate) async fn add(
    State(app): State<AppState>,
    headers: HeaderMap,
    Body(fields): Body,
) -> Result<Response, ApiError> {
    let sku = fields.integer("sku_id").and_then(positive("sku_id")).map_err(ApiError::InvalidBody)?;
    let caller = Caller::of(&headers)?;
    metrics::statement("add_to_cart", app.store.add_to_cart(&caller.key, sku)).await?;
    Ok(caller.answer(StatusCode::CREATED.into_response()))
}

fn positive(field: &'static str) -> impl Fn(i64) -> Result<i64, InputError> {
    move |value| if value > 0 { Ok(value) } else { Err(InputError::new(field, "must be a positive integer")) }
}

/// `POST /interactions` with `{"element", "widget", "time"}`, each a non-empty string: 201, or
/// 422 naming the field missing.
pub(crate) async fn interaction(
    State(app): State<AppState>,
    Body(fields): Body,
) -> Result<Response, ApiError> {
    let interaction = new_interaction(&fields).map_err(ApiError::Unprocessable)?;
    metrics::statement("add_interaction", app.store.add_interaction(&interaction)).await?;
    Ok(StatusCode::CREATED.into_response())
}

fn new_interaction(fields: &Fields) -> Result<NewInteraction, InputError> {
    let text = |key| -> Result<Text, InputError> { fields.text(key, MAX_INTERACTION_TEXT, true) };
    Ok(NewInteraction { element: text("element")?, widget: text("widget")?, time: text("time")? })
}
