//! The connections of one PostgreSQL server: a pool lent to one call at a time, and the
//! shared connections of pipelined reads ([`crate::pipeline`]).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use atelier_core::{PoolStatus, StoreError};
use deadpool_postgres::{
    ClientWrapper, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::NoTls;

use crate::db_error;
use crate::pipeline::{Pipeline, SharedLease};

/// How long a request waits for a pooled connection, or for a new one to open.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections a store keeps to each server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSizes {
    /// Connections lent to one call at a time: every write, and reads when none is pipelined.
    pub pooled: usize,
    /// Connections shared by the reads of single rows and pages, pipelined (0: those reads
    /// take pooled connections too).
    pub pipelined: usize,
}

impl PoolSizes {
    /// `pooled` connections, and one pipelined connection per two cores (at least one): a
    /// backend fed a stream of pipelined reads keeps a core busy, and serving them takes about
    /// as much again on this side of the wire; more backends only take turns on the cores and
    /// batch fewer reads each (BENCHMARKS.md).
    pub fn new(pooled: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self { pooled, pipelined: (cores / 2).max(1) }
    }
}

/// One server's connections.
#[derive(Clone)]
pub(crate) struct Connections {
    pub(crate) pool: Pool,
    pipeline: Option<Arc<Pipeline>>,
}

impl Connections {
    pub(crate) fn new(url: &str, sizes: PoolSizes, deadline: Option<Duration>) -> Result<Self, StoreError> {
        let pipeline = match sizes.pipelined {
            0 => None,
            // Its own pool opens the shared connections (each is taken out of it once open).
            shared => Some(Pipeline::new(build_pool(url, shared, deadline)?, shared)),
        };
        Ok(Self { pool: build_pool(url, sizes.pooled, deadline)?, pipeline })
    }

    /// A pooled connection, back in the pool when dropped.
    pub(crate) async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// A pooled connection for one call, given back with [`Lease::release`].
    pub(crate) async fn lease(&self) -> Result<Lease, StoreError> {
        Ok(Lease(Some(self.client().await?)))
    }

    /// A connection for one read: a pipelined one if there are any, else a pooled one.
    pub(crate) async fn read_lease(&self) -> Result<ReadLease, StoreError> {
        match &self.pipeline {
            Some(pipeline) => Ok(ReadLease::Shared(pipeline.lease().await?)),
            None => Ok(ReadLease::Pooled(Box::new(self.lease().await?))),
        }
    }

    /// The pool's status, and the pipelined connections' (`{name}_pipelined`: reads in
    /// flight as in use, no wait), for the metrics.
    pub(crate) fn statuses(&self, name: &str) -> impl Iterator<Item = PoolStatus> + use<> {
        let pooled = pool_status(name.to_owned(), &self.pool);
        let pipelined = self.pipeline.as_ref().map(|pipeline| PoolStatus {
            name: format!("{name}_pipelined"),
            max: pipeline.connections(),
            in_use: pipeline.in_flight(),
            waiting: 0,
        });
        std::iter::once(pooled).chain(pipelined)
    }
}

/// A pool of up to `pool_size` connections to `url`, each statement planned once and, with a
/// `deadline`, cancelled past it (see [`crate::PgStore::connect_with_deadline`]).
pub(crate) fn build_pool(
    url: &str,
    pool_size: usize,
    deadline: Option<Duration>,
) -> Result<Pool, StoreError> {
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|e| StoreError::Config(format!("the PostgreSQL URL does not parse: {e}")))?;
    // Appended to the URL's own options (a test's search_path, say). Each statement is
    // planned once per connection: PostgreSQL would otherwise plan a prepared statement
    // again at every execution whenever it guesses that the plan for the bound values beats
    // the generic one, as it does for every paged read here (a third of a reviews list's
    // CPU, found by perf), and the generic plans use the same indexes.
    let mut options = config.get_options().unwrap_or_default().to_owned();
    options.push_str(" -c plan_cache_mode=force_generic_plan");
    let mut wait = POOL_TIMEOUT;
    if let Some(deadline) = deadline {
        options.push_str(&format!(" -c statement_timeout={}", deadline.as_millis().max(1)));
        wait = wait.min(deadline);
    }
    config.options(options.trim());
    let manager =
        Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let pool = Pool::builder(manager)
        .max_size(pool_size.max(1))
        // A database that hangs rather than refuses must still yield a prompt 503.
        .wait_timeout(Some(wait))
        .create_timeout(Some(wait))
        .recycle_timeout(Some(wait))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| StoreError::Internal(format!("failed to build the connection pool: {e}")))?;
    Ok(pool)
}

pub(crate) fn pool_error(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => db_error(err),
        other => StoreError::Unavailable(atelier_core::with_sources(&other)),
    }
}

/// A pooled connection lent to one call. Released, it goes back to the pool. Dropped without
/// being released, because the caller's future was dropped mid-statement (its request timed
/// out or its client hung up), it leaves the pool and closes: back in the pool with its
/// statement still running, the next caller's statements would queue behind it on the wire,
/// and a locked table would then stall every route, one statement timeout after another.
pub(crate) struct Lease(pub(crate) Option<Object>);

impl Lease {
    /// Gives the connection back to the pool, passing `result` through.
    pub(crate) fn release<T>(mut self, result: T) -> T {
        drop(self.0.take());
        result
    }
}

impl std::ops::Deref for Lease {
    type Target = Object;

    fn deref(&self) -> &Object {
        self.0.as_ref().expect("a lease holds its connection until it is released or dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

/// A pool's status for the metrics.
pub(crate) fn pool_status(name: String, pool: &Pool) -> PoolStatus {
    let status = pool.status();
    PoolStatus {
        name,
        max: status.max_size,
        in_use: status.size.saturating_sub(status.available),
        waiting: status.waiting,
    }
}

/// A connection lent to one read: shared with other reads, or pooled.
pub(crate) enum ReadLease {
    /// Boxed: a pooled connection's handle is ten times the size of a shared one's.
    Pooled(Box<Lease>),
    Shared(SharedLease),
}

impl ReadLease {
    /// Ends the read, passing `result` through.
    pub(crate) fn release<T>(self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match self {
            Self::Pooled(lease) => lease.release(result),
            Self::Shared(lease) => lease.release(result),
        }
    }
}

impl std::ops::Deref for ReadLease {
    type Target = ClientWrapper;

    fn deref(&self) -> &ClientWrapper {
        match self {
            Self::Pooled(lease) => lease,
            Self::Shared(lease) => lease,
        }
    }
}
