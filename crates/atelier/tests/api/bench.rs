//! `atelier bench` against the real app: a mixed load with writes reads every write back through
//! the cache on both stores, and the command line prints what it measured.

use std::process::Command;
use std::time::Duration;

use atelier_bench::{IdRange, Ids, Plan, Scenario, Target};
use atelier_testkit::for_each_store;

use super::app_with_fixture;

fn target(base: &str) -> Target {
    Target::parse(base).expect("the test app's base is a target")
}

for_each_store! {
    async fn a_mixed_load_reads_every_write_back_through_the_cache(test) {
        let (app, _) = app_with_fixture(&test).await;
        let plan = Plan {
            target: target(&app.base),
            scenario: Scenario {
                mix: "meta=2,reviews=2,questions=1,answers=1,write=2".parse().unwrap(),
                products: Ids::Uniform(IdRange { low: 1, high: 4 }),
                questions: Ids::Hot(vec![1, 3, 4, 10]),
            },
            rate: 150.0,
            duration: Duration::from_secs(1),
            connections: 8,
            timeout: Duration::from_secs(5),
            seed: 3,
        };

        let result = atelier_bench::run(&plan, |_| {}).await;

        let verified = result.endpoints.iter().find(|e| e.endpoint.name() == "verify").expect("writes were checked");
        assert!(verified.latency.count > 10, "{verified:?}");
        assert!(result.is_clean(), "{}", atelier_bench::run_table(&result));
        assert_eq!(result.completed, 150);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_prints_its_figures_as_json_and_writes_an_html_report() {
    let test = atelier_testkit::TestStore::sqlite().await;
    let (app, _) = app_with_fixture(&test).await;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");

    let output = tokio::task::spawn_blocking({
        let (base, report) = (app.base.clone(), report.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_atelier"))
                .args(["bench", "--url", &base, "--scenario", "meta,questions", "--ids", "1-4"])
                .args([
                    "--rate",
                    "100",
                    "--duration",
                    "1s",
                    "--connections",
                    "4",
                    "--warmup",
                    "300ms",
                    "--json",
                    "--html",
                ])
                .arg(&report)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the output is JSON");
    assert_eq!(figures["scheduled"], 100);
    assert_eq!(figures["completed"], 100);
    assert_eq!(figures["failed"], 0);
    let endpoints: Vec<&str> =
        figures["endpoints"].as_array().unwrap().iter().map(|e| e["endpoint"].as_str().unwrap()).collect();
    assert_eq!(endpoints, ["meta", "questions"]);
    assert!(figures["latency"]["p99_ms"].as_f64().unwrap() > 0.0);
    let steal = figures["host"]["steal"].as_f64().expect("the machine's CPU is in the JSON");
    assert!((0.0..=1.0).contains(&steal), "steal is a share: {steal}");
    let page = std::fs::read_to_string(&report).unwrap();
    assert_eq!(page.matches("<svg").count(), 3, "latency, throughput and the machine over time");
}

#[test]
fn failures_make_the_exit_status_one_and_bad_words_are_named() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let down = Command::new(env!("CARGO_BIN_EXE_atelier"))
        .args([
            "bench",
            "--url",
            &format!("http://{closed}"),
            "--rate",
            "20",
            "--duration",
            "200ms",
            "--warmup",
            "0s",
        ])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&down.stdout).contains("connect: 4"),
        "{}",
        String::from_utf8_lossy(&down.stdout)
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_atelier"))
        .args(["bench", "--scenario", "meta,carts"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown endpoint \"carts\""));
}
