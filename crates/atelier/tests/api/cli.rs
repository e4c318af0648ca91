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

/// Follows the JSON log a child writes on stderr: waits, at most a minute, for its "listening"
/// line and returns the address it names, with a receiver of the lines after it. Read on a
/// thread, so a build that never logs the line fails the test instead of blocking it for as
/// long as the child serves; the thread keeps reading, so the child never blocks on the pipe.
fn listening(running: &mut Running) -> (String, std::sync::mpsc::Receiver<String>) {
    let stderr = BufReader::new(running.0.stderr.take().expect("stderr is piped"));
    let (found, address) = std::sync::mpsc::channel();
    let (later, logs) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = stderr.lines().map_while(Result::ok);
        let listening = lines.by_ref().find_map(|line| {
            let entry: serde_json::Value = serde_json::from_str(&line).ok()?;
            (entry["fields"]["message"] == "listening")
                .then(|| entry["fields"]["address"].as_str().map(str::to_owned))?
        });
        let _ = found.send(listening);
        for line in lines {
            let _ = later.send(line);
        }
    });
    match address.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(Some(address)) => (address, logs),
        Ok(None) => panic!("exited before listening: {:?}", running.0.wait()),
        Err(_) => panic!("never logged where it listens"),
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
    // The address comes from the log line on stderr, so the port is the server's own (port 0),
    // never one released by the test and raced for.
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = Command::new(BIN)
        .args(["quickstart", "--products", "50", "--listen", "127.0.0.1:0", "--log-format", "json", "--db"])
        .arg(dir.path().join("closed.db"))
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let (address, _logs) = listening(&mut running);
    // The banner is written before the server starts listening, so an answer proves the
    // process got past it; the socket is bound, so the request waits for the accept.
    let reply = health(&address).unwrap_or_else(|| panic!("quickstart never answered on {address}"));
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// `GET /health` over a raw socket, or `None` while nothing answers.
fn health(address: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
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
    assert_eq!(urls.len(), 6, "{lines:?}");
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
    let styles = get_json(urls[4]).await;
    assert!(!styles["results"].as_array().unwrap().is_empty(), "the example product has styles: {styles}");
    let storefront = lines
        .iter()
        .find_map(|l| l.split_once("storefront, as a shopper sees it: ").map(|(_, url)| url.trim()))
        .unwrap_or_else(|| panic!("no storefront link: {lines:?}"));
    let page = reqwest::get(storefront).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("Ratings &amp; reviews"));
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

/// Runs the binary with `args`, killed after a minute (coreutils `timeout`): a command that
/// should refuse to start but serves instead fails its test rather than hanging it.
fn run_bounded(args: &[&str]) -> std::process::Output {
    Command::new("timeout").arg("60").arg(BIN).args(args).output().expect("failed to run atelier")
}

#[tokio::test]
async fn serve_refuses_a_postgres_schema_behind_this_build_until_it_is_migrated() {
    let test = atelier_testkit::TestStore::postgres_unmigrated().await;
    let refused = run_bounded(&["serve", "--database-url", &test.url, "--listen", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("behind this build") && stderr.contains("run `atelier migrate` first"),
        "{stderr}"
    );

    let applied = |output: &std::process::Output| -> u32 {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let count = stdout.split("applied ").nth(1).and_then(|rest| rest.split(' ').next());
        count.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no count of migrations in {stdout:?}"))
    };
    let migrated = run_bounded(&["migrate", "--database-url", &test.url]);
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(applied(&migrated) >= 2, "every migration of this build is applied");
    let again = run_bounded(&["migrate", "--database-url", &test.url]);
    assert_eq!(applied(&again), 0);
}

#[tokio::test]
async fn migrate_refuses_a_schema_that_a_newer_build_migrated() {
    let test = atelier_testkit::TestStore::postgres().await;
    let (client, connection) = tokio_postgres::connect(&test.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '1')",
        )
        .await
        .unwrap();
    let refused = run_bounded(&["migrate", "--database-url", &test.url]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("failed to migrate") && stderr.contains("999"), "{stderr}");
}

#[test]
fn a_bad_cors_origin_is_a_start_up_error() {
    let output = run_bounded(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--cors-origins",
        "https://shop.example.com,shop.example.com",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"shop.example.com\" is not an origin"), "{stderr}");
}

#[tokio::test]
async fn a_resident_sqlite_store_locks_its_file_in_memory_or_refuses_to_start_past_the_lock_limit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    let served = serve_url(&url, &["--sqlite-resident"]);
    let file = std::fs::metadata(dir.path().join("serve.db")).unwrap().len() as f64;
    let metrics =
        reqwest::get(format!("http://{}/metrics", served.address)).await.unwrap().text().await.unwrap();
    let locked = crate::metrics::sample(&metrics, "atelier_process_memory_bytes", &[("kind", "locked")]);
    assert!(file > 0.0 && locked.is_some_and(|locked| locked >= file), "{locked:?} locked for {file} bytes");
    drop(served);

    // Without CAP_IPC_LOCK (root holds it: setpriv takes it away) the memory-lock limit binds.
    let setpriv: &[&str] = if atelier_testkit::is_root() {
        &["setpriv", "--bounding-set", "-ipc_lock", "--inh-caps", "-ipc_lock"]
    } else {
        &[]
    };
    let refused = Command::new("timeout")
        .arg("60")
        .args(setpriv)
        .args(["prlimit", "--memlock=4096", BIN, "serve", "--listen", "127.0.0.1:0", "--sqlite-resident"])
        .args(["--database-url", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not lock the SQLite file") && stderr.contains("memory-lock limit"),
        "{stderr}"
    );

    let postgres =
        run_bounded(&["serve", "--database-url", "postgres://127.0.0.1/none", "--sqlite-resident"]);
    let stderr = String::from_utf8_lossy(&postgres.stderr);
    assert!(!postgres.status.success() && stderr.contains("shared_buffers"), "{stderr}");
}

#[test]
fn help_never_shows_a_secret_from_the_environment() {
    let output = Command::new(BIN)
        .args(["serve", "--help"])
        .env("ATELIER_DATABASE_URL", "postgres://atelier:hunter2@db.internal/atelier")
        .env("ATELIER_WRITE_TOKEN", "t0ps3cret")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("ATELIER_DATABASE_URL") && help.contains("ATELIER_WRITE_TOKEN"), "{help}");
    assert!(!help.contains("hunter2") && !help.contains("t0ps3cret"), "{help}");
}

/// A running `atelier serve` on a fresh SQLite file, its address, and its later log lines.
struct Served {
    running: Running,
    address: String,
    logs: std::sync::mpsc::Receiver<String>,
}

/// Starts `atelier serve` on a fresh SQLite file in `dir` with `extra` settings and JSON logs.
fn serve_sqlite(dir: &std::path::Path, extra: &[&str]) -> Served {
    serve_url(&format!("sqlite://{}", dir.join("serve.db").display()), extra)
}

/// Starts `atelier serve` on the store at `url` with `extra` settings and JSON logs.
fn serve_url(url: &str, extra: &[&str]) -> Served {
    let child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--database-url", url])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start atelier");
    let mut running = Running(child);
    let (address, logs) = listening(&mut running);
    Served { running, address, logs }
}

#[tokio::test]
async fn the_access_log_has_one_line_per_request_with_its_route_and_id_and_no_values() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_sqlite(dir.path(), &["--access-log"]);
    let response =
        reqwest::get(format!("http://{}/reviews/meta?product_id=424242", served.address)).await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let line = served.logs.recv_timeout(std::time::Duration::from_secs(10)).expect("no access log line");
    let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(entry["fields"]["message"], "request", "{line}");
    assert_eq!(entry["fields"]["status"], 404, "{line}");
    assert_eq!(entry["span"]["route"], "/reviews/meta", "{line}");
    assert_eq!(entry["span"]["request_id"], id.as_str(), "{line}");
    assert!(!line.contains("424242"), "query values stay out of the log: {line}");
    assert!(served.logs.recv_timeout(std::time::Duration::from_millis(300)).is_err(), "one line per request");
    drop(served.running);
}

#[test]
fn sigterm_with_a_half_sent_request_exits_within_the_shutdown_deadline() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // A header timeout far longer than the test: only the shutdown deadline can end it.
    let Served { mut running, address, .. } =
        serve_sqlite(dir.path(), &["--shutdown-timeout-ms", "500", "--header-timeout-ms", "120000"]);
    let pid = running.0.id().to_string();
    let mut half = std::net::TcpStream::connect(&address).unwrap();
    half.write_all(
        b"POST /reviews HTTP/1.1\r\nhost: localhost\r\ncontent-length: 500\r\n\r\n{\"product_id\": 1",
    )
    .unwrap();
    let mut idle = std::net::TcpStream::connect(&address).unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n").unwrap();

    let started = std::time::Instant::now();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(running.0.wait());
    });
    let status = exited
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("still running 20 s after SIGTERM"))
        .unwrap();
    let took = started.elapsed();
    assert!(status.success(), "{status}");
    assert!(took < std::time::Duration::from_secs(5), "exited after {took:?}");
    drop(half);
}

#[test]
fn a_stopping_server_answers_on_a_kept_alive_connection_and_closes_it_after() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let Served { mut running, address, .. } = serve_sqlite(dir.path(), &[]);
    let mut kept = std::net::TcpStream::connect(&address).unwrap();
    kept.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let request = b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n";
    let mut reply = [0_u8; 1024];
    kept.write_all(request).unwrap();
    let n = kept.read(&mut reply).unwrap();
    let head = String::from_utf8_lossy(&reply[..n]).to_lowercase();
    assert!(head.starts_with("http/1.1 200") && !head.contains("connection: close"), "{head}");

    // Stopping, the server keeps the idle connection: a balancer may be sending on it.
    let pid = running.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    kept.write_all(request).unwrap();
    let n = kept.read(&mut reply).unwrap();
    let head = String::from_utf8_lossy(&reply[..n]).to_lowercase();
    assert!(
        head.starts_with("http/1.1 200"),
        "the request sent while the server stops is answered: {head:?}"
    );
    assert!(head.contains("connection: close"), "{head}");
    assert_eq!(kept.read(&mut reply).unwrap(), 0, "the connection closes after that answer");
    let status = running.0.wait().unwrap();
    assert!(status.success(), "{status}");
}

atelier_testkit::for_each_store! {
    async fn every_acknowledged_write_survives_a_kill_9_and_is_counted_in_meta(test) {
        atelier_testkit::Fixture::load(test.store.as_ref(), atelier_testkit::fixture_batch()).await;
        let served = serve_url(&test.url, &[]);
        let client = reqwest::Client::new();
        let base = format!("http://{}", served.address);
        // Four writers post reviews of product 1 until the server dies under them.
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let (client, base) = (client.clone(), base.clone());
                tokio::spawn(async move {
                    let mut acknowledged = Vec::new();
                    while let Ok(response) = client.post(format!("{base}/reviews")).json(&crate::review()).send().await {
                        let Ok(body) = response.json::<serde_json::Value>().await else { break };
                        acknowledged.push(body["review_id"].as_i64().expect("a 201 with the new id"));
                    }
                    acknowledged
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let pid = served.running.0.id().to_string();
        assert!(Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
        let mut acknowledged = Vec::new();
        for writer in writers {
            acknowledged.extend(writer.await.unwrap());
        }
        drop(served);
        assert!(acknowledged.len() >= 10, "only {} writes before the kill", acknowledged.len());

        // The killed server's database sessions may still be running a write that commits
        // after it died: read the meta, the list, and the meta again, uncached, until no write
        // lands between the two metas, so the list is the one the meta counts.
        let again = serve_url(&test.url, &["--cache-bytes", "0"]);
        let meta_url = format!("http://{}/reviews/meta?product_id=1", again.address);
        let mut settled = None;
        for _ in 0..50 {
            let before: serde_json::Value = client.get(&meta_url).send().await.unwrap().json().await.unwrap();
            let listed = all_review_ids(&client, &again.address).await;
            let after: serde_json::Value = client.get(&meta_url).send().await.unwrap().json().await.unwrap();
            if before == after {
                settled = Some((listed, after));
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (listed, meta) = settled.expect("writes still landing 5 s after the kill");
        let missing: Vec<&i64> = acknowledged.iter().filter(|id| !listed.contains(id)).collect();
        assert!(missing.is_empty(), "{} acknowledged writes lost: {missing:?}", missing.len());
        // Meta counts every review, reported ones included: the fixture's eight (one reported)
        // and each posted one that committed, acknowledged or caught by the kill.
        let rated: i64 = meta["ratings"].as_object().unwrap().values().map(|n| n.as_str().unwrap().parse::<i64>().unwrap()).sum();
        assert_eq!(rated - 8, listed.len() as i64 - 7, "meta and the list disagree: {meta}");
        assert!(rated - 8 >= acknowledged.len() as i64 && rated - 8 <= acknowledged.len() as i64 + 4, "{rated} rated, {} acknowledged", acknowledged.len());
        println!("{}: {} writes acknowledged before kill -9, all present and counted", test.kind, acknowledged.len());
    }
}

/// Every listed review id of product 1, page by page.
async fn all_review_ids(client: &reqwest::Client, address: &str) -> std::collections::HashSet<i64> {
    let mut listed = std::collections::HashSet::new();
    for page in 1.. {
        let url = format!("http://{address}/reviews?product_id=1&count=1000&page={page}&sort=newest");
        let list: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
        let results = list["results"].as_array().unwrap();
        if results.is_empty() {
            break;
        }
        listed.extend(results.iter().map(|r| r["review_id"].as_i64().unwrap()));
    }
    listed
}

#[tokio::test]
async fn a_sqlite_file_locked_by_another_process_fails_writes_by_the_deadline_and_recovers() {
    let test = atelier_testkit::TestStore::sqlite().await;
    atelier_testkit::Fixture::load(test.store.as_ref(), atelier_testkit::fixture_batch()).await;
    let served = serve_url(&test.url, &["--request-timeout-ms", "500"]);
    let base = format!("http://{}", served.address);
    // Another process's write transaction holds the file's write lock.
    let locker = rusqlite::Connection::open(test.url.trim_start_matches("sqlite://")).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();

    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let posts = (0..5).map(|_| client.post(format!("{base}/reviews")).json(&crate::review()).send());
    let answers = futures_util::future::join_all(posts).await;
    let took = started.elapsed();
    for answer in answers {
        let response = answer.unwrap();
        assert_eq!(response.status().as_u16(), 503);
        assert_eq!(response.headers()["retry-after"], "1");
    }
    println!("five writes behind another process's lock answered 503 in {took:?}");
    assert!(
        took >= std::time::Duration::from_millis(400),
        "they waited for the lock, up to the deadline: {took:?}"
    );
    assert!(took < std::time::Duration::from_millis(1500), "five writes behind a lock took {took:?}");
    let reads = client.get(format!("{base}/reviews/meta?product_id=1")).send().await.unwrap();
    assert_eq!(reads.status().as_u16(), 200, "reads go on beside the lock (WAL)");

    locker.execute_batch("ROLLBACK").unwrap();
    let started = std::time::Instant::now();
    let response = client.post(format!("{base}/reviews")).json(&crate::review()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201, "a write once the lock is gone");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "no backlog of waits: {:?}",
        started.elapsed()
    );
}

#[test]
fn out_of_file_descriptors_it_logs_once_keeps_serving_and_recovers() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fds.db").display());
    // A limit of 64 open files, and a connection cap above it: accepting must hit EMFILE.
    let script = format!(
        "ulimit -n 64 && exec {BIN} serve --listen 127.0.0.1:0 --log-format json --max-connections 1000 --database-url {url}"
    );
    let child = Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let (address, lines) = listening(&mut running);
    // Far more silent connections than descriptors: the kernel completes them, the server
    // cannot accept them all.
    let opening = std::time::Instant::now();
    let mut silent: Vec<std::net::TcpStream> =
        (0..90).filter_map(|_| std::net::TcpStream::connect(&address).ok()).collect();
    println!("opened {} in {:?}", silent.len(), opening.elapsed());
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Freed descriptors let the server accept again: a normal request is answered.
    silent.truncate(0);
    let started = std::time::Instant::now();
    let mut client = std::net::TcpStream::connect(&address).unwrap();
    client.set_read_timeout(Some(std::time::Duration::from_secs(15))).unwrap();
    client.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    client.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    println!("served {:?} after the descriptors were freed", started.elapsed());
    assert!(running.0.try_wait().unwrap().is_none(), "the server is still running");
    let logged: Vec<String> =
        lines.try_iter().filter(|line| line.contains("out of file descriptors")).collect();
    assert_eq!(logged.len(), 1, "logged once, not in a loop: {logged:?}");
}
