//! Other people's tools against the published contract: schemathesis (PyPI) generates thousands
//! of requests from `/openapi.json` on each store, and Debian's Chromium drives the `/docs` page.
//! `scripts/services.sh` installs both; a missing tool fails the test, it never skips.

use std::path::PathBuf;
use std::process::Command;

use atelier_etl::generate::{Plan, Proportions, into_store};
use atelier_testkit::{TestApp, TestStore, for_each_store};

/// The Python environment `scripts/services.sh` fills (`ATELIER_VENV` overrides it).
fn venv_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("ATELIER_VENV").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/atelier-venv")
    });
    let tool = venv.join("bin").join(name);
    assert!(tool.exists(), "{} is missing: run scripts/services.sh, which installs it", tool.display());
    tool
}

/// The app on a store holding a small generated catalogue, so generated ids find real rows.
async fn app_with_catalogue(test: &TestStore) -> TestApp {
    let plan = Plan { products: 200, seed: 7, proportions: Proportions::default(), threads: 1 };
    into_store(test.store.as_ref(), plan, false).await.expect("failed to generate a catalogue");
    TestApp::spawn(test.store.clone()).await
}

/// Runs `command` to completion off the runtime, so the app keeps serving meanwhile, and
/// returns its output; panics with that output unless it succeeded.
async fn run(mut command: Command) -> String {
    let shown = format!("{command:?}");
    let output =
        tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("failed to start");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{shown} failed:\n{text}");
    text
}

for_each_store! {
    async fn schemathesis_finds_no_server_error_and_no_response_off_the_schema(test) {
        let app = app_with_catalogue(&test).await;
        let workdir = tempfile::tempdir().unwrap();
        let mut command = Command::new(venv_tool("schemathesis"));
        command
            .current_dir(workdir.path())
            .args(["run", &app.url("/openapi.json"), "--url", &app.base])
            .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"])
            .args(["--max-examples", "50", "--seed", "1", "--workers", "2", "--no-color"])
            .args(["--generation-database", "none", "--request-timeout", "10"]);
        let output = run(command).await;
        // "Test cases:\n  2424 generated, 2424 passed": thousands, not dozens.
        let generated: u32 = output
            .lines()
            .find_map(|line| line.trim().split_once(" generated, ").and_then(|(n, _)| n.parse().ok()))
            .unwrap_or_else(|| panic!("no count of generated cases in:\n{output}"));
        println!("schemathesis on {}: {generated} cases", test.kind);
        assert!(generated >= 1000, "only {generated} cases generated:\n{output}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_renders_and_tries_a_call_in_chromium() {
    let test = TestStore::sqlite().await;
    let app = app_with_catalogue(&test).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/docs_try_it.py");
    let screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let mut command = Command::new(venv_tool("python"));
    command.arg(script).arg(&app.base).arg(screenshots.join("docs.png"));
    let output = run(command).await;
    assert!(output.contains("answered 200"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_storefront_loads_a_product_and_its_controls_work_in_chromium() {
    let test = TestStore::sqlite().await;
    // The hand-made catalogue, its photos inline (the browser reaches nothing but the app).
    let mut batch = atelier_testkit::fixture_batch();
    let photo = |label: &str| {
        format!(
            "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='120' height='90'%3E%3Crect width='120' height='90' fill='%23597a8c'/%3E%3Ctext x='8' y='50' fill='white'%3E{label}%3C/text%3E%3C/svg%3E"
        )
    };
    for p in &mut batch.style_photos {
        (p.url, p.thumbnail_url) = (photo(&format!("style{}", p.id)), photo(&format!("thumb{}", p.id)));
    }
    for p in &mut batch.review_photos {
        p.url = photo(&format!("review{}", p.id));
    }
    for p in &mut batch.answer_photos {
        p.url = photo(&format!("answer{}", p.id));
    }
    atelier_testkit::Fixture::load(test.store.as_ref(), batch).await;
    let app = TestApp::spawn(test.store.clone()).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/storefront.py");
    let screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let mut command = Command::new(venv_tool("python"));
    command.arg(script).arg(&app.base).arg(screenshots.join("storefront"));
    let output = run(command).await;
    assert!(output.contains("question worked"), "{output}");
}
