//! Reads on PostgreSQL streaming replicas (`--read-url`), writes on the primary.
//!
//! A task checks every replica each [`CHECK_EVERY`]: it samples the primary's WAL position,
//! asks each replica how far it has replayed, and takes as its lag the age of the newest sample
//! the replica has replayed past (an upper bound, exact to one interval, and right also when
//! the primary is idle or the replica has lost its stream). A replica that does not answer, or
//! lags past [`ReplicaSettings::max_lag`], is skipped until a check finds it back; a read that
//! fails on a replica for want of it (connection lost, server shutting down, a recovery
//! conflict) is run again on the primary at once and the replica is skipped from then on. So a
//! replica that stops costs no request.
//!
//! Read-your-writes: a replica is only used when it has replayed what the primary had
//! `max_lag` before the last check, so after a write to a scope (a product, a question) its
//! reads go to the primary for [`ReplicaSettings::window`], by which time every usable replica
//! has the write. The store notes its own writes; the API notes other instances' (from the
//! shared cache) with [`Store::note_write`](atelier_core::Store::note_write).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use atelier_core::{PoolStatus, Scope};
use deadpool_postgres::Pool;

use crate::pool::{Connections, Lease, ReadLease};

/// How often the replicas are checked.
pub(crate) const CHECK_EVERY: Duration = Duration::from_millis(250);
/// How long a check may take on one server before it counts as failed.
const CHECK_WITHIN: Duration = Duration::from_secs(1);

/// The primary's WAL position, in bytes: flushed, so what its replicas can have (the write
/// position runs ahead of it, by a record, even when the primary is idle).
const PRIMARY_POSITION: &str = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint";
/// How far a replica has replayed, in bytes (a server that is not in recovery answers its own
/// position: it is as fresh as it can be).
const REPLAYED: &str =
    "SELECT (COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_flush_lsn()) - '0/0'::pg_lsn)::bigint";

/// How stale a replica may be.
#[derive(Debug, Clone, Copy)]
pub struct ReplicaSettings {
    /// A replica further behind the primary than this is skipped.
    pub max_lag: Duration,
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        Self { max_lag: Duration::from_secs(1) }
    }
}

impl ReplicaSettings {
    /// How long a scope's reads stay on the primary after a write to it: long enough for every
    /// replica still in use to have replayed it.
    pub fn window(self) -> Duration {
        self.max_lag + 2 * CHECK_EVERY + Duration::from_millis(100)
    }
}

/// The replicas, how each is doing, and the scopes written moments ago.
#[derive(Default)]
pub(crate) struct Replicas {
    members: Vec<Replica>,
    next: AtomicUsize,
    settings: ReplicaSettings,
    /// When each recently written scope was written.
    written: Mutex<HashMap<Scope, Instant>>,
}

struct Replica {
    name: String,
    server: Connections,
    usable: AtomicBool,
}

impl Replicas {
    /// The replicas behind `servers`, checked against `primary` by a task that ends with them.
    pub(crate) fn start(primary: Pool, servers: Vec<Connections>, settings: ReplicaSettings) -> Arc<Self> {
        let members = servers
            .into_iter()
            .enumerate()
            // Not usable until a first check has seen it caught up.
            .map(|(i, server)| Replica {
                name: format!("replica{}", i + 1),
                server,
                usable: AtomicBool::new(false),
            })
            .collect();
        let replicas = Arc::new(Self { members, settings, ..Self::default() });
        if !replicas.members.is_empty() {
            tokio::spawn(check(Arc::downgrade(&replicas), primary));
        }
        replicas
    }

    /// Reads of `scope` go to the primary for the window from now.
    pub(crate) fn note_write(&self, scope: Scope) {
        if self.members.is_empty() {
            return;
        }
        self.written.lock().unwrap_or_else(PoisonError::into_inner).insert(scope, Instant::now());
    }

    /// A usable replica for a read of `scope`, taking turns; `None` when the read belongs on
    /// the primary.
    pub(crate) fn pick(&self, scope: Scope) -> Option<usize> {
        if self.members.is_empty() {
            return None;
        }
        let written = self.written.lock().unwrap_or_else(PoisonError::into_inner).get(&scope).copied();
        if written.is_some_and(|at| at.elapsed() < self.settings.window()) {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..self.members.len())
            .map(|offset| (start + offset) % self.members.len())
            .find(|&i| self.members[i].usable.load(Ordering::Relaxed))
    }

    /// A connection of replica `i` for one read.
    pub(crate) async fn lease(&self, i: usize) -> Option<ReadLease> {
        match self.members[i].server.read_lease().await {
            Ok(lease) => Some(lease),
            Err(e) => {
                self.failed(i, &atelier_core::with_sources(&e));
                None
            }
        }
    }

    /// Skips replica `i` until a check finds it back.
    pub(crate) fn failed(&self, i: usize, cause: &str) {
        let replica = &self.members[i];
        if replica.usable.swap(false, Ordering::Relaxed) {
            tracing::warn!(replica = replica.name, cause, "a read replica failed: reading from the primary");
        }
    }

    /// Each replica pool's status.
    pub(crate) fn pools(&self) -> impl Iterator<Item = PoolStatus> + '_ {
        self.members.iter().flat_map(|replica| replica.server.statuses(&replica.name))
    }
}

/// Checks the replicas every [`CHECK_EVERY`] for as long as they exist.
async fn check(replicas: Weak<Replicas>, primary: Pool) {
    // The primary's position now and then: (when, bytes).
    let mut samples: VecDeque<(Instant, i64)> = VecDeque::new();
    let mut ticks = tokio::time::interval(CHECK_EVERY);
    loop {
        ticks.tick().await;
        let Some(replicas) = replicas.upgrade() else { return };
        let max_lag = replicas.settings.max_lag;
        // With no sample, lags grow: replicas are skipped once theirs passes the bound.
        if let Some(now) = position(&primary, PRIMARY_POSITION).await {
            samples.push_back((Instant::now(), now));
        }
        while samples.len() > 1 && samples[1].0.elapsed() > max_lag + CHECK_EVERY {
            samples.pop_front();
        }
        for (i, replica) in replicas.members.iter().enumerate() {
            let replayed = position(&replica.server.pool, REPLAYED).await;
            // The newest sample the replica has replayed past tells how old its data is.
            let lag = replayed.and_then(|replayed| {
                samples.iter().rev().find(|(_, position)| *position <= replayed).map(|(at, _)| at.elapsed())
            });
            match lag {
                Some(lag) if lag <= max_lag => {
                    if !replica.usable.swap(true, Ordering::Relaxed) {
                        tracing::info!(replica = replica.name, "a read replica is in use");
                    }
                }
                Some(lag) => replicas.failed(i, &format!("it lags {} ms behind", lag.as_millis())),
                None if replayed.is_none() => replicas.failed(i, "it does not answer"),
                None => replicas.failed(i, "it lags further behind than the primary's samples go"),
            }
        }
        let window = replicas.settings.window();
        replicas.written.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, at| at.elapsed() < window);
    }
}

/// A WAL position read with `sql`, or `None` when the server does not answer in time.
async fn position(pool: &Pool, sql: &str) -> Option<i64> {
    let read = async {
        // Leased: a check cut off by the timeout takes its connection out of the pool with it.
        let lease = Lease(Some(pool.get().await.ok()?));
        let row = lease.query_one(sql, &[]).await;
        lease.release(row).ok()?.try_get::<_, i64>(0).ok()
    };
    tokio::time::timeout(CHECK_WITHIN, read).await.ok().flatten()
}
