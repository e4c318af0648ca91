//! Abusive and unlucky connections: silent, slow-header and idle keep-alive ones are closed by
//! the header timeout while normal clients are served, and the connection cap holds newcomers
//! back instead of running out of descriptors.

use std::time::{Duration, Instant};

use atelier_api::{ApiConfig, Limits};
use atelier_testkit::{TestApp, TestStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The app within `limits`, with its store (kept for as long as the test runs).
async fn app(limits: Limits) -> (TestApp, TestStore) {
    let test = TestStore::sqlite().await;
    let config = ApiConfig { limits, ..ApiConfig::default() };
    (TestApp::spawn_with(test.store.clone(), &config).await, test)
}

fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; how long that took, or `None` if it stayed
/// open past `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0_u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

#[tokio::test]
async fn silent_slow_header_and_idle_connections_are_closed_while_a_client_is_served() {
    let (app, _store) = app(Limits { header_timeout: Duration::from_millis(400), ..Limits::default() }).await;
    let address = address(&app);

    let mut silent = TcpStream::connect(&address).await.unwrap();
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n").await.unwrap();
    let (mut slow_reader, mut slow_writer) = slow.into_split();
    // A header line every 100 ms: each alone is quick, the head never completes.
    let trickle = tokio::spawn(async move {
        for i in 0..40 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if slow_writer.write_all(format!("x-trickle-{i}: 1\r\n").as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n").await.unwrap();
    let mut reply = [0_u8; 1024];
    let n = idle.read(&mut reply).await.unwrap();
    assert!(reply[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&reply[..n]));

    // A normal client is served at once meanwhile.
    let started = Instant::now();
    assert_eq!(app.client.get(app.url("/health")).send().await.unwrap().status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_millis(300));

    let bound = Duration::from_secs(3);
    let silent_closed = closed_within(&mut silent, bound).await.expect("a silent connection stayed open");
    let idle_closed = closed_within(&mut idle, bound).await.expect("an idle keep-alive stayed open");
    let started = Instant::now();
    let slow_closed = tokio::time::timeout(bound, async {
        let mut buffer = [0_u8; 1024];
        while !matches!(slow_reader.read(&mut buffer).await, Ok(0) | Err(_)) {}
    })
    .await;
    assert!(slow_closed.is_ok(), "a slow-header connection stayed open {:?}", started.elapsed());
    trickle.abort();
    assert!(silent_closed < Duration::from_secs(2) && idle_closed < Duration::from_secs(2));
}

#[tokio::test]
async fn past_the_connection_cap_newcomers_wait_until_a_place_frees() {
    let limits = Limits { max_connections: 2, header_timeout: Duration::from_secs(20), ..Limits::default() };
    let (app, _store) = app(limits).await;
    let address = address(&app);
    let first = TcpStream::connect(&address).await.unwrap();
    let mut second = TcpStream::connect(&address).await.unwrap();
    // The second is accepted and served: the cap is two.
    second.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n").await.unwrap();
    let mut reply = [0_u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(2), second.read(&mut reply)).await.unwrap().unwrap();
    assert!(reply[..n].starts_with(b"HTTP/1.1 200"));

    let mut third = TcpStream::connect(&address).await.unwrap();
    third.write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n").await.unwrap();
    let waited = tokio::time::timeout(Duration::from_millis(500), third.read(&mut reply)).await;
    assert!(waited.is_err(), "a third connection was served beyond the cap of two");
    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(2), third.read(&mut reply)).await.unwrap().unwrap();
    assert!(reply[..n].starts_with(b"HTTP/1.1 200"), "served once a place freed");
}
