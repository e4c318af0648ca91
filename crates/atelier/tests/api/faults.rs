//! Faults of the database under traffic, on a throwaway PostgreSQL cluster of the test's own
//! (the shared server is never stopped): stopped, frozen, and a table locked. Each time every
//! request is answered by the deadline (a JSON 503 with `Retry-After`, never a hang), and the
//! service recovers by itself once the database does, without a restart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier_api::{ApiConfig, Limits};
use atelier_core::Store;
use atelier_store_postgres::PgStore;
use atelier_testkit::{Cluster, Fixture, TestApp, fixture_batch};
use futures_util::future::join_all;

/// The deadline the app serves with.
const DEADLINE: Duration = Duration::from_millis(800);

/// How much later than the deadline an answer may come on this shared two-core machine.
const SLACK: Duration = Duration::from_millis(700);

/// A cluster holding the fixture catalogue, and the app serving it with [`DEADLINE`] on a pool
/// of four connections.
async fn served() -> (Cluster, TestApp) {
    let cluster = Cluster::start();
    let setup = PgStore::connect(&cluster.url(), 1).unwrap();
    setup.migrate().await.unwrap();
    Fixture::load(&setup, fixture_batch()).await;
    let store: Arc<dyn Store> =
        Arc::new(PgStore::connect_with_deadline(&cluster.url(), 4, Some(DEADLINE)).unwrap());
    // No response cache: every request must reach the store and its fault.
    let config = ApiConfig {
        limits: Limits { request_timeout: DEADLINE, ..Limits::default() },
        cache_bytes: 0,
        ..ApiConfig::default()
    };
    let app = TestApp::spawn_with(store, &config).await;
    (cluster, app)
}

/// Sends `count` concurrent GETs of `path`: each answer's status and error code, and the
/// slowest answer's time.
async fn burst(app: &TestApp, path: &str, count: usize) -> (Vec<(u16, String)>, Duration) {
    let started = Instant::now();
    let answers = join_all((0..count).map(|_| async {
        let (status, body) = app.get(path).await;
        (status, body["error"].as_str().unwrap_or_default().to_owned(), started.elapsed())
    }))
    .await;
    let slowest = answers.iter().map(|a| a.2).max().unwrap_or_default();
    (answers.into_iter().map(|(status, error, _)| (status, error)).collect(), slowest)
}

/// Asks for `path` until it answers 200, for at most `within`; how long that took.
async fn recovers(app: &TestApp, path: &str, within: Duration) -> Duration {
    let started = Instant::now();
    while started.elapsed() < within {
        if app.get(path).await.0 == 200 {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} did not recover within {within:?}");
}

fn count(answers: &[(u16, String)], status: u16) -> usize {
    answers.iter().filter(|(s, _)| *s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_gives_prompt_503s_and_the_service_recovers_by_itself() {
    let (cluster, app) = served().await;
    assert_eq!(app.get("/reviews/meta?product_id=1").await.0, 200);

    cluster.stop();
    let (answers, slowest) = burst(&app, "/reviews/meta?product_id=1", 20).await;
    println!("database stopped: {} of 20 answered 503, slowest {slowest:?}", count(&answers, 503));
    assert_eq!(count(&answers, 503), 20, "{answers:?}");
    assert!(slowest < DEADLINE + SLACK, "slowest answer {slowest:?}");

    cluster.restart();
    let took = recovers(&app, "/reviews/meta?product_id=1", Duration::from_secs(10)).await;
    println!("recovered {took:?} after the restart");
    let (answers, _) = burst(&app, "/qa/questions?product_id=1", 20).await;
    assert_eq!(count(&answers, 200), 20, "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_database_is_bounded_by_the_deadline_and_the_service_recovers() {
    let (cluster, app) = served().await;
    assert_eq!(app.get("/reviews?product_id=1").await.0, 200);

    cluster.freeze();
    let (answers, slowest) = burst(&app, "/reviews?product_id=1", 40).await;
    cluster.thaw();
    println!("database frozen: {} of 40 answered 503, slowest {slowest:?}", count(&answers, 503));
    assert_eq!(count(&answers, 503), 40, "{answers:?}");
    assert!(answers.iter().all(|(_, error)| error == "timeout" || error == "unavailable"), "{answers:?}");
    assert!(slowest < DEADLINE + SLACK, "slowest answer {slowest:?}");

    let took = recovers(&app, "/reviews?product_id=1", Duration::from_secs(10)).await;
    println!("recovered {took:?} after the thaw");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_table_times_out_its_routes_only_and_the_pool_stays_free() {
    let (cluster, app) = served().await;
    let (locker, connection) = tokio_postgres::connect(&cluster.url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    locker.batch_execute("BEGIN; LOCK TABLE reviews IN ACCESS EXCLUSIVE MODE").await.unwrap();

    // Ten times the pool's four connections ask for the locked table.
    let (answers, slowest) = burst(&app, "/reviews?product_id=1", 40).await;
    println!("table locked: {} of 40 answered 503, slowest {slowest:?}", count(&answers, 503));
    assert_eq!(count(&answers, 503), 40, "{answers:?}");
    assert!(slowest < DEADLINE + SLACK, "slowest answer {slowest:?}");
    // Each connection whose request was dropped mid-statement left the pool rather than come
    // back with the statement queued on it: a route that never touches the table is served.
    let (answers, slowest) = burst(&app, "/qa/questions?product_id=1", 20).await;
    println!("other route meanwhile: {} of 20 answered 200, slowest {slowest:?}", count(&answers, 200));
    assert_eq!(count(&answers, 200), 20, "{answers:?}");

    locker.batch_execute("ROLLBACK").await.unwrap();
    let took = recovers(&app, "/reviews?product_id=1", Duration::from_secs(10)).await;
    println!("recovered {took:?} after the unlock");
}
