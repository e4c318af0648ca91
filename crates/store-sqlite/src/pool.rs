//! A pool of read connections and one write connection to a SQLite file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atelier_core::{PoolStatus, StoreError};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, Semaphore};

use crate::db_error;

/// Settings every connection shares (with the busy timeout, see [`Pool::open`]). WAL lets
/// readers run beside the writer; NORMAL sync is durable across application crashes (only an
/// OS crash can lose the last commits), the usual trade for WAL.
///
/// No connection maps the file: each mapping counts the pages it touches in the process's
/// resident memory again, so 16 readers mapping 1 GiB made `ps` show 8.6 GB resident (7.4 GB of
/// it the kernel's page cache, counted per mapping) for 1.2 GB of the process's own memory.
/// Pages are read from the kernel's cache instead, into a page cache of 16 MiB per connection,
/// so resident memory is what the process holds. Measured at 1 million products: meta 21 %
/// slower than with the mapping, the lists within the noise (`BENCHMARKS.md`).
pub(crate) const COMMON_PRAGMAS: &str = "PRAGMA cache_size = -16384;
    PRAGMA mmap_size = 0;
    PRAGMA temp_store = MEMORY;";

/// The writer's own settings, beside the common ones (a bulk load changes both for its length
/// and then puts these back): foreign keys checked, the WAL folded back every 1,000 pages, no
/// sorter threads, `ANALYZE` reading whole indexes.
pub(crate) const WRITER_PRAGMAS: &str = "PRAGMA foreign_keys = ON;
    PRAGMA wal_autocheckpoint = 1000;
    PRAGMA threads = 0;
    PRAGMA analysis_limit = 0;";

/// Plans each statement once, whatever its bound values. Without this SQLite plans a statement
/// whose LIMIT (or other term) is a bound value by that value, and compiles it again whenever a
/// new one is bound: every cached read would be parsed and planned anew.
fn plan_once(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map(|_| ())
}

/// The read connections and the writer. Cloning shares them.
#[derive(Clone)]
pub(crate) struct Pool {
    readers: Arc<Readers>,
    writer: Arc<AsyncMutex<Connection>>,
}

struct Readers {
    idle: Mutex<Vec<Connection>>,
    /// One permit per idle connection, so a reader waits asynchronously when all are busy.
    permits: Arc<Semaphore>,
    /// How many connections there are.
    size: usize,
    /// Reads waiting for a permit now, for the metrics.
    waiting: AtomicUsize,
}

impl Pool {
    /// Opens the writer first (creating the file and switching it to WAL), then the readers.
    /// A connection waits at most `busy` for a lock another holds (a checkpoint, another
    /// process's write) before failing as unavailable.
    pub(crate) async fn open(path: PathBuf, readers: usize, busy: Duration) -> Result<Self, StoreError> {
        let common = format!("PRAGMA busy_timeout = {}; {COMMON_PRAGMAS}", busy.as_millis().max(1));
        let (writer, idle) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let writer = Connection::open(&path).map_err(db_error)?;
            plan_once(&writer).map_err(db_error)?;
            writer
                .execute_batch(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; {WRITER_PRAGMAS} {common}"
                ))
                .map_err(db_error)?;
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let idle = (0..readers)
                .map(|_| {
                    let conn = Connection::open_with_flags(&path, flags)?;
                    plan_once(&conn)?;
                    conn.execute_batch(&common)?;
                    Ok(conn)
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_error)?;
            Ok((writer, idle))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("failed to open the SQLite store: {e}")))??;
        Ok(Self {
            readers: Arc::new(Readers {
                idle: Mutex::new(idle),
                permits: Arc::new(Semaphore::new(readers)),
                size: readers,
                waiting: AtomicUsize::new(0),
            }),
            writer: Arc::new(AsyncMutex::new(writer)),
        })
    }

    /// Runs `work` on an idle read connection, on the blocking pool.
    ///
    /// The blocking task itself returns the connection to the pool and only then releases its
    /// permit: if the caller's future is dropped mid-read (a client hung up), the connection is
    /// still returned. Returning it from the async side would lose it on every cancellation.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = match self.readers.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Counted while it waits; a cancelled wait is uncounted by the guard's drop.
                let _waiting = Waiting::start(&self.readers.waiting);
                self.readers.permits.clone().acquire_owned().await.map_err(|_| closed())?
            }
        };
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = lock(&readers.idle).pop().ok_or_else(closed)?;
            // A panic in `work` must not take the connection with it: caught here, the
            // connection goes back to the pool (its statements were reset as they unwound) and
            // the read fails as a bug.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&conn)));
            lock(&readers.idle).push(conn);
            drop(permit);
            result.unwrap_or_else(|_| Err(StoreError::Internal("a SQLite read panicked".into())))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("a SQLite read task failed: {e}")))?
    }

    /// The readers' and the writer's status, for the metrics.
    pub(crate) fn status(&self) -> [PoolStatus; 2] {
        let readers = &self.readers;
        [
            PoolStatus {
                name: "readers".into(),
                max: readers.size,
                in_use: readers.size.saturating_sub(readers.permits.available_permits()),
                waiting: readers.waiting.load(Ordering::Relaxed),
            },
            PoolStatus {
                name: "writer".into(),
                max: 1,
                in_use: usize::from(self.writer.try_lock().is_err()),
                waiting: 0,
            },
        ]
    }

    /// Runs `work` on the writer once every earlier write has finished.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let guard = self.writer.clone().lock_owned().await;
        Self::with_writer(guard, work).await.1
    }

    /// Holds the writer for a long job (a bulk load) across several calls.
    pub(crate) async fn lock_writer(&self) -> OwnedMutexGuard<Connection> {
        self.writer.clone().lock_owned().await
    }

    /// Runs `work` on a writer already held, handing the guard back for the next step.
    pub(crate) async fn with_writer<T, F>(
        mut guard: OwnedMutexGuard<Connection>,
        work: F,
    ) -> (Option<OwnedMutexGuard<Connection>>, Result<T, StoreError>)
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        match tokio::task::spawn_blocking(move || {
            let result = work(&mut guard);
            (guard, result)
        })
        .await
        {
            Ok((guard, result)) => (Some(guard), result),
            Err(e) => (None, Err(StoreError::Internal(format!("a SQLite write panicked: {e}")))),
        }
    }
}

/// One waiter counted for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn start(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding this lock cannot leave the Vec half-changed (push and pop are
    // atomic with respect to panics), so a poisoned lock is safe to use.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn closed() -> StoreError {
    StoreError::Unavailable("the SQLite reader pool is closed".into())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn value(conn: &Connection, sql: &str) -> Result<i64, StoreError> {
        conn.query_row(sql, [], |row| row.get(0)).map_err(db_error)
    }

    #[tokio::test]
    async fn reads_cancelled_mid_flight_do_not_lose_connections() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(dir.path().join("pool.db"), 2, Duration::from_secs(5)).await.unwrap();
        // Each read outlives its caller's timeout, so the caller's future is dropped while the
        // blocking task still holds the connection; more cancellations than connections.
        for _ in 0..5 {
            let slow = pool.read(|_| {
                std::thread::sleep(Duration::from_millis(30));
                Ok(())
            });
            assert!(tokio::time::timeout(Duration::from_millis(1), slow).await.is_err());
        }
        for _ in 0..10 {
            assert_eq!(pool.read(|conn| value(conn, "SELECT 7")).await.unwrap(), 7);
        }
    }

    #[tokio::test]
    async fn no_connection_maps_the_file_into_resident_memory() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(dir.path().join("pool.db"), 2, Duration::from_secs(5)).await.unwrap();
        // Both readers at once (each holds its connection a moment), then the writer.
        let reader = || {
            pool.read(|conn| {
                std::thread::sleep(Duration::from_millis(20));
                value(conn, "PRAGMA mmap_size")
            })
        };
        let (first, second) = tokio::join!(reader(), reader());
        let writer = pool.write(|conn| value(conn, "PRAGMA mmap_size")).await;
        assert_eq!([first.unwrap(), second.unwrap(), writer.unwrap()], [0, 0, 0]);
    }

    #[tokio::test]
    async fn a_read_that_panics_gives_its_connection_back() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(dir.path().join("pool.db"), 2, Duration::from_secs(5)).await.unwrap();
        for _ in 0..3 {
            let failed = pool.read(|_| -> Result<(), StoreError> { panic!("a bug in a read") }).await;
            assert!(matches!(failed, Err(StoreError::Internal(_))), "{failed:?}");
        }
        for _ in 0..4 {
            assert_eq!(pool.read(|conn| value(conn, "SELECT 7")).await.unwrap(), 7);
        }
    }
}
