//! The HTTP API of `API.md`: the router, its handlers, the wire types and the one error type.
//!
//! Handlers turn raw input into validated domain values, call the [`Store`], and shape the
//! records into the exact JSON the front ends expect. They never see SQL or which store is
//! behind the trait object.

mod body;
mod error;
mod extract;
mod qa;
mod reviews;
mod wire;

use std::future::Future;
use std::sync::Arc;

use atelier_core::Store;
use axum::Router;
use axum::ServiceExt;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::routing::{get, post, put};
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// The largest request body accepted; a review with five long photo URLs is far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store behind the API.
    pub store: Arc<dyn Store>,
}

/// Settings of the HTTP layer itself.
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// Origins allowed by CORS; empty or `*` allows any origin (the front ends call from a
    /// browser on their own host).
    pub cors_origins: Vec<String>,
}

/// Builds the router of every endpoint, legacy aliases included, without the
/// `/api/fec2/{campus}` prefix (see [`serve`]).
pub fn router(state: AppState, config: &ApiConfig) -> Router {
    Router::new()
        .route("/reviews", get(reviews::list).post(reviews::create))
        .route("/reviews/meta", get(reviews::meta))
        .route("/reviews/{id}/helpful", put(reviews::helpful))
        .route("/reviews/{id}/report", put(reviews::report))
        // The 2020 edition's routes.
        .route("/reviews/{id}/list", get(reviews::list))
        .route("/reviews/{id}/meta", get(reviews::meta))
        .route("/reviews/{id}", post(reviews::create))
        .route("/reviews/helpful/{id}", put(reviews::helpful))
        .route("/reviews/report/{id}", put(reviews::report))
        .route("/qa/questions", get(qa::list_questions).post(qa::create_question))
        .route("/qa/questions/{id}/answers", get(qa::list_answers).post(qa::create_answer))
        .route("/qa/questions/{id}/helpful", put(qa::question_helpful))
        .route("/qa/questions/{id}/report", put(qa::question_report))
        .route("/qa/answers/{id}/helpful", put(qa::answer_helpful))
        .route("/qa/answers/{id}/report", put(qa::answer_report))
        // The 2020 edition's aliases.
        .route("/qa/{id}", get(qa::list_questions))
        .route("/qa/{id}/answers", get(qa::list_answers).post(qa::create_answer))
        .route("/health", get(health))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // Keyed by the matched route, not the raw path, so spans stay low-cardinality.
            let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
            tracing::info_span!("request", method = %request.method(), route)
        }))
        .layer(cors(config))
        .with_state(state)
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

async fn health() -> &'static str {
    "ok"
}

/// Serves `router` on `listener` until `shutdown` completes, then drains in-flight requests.
/// Every route is also answered under `/api/fec2/{campus}`, the original host's base path that
/// the FEC front ends hard-code.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = tower::util::MapRequestLayer::new(strip_campus_prefix).layer(router);
    axum::serve(listener, ServiceExt::<Request>::into_make_service(service))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Rewrites `/api/fec2/{campus}/rest?query` to `/rest?query` before routing.
fn strip_campus_prefix(mut request: Request) -> Request {
    let uri = request.uri();
    let Some(rest) = uri.path().strip_prefix("/api/fec2/") else {
        return request;
    };
    let path = rest.find('/').map_or("/", |slash| &rest[slash..]);
    let target = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    if let Ok(rewritten) = target.parse::<Uri>() {
        *request.uri_mut() = rewritten;
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(uri: &str) -> String {
        let request = Request::builder().uri(uri).body(axum::body::Body::empty()).unwrap();
        strip_campus_prefix(request).uri().to_string()
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
    }
}
