//! The whole HTTP app on an ephemeral port, with a client pointed at it.

use std::sync::Arc;

use atelier_api::ApiConfig;
use atelier_core::Store;
use serde_json::Value;
use tokio::sync::oneshot;

/// A running app; it shuts down when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client for it.
    pub client: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
}

impl TestApp {
    /// Serves `store` on `127.0.0.1:0`. The listener is bound before this returns, so the
    /// first request needs no waiting.
    pub async fn spawn(store: Arc<dyn Store>) -> Self {
        Self::spawn_with(store, &ApiConfig::default()).await
    }

    /// Serves `store` with the HTTP settings `config` (CORS origins, ...).
    pub async fn spawn_with(store: Arc<dyn Store>, config: &ApiConfig) -> Self {
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("failed to bind a test port");
        let base = format!("http://{}", listener.local_addr().expect("a bound listener has an address"));
        let router = atelier_api::router(store, config).expect("the test's API settings are valid");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let limits = config.limits.clone();
        tokio::spawn(async move {
            atelier_api::serve(
                listener,
                router,
                async {
                    let _ = stopped.await;
                },
                &limits,
            )
            .await
        });
        let client =
            reqwest::Client::builder().pool_max_idle_per_host(64).build().expect("failed to build a client");
        Self { base, client, _shutdown: shutdown }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` and returns the status and the JSON body (`Null` when empty).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        Self::read(self.client.get(self.url(path)).send().await).await
    }

    /// POSTs a raw body to `path`.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let request = self.client.post(self.url(path)).header("content-type", "application/json").body(body);
        Self::read(request.send().await).await
    }

    /// POSTs a url-encoded form (`a=1&b[]=2`) to `path`.
    pub async fn post_form(&self, path: &str, form: &str) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some("application/x-www-form-urlencoded"), form.to_owned())
            .await
    }

    /// Sends `body` with `method` and, when given, a content type.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        Self::read(request.send().await).await
    }

    /// POSTs `body` as JSON to `path`.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, body.to_string()).await
    }

    /// PUTs to `path` with no body.
    pub async fn put(&self, path: &str) -> (u16, Value) {
        Self::read(self.client.put(self.url(path)).send().await).await
    }

    async fn read(response: reqwest::Result<reqwest::Response>) -> (u16, Value) {
        let response = response.expect("the request failed to complete");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("failed to read the body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("the body is not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, body)
    }
}
