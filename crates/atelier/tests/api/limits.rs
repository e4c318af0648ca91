//! What stands in front of the handlers: the deadline, load shedding, the write token, the write
//! rate limit, request ids and security headers.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier_api::{ApiConfig, Limits};
use atelier_testkit::{FailingStore, Failure, TestApp, TestStore};
use serde_json::json;

use super::review;

fn config(limits: Limits) -> ApiConfig {
    ApiConfig { limits, ..ApiConfig::default() }
}

/// A store that never answers, served with a one-second deadline.
async fn hanging_app(limits: Limits) -> TestApp {
    TestApp::spawn_with(Arc::new(FailingStore(Failure::Hang)), &config(limits)).await
}

#[tokio::test]
async fn a_request_past_the_deadline_is_a_json_503_with_retry_after() {
    let app = hanging_app(Limits { request_timeout: Duration::from_millis(300), ..Limits::default() }).await;
    for request in [
        app.client.get(app.url("/reviews/meta?product_id=1")),
        app.client
            .post(app.url("/qa/questions"))
            .json(&json!({"product_id": 1, "body": "Warm?", "name": "a", "email": "a@example.com"})),
    ] {
        let started = Instant::now();
        let response = request.send().await.unwrap();
        let waited = started.elapsed();
        assert_eq!(response.status().as_u16(), 503);
        assert_eq!(response.headers()["retry-after"], "1");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "timeout", "{body}");
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
            "answered after {waited:?}"
        );
    }
}

#[tokio::test]
async fn past_the_limit_reads_are_shed_at_once_and_writes_keep_their_own_places() {
    let limits =
        Limits { request_timeout: Duration::from_secs(2), max_reads: 2, max_writes: 2, ..Limits::default() };
    let app = Arc::new(hanging_app(limits).await);
    // Two reads take both read places and hang until the deadline.
    let held: Vec<_> = (0..2)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.get("/reviews/meta?product_id=1").await })
        })
        .collect();
    // Wait until both are in progress: the next read is shed.
    let mut shed = None;
    for _ in 0..200 {
        let started = Instant::now();
        let (status, body) = app.get("/qa/questions?product_id=1").await;
        if body["error"] == "overloaded" {
            shed = Some((status, started.elapsed()));
            break;
        }
    }
    let (status, took) = shed.expect("a third read was never shed");
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(500), "shed only after {took:?}: it queued");
    // A write is not shed by the reads' flood: it is admitted, and times out in the store.
    let (status, body) = app.post("/reviews", &review()).await;
    assert_eq!((status, body["error"].as_str()), (503, Some("timeout")), "{body}");
    for read in held {
        let (status, body) = read.await.unwrap();
        assert_eq!((status, body["error"].as_str()), (503, Some("timeout")), "{body}");
    }
}

#[tokio::test]
async fn with_a_token_writes_need_it_and_reads_stay_open() {
    let test = TestStore::sqlite().await;
    atelier_testkit::Fixture::load(test.store.as_ref(), atelier_testkit::fixture_batch()).await;
    let limits = Limits { write_token: Some("s3cret".into()), ..Limits::default() };
    let app = TestApp::spawn_with(test.store.clone(), &config(limits)).await;

    let (status, _) = app.get("/reviews/meta?product_id=1").await;
    assert_eq!(status, 200, "reads need no token");
    for token in [None, Some("Bearer wrong"), Some("s3cret"), Some("Bearer s3cret2"), Some("Basic s3cret")] {
        let mut request = app.client.post(app.url("/reviews")).json(&review());
        if let Some(token) = token {
            request = request.header("authorization", token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{token:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
    let response = app.client.put(app.url("/reviews/1/helpful")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401, "a vote is a write");

    for scheme in ["Bearer", "bearer"] {
        let request =
            app.client.post(app.url("/reviews")).header("authorization", format!("{scheme} s3cret"));
        let response = request.json(&review()).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201, "the scheme's case does not matter");
    }
    let (_, meta) = app.get("/reviews/meta?product_id=1").await;
    assert_eq!(meta["recommended"]["true"], "7", "only the authorized reviews were written: {meta}");
}

#[tokio::test]
async fn a_client_writing_too_often_gets_429_with_retry_after() {
    let test = TestStore::sqlite().await;
    atelier_testkit::Fixture::load(test.store.as_ref(), atelier_testkit::fixture_batch()).await;
    let limits = Limits { writes_per_minute: NonZeroU32::new(3), ..Limits::default() };
    let app = TestApp::spawn_with(test.store.clone(), &config(limits)).await;

    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.put("/reviews/1/helpful").await.0);
    }
    assert_eq!(statuses, [204, 204, 204, 429, 429]);
    let response = app.client.post(app.url("/reviews")).json(&review()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "one write in 20 s comes back: {retry}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(app.get("/reviews/meta?product_id=1").await.0, 200, "reads are not limited");
    let (_, list) = app.get("/reviews?product_id=1&count=100").await;
    let first = list["results"].as_array().unwrap().iter().find(|r| r["review_id"] == 1).unwrap();
    assert_eq!(first["helpfulness"], 3 + 3, "three votes counted, not five: {first}");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_nosniff() {
    let app = TestApp::spawn(Arc::new(FailingStore(Failure::Internal))).await;
    let mut ids = Vec::new();
    for path in ["/health", "/reviews/meta?product_id=1", "/no/such/route", "/reviews?product_id=x"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.headers()["x-content-type-options"], "nosniff", "{path}");
        ids.push(response.headers()["x-request-id"].to_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each request its own id: {ids:?}");
    let response = app
        .client
        .get(app.url("/reviews/meta?product_id=1"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42", "a client's id is kept");
    let response =
        app.client.get(app.url("/health")).header("x-request-id", "x".repeat(200)).send().await.unwrap();
    assert_ne!(response.headers()["x-request-id"], &"x".repeat(200), "an oversized id is replaced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_four_times_capacity_the_excess_is_shed_fast_and_the_accepted_stay_fast() {
    // Capacity: four reads at a time, 25 ms each, so 160 a second.
    let limits = Limits { max_reads: 4, request_timeout: Duration::from_secs(1), ..Limits::default() };
    let app = Arc::new(
        TestApp::spawn_with(
            Arc::new(FailingStore(Failure::Slow(Duration::from_millis(25)))),
            &config(limits),
        )
        .await,
    );
    // Offered on a fixed timetable (an open model) at four times that, 640 a second, for 1.5 s;
    // each latency is measured from the request's scheduled time.
    let interval = Duration::from_secs(1) / 640;
    let started = Instant::now();
    let mut requests = Vec::new();
    for i in 0..960_u32 {
        let due = started + interval * i;
        tokio::time::sleep_until(due.into()).await;
        let app = app.clone();
        requests.push(tokio::spawn(async move {
            let (status, body) = app.get("/reviews/meta?product_id=1").await;
            (status, body["error"].as_str().unwrap_or_default().to_owned(), due.elapsed())
        }));
    }
    let mut accepted = Vec::new();
    let mut shed = Vec::new();
    for request in requests {
        let (status, error, latency) = request.await.unwrap();
        match (status, error.as_str()) {
            (404, _) => accepted.push(latency),
            (503, "overloaded") => shed.push(latency),
            other => panic!("unexpected answer {other:?}"),
        }
    }
    let p99 = |latencies: &mut Vec<Duration>| {
        latencies.sort();
        latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)]
    };
    let (served, refused) = (accepted.len(), shed.len());
    let (accepted_p99, shed_p99) = (p99(&mut accepted), p99(&mut shed));
    println!(
        "offered 960 at 640/s: {served} served (p99 {accepted_p99:?}), {refused} shed (p99 {shed_p99:?})"
    );
    assert!(refused >= 480, "most of the excess is shed: {refused}");
    assert!(served >= 120, "the capacity is still used: {served} served in 1.5 s");
    assert!(accepted_p99 < Duration::from_millis(500), "accepted p99 {accepted_p99:?}, deadline 1 s");
    assert!(shed_p99 < Duration::from_millis(100), "shed p99 {shed_p99:?}");
}

#[tokio::test]
async fn an_oversized_uri_or_head_gets_the_json_body_not_an_empty_answer() {
    let app = TestApp::spawn(Arc::new(FailingStore(Failure::Internal))).await;
    let long = format!("/reviews?product_id=1&x={}", "a".repeat(9000));
    let response = app.client.get(app.url(&long)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 414);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "uri_too_long");

    let mut many = app.client.get(app.url("/health"));
    for i in 0..150 {
        many = many.header(format!("x-extra-{i}"), "1");
    }
    let response = many.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 431);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "headers_too_large");

    let response =
        app.client.get(app.url("/health")).header("x-big", "b".repeat(20_000)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 431);
    assert_eq!(response.headers()["content-type"], "application/json");
}
