//! `deploy/atelier.sh` end to end: PostgreSQL with a streaming replica, Redis, two instances,
//! nginx and Prometheus on this machine; Prometheus counts every request the bench sent through
//! nginx, by route, and restarting an instance mid-bench fails no request.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A deployment brought up in a temporary directory and taken down when dropped.
struct Deployment {
    dir: tempfile::TempDir,
    base: u16,
}

impl Deployment {
    fn up(instances: u32) -> Self {
        let dir = tempfile::Builder::new().prefix("atelier-deploy-").tempdir().unwrap();
        // A block of ports of this test's own below the ephemeral range (the script uses base
        // to base + 202).
        let base = 10_000 + (std::process::id() % 90) as u16 * 250;
        let deployment = Self { dir, base };
        let output = deployment.script(&["up", &instances.to_string()]);
        assert!(output.status.success(), "deploy up failed: {}", text(&output));
        deployment
    }

    fn script(&self, args: &[&str]) -> Output {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/atelier.sh");
        Command::new("bash")
            .arg(script)
            .args(args)
            .env("BIN", env!("CARGO_BIN_EXE_atelier"))
            .env("DIR", self.dir.path().join("run"))
            .env("BASE", self.base.to_string())
            .env("PRODUCTS", "300")
            .output()
            .expect("bash")
    }

    fn balancer(&self) -> String {
        format!("http://127.0.0.1:{}", self.base)
    }

    fn prometheus(&self) -> String {
        format!("http://127.0.0.1:{}", self.base + 90)
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let output = self.script(&["down"]);
        if !output.status.success() {
            eprintln!("deploy down failed: {}", text(&output));
        }
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Runs `atelier bench` through the balancer with no warm-up (so every request sent is
/// measured): its JSON report.
fn bench(url: &str, scenario: &str, rate: u32, seconds: u32) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_atelier"))
        .args(["bench", "--url", url, "--scenario", scenario, "--ids", "1-300", "--warmup", "0s", "--json"])
        .args(["--rate", &rate.to_string(), "--duration", &format!("{seconds}s")])
        .output()
        .expect("the bench runs");
    assert!(output.status.success(), "the bench failed: {}", text(&output));
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

/// Prometheus's answer to `query` at this moment.
async fn query(prometheus: &str, query: &str) -> Value {
    let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    reqwest::Client::new()
        .get(format!("{prometheus}/api/v1/query?query={encoded}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What Prometheus holds now: requests by route, summed over the instances.
async fn counted(prometheus: &str) -> Vec<(String, u64)> {
    let response = query(prometheus, "sum by (route) (atelier_http_requests_total)").await;
    let mut routes: Vec<(String, u64)> = response["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|series| {
            let route = series["metric"]["route"].as_str().unwrap().to_owned();
            (route, series["value"][1].as_str().unwrap().parse().unwrap())
        })
        .collect();
    routes.sort();
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployment_counts_every_request_in_prometheus_and_a_restart_fails_none() {
    let deployment = Deployment::up(2);
    let report = bench(&deployment.balancer(), "meta=40,reviews=30,questions=30", 200, 3);
    assert_eq!(report["failed"], 0, "{report}");
    let sent = |endpoint: &str| {
        report["endpoints"].as_array().unwrap().iter().find(|e| e["endpoint"] == endpoint).unwrap()["latency"]
            ["count"]
            .as_u64()
            .unwrap()
    };
    let mut expected = vec![
        ("/qa/questions".to_owned(), sent("questions")),
        ("/reviews".to_owned(), sent("reviews")),
        ("/reviews/meta".to_owned(), sent("meta")),
    ];
    expected.sort();
    assert_eq!(expected.iter().map(|(_, n)| n).sum::<u64>(), 600);
    // Scraped every second: within moments Prometheus holds every request, no more.
    let started = Instant::now();
    loop {
        let routes: Vec<_> = counted(&deployment.prometheus())
            .await
            .into_iter()
            .filter(|(route, _)| route != "/readyz")
            .collect();
        if routes == expected {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Prometheus holds {routes:?}, the bench sent {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Every query of the Grafana dashboard is one Prometheus answers, with data for the
    // request panels.
    let dashboard: Value =
        serde_json::from_str(include_str!("../../../../deploy/grafana-dashboard.json")).unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr =
                target["expr"].as_str().unwrap().replace("$__rate_interval", "1m").replace("$instance", ".*");
            let answer = query(&deployment.prometheus(), &expr).await;
            assert_eq!(answer["status"], "success", "{}: {expr}: {answer}", panel["title"]);
        }
    }
    // A latency panel's query has a p99 for each route the bench sent to, once Prometheus
    // has two scrapes of it.
    let started = Instant::now();
    loop {
        let latency = query(
            &deployment.prometheus(),
            "histogram_quantile(0.99, sum by (le, route) (rate(atelier_http_request_duration_seconds_bucket[1m])))",
        )
        .await;
        let routes: Vec<&str> = latency["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|series| series["metric"]["route"].as_str())
            .collect();
        if ["/reviews/meta", "/reviews", "/qa/questions"].iter().all(|route| routes.contains(route)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no p99 for every route: {latency}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Reads and writes through nginx while instance 1 restarts.
    let balancer = deployment.balancer();
    let traffic = std::thread::spawn(move || bench(&balancer, "meta=45,questions=45,write=10", 200, 5));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restarted = deployment.script(&["restart", "1"]);
    assert!(restarted.status.success(), "{}", text(&restarted));
    let report = traffic.join().unwrap();
    assert_eq!(report["failed"], 0, "a request failed while an instance restarted: {report}");
    assert_eq!(report["completed"], 1000);
}
