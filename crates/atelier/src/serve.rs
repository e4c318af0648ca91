//! `atelier serve`: the HTTP API on a store, until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use atelier_api::{ApiConfig, AppState};
use atelier_core::Store;
use clap::Args;
use tokio::net::TcpListener;

use crate::settings::StoreOptions;

/// Options of `atelier serve`.
#[derive(Debug, Args)]
pub struct ServeOptions {
    #[command(flatten)]
    pub store: StoreOptions,
    #[command(flatten)]
    pub http: HttpOptions,
}

/// Where and how the API listens.
#[derive(Debug, Clone, Args)]
pub struct HttpOptions {
    /// Address to listen on.
    #[arg(long, env = "ATELIER_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Origins allowed by CORS, comma-separated; `*` allows any.
    #[arg(long, env = "ATELIER_CORS_ORIGINS", value_delimiter = ',', default_value = "*")]
    pub cors_origins: Vec<String>,
}

pub async fn run(options: ServeOptions) -> anyhow::Result<()> {
    let store = options.store.open().await?;
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
    // The bound address, not the configured one: with port 0 this is the only place it shows.
    tracing::info!(address = %listener.local_addr().context("failed to read the listening address")?, "listening");
    let config = ApiConfig { cors_origins: http.cors_origins.clone() };
    let router = atelier_api::router(AppState { store }, &config);
    atelier_api::serve(listener, router, shutdown_signal()).await.context("failed to serve HTTP")
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
