//! What stands between a request and its handler, outermost first: a request id on the
//! request's span and response; then, in one layer, the size check, load shedding (a bound on
//! requests in progress, reads and writes counted apart, so a flood of one never starves the
//! other), the write token, the per-client write rate limit, and the whole-request deadline.
//!
//! Each refusal is an [`ApiError`] with the one JSON body, answered at once: a shed request
//! never waits in a queue, so the requests accepted keep their latency when the service is
//! offered several times what it can do.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use tokio::sync::Semaphore;

use crate::ApiError;

/// The header carrying a request's id, taken from the client when it sends a sane one.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The limits of the HTTP layer. `Default` is what a production instance starts with, except
/// for the write token and the write rate limit, which are off unless configured.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The whole-request deadline: past it the client gets a 503 with `Retry-After`, and the
    /// handler's work (and its database statement) is dropped.
    pub request_timeout: Duration,
    /// Reads (GET, HEAD, OPTIONS) in progress at once; more are shed with a 503.
    pub max_reads: usize,
    /// Writes (POST, PUT) in progress at once; more are shed with a 503.
    pub max_writes: usize,
    /// When set, POST and PUT need `Authorization: Bearer <token>`; reads stay open.
    pub write_token: Option<String>,
    /// When set, each client address may write this many times a minute (bursts of up to as
    /// many); beyond, a 429 with `Retry-After`.
    pub writes_per_minute: Option<NonZeroU32>,
    /// How long a connection may take to send a complete request head, counted from when it
    /// opens or when its last response was sent: it closes a silent, slow-header or idle
    /// keep-alive connection.
    pub header_timeout: Duration,
    /// Connections open at once; past it, new ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// After a shutdown signal, how long requests in progress may take before open
    /// connections are dropped.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(5),
            max_reads: 1024,
            max_writes: 1024,
            write_token: None,
            writes_per_minute: None,
            header_timeout: Duration::from_secs(10),
            max_connections: 1000,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// The state the guard layers share.
#[derive(Clone)]
pub(crate) struct Guard {
    limits: Arc<Limits>,
    reads: Arc<Semaphore>,
    writes: Arc<Semaphore>,
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
}

impl Guard {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            reads: Arc::new(Semaphore::new(limits.max_reads.max(1))),
            writes: Arc::new(Semaphore::new(limits.max_writes.max(1))),
            limiter: limits
                .writes_per_minute
                .map(|per_minute| Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)))),
            limits: Arc::new(limits.clone()),
        }
    }
}

/// Whether a request changes data.
fn is_write(method: &Method) -> bool {
    method == Method::POST || method == Method::PUT
}

/// Gives the request an id (the client's `X-Request-Id` when it is short and printable,
/// otherwise a new one), records it on the request's span and returns it as a header, on every
/// response including errors. Also sets `X-Content-Type-Options: nosniff` everywhere.
pub(crate) async fn request_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| {
            value.len() <= 64 && value.to_str().is_ok_and(|v| v.bytes().all(|b| b.is_ascii_graphic()))
        })
        .cloned()
        .unwrap_or_else(new_request_id);
    tracing::Span::current().record("request_id", id.to_str().unwrap_or_default());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(REQUEST_ID, id);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Admits a request to its handler, or answers at once: too large (414, 431), too many of its
/// kind in progress (503), a write without the token (401) or beyond the client's rate (429);
/// then holds its place until the handler answers or the deadline passes (503). One layer
/// rather than one each: every layer boxes the request's future again.
pub(crate) async fn admit(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if let Err(refused) = check_size(&request) {
        return refused.into_response();
    }
    let write = is_write(request.method());
    let places = if write { &guard.writes } else { &guard.reads };
    let Ok(_place) = places.try_acquire() else {
        crate::metrics::shed(if write { "write" } else { "read" });
        return ApiError::Overloaded.into_response();
    };
    if write && let Err(refused) = check_write(&guard, &request) {
        return refused.into_response();
    }
    match tokio::time::timeout(guard.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        // The handler's future, its pooled connection and its statement are dropped.
        Err(_) => {
            crate::metrics::timed_out();
            ApiError::Timeout(guard.limits.request_timeout).into_response()
        }
    }
}

/// A URI or headers larger than the service takes (the HTTP parser's own limits are set above
/// these, so it rarely answers instead).
fn check_size(request: &Request) -> Result<(), ApiError> {
    let uri = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri > crate::MAX_URI_BYTES {
        return Err(ApiError::UriTooLong);
    }
    let headers = request.headers();
    let bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if headers.len() > crate::MAX_HEADERS || bytes > crate::MAX_HEADER_BYTES {
        return Err(ApiError::HeadersTooLarge);
    }
    Ok(())
}

/// A new id: this process's start time and a counter, unique across restarts and instances in
/// practice, and cheap.
fn new_request_id() -> HeaderValue {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static EPOCH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(|| {
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
    });
    let id = format!("{:x}-{:x}", epoch, NEXT.fetch_add(1, Ordering::Relaxed));
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// A write without the configured token (401), or beyond the client's rate (429).
fn check_write(guard: &Guard, request: &Request) -> Result<(), ApiError> {
    if let Some(token) = &guard.limits.write_token {
        // The scheme is case-insensitive (RFC 9110); the token is compared exactly.
        let sent = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let presented = sent
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, presented)| presented);
        if !presented.is_some_and(|presented| constant_time_eq(presented.as_bytes(), token.as_bytes())) {
            return Err(ApiError::Unauthorized);
        }
    }
    if let Some(limiter) = &guard.limiter {
        let client = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(address)| address.ip());
        if let Err(not_until) = limiter.check_key(&client) {
            return Err(ApiError::RateLimited(not_until.wait_time_from(DefaultClock::default().now())));
        }
        // Forget clients idle long enough to be back at a full allowance.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
    }
    Ok(())
}

/// Compares without stopping at the first difference, so the time taken does not tell how much
/// of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cres"));
        assert!(!constant_time_eq(b"s3cret", b"s3cret2"));
    }

    #[test]
    fn request_ids_are_unique() {
        assert_ne!(new_request_id(), new_request_id());
    }
}
