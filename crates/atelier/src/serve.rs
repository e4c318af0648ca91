//! `atelier serve`: the HTTP API on a store, until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use atelier_api::{ApiConfig, Limits};
use atelier_core::Store;
use clap::Args;
use tokio::net::TcpListener;

use crate::settings::{ReadOptions, StoreOptions};

/// Options of `atelier serve`.
#[derive(Debug, Args)]
pub struct ServeOptions {
    #[command(flatten)]
    pub store: StoreOptions,
    #[command(flatten)]
    pub reads: ReadOptions,
    #[command(flatten)]
    pub http: HttpOptions,
}

/// Where and how the API listens.
#[derive(Debug, Clone, Args)]
pub struct HttpOptions {
    /// Address to listen on.
    #[arg(long, env = "ATELIER_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Origins allowed by CORS, comma-separated (`https://shop.example.com,http://localhost:8080`);
    /// `*` allows any. An origin that is not scheme://host[:port] is a start-up error.
    #[arg(long, env = "ATELIER_CORS_ORIGINS", value_delimiter = ',', default_value = "*", value_parser = parse_origin)]
    pub cors_origins: Vec<String>,
    /// The whole-request deadline in milliseconds: a slower request gets a 503 with
    /// Retry-After. Also bounds each PostgreSQL statement and each SQLite lock wait.
    #[arg(long, env = "ATELIER_REQUEST_TIMEOUT_MS", default_value_t = Limits::default().request_timeout.as_millis() as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_ms: u64,
    /// Reads in progress at once; more are answered 503 at once rather than queued.
    #[arg(long, env = "ATELIER_MAX_READS", default_value_t = Limits::default().max_reads as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_reads: u32,
    /// Writes in progress at once; more are answered 503 at once rather than queued.
    #[arg(long, env = "ATELIER_MAX_WRITES", default_value_t = Limits::default().max_writes as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_writes: u32,
    /// When set, POST and PUT need `Authorization: Bearer TOKEN` (reads stay open). Off by
    /// default; set it in production.
    #[arg(long, env = "ATELIER_WRITE_TOKEN", hide_env_values = true)]
    pub write_token: Option<Secret>,
    /// Writes allowed per client address per minute (429 with Retry-After beyond). Unlimited
    /// when unset; set it in production.
    #[arg(long, env = "ATELIER_WRITES_PER_MINUTE")]
    pub writes_per_minute: Option<NonZeroU32>,
    /// How long a connection may take to send a complete request head, counted from when it
    /// opens or from its last response, in milliseconds: closes silent, slow-header and idle
    /// keep-alive connections.
    #[arg(long, env = "ATELIER_HEADER_TIMEOUT_MS", default_value_t = Limits::default().header_timeout.as_millis() as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_ms: u64,
    /// Connections open at once; beyond, new ones wait in the kernel's backlog. The default
    /// leaves room under the process's open-file limit for the database and log files.
    #[arg(long, env = "ATELIER_MAX_CONNECTIONS", default_value_t = default_max_connections(), value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// After SIGTERM or Ctrl-C, how long requests in progress may take, in milliseconds,
    /// before open connections are dropped.
    #[arg(long, env = "ATELIER_SHUTDOWN_TIMEOUT_MS", default_value_t = Limits::default().shutdown_timeout.as_millis() as u64)]
    pub shutdown_timeout_ms: u64,
    /// Log a line per request: method, route, request id, status and milliseconds (never
    /// bodies, query values or emails).
    #[arg(long, env = "ATELIER_ACCESS_LOG")]
    pub access_log: bool,
    /// The response cache's bound in bytes (every GET's body, dropped by the writes that make
    /// it stale); 0 turns it off.
    #[arg(long, env = "ATELIER_CACHE_BYTES", default_value_t = atelier_api::DEFAULT_CACHE_BYTES)]
    pub cache_bytes: u64,
    /// Redis as the cache's second tier, shared by every instance, with invalidations published
    /// to them all: redis://HOST[:PORT][/DB]. Run Redis with `maxmemory-policy volatile-lru`.
    #[arg(long, env = "ATELIER_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// What the shared cache's keys and channel start with, so deployments can share a Redis.
    #[arg(long, env = "ATELIER_REDIS_NAMESPACE", default_value = "atelier")]
    pub redis_namespace: String,
    /// Serve `/metrics` on this address only (not on `--listen`), e.g. an address only the
    /// monitoring network reaches.
    #[arg(long, env = "ATELIER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

/// The open-file limit (from `/proc/self/limits`) less 128 for the database, logs and the
/// listener, between 16 and 65,536; 1,000 where the limit cannot be read.
fn default_max_connections() -> u32 {
    let soft_limit = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
        line.split_whitespace().nth(3)?.parse::<u64>().ok()
    });
    soft_limit.map_or(1000, |limit| limit.saturating_sub(128).clamp(16, 65_536) as u32)
}

impl HttpOptions {
    /// The whole-request deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The HTTP layer's settings.
    pub fn api_config(&self) -> ApiConfig {
        ApiConfig {
            cors_origins: self.cors_origins.clone(),
            access_log: self.access_log,
            cache_bytes: self.cache_bytes,
            redis_url: self.redis_url.clone(),
            redis_namespace: self.redis_namespace.clone(),
            metrics_on_api: self.metrics_listen.is_none(),
            limits: Limits {
                request_timeout: self.request_timeout(),
                max_reads: self.max_reads as usize,
                max_writes: self.max_writes as usize,
                write_token: self.write_token.as_ref().map(|token| token.0.clone()),
                writes_per_minute: self.writes_per_minute,
                header_timeout: Duration::from_millis(self.header_timeout_ms),
                max_connections: self.max_connections as usize,
                shutdown_timeout: Duration::from_millis(self.shutdown_timeout_ms),
            },
        }
    }
}

/// A value never shown: `Debug` and logs print `***`.
#[derive(Clone)]
pub struct Secret(String);

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("a token must be non-empty printable ASCII without spaces".into());
        }
        Ok(Self(value.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// `*`, or an origin as browsers send it: `http` or `https`, a host, an optional port, and
/// nothing after (no path, no trailing slash).
fn parse_origin(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value == "*" {
        return Ok(value.to_owned());
    }
    let bad =
        || format!("{value:?} is not an origin such as https://shop.example.com or http://localhost:8080");
    let (scheme, rest) = value.split_once("://").ok_or_else(bad)?;
    // An IPv6 host is bracketed: `http://[::1]:8080`.
    let (host, port) = match rest.strip_prefix('[') {
        Some(bracketed) => {
            let (inside, after) = bracketed.split_once(']').ok_or_else(bad)?;
            // Nothing after the bracket, or `:port`; anything else fails as a port.
            (inside, (!after.is_empty()).then(|| after.strip_prefix(':').unwrap_or(after)))
        }
        None => match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b));
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok_and(|p| p > 0));
    if matches!(scheme, "http" | "https") && host_ok && port_ok { Ok(value.to_owned()) } else { Err(bad()) }
}

pub async fn run(options: ServeOptions) -> anyhow::Result<()> {
    let store = options.store.open_for_serving(Some(options.http.request_timeout()), &options.reads).await?;
    let listener = bind(&options.http).await?;
    tracing::info!(database = %options.store.database_url, "serving");
    serve(store, listener, &options.http).await
}

/// Binds the listening socket, with a message that names the address on failure.
pub async fn bind(http: &HttpOptions) -> anyhow::Result<TcpListener> {
    TcpListener::bind(http.listen).await.with_context(|| format!("failed to listen on {}", http.listen))
}

/// Serves `store` on `listener` until a shutdown signal, then drains in-flight requests.
pub async fn serve(store: Arc<dyn Store>, listener: TcpListener, http: &HttpOptions) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    // The bound address, not the configured one: with port 0 this is the only place it shows.
    tracing::info!(address = %listener.local_addr().context("failed to read the listening address")?, "listening");
    let config = http.api_config();
    if let Some(address) = http.metrics_listen {
        let metrics = TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to listen for metrics on {address}"))?;
        tracing::info!(%address, "serving metrics");
        let router = atelier_api::metrics_router(store.clone());
        tokio::spawn(async move {
            if let Err(e) =
                atelier_api::serve(metrics, router, std::future::pending(), &Limits::default()).await
            {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        });
    }
    let router = atelier_api::router(store, &config).map_err(anyhow::Error::msg)?;
    atelier_api::serve(listener, router, shutdown, &config.limits).await.context("failed to serve HTTP")
}

/// Serves `/metrics` on `address` in the background, for as long as the process runs.
pub async fn serve_metrics(address: SocketAddr, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("failed to listen for metrics on {address}"))?;
    tracing::info!(%address, "serving metrics");
    let router = atelier_api::metrics_router(store);
    tokio::spawn(async move {
        if let Err(e) = atelier_api::serve(listener, router, std::future::pending(), &Limits::default()).await
        {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    });
    Ok(())
}

/// A future that completes on SIGTERM or SIGINT (Ctrl-C). The handlers are installed here,
/// when it is created, not when it is first polled: a signal that arrives between the
/// "listening" log line and the server's first poll must stop it gracefully, not kill it.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("failed to handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("failed to handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in [
            "*",
            "https://shop.example.com",
            "http://localhost:8080",
            "http://127.0.0.1:3000",
            "http://[::1]:8080",
        ] {
            assert_eq!(parse_origin(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "shop.example.com",
            "https://shop.example.com/",
            "ftp://x.com",
            "http://",
            "http://a:0",
            "http://a:99999",
            "http://a b",
            "http://[::1",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token: Secret = "s3cret".parse().unwrap();
        assert_eq!(format!("{token:?}"), "***");
        assert!("has space".parse::<Secret>().is_err());
    }
}
