//! Metrics in Prometheus's text format, for `GET /metrics` (or its own `--metrics-listen`
//! address), and the probes `/healthz` and `/readyz`.
//!
//! One process-wide recorder (the `metrics` facade), installed by the first router built:
//! requests and their latency by route, method and status; cache lookups by tier; calls of the
//! store by statement; shed and timed-out requests; shared-cache errors. The connection pools'
//! gauges are read from the store at each scrape. Histograms have fixed buckets, so they
//! aggregate across instances.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use atelier_core::Store;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{SharedString, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::{ApiError, AppState};

/// Seconds: from a cached hit to the request deadline.
const BUCKETS: &[f64] =
    &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The process's recorder, installed on first use. If some other recorder was installed
/// first (a host application's), this one still renders, but nothing records into it.
pub(crate) fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics will stay empty");
        }
        // Histogram samples wait in buffers until a scrape or this drains them.
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            })
            .expect("a thread for the metrics upkeep");
        handle
    })
}

/// Counts and times every request by its route (the route table's path, `unmatched` for
/// none), method and status, shed and timed-out ones included.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    // Labels borrowed from the route table and from the standard methods and statuses, so a
    // request allocates none of them.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".into(), |path| route_label(path.as_str()));
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = status_label(response.status());
    let seconds = started.elapsed().as_secs_f64();
    histogram!("atelier_http_request_duration_seconds", "route" => route.clone(), "method" => method.clone())
        .record(seconds);
    counter!("atelier_http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}

/// The paths of the route table, and the other routes of the router, as `'static` labels.
static ROUTES: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Records the router's paths for [`route_label`]; the first router built sets them.
pub(crate) fn known_routes(paths: Vec<&'static str>) {
    let _ = ROUTES.set(paths);
}

fn route_label(path: &str) -> SharedString {
    match ROUTES.get().and_then(|routes| routes.iter().find(|route| **route == path)) {
        Some(route) => SharedString::const_str(route),
        None => SharedString::from(path.to_owned()),
    }
}

fn method_label(method: &Method) -> SharedString {
    let known = match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "DELETE" => "DELETE",
        other => return SharedString::from(other.to_owned()),
    };
    SharedString::const_str(known)
}

fn status_label(status: StatusCode) -> SharedString {
    const KNOWN: [(u16, &str); 17] = [
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (404, "404"),
        (405, "405"),
        (413, "413"),
        (414, "414"),
        (415, "415"),
        (422, "422"),
        (429, "429"),
        (431, "431"),
        (500, "500"),
        (503, "503"),
        (504, "504"),
    ];
    match KNOWN.iter().find(|(code, _)| *code == status.as_u16()) {
        Some((_, label)) => SharedString::const_str(label),
        None => SharedString::from(status.as_str().to_owned()),
    }
}

/// A cache lookup in `tier` (`memory` or `redis`).
pub(crate) fn cache_lookup(tier: &'static str, hit: bool) {
    counter!("atelier_cache_lookups_total", "tier" => tier, "result" => if hit { "hit" } else { "miss" })
        .increment(1);
}

/// A call to the shared cache that failed or timed out.
pub(crate) fn shared_cache_error() {
    counter!("atelier_cache_errors_total", "tier" => "redis").increment(1);
}

/// A request refused because too many of its kind were in progress.
pub(crate) fn shed(kind: &'static str) {
    counter!("atelier_requests_shed_total", "kind" => kind).increment(1);
}

/// A request answered 503 at its deadline.
pub(crate) fn timed_out() {
    counter!("atelier_requests_timed_out_total").increment(1);
}

/// Times one call of the store (one statement, with its wait for a connection).
pub(crate) async fn statement<T>(
    name: &'static str,
    call: impl Future<Output = Result<T, atelier_core::StoreError>>,
) -> Result<T, atelier_core::StoreError> {
    let started = Instant::now();
    let result = call.await;
    // The store answering "no such row" or "that contradicts the stored data" is the client's
    // 404 or 400, not a failing store: only the rest counts as an error an operator acts on.
    let outcome = match &result {
        Ok(_) => "ok",
        Err(atelier_core::StoreError::NotFound(_)) => "not_found",
        Err(atelier_core::StoreError::Invalid(_)) => "invalid",
        Err(_) => "error",
    };
    histogram!("atelier_store_statement_duration_seconds", "statement" => name, "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    result
}

/// `GET /metrics`: everything recorded so far, with the pools' and the response cache's gauges
/// as they are now.
pub(crate) async fn render(store: Arc<dyn Store>) -> Response {
    for pool in store.pools() {
        let name = pool.name;
        gauge!("atelier_pool_connections_max", "pool" => name.clone()).set(pool.max as f64);
        gauge!("atelier_pool_connections_in_use", "pool" => name.clone()).set(pool.in_use as f64);
        gauge!("atelier_pool_waiting", "pool" => name).set(pool.waiting as f64);
    }
    let (bytes, entries) = crate::cache::usage().await;
    gauge!("atelier_cache_bytes").set(bytes as f64);
    gauge!("atelier_cache_entries").set(entries as f64);
    for (kind, bytes) in process_memory() {
        gauge!("atelier_process_memory_bytes", "kind" => kind).set(bytes as f64);
    }
    let mut response = handle().render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// The process's memory as Linux counts it (`/proc/self/status`), in bytes, by kind: `resident`
/// (RSS), of it `anonymous` (the process's own: heap, stacks, the response cache) and `file`
/// (mapped files: the binary, and a SQLite file held with `--sqlite-resident`), and `locked`
/// (never taken back by the kernel). RSS alone misleads: a mapped file counts in it though the
/// kernel's cache holds it either way. Empty where the file cannot be read (not Linux).
fn process_memory() -> Vec<(&'static str, u64)> {
    const FIELDS: [(&str, &str); 4] =
        [("VmRSS:", "resident"), ("RssAnon:", "anonymous"), ("RssFile:", "file"), ("VmLck:", "locked")];
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter_map(|line| {
            let (field, kind) = FIELDS.iter().find(|(field, _)| line.starts_with(field))?;
            let kb: u64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
            Some((*kind, kb * 1024))
        })
        .collect()
}

/// `GET /healthz`: the process is alive and serving HTTP.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the store.
const READY_WITHIN: Duration = Duration::from_secs(2);

/// `GET /readyz`: the store answers a trivial statement within two seconds (200), or not (503
/// with the JSON error body), so a balancer stops sending traffic while it does not.
pub(crate) async fn readyz(State(app): State<AppState>) -> Response {
    match tokio::time::timeout(READY_WITHIN, app.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(e)) => ApiError::from(e).into_response(),
        Err(_) => ApiError::Timeout(READY_WITHIN).into_response(),
    }
}
