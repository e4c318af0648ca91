//! `/metrics`, `/healthz` and `/readyz` through the API, on both stores.

use std::sync::Arc;

use atelier_api::ApiConfig;
use atelier_testkit::{FailingStore, Failure, TestApp, for_each_store};

use super::app_with_fixture;

/// The value of the sample of `name` whose labels include every one of `labels`, from the
/// text format; `None` when there is no such sample.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        let matches = metric == name
            && labels.iter().all(|(key, wanted)| rest.contains(&format!("{key}=\"{wanted}\"")));
        matches.then(|| value.parse().ok()).flatten()
    })
}

/// How many meta statements the store ran with `outcome`, from the text format.
fn meta_statements(text: &str, outcome: &str) -> Option<f64> {
    sample(
        text,
        "atelier_store_statement_duration_seconds_count",
        &[("statement", "review_meta"), ("outcome", outcome)],
    )
}

/// The status of a GET of a plain-text route.
async fn status(app: &TestApp, path: &str) -> u16 {
    app.client.get(app.url(path)).send().await.unwrap().status().as_u16()
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    response.text().await.unwrap()
}

for_each_store! {
    async fn requests_are_counted_by_route_method_and_status(test) {
        let (app, _) = app_with_fixture(&test).await;
        for _ in 0..3 {
            assert_eq!(app.get("/reviews/meta?product_id=1").await.0, 200);
        }
        assert_eq!(app.get("/reviews/meta?product_id=999999").await.0, 404);
        assert_eq!(app.get("/api/fec2/hr-rfe/qa/questions?product_id=1").await.0, 200);
        assert_eq!(app.get("/no/such/route").await.0, 404);
        let text = scrape(&app).await;
        let requests = |route, status| {
            sample(&text, "atelier_http_requests_total", &[("route", route), ("method", "GET"), ("status", status)])
        };
        assert_eq!(requests("/reviews/meta", "200"), Some(3.0), "{text}");
        assert_eq!(requests("/reviews/meta", "404"), Some(1.0));
        assert_eq!(requests("/qa/questions", "200"), Some(1.0), "the campus prefix is the same route");
        assert_eq!(requests("unmatched", "404"), Some(1.0));
        let latency = |route| {
            sample(&text, "atelier_http_request_duration_seconds_count", &[("route", route), ("method", "GET")])
        };
        assert_eq!(latency("/reviews/meta"), Some(4.0));
        assert!(
            sample(&text, "atelier_http_request_duration_seconds_bucket", &[("route", "/reviews/meta"), ("le", "5")])
                == Some(4.0)
        );
        // Product 1's meta: one miss, then two hits; the unknown product missed once too.
        let lookups = |result| sample(&text, "atelier_cache_lookups_total", &[("tier", "memory"), ("result", result)]);
        assert_eq!(lookups("hit"), Some(2.0));
        assert_eq!(lookups("miss"), Some(3.0));
        assert_eq!(meta_statements(&text, "ok"), Some(1.0));
        assert_eq!(meta_statements(&text, "not_found"), Some(1.0), "the unknown product is the client's 404");
        assert_eq!(meta_statements(&text, "error"), None, "no store call failed");
        let pool = if test.kind == "sqlite" { "readers" } else { "primary" };
        assert!(sample(&text, "atelier_pool_connections_max", &[("pool", pool)]).is_some_and(|max| max >= 1.0), "{text}");
        assert_eq!(sample(&text, "atelier_pool_connections_in_use", &[("pool", pool)]), Some(0.0));
        let memory = |kind| sample(&text, "atelier_process_memory_bytes", &[("kind", kind)]).unwrap_or(-1.0);
        let (resident, anonymous, file) = (memory("resident"), memory("anonymous"), memory("file"));
        assert!(anonymous > 0.0 && file > 0.0 && anonymous + file <= resident, "{text}");
        assert!(memory("locked") >= 0.0, "{text}");
    }

    async fn what_the_response_cache_holds_is_a_gauge_within_its_bound(test) {
        let (app, _) = app_with_fixture(&test).await;
        let held = |text: &str| {
            (sample(text, "atelier_cache_entries", &[]).unwrap(), sample(text, "atelier_cache_bytes", &[]).unwrap())
        };
        let (entries, empty) = held(&scrape(&app).await);
        assert_eq!(entries, 0.0);
        let meta = app.get("/reviews/meta?product_id=1").await.1.to_string();
        assert_eq!(app.get("/reviews?product_id=1").await.0, 200);
        let (entries, bytes) = held(&scrape(&app).await);
        assert_eq!(entries, 2.0, "the meta and the review page");
        // The empty cache's bytes are its version counters; each body adds at least its length.
        assert!(empty > 0.0 && bytes >= empty + meta.len() as f64, "{empty} then {bytes}");
        assert!(bytes <= atelier_api::DEFAULT_CACHE_BYTES as f64);
    }

    async fn the_store_answering_makes_the_instance_ready(test) {
        let (app, _) = app_with_fixture(&test).await;
        assert_eq!(status(&app, "/readyz").await, 200);
        assert_eq!(status(&app, "/healthz").await, 200);
    }
}

#[tokio::test]
async fn an_instance_whose_store_does_not_answer_is_alive_but_not_ready() {
    for failure in [Failure::Unavailable, Failure::Hang] {
        let app = TestApp::spawn(Arc::new(FailingStore(failure))).await;
        assert_eq!(status(&app, "/healthz").await, 200);
        let (status, body) = app.get("/readyz").await;
        assert_eq!(status, 503, "{failure:?}");
        assert!(body["error"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn a_store_that_fails_is_an_error_outcome_and_a_missing_row_is_not() {
    let app = TestApp::spawn(Arc::new(FailingStore(Failure::Unavailable))).await;
    assert_eq!(app.get("/reviews/meta?product_id=1").await.0, 503);
    let text = scrape(&app).await;
    assert_eq!(meta_statements(&text, "error"), Some(1.0), "{text}");
    assert_eq!(meta_statements(&text, "not_found"), None);
}

#[tokio::test]
async fn shed_and_timed_out_requests_are_counted() {
    let limits =
        atelier_api::Limits { request_timeout: std::time::Duration::from_millis(50), ..Default::default() };
    let app = TestApp::spawn_with(
        Arc::new(FailingStore(Failure::Hang)),
        &ApiConfig { limits, ..Default::default() },
    )
    .await;
    assert_eq!(app.get("/reviews/meta?product_id=1").await.0, 503);
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "atelier_requests_timed_out_total", &[]), Some(1.0), "{text}");
}

#[tokio::test]
async fn metrics_served_elsewhere_are_not_on_the_api() {
    let config = ApiConfig { metrics_on_api: false, ..Default::default() };
    let app = TestApp::spawn_with(Arc::new(FailingStore(Failure::Unavailable)), &config).await;
    assert_eq!(status(&app, "/metrics").await, 404);
}
