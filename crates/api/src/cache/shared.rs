//! The shared tier: Redis behind every instance's in-process cache (`--redis-url`).
//!
//! Per scope, two keys: `atelier:{p123}:gen`, the scope's generation (no expiry), and
//! `atelier:{p123}:body`, a hash of response bodies by `generation:view` (expiring
//! [`BODY_TTL`] after its last fill). A write sets the generation to the larger of one more and
//! the time in milliseconds (so it also says when the scope was last written), deletes the
//! bodies and publishes the scope on [`CHANNEL`], in one script per scope. A read asks for the
//! generation, then for its body under that generation; a body that a read older than the write
//! files late is under the old generation, where nobody looks. The braces keep a scope's two
//! keys in one slot of a Redis Cluster. Redis must not evict the generations: run it with
//! `maxmemory-policy volatile-lru`, which evicts only keys that expire (the bodies).
//!
//! Redis unreachable or slow: every call gives up after [`BUDGET`], the failure is logged once,
//! calls skip Redis for [`RETRY_AFTER`] and then try again (the connection manager reconnects by
//! itself, and subscribes again), and meanwhile the instance serves from its own tier, by its
//! local versions, and from the store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use atelier_core::{Owner, ProductId, QuestionId, Scope, Store};
use axum::body::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind, Value};

use super::{LocalVersions, View};
use crate::metrics;

/// Where writes are announced, after the namespace: the payload is the scope, `p123` or `q45`.
const CHANNEL: &str = ":invalidate";
/// How long a scope's bodies stay after their last fill.
const BODY_TTL: Duration = Duration::from_secs(600);
/// The longest a request waits for Redis before doing without it.
const BUDGET: Duration = Duration::from_millis(100);
/// How long calls skip Redis after it failed.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// A generation newer than this (in milliseconds) means the scope was written moments ago,
/// maybe through another instance: its reads go where that write is visible (the primary).
const RECENT_MS: u64 = 30_000;

/// Sets a scope's generation past both its last one and now, drops its bodies and announces
/// it. KEYS: the generation, the bodies; ARGV: now in milliseconds, the channel, the scope.
const INVALIDATE: &str = "
local generation = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], generation)
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return generation";

/// The Redis tier; cloning shares its connection.
#[derive(Clone)]
pub(crate) struct SharedTier {
    connection: ConnectionManager,
    /// What every key and the channel start with, so that deployments can share a server.
    namespace: Arc<str>,
    health: Arc<Health>,
    invalidate: Arc<redis::Script>,
}

impl SharedTier {
    /// Connects lazily to `url` (nothing is checked until the first call, so an instance starts
    /// while Redis is down) and subscribes, in a task, to the other instances' writes: each
    /// moves the local versions of its scope and tells the store. Needs a Tokio runtime.
    pub(crate) fn connect(
        url: &str,
        namespace: &str,
        versions: Arc<LocalVersions>,
        store: Arc<dyn Store>,
    ) -> Result<Self, String> {
        let bad = |e: redis::RedisError| format!("the Redis URL {url:?} is not usable: {e}");
        let info = url.into_connection_info().map_err(bad)?;
        // Pub/sub messages arrive on the same connection with RESP3.
        let settings = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings)).map_err(bad)?;
        let on_push = move |push: PushInfo| {
            match push.kind {
                PushKind::Message => {
                    if let Some(scope) = push.data.get(1).and_then(parse_scope) {
                        versions.bump(std::iter::once(scope));
                        store.note_write(scope);
                    }
                }
                // Messages may be lost while disconnected: every local entry is suspect.
                PushKind::Disconnection => versions.bump_all(),
                _ => {}
            }
            Ok::<(), std::convert::Infallible>(())
        };
        let config = ConnectionManagerConfig::new()
            .set_push_sender(on_push)
            .set_automatic_resubscription()
            .set_response_timeout(Some(BUDGET))
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(bad)?;
        let tier = Self {
            connection,
            namespace: namespace.into(),
            health: Arc::new(Health::default()),
            invalidate: Arc::new(redis::Script::new(INVALIDATE)),
        };
        tokio::spawn(tier.clone().subscribe());
        Ok(tier)
    }

    /// Subscribes once Redis answers, retrying while it does not; afterwards the connection
    /// manager subscribes again by itself after every reconnection.
    async fn subscribe(self) {
        loop {
            let mut connection = self.connection.clone();
            let channel = format!("{}{CHANNEL}", self.namespace);
            match tokio::time::timeout(Duration::from_secs(2), connection.subscribe(channel)).await {
                Ok(Ok(())) => return,
                _ => {
                    self.health.failed();
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
    }

    /// The scope's generation (0 if never written); `None` when Redis cannot say now.
    pub(crate) async fn generation(&self, scope: Scope) -> Option<u64> {
        let key = format!("{}:gen", self.key_prefix(scope));
        let value: Option<u64> = self.call(|mut c| async move { c.get(key).await }).await?;
        Some(value.unwrap_or(0))
    }

    /// The body of `view` of `scope` at `generation`, if some instance filed it.
    pub(crate) async fn get(&self, scope: Scope, generation: u64, view: View) -> Option<Bytes> {
        let key = format!("{}:body", self.key_prefix(scope));
        let field = format!("{generation}:{}", view.field());
        let body: Option<Vec<u8>> = self.call(|mut c| async move { c.hget(key, field).await }).await?;
        body.map(Bytes::from)
    }

    /// Files `body` for the other instances, in the background: the response does not wait.
    pub(crate) fn put(&self, scope: Scope, generation: u64, view: View, body: Bytes) {
        let tier = self.clone();
        let key = format!("{}:body", self.key_prefix(scope));
        let field = format!("{generation}:{}", view.field());
        tokio::spawn(async move {
            let ttl = BODY_TTL.as_secs() as i64;
            tier.call(|mut c| async move {
                redis::pipe()
                    .hset(&key, field, body.as_ref())
                    .ignore()
                    .expire(&key, ttl)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
        });
    }

    /// Moves the generations of the scopes `owner` changed and tells every instance. When Redis
    /// is unreachable the write stands; other instances see it once their entries are
    /// invalidated by a later write or expire.
    pub(crate) async fn invalidate(&self, owner: Owner) {
        let now = now_ms();
        for scope in owner.scopes() {
            let prefix = self.key_prefix(scope);
            let script = self.invalidate.clone();
            let name = scope_name(scope);
            let channel = format!("{}{CHANNEL}", self.namespace);
            self.call(|mut c| async move {
                let mut invocation = script.key(format!("{prefix}:gen"));
                invocation.key(format!("{prefix}:body")).arg(now).arg(channel).arg(name);
                invocation.invoke_async::<u64>(&mut c).await
            })
            .await;
        }
    }

    /// Where a scope's keys start: `atelier:{p123}`.
    fn key_prefix(&self, scope: Scope) -> String {
        format!("{}:{{{}}}", self.namespace, scope_name(scope))
    }

    /// Runs one call within the budget, unless Redis failed moments ago.
    async fn call<T, F, Fut>(&self, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.health.worth_trying() {
            return None;
        }
        match tokio::time::timeout(BUDGET, call(self.connection.clone())).await {
            Ok(Ok(value)) => {
                self.health.answered();
                Some(value)
            }
            Ok(Err(e)) => {
                self.health.failed_with(&e.to_string());
                None
            }
            Err(_) => {
                self.health.failed_with("no answer within the budget");
                None
            }
        }
    }
}

/// When Redis last failed, in milliseconds since the epoch (0: it answers).
#[derive(Default)]
struct Health {
    failed_at: AtomicU64,
}

impl Health {
    fn worth_trying(&self) -> bool {
        let failed_at = self.failed_at.load(Ordering::Relaxed);
        failed_at == 0 || now_ms().saturating_sub(failed_at) >= RETRY_AFTER.as_millis() as u64
    }

    fn answered(&self) {
        if self.failed_at.swap(0, Ordering::Relaxed) != 0 {
            tracing::info!("the shared cache answers again");
        }
    }

    fn failed(&self) {
        self.failed_at.store(now_ms().max(1), Ordering::Relaxed);
    }

    /// Logged once per outage, not once per request.
    fn failed_with(&self, cause: &str) {
        metrics::shared_cache_error();
        if self.failed_at.swap(now_ms().max(1), Ordering::Relaxed) == 0 {
            tracing::warn!(
                cause,
                "the shared cache is unreachable: serving from this instance's cache and the store"
            );
        }
    }
}

/// Whether a generation says its scope was written in the last [`RECENT_MS`].
pub(crate) fn is_recent(generation: u64) -> bool {
    now_ms().saturating_sub(generation) < RECENT_MS
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn scope_name(scope: Scope) -> String {
    match scope {
        Scope::Product(product) => format!("p{product}"),
        Scope::Question(question) => format!("q{question}"),
    }
}

/// The scope a message names, if it is one.
fn parse_scope(payload: &Value) -> Option<Scope> {
    let Value::BulkString(bytes) = payload else { return None };
    let text = std::str::from_utf8(bytes).ok()?;
    let id = |digits: &str| digits.parse::<i64>().ok().filter(|id| *id > 0);
    match text.split_at_checked(1)? {
        ("p", digits) => Some(Scope::Product(ProductId::new_unchecked(id(digits)?))),
        ("q", digits) => Some(Scope::Question(QuestionId::new_unchecked(id(digits)?))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_reads_back_from_its_message() {
        let scope = Scope::Question(QuestionId::new_unchecked(45));
        assert_eq!(parse_scope(&Value::BulkString(scope_name(scope).into_bytes())), Some(scope));
        for bad in ["", "p", "x12", "p-3", "p0", "pabc"] {
            assert_eq!(parse_scope(&Value::BulkString(bad.into())), None, "{bad}");
        }
    }

    #[test]
    fn a_generation_from_a_write_moments_ago_is_recent_and_an_old_one_is_not() {
        assert!(is_recent(now_ms()));
        assert!(!is_recent(now_ms() - RECENT_MS - 1));
        assert!(!is_recent(0));
    }
}
