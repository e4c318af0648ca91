//! Each GET costs one statement on PostgreSQL, counted on the wire by a protocol proxy; so does
//! each table of a bulk load, whatever the batches it arrives in.

use atelier_api::ApiConfig;
use atelier_core::tables::Batch;
use atelier_testkit::{Fixture, StatementCounter, TestApp, TestStore, fixture_batch};

async fn statements_for(app: &TestApp, counter: &StatementCounter, path: &str) -> u64 {
    // The first call prepares the statement on the connection; the second shows the steady state.
    let (status, _) = app.get(path).await;
    assert!(status == 200, "{path}: {status}");
    counter.reset();
    app.get(path).await;
    counter.statements()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_get_is_one_statement_on_postgres() {
    let (test, counter) = TestStore::postgres_counted().await;
    Fixture::load(test.store.as_ref(), fixture_batch()).await;
    // No response cache: this counts what reaches the store.
    let config = ApiConfig { cache_bytes: 0, ..ApiConfig::default() };
    let app = TestApp::spawn_with(test.store.clone(), &config).await;
    for path in [
        "/reviews?product_id=1&sort=newest",
        "/reviews?product_id=1&sort=helpful",
        "/reviews?product_id=1&sort=relevant",
        "/reviews/meta?product_id=1",
        "/qa/questions?product_id=1&count=200",
        "/qa/questions/1/answers",
        "/products?count=4",
        "/products/1",
        "/products/1/styles",
        "/products/1/related",
    ] {
        assert_eq!(statements_for(&app, &counter, path).await, 1, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statement_counter_sees_every_statement() {
    // The counter itself must be able to fail: a write of three statements counts three.
    let (test, counter) = TestStore::postgres_counted().await;
    Fixture::load(test.store.as_ref(), fixture_batch()).await;
    counter.reset();
    test.store.is_empty().await.unwrap();
    test.store.is_empty().await.unwrap();
    test.store.is_empty().await.unwrap();
    assert_eq!(counter.statements(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stampede_of_misses_on_one_key_reaches_the_store_once() {
    let (test, counter) = TestStore::postgres_counted().await;
    Fixture::load(test.store.as_ref(), fixture_batch()).await;
    let app = std::sync::Arc::new(TestApp::spawn(test.store.clone()).await);
    // Prepare the statement on the one connection through another key.
    assert_eq!(app.get("/reviews/meta?product_id=2").await.0, 200);
    counter.reset();
    let misses = (0..50).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { app.get("/reviews/meta?product_id=1").await })
    });
    let answers = futures_util::future::join_all(misses).await;
    assert!(answers.into_iter().all(|answer| answer.unwrap().0 == 200));
    assert_eq!(counter.statements(), 1, "fifty concurrent misses on one key, one statement");
    app.get("/reviews/meta?product_id=1").await;
    assert_eq!(counter.statements(), 1, "and a later read is a hit");
}

/// Statements a bulk load of `batches` into a fresh counted store sends, from its start to its
/// swap.
async fn statements_to_load(batches: Vec<Batch>) -> u64 {
    let (test, counter) = TestStore::postgres_counted().await;
    counter.reset();
    let mut loader = test.store.bulk_loader(false).await.unwrap();
    for batch in batches {
        loader.load(batch).await.unwrap();
    }
    loader.finish().await.unwrap();
    counter.statements()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_load_copies_each_table_once_whatever_its_batches() {
    let whole = fixture_batch();
    let mut first = whole.clone();
    let second = Batch {
        reviews: first.reviews.split_off(first.reviews.len() / 2),
        characteristic_reviews: first
            .characteristic_reviews
            .split_off(first.characteristic_reviews.len() / 2),
        answers: first.answers.split_off(first.answers.len() / 2),
        ..Batch::default()
    };
    assert!(
        !first.reviews.is_empty() && !first.characteristic_reviews.is_empty() && !first.answers.is_empty()
    );
    let in_one = statements_to_load(vec![whole]).await;
    let in_two = statements_to_load(vec![first, second]).await;
    assert_eq!(in_two, in_one, "three tables' rows in two batches: the same statements as in one");
}
