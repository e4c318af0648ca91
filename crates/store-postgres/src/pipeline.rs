//! Reads pipelined on a few shared connections.
//!
//! A pooled connection serves one request at a time: the request sends its statement, the
//! backend answers, and only then can the next request use the connection. Under load that is
//! a round trip, a wake-up of the backend process and two system calls on each side per
//! statement. tokio-postgres pipelines the statements of concurrent callers of one client: it
//! writes each as it comes and matches the answers in order, so a backend reads many
//! statements in one call and answers them in one write. Reads are independent single
//! statements, so they can share a connection; writes (a transaction, or a statement whose
//! failure must not reach another caller) keep the pool.
//!
//! The price of sharing is that a read waits for the statements sent before it on its
//! connection. Two things bound that when a statement sticks (behind a lock, say):
//! - a task watches each connection: one with reads in flight and none answered for [`STALL`]
//!   is stalled, so it is taken out of use (new reads go to a fresh connection) and its running
//!   statement is cancelled, so the reads queued behind it go on (the cancelled read fails as
//!   unavailable, a 503, as it would have at its deadline);
//! - a read whose caller stops waiting mid-statement (its request timed out, its client hung
//!   up) takes its connection out of use at once, and the watch cancels what sticks on it.
//!
//! A connection taken out of use closes when the last read on it is done.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use atelier_core::StoreError;
use deadpool_postgres::{ClientWrapper, Object, Pool};
use tokio_postgres::NoTls;

use crate::pool::pool_error;

/// How long a connection with reads in flight may go without answering one before it counts as
/// stalled: far above a read's time here (milliseconds, 97 ms the slowest of a 10-minute soak)
/// and well below a request's deadline (5 s by default).
pub(crate) const STALL: Duration = Duration::from_millis(500);

/// Connections shared by reads, each in a slot; a slot empty, closed or stalled is filled on
/// demand.
pub(crate) struct Pipeline {
    /// Opens the connections (its settings: statement timeout, generic plans); each is taken
    /// out of it once open, so the pool never hands it to anyone else.
    pool: Pool,
    slots: Box<[Slot]>,
    next: AtomicUsize,
    /// Reads holding a lease.
    in_flight: AtomicUsize,
    /// What the connections' times are counted from.
    epoch: Instant,
}

#[derive(Default)]
struct Slot {
    held: Mutex<Option<Arc<Shared>>>,
    /// Held while the slot's connection opens, so concurrent reads open one, not one each.
    opening: tokio::sync::Mutex<()>,
}

/// A shared connection and how its reads are doing.
struct Shared {
    client: ClientWrapper,
    /// Reads sent on it and not yet answered or abandoned.
    in_flight: AtomicUsize,
    /// When it last answered a read (or opened), in milliseconds from the pipeline's epoch.
    answered: AtomicU64,
}

impl Pipeline {
    /// `connections` shared connections, opened by `pool` when first needed.
    pub(crate) fn new(pool: Pool, connections: usize) -> Arc<Self> {
        let slots = (0..connections.max(1)).map(|_| Slot::default()).collect();
        Arc::new(Self {
            pool,
            slots,
            next: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            epoch: Instant::now(),
        })
    }

    /// How many shared connections it keeps.
    pub(crate) fn connections(&self) -> usize {
        self.slots.len()
    }

    /// How many reads hold a lease now.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn stalled(&self, shared: &Shared) -> bool {
        shared.in_flight.load(Ordering::Relaxed) > 0
            && self.now().saturating_sub(shared.answered.load(Ordering::Relaxed)) > STALL.as_millis() as u64
    }

    /// Slot `index`'s connection if it is usable; one closed or stalled is taken out of use.
    fn usable(&self, index: usize) -> Option<Arc<Shared>> {
        let shared = self.slots[index].held.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        if !shared.client.is_closed() && !self.stalled(&shared) {
            return Some(shared);
        }
        self.retire(index, &shared);
        None
    }

    /// A shared connection for one read, the slots taken in turn.
    pub(crate) async fn lease(self: &Arc<Self>) -> Result<SharedLease, StoreError> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let shared = match self.usable(index) {
            Some(shared) => shared,
            None => {
                let slot = &self.slots[index];
                let _opening = slot.opening.lock().await;
                match self.usable(index) {
                    Some(shared) => shared,
                    None => {
                        let client = Object::take(self.pool.get().await.map_err(pool_error)?);
                        let answered = AtomicU64::new(self.now());
                        let shared = Arc::new(Shared { client, in_flight: AtomicUsize::new(0), answered });
                        *slot.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(shared.clone());
                        tokio::spawn(watch(Arc::downgrade(self), index, Arc::downgrade(&shared)));
                        shared
                    }
                }
            }
        };
        shared.in_flight.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(SharedLease { shared: Some(shared), index, pipeline: self.clone() })
    }

    /// Takes `shared` out of slot `index` if it is still there.
    fn retire(&self, index: usize, shared: &Arc<Shared>) {
        let mut held = self.slots[index].held.lock().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().is_some_and(|current| Arc::ptr_eq(current, shared)) {
            *held = None;
        }
    }
}

/// For as long as a shared connection is open, in use or not: each time it stalls, takes it out
/// of use and cancels its running statement, so the reads queued behind go on.
async fn watch(pipeline: Weak<Pipeline>, index: usize, shared: Weak<Shared>) {
    loop {
        tokio::time::sleep(STALL / 5).await;
        let (Some(pipeline), Some(shared)) = (pipeline.upgrade(), shared.upgrade()) else { return };
        if shared.client.is_closed() {
            return;
        }
        if pipeline.stalled(&shared) {
            pipeline.retire(index, &shared);
            let token = shared.client.cancel_token();
            // Counted as an answer, so the next cancel waits for a stall of its own.
            shared.answered.store(pipeline.now(), Ordering::Relaxed);
            drop(shared);
            // A server that does not answer the cancel either: the reads have their deadline.
            let _ = tokio::time::timeout(STALL, token.cancel_query(NoTls)).await;
        }
    }
}

/// A shared connection lent to one read. Released, it stays in its slot (unless the read found
/// it unusable); dropped mid-statement, it is taken out of use.
pub(crate) struct SharedLease {
    shared: Option<Arc<Shared>>,
    index: usize,
    pipeline: Arc<Pipeline>,
}

impl SharedLease {
    /// Ends the read, passing `result` through; a connection that failed is taken out of use.
    pub(crate) fn release<T>(mut self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Some(shared) = self.shared.take() {
            shared.answered.store(self.pipeline.now(), Ordering::Relaxed);
            self.end(&shared);
            if matches!(result, Err(StoreError::Unavailable(_))) {
                self.pipeline.retire(self.index, &shared);
            }
        }
        result
    }

    fn end(&self, shared: &Shared) {
        shared.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.pipeline.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl std::ops::Deref for SharedLease {
    type Target = ClientWrapper;

    fn deref(&self) -> &ClientWrapper {
        &self.shared.as_ref().expect("a lease holds its connection until it is released or dropped").client
    }
}

impl Drop for SharedLease {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            self.end(&shared);
            self.pipeline.retire(self.index, &shared);
        }
    }
}
