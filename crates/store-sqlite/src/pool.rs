//! A pool of read connections and one write connection to a SQLite file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// How long a read that met a lock waits for it, on the blocking pool.
    busy: Duration,
    /// When the pool opened, and until how many milliseconds after it reads are handed to the
    /// blocking pool (set by slow reads).
    opened: Instant,
    hand_off_until: AtomicU64,
    /// Reads slowed by the disk in the window ending at `disk_window_until` (milliseconds
    /// since the pool opened).
    disk_reads: AtomicU64,
    disk_window_until: AtomicU64,
}

/// A read on the caller's thread slower than this, while its thread read from storage, waited
/// on the disk (a read in memory takes well under a millisecond; a slow read without storage
/// reads was only descheduled). [`DISK_READS`] of them within [`HAND_OFF`] send reads to the
/// blocking pool for [`HAND_OFF`], so a catalogue larger than the kernel's cache stalls an
/// async worker a few times in that time, not on every read; the odd page the kernel had let
/// go of (a handful a minute in a catalogue that fits) does not send a second of reads through
/// two thread wake-ups each (reads never handed off served 1.1-1.8 times the rate of a hand-off
/// after one such read in three rounds; against this rule, no consistent lead; BENCHMARKS.md).
const SLOW_READ: Duration = Duration::from_millis(2);
const DISK_READS: u64 = 4;
const HAND_OFF: Duration = Duration::from_secs(1);

thread_local! {
    /// The bytes this thread had read from storage when last asked.
    static STORAGE_READ: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Whether this thread has read from storage (not the kernel's cache) since it was last asked:
/// Linux counts it in `/proc/thread-self/io`. Asked only after a slow read, so its cost (a file
/// read) is not paid by the fast ones; a thread's first answer is its baseline. Where the count
/// cannot be read, a slow read counts as one that went to the disk.
fn read_storage_since_last_asked() -> bool {
    let Some(now) = storage_bytes_read() else { return true };
    STORAGE_READ.with(|last| last.replace(Some(now))).is_some_and(|before| now > before)
}

fn storage_bytes_read() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/thread-self/io").ok()?;
    io.lines().find_map(|line| line.strip_prefix("read_bytes: "))?.trim().parse().ok()
}

impl Readers {
    fn since_opened(&self) -> Duration {
        self.opened.elapsed()
    }

    /// Whether a read starting `at` (since the pool opened) runs on the caller's thread.
    fn inline_at(&self, at: Duration) -> bool {
        millis(at) >= self.hand_off_until.load(Ordering::Relaxed)
    }

    /// Counts a read slowed by the disk, ending `at` (since the pool opened); the
    /// [`DISK_READS`]th within a window of [`HAND_OFF`] hands reads to the blocking pool for
    /// [`HAND_OFF`] from `at`. Two threads opening a window at once may lose a count: a
    /// heuristic, not a ledger.
    fn slowed_by_disk(&self, at: Duration) {
        let now = millis(at);
        let counted = if now >= self.disk_window_until.load(Ordering::Relaxed) {
            self.disk_window_until.store(millis(at + HAND_OFF), Ordering::Relaxed);
            self.disk_reads.store(1, Ordering::Relaxed);
            1
        } else {
            self.disk_reads.fetch_add(1, Ordering::Relaxed) + 1
        };
        if counted >= DISK_READS {
            self.hand_off_until.fetch_max(millis(at + HAND_OFF), Ordering::Relaxed);
        }
    }
}

fn millis(time: Duration) -> u64 {
    u64::try_from(time.as_millis()).unwrap_or(u64::MAX)
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
                    // A read first runs on an async worker, which must not sleep on a lock.
                    conn.busy_timeout(Duration::ZERO)?;
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
                busy,
                opened: Instant::now(),
                hand_off_until: AtomicU64::new(0),
                disk_reads: AtomicU64::new(0),
                disk_window_until: AtomicU64::new(0),
            }),
            writer: Arc::new(AsyncMutex::new(writer)),
        })
    }

    /// Runs `work` on an idle read connection, on the caller's thread, with no wait for a lock;
    /// if it meets one (an unavailable store), once more on the blocking pool, waiting up to
    /// the busy timeout. For a while after several reads slowed by the disk, reads run on the
    /// blocking pool.
    ///
    /// A read of one product or question takes microseconds, while a hand-off to the blocking
    /// pool and back costs two thread wake-ups, a quarter of a SQLite read's samples in a
    /// profile (at 1 million products, random-id meta 1.1-1.3 times the rate on the caller's
    /// thread in a prototype, within the noise in the final build's one run; BENCHMARKS.md).
    /// A reader in WAL mode meets a lock only in rare states of the file (its index being
    /// rebuilt, another process holding it exclusively); a worker never sleeps on one. Nothing awaits between taking the connection and handing it on, and the blocking
    /// task itself returns it to the pool before it releases its permit: if the caller's
    /// future is dropped (a client hung up), the connection is still returned.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
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
        let conn = lock(&readers.idle).pop().ok_or_else(closed)?;
        let started = readers.since_opened();
        if readers.inline_at(started) {
            let done = guarded(&conn, &work);
            let ended = readers.since_opened();
            if ended.saturating_sub(started) > SLOW_READ && read_storage_since_last_asked() {
                readers.slowed_by_disk(ended);
            }
            if !matches!(done, Err(StoreError::Unavailable(_))) {
                lock(&readers.idle).push(conn);
                drop(permit);
                return done;
            }
        }
        tokio::task::spawn_blocking(move || {
            let result =
                conn.busy_timeout(readers.busy).map_err(db_error).and_then(|()| guarded(&conn, &work));
            let reset = conn.busy_timeout(Duration::ZERO);
            lock(&readers.idle).push(conn);
            drop(permit);
            reset.map_err(db_error)?;
            result
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

/// Runs `work` on `conn`. A panic in it must not take the connection with it: caught here, the
/// connection goes back to the pool (its statements were reset as they unwound) and the read
/// fails as a bug.
fn guarded<T>(
    conn: &Connection,
    work: impl Fn(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(conn)))
        .unwrap_or_else(|_| Err(StoreError::Internal("a SQLite read panicked".into())))
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
        // Each read meets a lock on the caller's thread (where it has no busy timeout), then
        // outlives its caller's timeout on the blocking pool, so the caller's future is dropped
        // while the blocking task still holds the connection; more cancellations than
        // connections.
        for _ in 0..5 {
            let slow = pool.read(|conn| {
                if value(conn, "PRAGMA busy_timeout")? == 0 {
                    return Err(StoreError::Unavailable("database is locked".into()));
                }
                std::thread::sleep(Duration::from_millis(30));
                Ok(())
            });
            assert!(tokio::time::timeout(Duration::from_millis(1), slow).await.is_err());
        }
        for _ in 0..10 {
            assert_eq!(pool.read(|conn| value(conn, "SELECT 7")).await.unwrap(), 7);
        }
    }

    /// The thread a read ran on, and its connection's busy timeout in milliseconds.
    fn where_it_ran(conn: &Connection) -> Result<(std::thread::ThreadId, i64), StoreError> {
        Ok((std::thread::current().id(), value(conn, "PRAGMA busy_timeout")?))
    }

    #[tokio::test]
    async fn a_read_runs_on_the_callers_thread_and_one_that_meets_a_lock_waits_on_the_blocking_pool() {
        // Handing every read to the blocking pool and back cost two thread wake-ups, most of a
        // read's time; a read that meets a lock must still not sleep on an async worker.
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(dir.path().join("pool.db"), 1, Duration::from_millis(750)).await.unwrap();
        let caller = std::thread::current().id();
        assert_eq!(pool.read(where_it_ran).await.unwrap(), (caller, 0));

        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let locked = pool.read(move |conn| {
            if counted.fetch_add(1, Ordering::Relaxed) == 0 {
                return Err(StoreError::Unavailable("database is locked".into()));
            }
            where_it_ran(conn)
        });
        let (thread, busy) = locked.await.unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 2, "the locked read was not run again");
        assert_ne!(thread, caller, "the locked read waited on an async worker");
        assert_eq!(busy, 750, "the locked read did not wait for the lock");

        // The connection is back without a wait for locks; a read failing otherwise runs once.
        assert_eq!(pool.read(where_it_ran).await.unwrap(), (caller, 0));
        let counted = calls.clone();
        let failed = pool.read(move |_| -> Result<(), StoreError> {
            counted.fetch_add(1, Ordering::Relaxed);
            Err(StoreError::Internal("a bug in a read".into()))
        });
        assert!(matches!(failed.await, Err(StoreError::Internal(_))));
        assert_eq!(calls.load(Ordering::Relaxed), 3, "a read that failed for good ran twice");
    }

    /// Reads `path` past the kernel's cache (`O_DIRECT`), as a read of a page not in memory does.
    fn read_from_storage(path: &std::path::Path) {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        const O_DIRECT: i32 = 0o40000;
        let mut file = std::fs::OpenOptions::new().read(true).custom_flags(O_DIRECT).open(path).unwrap();
        let mut buffer = vec![0u8; 8192];
        let aligned = buffer.as_ptr().align_offset(4096);
        file.read_exact(&mut buffer[aligned..aligned + 4096]).unwrap();
    }

    #[tokio::test]
    async fn after_several_reads_slowed_by_the_disk_reads_go_to_the_blocking_pool_for_a_while() {
        // Reads that waited on the disk, one after another: the next ones must not stall a
        // worker. A read slow only because its thread was descheduled must not send them away,
        // nor must one page read from the disk alone.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.db");
        let pool = Pool::open(path.clone(), 1, Duration::from_millis(750)).await.unwrap();
        std::fs::write(dir.path().join("page"), vec![7u8; 4096]).unwrap();
        let caller = std::thread::current().id();
        // Both a baseline of this thread's storage reads and a slow read without any.
        for _ in 0..2 {
            let slow = pool.read(|conn| {
                std::thread::sleep(SLOW_READ * 3);
                where_it_ran(conn)
            });
            assert_eq!(slow.await.unwrap().0, caller);
        }
        assert_eq!(pool.read(where_it_ran).await.unwrap(), (caller, 0), "after a slow read in memory");

        let on_disk = || {
            let page = dir.path().join("page");
            pool.read(move |conn| {
                read_from_storage(&page);
                std::thread::sleep(SLOW_READ * 3);
                where_it_ran(conn)
            })
        };
        for read in 1..DISK_READS {
            assert_eq!(on_disk().await.unwrap().0, caller, "disk read {read}");
            assert_eq!(pool.read(where_it_ran).await.unwrap().0, caller, "the read after disk read {read}");
        }
        assert_eq!(on_disk().await.unwrap().0, caller);
        assert_ne!(
            pool.read(where_it_ran).await.unwrap().0,
            caller,
            "the read after {DISK_READS} on the disk"
        );
        tokio::time::sleep(HAND_OFF + Duration::from_millis(100)).await;
        assert_eq!(pool.read(where_it_ran).await.unwrap(), (caller, 0), "a read after the hand-off");
    }

    #[test]
    fn each_connection_has_its_own_page_cache_and_no_allocation_takes_a_global_lock() {
        // libsqlite3-sys builds SQLite with one page cache for all connections behind one
        // mutex, and counts every allocation under another; `.cargo/config.toml` undoes both.
        let conn = Connection::open_in_memory().unwrap();
        let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
        let options = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .unwrap();
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
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
