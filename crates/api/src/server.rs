//! The HTTP/1.1 server loop: what `axum::serve` does, plus the bounds a service exposed to the
//! internet needs on its connections.
//!
//! - A connection must send a complete request head within the header timeout, counted from
//!   when it opens or finishes its last response: a silent client, a slow-header one
//!   (slowloris) and an idle keep-alive are all closed by it.
//! - At most `max_connections` are open at once; past that the loop stops accepting and the
//!   kernel's backlog holds newcomers, instead of the process running out of descriptors.
//! - If accepting fails for lack of descriptors (`EMFILE`) anyway, the loop logs it once, backs
//!   off briefly and keeps serving the connections it has.
//! - On shutdown it stops accepting, lets requests in progress finish, and after the shutdown
//!   deadline drops whatever is still open (a half-sent request never holds the exit). First,
//!   for [`DRAIN`], it leaves kept-alive connections open and answers each request on them with
//!   `Connection: close`: a connection the server closes while its client is sending a request on
//!   it loses that request, and a balancer resends only requests it may repeat, so a write would
//!   fail. Within the drain a balancer closes its idle connections itself (nginx's upstream
//!   `keepalive_timeout` is shorter in `deploy/nginx.conf`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HeaderValue};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::Limits;

/// How long a stopping server leaves its kept-alive connections to their clients (at most half
/// the shutdown deadline), answering requests on them with `Connection: close`.
const DRAIN: Duration = Duration::from_secs(2);

/// Serves `router` on `listener` within `limits` until `shutdown` completes; each request gets
/// its path normalized (see [`crate::normalize_path`]) and its peer address as `ConnectInfo`.
pub(crate) async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: &Limits,
) -> std::io::Result<()> {
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let stopping = Arc::new(AtomicBool::new(false));
    let mut connections = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        // Above Atelier's own limits, so an oversized request gets Atelier's JSON answer.
        .max_headers(crate::PARSER_MAX_HEADERS);
    // When accepting last failed for lack of descriptors, and when that was last logged: it is
    // logged at most once a minute, however often it recurs.
    let mut logged_out_of_descriptors: Option<std::time::Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let place = tokio::select! {
            () = &mut shutdown => break,
            place = places.clone().acquire_owned() => place.map_err(std::io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_out_of_descriptors(&error) => {
                    if logged_out_of_descriptors.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                        logged_out_of_descriptors = Some(std::time::Instant::now());
                        tracing::error!(%error, "out of file descriptors: accepting more slowly, serving open connections");
                    }
                    // A pause, or the loop would spin while no descriptor is free.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                // A connection reset before it was accepted: nothing to do.
                Err(_) => continue,
            },
        };
        while connections.try_join_next().is_some() {}
        let service = hyper::service::service_fn({
            let (router, stopping) = (router.clone(), stopping.clone());
            move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                let request = crate::normalize_path(request.map(axum::body::Body::new));
                let (response, stopping) = (router.clone().oneshot(request), stopping.clone());
                async move {
                    let mut response = response.await?;
                    if stopping.load(Ordering::Relaxed) {
                        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
                    }
                    Ok::<_, std::convert::Infallible>(response)
                }
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection closed");
            }
            drop(place);
        });
    }
    drop(listener);
    stopping.store(true, Ordering::Relaxed);
    let drain = DRAIN.min(limits.shutdown_timeout / 2);
    let _ = tokio::time::timeout(drain, async { while connections.join_next().await.is_some() {} }).await;
    let open = graceful.count();
    if tokio::time::timeout(limits.shutdown_timeout - drain, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open,
            deadline_ms = limits.shutdown_timeout.as_millis() as u64,
            "shutdown deadline passed: dropping open connections"
        );
        connections.abort_all();
    }
    Ok(())
}

/// Whether accepting failed because the process or the system has no descriptor left.
fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    // EMFILE (24), ENFILE (23), ENOBUFS (105), ENOMEM (12) on Linux.
    matches!(error.raw_os_error(), Some(24 | 23 | 105 | 12))
}
