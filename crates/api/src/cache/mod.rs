//! The response cache: the serialized body of each GET, in this process's memory, bounded by
//! bytes (`--cache-bytes`; 0 turns it off), with Redis as an optional second tier shared by
//! every instance (`--redis-url`, see [`shared`]).
//!
//! Every entry belongs to a [`Scope`]: a product (its meta, review pages and question pages) or
//! a question (its answer pages). A key carries its scope's version, and a write moves the
//! versions of the scopes it touched (from the [`Owner`] the store returns) after it commits
//! and before it is acknowledged. So a client always reads its own writes: any read that starts
//! after the acknowledgement asks for the new version, and an entry that a slower, older read
//! inserts later is filed under the old version, where nobody looks.
//!
//! Which version: without the shared tier, this process's count of the writes it made (only
//! scopes written since start have one; when too many have, they are all forgotten at once by
//! moving the epoch every key also carries, which strands every older entry). With it, the
//! scope's generation in Redis, read at the start of every cached GET (one small round trip),
//! which every instance's writes move: so a write through one instance is seen by the very next
//! read through any other, without waiting for the pub/sub message that also tells each
//! instance (and which keeps the local versions right for when Redis is unreachable, when reads
//! fall back to them).
//!
//! Concurrent misses on one key run the store call once (moka's `try_get_with`), and the shared
//! tier is asked inside that call, so once too.

mod shared;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

use atelier_core::input::{PageRequest, ReviewSort};
use atelier_core::{Owner, Scope, Store};
use axum::body::Bytes;
use moka::future::Cache;

use crate::ApiError;
use crate::metrics;
pub(crate) use shared::SharedTier;

/// Which response of a scope an entry holds, after parsing, so equivalent queries share it.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum View {
    /// A product's meta.
    Meta,
    /// A page of a product's reviews in an order.
    Reviews(ReviewSort, PageRequest),
    /// A page of a product's questions.
    Questions(PageRequest),
    /// A page of a question's answers.
    Answers(PageRequest),
    /// A product with its features, as served under a campus (a hash of its name; 0 for none).
    Product(u64),
    /// A product's styles.
    Styles,
    /// A product's related products.
    Related,
}

impl View {
    /// The view's name within its scope in the shared tier.
    fn field(self) -> String {
        match self {
            Self::Meta => "meta".to_owned(),
            Self::Reviews(sort, page) => format!("reviews:{sort:?}:{}:{}", page.page(), page.count()),
            Self::Questions(page) => format!("questions:{}:{}", page.page(), page.count()),
            Self::Answers(page) => format!("answers:{}:{}", page.page(), page.count()),
            Self::Product(campus) => format!("product:{campus:x}"),
            Self::Styles => "styles".to_owned(),
            Self::Related => "related".to_owned(),
        }
    }
}

/// Which version of its scope an entry was made at.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
enum Version {
    /// This process's count of the writes it knows of, under an epoch.
    Local { epoch: u64, writes: u64 },
    /// The scope's generation in the shared tier.
    Shared(u64),
}

/// An entry's key: its scope at a version, and which view of it. Plain values, so a lookup
/// allocates nothing.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
struct Key {
    scope: Scope,
    version: Version,
    view: View,
}

/// How many written scopes' versions are kept before all are dropped and the epoch moves.
const MAX_VERSIONS: usize = 1_000_000;

/// The cache, shared by every handler; cloning shares it.
#[derive(Clone)]
pub(crate) struct ResponseCache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    entries: Cache<Key, Bytes>,
    versions: Arc<LocalVersions>,
    shared: Option<SharedTier>,
    /// Told of other instances' recent writes, so it reads them where they are visible.
    store: Arc<dyn Store>,
}

/// The writes this process knows of, by scope.
#[derive(Default)]
pub(crate) struct LocalVersions(RwLock<Versions>);

#[derive(Default)]
struct Versions {
    epoch: u64,
    written: HashMap<Scope, u64>,
}

impl LocalVersions {
    fn get(&self, scope: Scope) -> Version {
        let versions = self.0.read().unwrap_or_else(PoisonError::into_inner);
        Version::Local { epoch: versions.epoch, writes: versions.written.get(&scope).copied().unwrap_or(0) }
    }

    /// Moves the versions of `scopes`: their entries so far are stale.
    pub(crate) fn bump(&self, scopes: impl Iterator<Item = Scope>) {
        let mut versions = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if versions.written.len() >= MAX_VERSIONS {
            versions.forget_all();
        }
        for scope in scopes {
            *versions.written.entry(scope).or_insert(0) += 1;
        }
    }

    /// Makes every entry so far stale (when invalidations may have been missed).
    pub(crate) fn bump_all(&self) {
        self.0.write().unwrap_or_else(PoisonError::into_inner).forget_all();
    }
}

impl Versions {
    fn forget_all(&mut self) {
        self.written.clear();
        self.epoch += 1;
    }
}

impl ResponseCache {
    /// A cache of at most `bytes` of keys and bodies, with Redis behind it when `redis_url` is
    /// `Some((url, namespace))`; none when `bytes` is 0. Needs a Tokio runtime (the shared tier subscribes in a task).
    pub(crate) fn new(
        bytes: u64,
        redis: Option<(&str, &str)>,
        store: Arc<dyn Store>,
    ) -> Result<Self, String> {
        if bytes == 0 {
            return Ok(Self { inner: None });
        }
        let entries = Cache::builder()
            .max_capacity(bytes)
            // Body, key, and the entry's bookkeeping, roughly.
            .weigher(|_: &Key, body: &Bytes| {
                u32::try_from(body.len() + std::mem::size_of::<Key>() + 96).unwrap_or(u32::MAX)
            })
            .build();
        let versions = Arc::new(LocalVersions::default());
        let shared = match redis {
            Some((url, namespace)) => {
                Some(SharedTier::connect(url, namespace, versions.clone(), store.clone())?)
            }
            None => None,
        };
        Ok(Self { inner: Some(Arc::new(Inner { entries, versions, shared, store })) })
    }

    /// The body of `view` of `scope`: cached in either tier, or made by `load` and cached in
    /// both. Concurrent misses on one key run `load` once; errors are not cached.
    pub(crate) async fn get_or_load(
        &self,
        scope: Scope,
        view: View,
        load: impl Future<Output = Result<Bytes, ApiError>>,
    ) -> Result<Bytes, ApiError> {
        let Some(inner) = &self.inner else {
            return load.await;
        };
        let generation = match &inner.shared {
            Some(shared) => shared.generation(scope).await,
            None => None,
        };
        let version = match generation {
            Some(generation) => {
                if shared::is_recent(generation) {
                    // Written through another instance moments ago: read it where it is visible.
                    inner.store.note_write(scope);
                }
                Version::Shared(generation)
            }
            None => inner.versions.get(scope),
        };
        let key = Key { scope, version, view };
        let mut missed = false;
        let body = inner
            .entries
            .try_get_with(key, async {
                missed = true;
                if let (Some(shared), Version::Shared(generation)) = (&inner.shared, version) {
                    if let Some(body) = shared.get(scope, generation, view).await {
                        metrics::cache_lookup("redis", true);
                        return Ok(body);
                    }
                    metrics::cache_lookup("redis", false);
                }
                let body = load.await?;
                if let (Some(shared), Version::Shared(generation)) = (&inner.shared, version) {
                    shared.put(scope, generation, view, body.clone());
                }
                Ok(body)
            })
            .await
            .map_err(Arc::unwrap_or_clone);
        // A request that waited for another's load did not reach the store: a hit.
        metrics::cache_lookup("memory", !missed);
        body
    }

    /// Makes stale everything a committed write to a row of `owner` changed, in this process
    /// and in the shared tier (which tells the other instances): call it after the write
    /// commits and before answering.
    pub(crate) async fn invalidate(&self, owner: Owner) {
        let Some(inner) = &self.inner else {
            return;
        };
        inner.versions.bump(owner.scopes());
        if let Some(shared) = &inner.shared {
            shared.invalidate(owner).await;
        }
    }
}
