//! The response cache: the serialized body of each GET, in this process's memory, bounded by
//! bytes (`--cache-bytes`; 0 turns it off).
//!
//! Every entry belongs to a scope: a product (its meta, review pages and question pages) or a
//! question (its answer pages). A key carries its scope's version, and a write moves the
//! versions of the scopes it touched (from the [`Owner`] the store returns) after it commits
//! and before it is acknowledged. So a client always reads its own writes: any read that starts
//! after the acknowledgement asks for the new version, and an entry that a slower, older read
//! inserts later is filed under the old version, where nobody looks. Only scopes written since
//! start have a version (the others are at 0); when too many have, they are all forgotten at
//! once by moving the epoch every key also carries, which strands every older entry.
//!
//! Concurrent misses on one key run the store call once (moka's `try_get_with`). A shared tier
//! (Redis, for several instances) slots in behind `get_or_load` and beside `invalidate`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

use atelier_core::input::{PageRequest, ReviewSort};
use atelier_core::{Owner, ProductId, QuestionId};
use axum::body::Bytes;
use moka::future::Cache;

use crate::ApiError;

/// What an entry's body depends on.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A product's meta, review pages and question pages (which embed answers).
    Product(i64),
    /// A question's answer pages.
    Question(i64),
}

impl From<ProductId> for Scope {
    fn from(product: ProductId) -> Self {
        Self::Product(product.get())
    }
}

impl From<QuestionId> for Scope {
    fn from(question: QuestionId) -> Self {
        Self::Question(question.get())
    }
}

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
}

/// An entry's key: its scope at a version, and which view of it. Plain values, so a lookup
/// allocates nothing.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
struct Key {
    scope: Scope,
    epoch: u64,
    version: u64,
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
    versions: RwLock<Versions>,
}

#[derive(Default)]
struct Versions {
    epoch: u64,
    written: HashMap<Scope, u64>,
}

impl ResponseCache {
    /// A cache of at most `bytes` of keys and bodies; none when `bytes` is 0.
    pub(crate) fn new(bytes: u64) -> Self {
        if bytes == 0 {
            return Self { inner: None };
        }
        let entries = Cache::builder()
            .max_capacity(bytes)
            // Body, key, and the entry's bookkeeping, roughly.
            .weigher(|_: &Key, body: &Bytes| {
                u32::try_from(body.len() + std::mem::size_of::<Key>() + 96).unwrap_or(u32::MAX)
            })
            .build();
        Self { inner: Some(Arc::new(Inner { entries, versions: RwLock::default() })) }
    }

    /// The body of `view` of `scope`: cached, or made by `load` and cached. Concurrent misses on
    /// one key run `load` once; errors are not cached.
    pub(crate) async fn get_or_load(
        &self,
        scope: Scope,
        view: View,
        load: impl Future<Output = Result<Bytes, ApiError>>,
    ) -> Result<Bytes, ApiError> {
        let Some(inner) = &self.inner else {
            return load.await;
        };
        let (epoch, version) = {
            let versions = inner.versions.read().unwrap_or_else(PoisonError::into_inner);
            (versions.epoch, versions.written.get(&scope).copied().unwrap_or(0))
        };
        let key = Key { scope, epoch, version, view };
        inner.entries.try_get_with(key, load).await.map_err(Arc::unwrap_or_clone)
    }

    /// Makes stale everything a committed write to a row of `owner` changed: call it after the
    /// write commits and before answering.
    pub(crate) fn invalidate(&self, owner: Owner) {
        let Some(inner) = &self.inner else {
            return;
        };
        let mut versions = inner.versions.write().unwrap_or_else(PoisonError::into_inner);
        if versions.written.len() >= MAX_VERSIONS {
            versions.written.clear();
            versions.epoch += 1;
        }
        let scopes = std::iter::once(Scope::from(owner.product)).chain(owner.question.map(Scope::from));
        for scope in scopes {
            *versions.written.entry(scope).or_insert(0) += 1;
        }
    }
}
