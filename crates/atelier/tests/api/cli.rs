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
/// including "Press Ctrl-C to stop.", and the address it serves on.
fn quickstart(db: &std::path::Path) -> (Running, Vec<String>, String) {
    let child = Command::new(BIN)
        .args(["quickstart", "--products", "300", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("failed to start atelier");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout is piped");
    let mut lines = Vec::new();
    let mut address = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("failed to read the output");
        // "Atelier is serving the demo catalogue on http://127.0.0.1:PORT. Try:"
        if let Some(rest) = line.strip_prefix("Atelier is serving") {
            address =
                Some(rest.split("http://").nth(1).unwrap_or_default().trim_end_matches(". Try:").to_owned());
        }
        let done = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if done {
            let address =
                address.unwrap_or_else(|| panic!("quickstart never said where it serves: {lines:?}"));
            return (running, lines, address);
        }
    }
    panic!("quickstart stopped printing before its banner ended: {lines:?}");
}

#[test]
fn quickstart_keeps_serving_when_its_output_is_closed() {
    // Like `atelier quickstart | head -1`: stdout is a pipe nobody reads, closed from the start.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = Command::new(BIN)
        .args(["quickstart", "--products", "50", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(dir.path().join("closed.db"))
        .stdout(writer)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    // The banner is written before the server starts answering, so an answer proves the
    // process got past it. Bounded: about ten seconds.
    let answered = (0..200).any(|_| {
        if let Some(status) = running.0.try_wait().unwrap() {
            panic!("quickstart exited with {status} when its output was closed");
        }
        match health(port) {
            Some(reply) => reply.starts_with("HTTP/1.1 200"),
            None => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                false
            }
        }
    });
    assert!(answered, "quickstart never answered on port {port}");
}

/// `GET /health` over a raw socket, or `None` while nothing answers.
fn health(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    (!reply.is_empty()).then_some(reply)
}

/// GETs `url` and parses the JSON body.
async fn get_json(url: &str) -> serde_json::Value {
    reqwest::get(url).await.expect("the request failed").json().await.expect("the body is not JSON")
}

#[tokio::test]
async fn quickstart_serves_a_demo_catalogue_and_reuses_it_on_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");

    let (first, lines, address) = quickstart(&db);
    assert!(lines.iter().any(|l| l.starts_with("creating the demo catalogue")), "{lines:?}");
    let meta = get_json(&format!("http://{address}/reviews/meta?product_id=2")).await;
    assert_eq!(meta["product_id"], "2");
    let questions = get_json(&format!("http://{address}/qa/questions?product_id=7")).await;
    assert_eq!(questions["product_id"], "7");
    drop(first);

    let (_second, lines, address) = quickstart(&db);
    assert!(lines.iter().any(|l| l.starts_with("reusing the catalogue")), "{lines:?}");
    let again = get_json(&format!("http://{address}/reviews/meta?product_id=2")).await;
    assert_eq!(again, meta, "the same catalogue is served");
}

#[tokio::test]
async fn the_quickstart_examples_show_photos_answers_and_the_docs() {
    let dir = tempfile::tempdir().unwrap();
    let (_running, lines, address) = quickstart(&dir.path().join("demo.db"));
    let urls: Vec<&str> =
        lines.iter().filter_map(|l| l.trim().strip_prefix("curl '")?.strip_suffix('\'')).collect();
    assert_eq!(urls.len(), 5, "{lines:?}");
    let reviews = get_json(urls[0]).await;
    let photos =
        reviews["results"].as_array().unwrap().iter().any(|r| !r["photos"].as_array().unwrap().is_empty());
    assert!(photos, "the first example shows a review with photos: {reviews}");
    let questions = get_json(urls[2]).await;
    let answered = questions["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| !q["answers"].as_object().unwrap().is_empty());
    assert!(answered, "the example product has answered questions: {questions}");
    let answers = get_json(urls[3]).await;
    assert!(!answers["results"].as_array().unwrap().is_empty(), "{answers}");
    let docs =
        lines.iter().find(|l| l.contains("/docs")).unwrap_or_else(|| panic!("no docs link: {lines:?}"));
    assert!(docs.contains(&format!("http://{address}/docs")) && docs.contains("/openapi.json"), "{docs}");
    let page = reqwest::get(format!("http://{address}/docs/")).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
}

#[test]
fn help_lists_every_subcommand() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.starts_with("Atelier: the Ratings & Reviews and Questions & Answers APIs"), "{help}");
    for command in ["serve", "quickstart", "migrate", "generate", "import"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(command)),
            "{command} is missing from:\n{help}"
        );
    }
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
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("50 products"));
    let second = run(&[]);
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let replaced = run(&["--replace", "--seed", "7"]);
    assert!(replaced.status.success(), "{}", String::from_utf8_lossy(&replaced.stderr));
}

#[test]
fn an_unknown_database_scheme_is_refused_with_the_known_ones() {
    let output =
        Command::new(BIN).args(["serve", "--database-url", "mysql://localhost/db"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sqlite://") && stderr.contains("postgres://"), "{stderr}");
}
