//! The load tester against small servers whose behaviour is known: a stall, a fixed capacity,
//! failures, writes that never show. Each binds 127.0.0.1:0.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atelier_bench::{Endpoint, IdRange, Ids, Plan, Scenario, Target, find_max, html, run};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

async fn serve(app: Router) -> Target {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Target { addr, host: addr.to_string() }
}

fn plan(target: Target, mix: &str, rate: f64, duration: Duration, connections: usize) -> Plan {
    Plan {
        target,
        scenario: Scenario {
            mix: mix.parse().unwrap(),
            products: Ids::Uniform(IdRange { low: 1, high: 1000 }),
            questions: Ids::Uniform(IdRange { low: 1, high: 1000 }),
        },
        rate,
        duration,
        connections,
        timeout: Duration::from_secs(5),
        seed: 1,
    }
}

#[tokio::test]
async fn a_stall_is_measured_from_each_scheduled_send_not_from_when_the_tester_got_round_to_it() {
    // Arrange: the first request stalls 600 ms, every later one is answered at once.
    let calls = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route(
            "/health",
            get(|State(calls): State<Arc<AtomicU64>>| async move {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                }
                "ok"
            }),
        )
        .with_state(calls);
    let target = serve(app).await;

    // Act: one connection, 100 requests a second for one second.
    let result = run(&plan(target, "health", 100.0, Duration::from_secs(1), 1), |_| {}).await;

    // Assert: the ~60 requests due during the stall waited for it, and that wait is their
    // latency. A tester timing from its own send would report a median well under 1 ms.
    assert_eq!(result.completed, 100);
    assert!(result.latency.p50_ms > 50.0, "{:?}", result.latency);
    assert!(result.latency.p90_ms > 300.0, "{:?}", result.latency);
    assert!(result.latency.max_ms >= 600.0, "{:?}", result.latency);
}

#[tokio::test]
async fn a_stall_of_the_tester_itself_counts_for_the_requests_due_during_it() {
    // Arrange: a server that answers at once, and 40 ms, half a second in, during which
    // the one thread that runs both the tester and the server is stalled (as a machine stalls a
    // process). At 1,000/s on 64 connections every request due in the stall was already taken
    // by a connection sleeping until its due time, which wakes only when the stall ends.
    let app = Router::new().route("/health", get(|| async { "ok" }));
    let target = serve(app).await;
    tokio::spawn(async {
        // Half a second: after the 64 connections are opened, before the one-second run ends.
        tokio::time::sleep(Duration::from_millis(500)).await;
        std::thread::sleep(Duration::from_millis(40));
    });

    // Act
    let result = run(&plan(target, "health", 1000.0, Duration::from_secs(1), 64), |_| {}).await;

    // Assert: the ~40 requests due in the stall waited up to 40 ms from their due time, so the
    // p99 (the 10th slowest of 1,000) is well above a millisecond. Timing them from when the
    // late timer woke them would hide the stall (a p99 under a few milliseconds).
    assert_eq!(result.completed, 1000);
    assert!(result.latency.max_ms >= 30.0, "{:?}", result.latency);
    assert!(result.latency.p99_ms >= 15.0, "{:?}", result.latency);
}

#[tokio::test]
async fn the_rate_is_held_through_the_second_and_every_request_is_answered() {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route(
            "/reviews/meta",
            get(|State(arrivals): State<Arc<Mutex<Vec<Instant>>>>| async move {
                arrivals.lock().unwrap().push(Instant::now());
                "{}"
            }),
        )
        .with_state(arrivals.clone());
    let target = serve(app).await;

    let started = Instant::now();
    let result = run(&plan(target, "meta", 400.0, Duration::from_secs(1), 8), |_| {}).await;

    assert_eq!((result.scheduled, result.completed, result.failed), (400, 400, 0));
    let arrivals = arrivals.lock().unwrap();
    assert_eq!(arrivals.len(), 400);
    // Spread over the second, not sent in a burst: about half in each half.
    let first_half =
        arrivals.iter().filter(|t| t.duration_since(started) < Duration::from_millis(500)).count();
    assert!((150..=250).contains(&first_half), "{first_half} of 400 in the first half second");
    assert!(result.achieved_rate > 380.0, "{}", result.achieved_rate);
}

#[tokio::test]
async fn failures_are_counted_by_kind_and_a_refused_connection_is_one() {
    let app =
        Router::new().route("/reviews/meta", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "busy") }));
    let target = serve(app).await;
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        Target { addr, host: addr.to_string() }
    };

    let busy = run(&plan(target, "meta", 50.0, Duration::from_millis(200), 2), |_| {}).await;
    let down = run(&plan(refused, "meta", 50.0, Duration::from_millis(200), 2), |_| {}).await;

    assert_eq!(busy.failed, 10);
    assert_eq!(busy.endpoints[0].failures.get("status 503"), Some(&10));
    assert_eq!(down.failed, 10);
    assert_eq!(down.endpoints[0].failures.get("connect"), Some(&10));
}

/// A review server: writes get ids; reads list them only if `shows_writes`.
fn reviews(shows_writes: bool) -> Router {
    let written = Arc::new(Mutex::new(Vec::<u64>::new()));
    Router::new()
        .route(
            "/reviews",
            get(move |State(written): State<Arc<Mutex<Vec<u64>>>>| async move {
                let ids: Vec<String> = if shows_writes {
                    written.lock().unwrap().iter().map(|id| format!(r#"{{"review_id":{id}}}"#)).collect()
                } else {
                    Vec::new()
                };
                format!(r#"{{"results":[{}]}}"#, ids.join(","))
            })
            .post(|State(written): State<Arc<Mutex<Vec<u64>>>>| async move {
                let mut written = written.lock().unwrap();
                let id = written.len() as u64 + 1;
                written.push(id);
                (StatusCode::CREATED, format!(r#"{{"review_id":{id}}}"#))
            }),
        )
        .with_state(written)
}

#[tokio::test]
async fn a_write_that_the_next_read_does_not_show_is_a_stale_read() {
    let hides = serve(reviews(false)).await;
    let shows = serve(reviews(true)).await;

    let stale = run(&plan(hides, "write", 40.0, Duration::from_millis(250), 2), |_| {}).await;
    let fresh = run(&plan(shows, "write", 40.0, Duration::from_millis(250), 2), |_| {}).await;

    let verify = |r: &atelier_bench::Run| {
        r.endpoints.iter().find(|e| e.endpoint == Endpoint::Verify).cloned().unwrap()
    };
    assert_eq!(verify(&stale).failures.get("stale read"), Some(&10));
    assert!(!stale.is_clean());
    assert_eq!(verify(&fresh).latency.count, 10);
    assert!(fresh.is_clean(), "{:?}", fresh.endpoints);
}

#[tokio::test]
async fn find_max_settles_near_a_servers_capacity() {
    // One request at a time, 4 ms each: at most 250 a second.
    let gate = Arc::new(tokio::sync::Semaphore::new(1));
    let app = Router::new()
        .route(
            "/health",
            get(|State(gate): State<Arc<tokio::sync::Semaphore>>| async move {
                let _permit = gate.acquire().await.unwrap();
                tokio::time::sleep(Duration::from_millis(4)).await;
                "ok"
            }),
        )
        .with_state(gate);
    let target = serve(app).await;

    let steps = Mutex::new(0);
    let search = find_max(
        &plan(target, "health", 50.0, Duration::from_secs(1), 16),
        Duration::from_millis(100),
        |_| {},
        |_| *steps.lock().unwrap() += 1,
    )
    .await;

    eprintln!("{}", atelier_bench::search_table(&search));
    let best = search.highest_sustained.expect("40/s is well within capacity");
    assert!((60.0..=260.0).contains(&best), "{best}\n{}", atelier_bench::search_table(&search));
    assert!(search.steps.iter().any(|s| s.failed_because.is_some()), "the search never found the limit");
    assert_eq!(*steps.lock().unwrap(), search.steps.len());
}

#[tokio::test]
async fn the_html_report_is_self_contained_with_its_charts() {
    let target = serve(Router::new().route("/health", get(|| async { "ok" }))).await;
    let result = run(&plan(target, "health", 100.0, Duration::from_millis(1500), 2), |_| {}).await;

    let page = html("health <at> 100/s", &result, None);

    assert!(page.starts_with("<!doctype html>"));
    assert_eq!(page.matches("<svg").count(), 3, "latency, throughput and the machine's charts");
    assert!(page.contains("health &lt;at&gt; 100/s"));
    for fetches in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(fetches), "the report would fetch something: {fetches}");
    }
}

#[tokio::test]
async fn the_machine_busy_with_another_process_shows_in_the_run_and_in_its_seconds() {
    // Arrange: a thread that keeps one core busy for the whole run, as a neighbour would.
    let target = serve(Router::new().route("/health", get(|| async { "ok" }))).await;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinner = std::thread::spawn({
        let stop = stop.clone();
        move || {
            while !stop.load(Ordering::Relaxed) {
                std::hint::black_box(0u64);
            }
        }
    });

    // Act
    let result = run(&plan(target, "health", 50.0, Duration::from_millis(2500), 2), |_| {}).await;
    stop.store(true, Ordering::Relaxed);
    spinner.join().unwrap();

    // Assert: at least most of one core of all the machine's was busy, over the run and in each
    // whole second; the tester itself used far less.
    let host = result.host.expect("Linux has /proc/stat");
    assert!(host.busy >= 0.8 / cores, "{host:?}");
    assert!((0.0..=1.0).contains(&host.steal), "{host:?}");
    let seconds: Vec<_> =
        result.seconds.iter().take(2).map(|s| s.host.expect("the first two seconds are read")).collect();
    assert!(seconds.iter().all(|h| h.busy >= 0.8 / cores), "{seconds:?}");
    assert!(atelier_bench::run_table(&result).contains("steal"), "{}", atelier_bench::run_table(&result));
}

#[tokio::test]
async fn a_404_to_a_read_is_an_answer_counted_apart_not_a_failure() {
    let app =
        Router::new().route("/qa/questions/{id}/answers", get(|| async { (StatusCode::NOT_FOUND, "{}") }));
    let target = serve(app).await;

    let result = run(&plan(target, "answers", 50.0, Duration::from_millis(200), 2), |_| {}).await;

    assert!(result.is_clean(), "{:?}", result.endpoints);
    assert_eq!(result.endpoints[0].not_found, 10);
}

#[tokio::test]
async fn each_find_max_step_draws_other_ids_than_the_steps_before() {
    // Arrange: a server that notes the product id of every request, step by step.
    let seen = Arc::new(Mutex::new(vec![Vec::<String>::new()]));
    let app = Router::new()
        .route(
            "/reviews/meta",
            get(|State(seen): State<Arc<Mutex<Vec<Vec<String>>>>>, query: axum::extract::RawQuery| async move {
                seen.lock().unwrap().last_mut().unwrap().push(query.0.unwrap_or_default());
                "{}"
            }),
        )
        .with_state(seen.clone());
    let target = serve(app).await;
    let mut plan = plan(target, "meta", 40.0, Duration::from_millis(250), 2);
    plan.scenario.products = Ids::Uniform(IdRange { low: 1, high: 1_000_000 });

    // Act: an objective no step meets, so the search retries 40/s, then halves, in short steps.
    let next_step = seen.clone();
    let search =
        find_max(&plan, Duration::from_nanos(1), |_| {}, move |_| next_step.lock().unwrap().push(Vec::new()))
            .await;

    // Assert: the retry of a rate, and every later step, asked for other products.
    let seen = seen.lock().unwrap();
    assert!(search.steps.len() >= 4, "{}", atelier_bench::search_table(&search));
    assert_eq!((seen[0].len(), seen[1].len()), (10, 10), "{seen:?}");
    assert_ne!(seen[0], seen[1], "the retry repeated the first step's ids");
    assert_ne!(seen[1][..5], seen[2][..], "the next step repeated the ids of the one before");
}
