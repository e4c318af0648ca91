//! The HTTP API of `API.md`: the router, its handlers, the wire types and the one error type.
//!
//! Handlers turn raw input into validated domain values, call the [`Store`], and shape the
//! records into the exact JSON the front ends expect. They never see SQL or which store is
//! behind the trait object.

mod body;
mod cache;
mod cart;
mod error;
mod extract;
mod flags;
mod form;
mod guard;
mod metrics;
mod openapi;
mod products;
mod qa;
mod reviews;
mod routes;
mod server;
mod storefront;
mod wire;

use std::future::Future;
use std::sync::Arc;

use atelier_core::Store;
use axum::Router;
use axum::extract::State;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use guard::{Limits, REQUEST_ID};

/// The largest request body accepted; a review with five long photo URLs is far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The longest URI accepted (414 beyond, with the JSON body).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most headers a request may have (431 beyond, with the JSON body). The HTTP parser itself
/// takes up to [`PARSER_MAX_HEADERS`], so these answers are Atelier's, not its empty ones.
pub const MAX_HEADERS: usize = 100;
/// The most bytes of header names and values a request may have (431 beyond).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// What the HTTP parser accepts before answering on its own (an empty 431).
pub(crate) const PARSER_MAX_HEADERS: usize = 1000;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The store behind the API.
    pub(crate) store: Arc<dyn Store>,
    /// The response cache, bounded by [`ApiConfig::cache_bytes`].
    pub(crate) cache: cache::ResponseCache,
}

/// Settings of the HTTP layer itself.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Origins allowed by CORS; empty or `*` allows any origin (the front ends call from a
    /// browser on their own host).
    pub cors_origins: Vec<String>,
    /// Deadlines, load shedding and write protection.
    pub limits: Limits,
    /// The response cache's bound in bytes; 0 turns it off.
    pub cache_bytes: u64,
    /// Log one line per request (method, route, request id, status, milliseconds; never a
    /// body, a query value or an email).
    pub access_log: bool,
    /// Redis as the cache's second tier, shared by every instance, with invalidations
    /// published to them all (`redis://HOST[:PORT][/DB]`); none when unset.
    pub redis_url: Option<String>,
    /// What the shared tier's keys and channel start with, so deployments can share a Redis.
    pub redis_namespace: String,
    /// Serve `/metrics` on the API's router; off when [`metrics_router`] serves it on an
    /// address of its own.
    pub metrics_on_api: bool,
}

/// The default response cache: 256 MiB.
pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            limits: Limits::default(),
            cache_bytes: DEFAULT_CACHE_BYTES,
            access_log: false,
            redis_url: None,
            redis_namespace: "atelier".to_owned(),
            metrics_on_api: true,
        }
    }
}

/// Builds the router of every endpoint in the route table, legacy aliases included, without the
/// `/api/fec2/{campus}` prefix and the trailing-slash rule (see [`serve`]), plus the OpenAPI
/// document at `/openapi.json` and its interactive page at `/docs`, and `/metrics` unless
/// [`ApiConfig::metrics_on_api`] is off. Needs a Tokio runtime; fails on a Redis URL that does
/// not parse (Redis itself may be down: the cache does without it until it answers).
pub fn router(store: Arc<dyn Store>, config: &ApiConfig) -> Result<Router, String> {
    metrics::handle();
    let redis = config.redis_url.as_deref().map(|url| (url, config.redis_namespace.as_str()));
    let cache = cache::ResponseCache::new(config.cache_bytes, redis, store.clone())?;
    let state = AppState { store, cache };
    // One pass over the table: each entry's handler goes to the router, its description to
    // the document.
    let mut router = Router::new();
    let mut docs = Vec::new();
    for endpoint in routes::endpoints() {
        router = router.route(endpoint.path, endpoint.handler);
        docs.push((endpoint.method, endpoint.path, endpoint.doc));
    }
    router = router.route("/", get(storefront::page));
    let mut paths: Vec<&'static str> = docs.iter().map(|(_, path, _)| *path).collect();
    paths.extend(["/", METRICS_PATH, OPENAPI_PATH]);
    metrics::known_routes(paths);
    if config.metrics_on_api {
        router = router.route(METRICS_PATH, get(|State(app): State<AppState>| metrics::render(app.store)));
    }
    let guard = guard::Guard::new(&config.limits);
    // Layers wrap what was added before them: the last one added sees the request first.
    let router = router
        .merge(docs_page(openapi::document(docs)))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn_with_state(guard, guard::admit))
        .layer(cors(config))
        .layer(from_fn(guard::request_id))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    // Keyed by the matched route, not the raw path, so spans stay low-cardinality.
                    let route =
                        request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!("request", method = %request.method(), route, request_id = tracing::field::Empty)
                })
                // A failure is logged once, by `ApiError` with its cause, not again here.
                .on_failure(())
                .on_response(AccessLog(config.access_log)),
        )
        .layer(from_fn(metrics::track))
        .with_state(state);
    Ok(router)
}

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/metrics";

/// A router serving only `/metrics`, for an address of its own (`--metrics-listen`).
pub fn metrics_router(store: Arc<dyn Store>) -> Router {
    metrics::handle();
    Router::new().route(METRICS_PATH, get(move || metrics::render(store.clone())))
}

/// The access log line, when turned on: in the request's span, so it carries the method,
/// route and request id.
#[derive(Clone, Copy)]
struct AccessLog(bool);

impl<B> tower_http::trace::OnResponse<B> for AccessLog {
    fn on_response(
        self,
        response: &axum::http::Response<B>,
        latency: std::time::Duration,
        _: &tracing::Span,
    ) {
        if self.0 {
            tracing::info!(
                status = response.status().as_u16(),
                duration_ms = latency.as_secs_f64() * 1000.0,
                "request"
            );
        }
    }
}

/// Where the interactive documentation lives; its assets are vendored into the binary.
pub const DOCS_PATH: &str = "/docs";
/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// `/openapi.json` serving `document`, and the Swagger UI page reading it at `/docs`.
fn docs_page(document: utoipa::openapi::OpenApi) -> Router<AppState> {
    let config =
        utoipa_swagger_ui::Config::from(OPENAPI_PATH).try_it_out_enabled(true).display_request_duration(true);
    utoipa_swagger_ui::SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, document).config(config).into()
}

fn cors(config: &ApiConfig) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter(|origin| origin.as_str() != "*")
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    let allow = if origins.is_empty() { AllowOrigin::any() } else { AllowOrigin::list(origins) };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
}

/// `GET /health`: the process answers.
async fn health() -> &'static str {
    "ok"
}

/// Serves `router` on `listener` within the connection bounds of `limits` (header timeout,
/// connection cap, shutdown deadline; see `server.rs`) until `shutdown` completes, then drains
/// requests in progress. Every route is also answered under `/api/fec2/{campus}`, the original
/// host's base path that the FEC front ends hard-code, and with one trailing slash (see
/// [`normalize_path`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: &Limits,
) -> std::io::Result<()> {
    server::run(listener, router, shutdown, limits).await
}

/// The campus of the `/api/fec2/{campus}` prefix a request came under, for the product objects
/// that echo it.
#[derive(Debug, Clone)]
pub(crate) struct Campus(pub(crate) String);

/// Rewrites the path before routing, keeping the query: `/api/fec2/{campus}/rest` becomes
/// `/rest`, and one trailing slash is dropped (`/reviews/` is `/reviews`), on every method and
/// without a redirect, which would lose a POST body and break a CORS preflight. The docs page
/// keeps its slash: its assets are addressed relative to `/docs/`.
fn normalize_path(mut request: Request) -> Request {
    let uri = request.uri();
    let mut path = uri.path();
    let mut campus = None;
    if let Some(rest) = path.strip_prefix("/api/fec2/") {
        let (name, tail) = rest.find('/').map_or((rest, "/"), |slash| (&rest[..slash], &rest[slash..]));
        campus = (!name.is_empty()).then(|| Campus(name.to_owned()));
        path = tail;
    }
    if path.len() > 1 && !path.starts_with("/docs/") {
        path = path.strip_suffix('/').unwrap_or(path);
    }
    let rewritten = (path != uri.path()).then(|| match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    });
    if let Some(campus) = campus {
        request.extensions_mut().insert(campus);
    }
    if let Some(target) = rewritten
        && let Ok(rewritten) = target.parse::<Uri>()
    {
        *request.uri_mut() = rewritten;
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(uri: &str) -> String {
        let request = Request::builder().uri(uri).body(axum::body::Body::empty()).unwrap();
        normalize_path(request).uri().to_string()
    }

    #[test]
    fn the_campus_prefix_is_stripped_and_the_query_kept() {
        assert_eq!(rewritten("/api/fec2/hr-rfe/reviews/meta?product_id=2"), "/reviews/meta?product_id=2");
    }

    #[test]
    fn a_path_without_the_prefix_is_left_alone() {
        assert_eq!(rewritten("/reviews?product_id=2"), "/reviews?product_id=2");
    }

    #[test]
    fn a_bare_campus_maps_to_the_root() {
        assert_eq!(rewritten("/api/fec2/hr-rfe"), "/");
        assert_eq!(rewritten("/api/fec2/hr-rfe/"), "/");
    }

    #[test]
    fn one_trailing_slash_is_dropped_and_the_query_kept() {
        assert_eq!(rewritten("/reviews/?product_id=2"), "/reviews?product_id=2");
        assert_eq!(rewritten("/api/fec2/hr-lax/reviews/meta/?product_id=2"), "/reviews/meta?product_id=2");
        assert_eq!(rewritten("/qa/questions/"), "/qa/questions");
    }

    #[test]
    fn only_one_trailing_slash_is_dropped() {
        assert_eq!(rewritten("/reviews//"), "/reviews/");
    }

    #[test]
    fn the_docs_page_keeps_its_slash() {
        assert_eq!(rewritten("/docs/"), "/docs/");
        assert_eq!(rewritten("/docs/swagger-ui.css"), "/docs/swagger-ui.css");
    }
}
