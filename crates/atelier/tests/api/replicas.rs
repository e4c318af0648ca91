//! Reads on a real streaming replica (`pg_basebackup -R` of a throwaway cluster), writes on the
//! primary: which server a read reached is told by holding back the replica's replay and
//! changing a row on the primary behind the store's back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier_core::input::{Email, NewReview, PageRequest, Rating, ReviewSort, Text};
use atelier_core::{ProductId, Store};
use atelier_store_postgres::{PgStore, ReplicaSettings};
use atelier_testkit::{Cluster, Fixture, fixture_batch};

/// A primary holding the fixture catalogue, its replica caught up, and a store on both.
async fn primary_and_replica(max_lag: Duration) -> (Cluster, Cluster, PgStore) {
    let primary = Cluster::start();
    let setup = PgStore::connect(&primary.url(), 1).unwrap();
    setup.migrate().await.unwrap();
    Fixture::load(&setup, fixture_batch()).await;
    let replica = primary.replica();
    // Caught up before the store starts: it only trusts a replica it has seen replay what the
    // primary had at one of its checks.
    let started = Instant::now();
    loop {
        let flushed = primary.psql("SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn");
        let replayed = replica.psql("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn");
        if replayed.parse::<u64>().unwrap() >= flushed.parse::<u64>().unwrap() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the replica never caught up");
    }
    let store = PgStore::connect_with_deadline(&primary.url(), 4, Some(Duration::from_secs(5)))
        .unwrap()
        .with_replicas(&[replica.url()], Some(Duration::from_secs(5)), ReplicaSettings { max_lag })
        .unwrap();
    (primary, replica, store)
}

/// The replica's connections whose last statement was the store's reviews list.
const REVIEWS_READS_ON_REPLICA: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND query LIKE '%FROM products p%LEFT JOIN LATERAL%FROM reviews%'";

/// Review 3's helpfulness as the store reads it.
async fn helpfulness(store: &PgStore) -> i64 {
    let page = PageRequest::new(1, 100).unwrap();
    let reviews = store.reviews(ProductId::new_unchecked(1), ReviewSort::Newest, page).await.unwrap();
    reviews.iter().find(|r| r.id.get() == 3).expect("review 3").helpfulness
}

/// Polls `check` until it holds, for at most ten seconds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(10), "never: {what}");
        tokio::task::yield_now().await;
    }
}

fn a_review() -> NewReview {
    NewReview {
        product_id: ProductId::new_unchecked(1),
        rating: Rating::new("rating", 5).unwrap(),
        summary: Text::new("summary", "Good".into(), 60, false).unwrap(),
        body: Text::new("body", "It fits.".into(), 1000, true).unwrap(),
        recommend: true,
        name: Text::new("name", "reader".into(), 60, true).unwrap(),
        email: Email::new("email", "reader@example.com".into()).unwrap(),
        photos: Vec::new(),
        characteristics: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_writes_to_the_primary_and_a_writer_reads_its_write() {
    let (primary, replica, store) = primary_and_replica(Duration::from_secs(60)).await;
    // The replica applies each commit a minute late (other WAL at once, so it counts as caught
    // up until a commit waits): what it serves is what the primary had before.
    replica.psql("ALTER SYSTEM SET recovery_min_apply_delay = '60s'");
    replica.psql("SELECT pg_reload_conf()");
    let before = helpfulness(&store).await;
    // The store takes the replica into use once a check has seen it caught up: counted on the
    // replica, whose own activity view shows the store's reviews statement.
    eventually("a read reaches the replica", async || {
        helpfulness(&store).await;
        replica.psql(REVIEWS_READS_ON_REPLICA).parse::<i64>().unwrap() >= 1
    })
    .await;
    primary.psql("UPDATE reviews SET helpfulness = helpfulness + 1000 WHERE id = 3");
    // Only the replica still has the old value.
    for _ in 0..20 {
        assert_eq!(helpfulness(&store).await, before, "a read reached the primary");
    }
    // A write through the store goes to the primary, and the store reads it back at once from
    // there, though the replica has not applied it.
    let meta_before = store.review_meta(ProductId::new_unchecked(1)).await.unwrap();
    store.add_review(&a_review()).await.unwrap();
    let meta_after = store.review_meta(ProductId::new_unchecked(1)).await.unwrap();
    assert_eq!(meta_after.ratings[4], meta_before.ratings[4] + 1, "the writer reads its own write");
    assert_eq!(replica.psql("SELECT count(*) FROM reviews WHERE reviewer_name = 'reader'"), "0");
    assert_eq!(primary.psql("SELECT count(*) FROM reviews WHERE reviewer_name = 'reader'"), "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_lagging_past_the_bound_is_skipped_until_it_catches_up() {
    let (primary, replica, store) = primary_and_replica(Duration::from_millis(500)).await;
    let before = helpfulness(&store).await;
    replica.psql("SELECT pg_wal_replay_pause()");
    primary.psql("UPDATE reviews SET helpfulness = helpfulness + 1000 WHERE id = 3");
    eventually("the lagging replica is skipped", async || helpfulness(&store).await == before + 1000).await;
    replica.psql("SELECT pg_wal_replay_resume()");
    primary.psql("UPDATE reviews SET helpfulness = helpfulness + 1 WHERE id = 3");
    eventually("the replica caught up", async || helpfulness(&store).await == before + 1001).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_stopped_mid_traffic_fails_no_read() {
    let (_primary, replica, store) = primary_and_replica(Duration::from_secs(60)).await;
    let store: Arc<dyn Store> = Arc::new(store);
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for n in 0..300 {
                    let product = ProductId::new_unchecked(1 + n % 2);
                    if let Err(e) = store.review_meta(product).await {
                        failures.push(e.to_string());
                    }
                }
                failures
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    replica.stop();
    for reader in readers {
        let failures = reader.await.unwrap();
        assert!(failures.is_empty(), "{failures:?}");
    }
    assert!(store.review_meta(ProductId::new_unchecked(1)).await.is_ok());
}
