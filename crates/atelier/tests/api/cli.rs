//! The binary itself: the README's quick start, run as a user would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_atelier");

/// Kills the child when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `atelier quickstart` on port 0 and returns it with every line it printed up to and
/// including the line naming its address, and that address.
fn quickstart(db: &std::path::Path) -> (Running, Vec<String>, String) {
    let child = Command::new(BIN)
        .args([
            "quickstart",
            "--products",
            "300",
            "--listen",
            "127.0.0.1:0",
            "--db",
        ])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("failed to start atelier");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout is piped");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("failed to read the output");
        lines.push(line.clone());
        // "Atelier is serving the demo catalogue on http://127.0.0.1:PORT. Try:"
        if let Some(rest) = line.strip_prefix("Atelier is serving") {
            let address = rest
                .split("http://")
                .nth(1)
                .unwrap_or_default()
                .trim_end_matches(". Try:")
                .to_owned();
            return (running, lines, address);
        }
    }
    panic!("quickstart never said where it serves: {lines:?}");
}

#[tokio::test]
async fn quickstart_serves_a_demo_catalogue_and_reuses_it_on_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");

    let (first, lines, address) = quickstart(&db);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("creating the demo catalogue")),
        "{lines:?}"
    );
    let meta: serde_json::Value =
        reqwest::get(format!("http://{address}/reviews/meta?product_id=2"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(meta["product_id"], "2");
    let questions: serde_json::Value =
        reqwest::get(format!("http://{address}/qa/questions?product_id=7"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(questions["product_id"], "7");
    drop(first);

    let (_second, lines, address) = quickstart(&db);
    assert!(
        lines.iter().any(|l| l.starts_with("reusing the catalogue")),
        "{lines:?}"
    );
    let again: serde_json::Value =
        reqwest::get(format!("http://{address}/reviews/meta?product_id=2"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(again, meta, "the same catalogue is served");
}

#[test]
fn generate_refuses_a_store_with_data_unless_told_to_replace_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gen.db").display());
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args(["generate", "--products", "50", "--into", &url])
            .args(extra)
            .output()
            .expect("failed to run atelier")
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("50 products"));
    let second = run(&[]);
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let replaced = run(&["--replace", "--seed", "7"]);
    assert!(
        replaced.status.success(),
        "{}",
        String::from_utf8_lossy(&replaced.stderr)
    );
}

#[test]
fn an_unknown_database_scheme_is_refused_with_the_known_ones() {
    let output = Command::new(BIN)
        .args(["serve", "--database-url", "mysql://localhost/db"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sqlite://") && stderr.contains("postgres://"),
        "{stderr}"
    );
}
