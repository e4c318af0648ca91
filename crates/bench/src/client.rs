//! One HTTP/1.1 keep-alive connection, as lean as hyper allows: no pool, no redirects, no TLS.
//!
//! A failed request drops the connection (the next request opens a new one), so a broken
//! connection is never reused and a slow one never blocks another.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;

/// Why a request did not succeed, as the report counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The TCP connection could not be opened (refused, unreachable).
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// The connection broke mid-request, or the response was not HTTP.
    Io,
    /// The server answered with a status that is not 2xx.
    Status(u16),
    /// A read after an acknowledged write did not show the write.
    Stale,
}

impl Failure {
    /// The failure's name in reports: `connect`, `timeout`, `io`, `status 503`, `stale read`.
    pub fn label(self) -> String {
        match self {
            Failure::Connect => "connect".to_owned(),
            Failure::Timeout => "timeout".to_owned(),
            Failure::Io => "io".to_owned(),
            Failure::Status(code) => format!("status {code}"),
            Failure::Stale => "stale read".to_owned(),
        }
    }
}

/// A response that counts as answered: 2xx, or 404 to a read (an id with nothing to show, such
/// as a reported question or a gap in the ids, is the service working, not failing).
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) body: Bytes,
    pub(crate) found: bool,
}

/// Where requests go: the address to connect to and the `Host` header to send.
#[derive(Debug, Clone)]
pub struct Target {
    /// The socket address.
    pub addr: SocketAddr,
    /// `host:port`, as the URL gave it.
    pub host: String,
}

/// A keep-alive connection to the target, opened on first use and after any failure.
pub(crate) struct Connection {
    target: Target,
    timeout: Duration,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    pub(crate) fn new(target: Target, timeout: Duration) -> Connection {
        Connection { target, timeout, sender: None }
    }

    /// Opens the connection now, if it can (a failure is reported by the next request).
    pub(crate) async fn warm(&mut self) {
        if self.sender.is_none()
            && let Ok(Ok(sender)) = tokio::time::timeout(self.timeout, connect(self.target.addr)).await
        {
            self.sender = Some(sender);
        }
    }

    /// Sends one request and reads the whole response body: a 2xx status, or a 404 to a read,
    /// is an [`Answer`]; anything else a [`Failure`].
    pub(crate) async fn send(&mut self, path: &str, body: Option<String>) -> Result<Answer, Failure> {
        match tokio::time::timeout(self.timeout, self.exchange(path, body)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(failure)) => {
                if !matches!(failure, Failure::Status(_)) {
                    self.sender = None;
                }
                Err(failure)
            }
            Err(_) => {
                self.sender = None;
                Err(Failure::Timeout)
            }
        }
    }

    async fn exchange(&mut self, path: &str, body: Option<String>) -> Result<Answer, Failure> {
        let sender = match &mut self.sender {
            Some(sender) => sender,
            None => self.sender.insert(connect(self.target.addr).await?),
        };
        sender.ready().await.map_err(|_| Failure::Io)?;
        let request = Request::builder().uri(path).header(hyper::header::HOST, &self.target.host);
        let read = body.is_none();
        let request = match body {
            Some(body) => request
                .method(Method::POST)
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body))),
            None => request.method(Method::GET).body(Full::new(Bytes::new())),
        }
        .map_err(|_| Failure::Io)?;
        let response = sender.send_request(request).await.map_err(|_| Failure::Io)?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|_| Failure::Io)?.to_bytes();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            Ok(Answer { body, found: true })
        } else if read && status == StatusCode::NOT_FOUND {
            Ok(Answer { body, found: false })
        } else {
            Err(Failure::Status(status.as_u16()))
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, Failure> {
    let stream = TcpStream::connect(addr).await.map_err(|_| Failure::Connect)?;
    // Requests are small and answered at once: Nagle's delay would only add latency.
    stream.set_nodelay(true).map_err(|_| Failure::Connect)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.map_err(|_| Failure::Connect)?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the peer closes; the next send reports why.
        let _ = connection.await;
    });
    Ok(sender)
}
