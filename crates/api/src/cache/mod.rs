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
//! Which version: without the shared tier, this process's count of the writes to the scope's
//! slot, one of a fixed array of counters allocated with the cache (a scope's slot is a hash of
//! it; scopes that share a slot make each other's entries stale, never one fresh: a miss, not a
//! stale read), and an epoch every key also carries, moved to strand every older entry at
//! once. So the versions take the same memory after a billion writes as at start, counted in
//! the cache's bound, and a read takes no lock to find its version. With it, the
//! scope's generation in Redis, read at the start of every cached GET (one small round trip),
//! which every instance's writes move: so a write through one instance is seen by the very next
//! read through any other, without waiting for the pub/sub message that also tells each
//! instance (and which keeps the local versions right for when Redis is unreachable, when reads
//! fall back to them).
//!
//! Concurrent misses on one key run the store call once (moka's `try_get_with`), and the shared
//! tier is asked inside that call, so once too.

mod shared;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

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

/// What an entry takes beyond its body's bytes: the key, the body's handle and allocation
/// header, and the cache's own nodes, about 600-770 bytes as measured under the mixed load
/// (`BENCHMARKS.md`, 2026-12-02). Counting less (152 bytes) let the process outgrow the bound
/// as the mix of entries shifted to smaller bodies.
const ENTRY_BOOKKEEPING: usize = 640;

/// The share of the cache's bound its version counters take (8 bytes each): one counter per
/// 512 bytes of bound, more counters than entries that fit (few bodies are that small).
const BYTES_PER_VERSION_SLOT: u64 = 512;

/// Every cache of this process that is still alive (one per app; tests run several), for the
/// gauges of `/metrics`.
static LIVE: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());

/// What the caches of this process hold: bytes as their bound counts them (bodies, keys,
/// bookkeeping and the version counters) and entries.
pub(crate) async fn usage() -> (u64, u64) {
    let live: Vec<Arc<Inner>> = {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|inner| inner.strong_count() > 0);
        live.iter().filter_map(Weak::upgrade).collect()
    };
    let (mut bytes, mut entries) = (0, 0);
    for inner in live {
        // Inserts and evictions are applied in batches: apply those pending, so the figures are
        // the cache's as of now.
        inner.entries.run_pending_tasks().await;
        bytes += inner.entries.weighted_size() + inner.versions.bytes();
        entries += inner.entries.entry_count();
    }
    (bytes, entries)
}

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

/// The writes this process knows of: a count per slot of scopes, and an epoch.
pub(crate) struct LocalVersions {
    epoch: AtomicU64,
    /// A power of two of counters, each written in full at start, so they are resident from
    /// the first request rather than page by page as writes reach them.
    slots: Box<[AtomicU64]>,
}

impl LocalVersions {
    /// Versions in at least `slots` counters (a power of two, at least 1,024).
    pub(crate) fn new(slots: usize) -> Self {
        let slots = slots.max(1024).next_power_of_two();
        Self { epoch: AtomicU64::new(0), slots: (0..slots).map(|_| AtomicU64::new(0)).collect() }
    }

    /// The counter of `scope`: its id and kind mixed (SplitMix64's finalizer), so neighbouring
    /// ids spread over the slots.
    fn slot(&self, scope: Scope) -> &AtomicU64 {
        let (kind, id) = match scope {
            Scope::Product(id) => (0x9E37_79B9_7F4A_7C15_u64, id.get()),
            Scope::Question(id) => (0xD1B5_4A32_D192_ED03_u64, id.get()),
        };
        let mut mixed = (id as u64) ^ kind;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^= mixed >> 31;
        &self.slots[(mixed as usize) & (self.slots.len() - 1)]
    }

    fn get(&self, scope: Scope) -> Version {
        // Sequentially consistent, like the lock it replaces: a read that starts after a
        // write's acknowledgement sees the write's bump.
        let writes = self.slot(scope).load(Ordering::SeqCst);
        Version::Local { epoch: self.epoch.load(Ordering::SeqCst), writes }
    }

    /// Moves the versions of `scopes`: their entries so far are stale.
    pub(crate) fn bump(&self, scopes: impl Iterator<Item = Scope>) {
        for scope in scopes {
            self.slot(scope).fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Makes every entry so far stale (when invalidations may have been missed).
    pub(crate) fn bump_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// The memory the versions take, whatever has been written.
    fn bytes(&self) -> u64 {
        (self.slots.len() * std::mem::size_of::<AtomicU64>()) as u64
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
        let versions = Arc::new(LocalVersions::new((bytes / BYTES_PER_VERSION_SLOT) as usize));
        let entries = Cache::builder()
            // The bound covers the version counters too.
            .max_capacity(bytes.saturating_sub(versions.bytes()).max(1))
            .weigher(|_: &Key, body: &Bytes| {
                u32::try_from(body.len() + ENTRY_BOOKKEEPING).unwrap_or(u32::MAX)
            })
            .build();
        let shared = match redis {
            Some((url, namespace)) => {
                Some(SharedTier::connect(url, namespace, versions.clone(), store.clone())?)
            }
            None => None,
        };
        let inner = Arc::new(Inner { entries, versions, shared, store });
        LIVE.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::downgrade(&inner));
        Ok(Self { inner: Some(inner) })
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

#[cfg(test)]
mod tests {
    use atelier_core::{ProductId, QuestionId};

    use super::*;

    #[test]
    fn writes_to_any_number_of_scopes_take_no_more_memory_and_each_moves_its_scopes_version() {
        let versions = LocalVersions::new(4096);
        let at_start = versions.bytes();
        for id in 1..=200_000 {
            let scope = if id % 2 == 0 {
                Scope::Product(ProductId::new_unchecked(id))
            } else {
                Scope::Question(QuestionId::new_unchecked(id))
            };
            let before = versions.get(scope);
            versions.bump(std::iter::once(scope));
            assert_ne!(versions.get(scope), before, "{scope:?} kept its version after a write");
        }
        assert_eq!(versions.bytes(), at_start);
        let before = versions.get(Scope::Product(ProductId::new_unchecked(7)));
        versions.bump_all();
        assert_ne!(versions.get(Scope::Product(ProductId::new_unchecked(7))), before);
    }

    #[test]
    fn neighbouring_ids_spread_over_the_slots() {
        // A product's neighbours are written and read together (a page of a catalogue): they
        // must not share a counter, or each write would make the others miss.
        let versions = LocalVersions::new(1 << 16);
        let mut used = std::collections::HashSet::new();
        for id in 1..=1000 {
            used.insert(versions.slot(Scope::Product(ProductId::new_unchecked(id))) as *const AtomicU64);
        }
        assert!(used.len() > 990, "1,000 neighbouring products share {} slots", used.len());
    }
}
