//! Two instances sharing a Redis tier: a write through one is read through the other at once,
//! and Redis stopping costs no request.

use std::sync::Arc;

use atelier_api::ApiConfig;
use atelier_core::Store;
use atelier_testkit::{Fixture, RedisServer, TestApp, TestStore, fixture_batch};

use super::{review, review_ids};

/// Two instances of one store, sharing the Redis at `redis`, each with its own in-process tier.
async fn two_instances(store: Arc<dyn Store>, redis: &str) -> (TestApp, TestApp) {
    let config = ApiConfig {
        redis_url: Some(redis.to_owned()),
        redis_namespace: format!("test{}", std::process::id()),
        ..Default::default()
    };
    (TestApp::spawn_with(store.clone(), &config).await, TestApp::spawn_with(store, &config).await)
}

fn review_count(meta: &serde_json::Value) -> i64 {
    meta["recommended"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap().parse::<i64>().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_posted_through_one_instance_is_in_the_meta_read_through_the_other_at_once() {
    let redis = RedisServer::start();
    for test in [TestStore::sqlite().await, TestStore::postgres().await] {
        Fixture::load(test.store.as_ref(), fixture_batch()).await;
        let (one, other) = two_instances(test.store.clone(), &redis.url()).await;
        let (_, before) = other.get("/reviews/meta?product_id=1").await;
        for n in 1..=10 {
            // Both tiers of the other instance hold the meta now.
            other.get("/reviews/meta?product_id=1").await;
            assert_eq!(one.post("/reviews", &review()).await.0, 201);
            let (_, after) = other.get("/reviews/meta?product_id=1").await;
            assert_eq!(review_count(&after), review_count(&before) + n, "{}: after review {n}", test.kind);
        }
        // A vote, and a list filled by the other instance's read.
        let (_, list) = other.get("/reviews?product_id=1&sort=newest&count=100").await;
        let newest = review_ids(&list)[0];
        assert_eq!(one.put(&format!("/reviews/{newest}/report")).await.0, 204);
        let (_, list) = other.get("/reviews?product_id=1&sort=newest&count=100").await;
        assert!(!review_ids(&list).contains(&newest), "{}: the reported review is gone", test.kind);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_one_instance_made_is_served_by_the_other_from_redis() {
    let redis = RedisServer::start();
    let test = TestStore::sqlite().await;
    Fixture::load(test.store.as_ref(), fixture_batch()).await;
    let (one, other) = two_instances(test.store.clone(), &redis.url()).await;
    let (_, made) = one.get("/qa/questions?product_id=1").await;
    // The fill is in the background: read through the other instance once it is in Redis.
    let started = std::time::Instant::now();
    while redis_bodies(&redis) == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the body never reached Redis");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    loop {
        let (_, served) = other.get("/qa/questions?product_id=1").await;
        assert_eq!(served, made);
        let text = other.client.get(other.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let hits = super::metrics::sample(
            &text,
            "atelier_cache_lookups_total",
            &[("tier", "redis"), ("result", "hit")],
        );
        if hits.is_some_and(|hits| hits >= 1.0) {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "never a hit in Redis: {text}");
    }
}

/// How many scopes' bodies the Redis server holds.
fn redis_bodies(redis: &RedisServer) -> usize {
    let output = std::process::Command::new("redis-cli")
        .args(["-u", &redis.url(), "--scan", "--pattern", "*:body"])
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&output.stdout).lines().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_traffic_fails_no_request_and_writes_are_still_read() {
    let mut redis = RedisServer::start();
    let test = TestStore::postgres().await;
    Fixture::load(test.store.as_ref(), fixture_batch()).await;
    let (one, other) = two_instances(test.store.clone(), &redis.url()).await;
    let mut statuses = Vec::new();
    for round in 0..60 {
        if round == 30 {
            redis.stop();
        }
        for app in [&one, &other] {
            statuses.push(app.get("/reviews/meta?product_id=1").await.0);
            statuses.push(app.get("/qa/questions?product_id=1").await.0);
        }
        if round % 10 == 5 {
            let (_, before) = one.get("/reviews/meta?product_id=1").await;
            statuses.push(one.post("/reviews", &review()).await.0);
            let (_, after) = one.get("/reviews/meta?product_id=1").await;
            assert_eq!(
                review_count(&after),
                review_count(&before) + 1,
                "round {round}: the writer reads its write"
            );
        }
    }
    assert!(statuses.iter().all(|status| matches!(status, 200 | 201)), "{statuses:?}");
}
