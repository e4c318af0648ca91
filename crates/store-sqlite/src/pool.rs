//! A pool of read connections and one write connection to a SQLite file.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use atelier_core::StoreError;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, Semaphore};

use crate::db_error;

/// Settings every connection shares. WAL lets readers run beside the writer; NORMAL sync is
/// durable across application crashes (only an OS crash can lose the last commits), the
/// usual trade for WAL; the busy timeout covers a checkpoint holding the file briefly.
const COMMON_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
    PRAGMA cache_size = -65536;
    PRAGMA mmap_size = 1073741824;
    PRAGMA temp_store = MEMORY;";

/// The read connections and the writer. Cloning shares them.
#[derive(Clone)]
pub(crate) struct Pool {
    readers: Arc<Readers>,
    writer: Arc<AsyncMutex<Connection>>,
}

struct Readers {
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection, so a reader waits asynchronously when all are busy.
    permits: Semaphore,
}

impl Pool {
    /// Opens the writer first (creating the file and switching it to WAL), then the readers.
    pub(crate) async fn open(path: PathBuf, readers: usize) -> Result<Self, StoreError> {
        let (writer, idle) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let writer = Connection::open(&path).map_err(db_error)?;
            writer
                .execute_batch(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; {COMMON_PRAGMAS}"
                ))
                .map_err(db_error)?;
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let idle = (0..readers)
                .map(|_| {
                    let conn = Connection::open_with_flags(&path, flags)?;
                    conn.execute_batch(COMMON_PRAGMAS)?;
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
                permits: Semaphore::new(readers),
            }),
            writer: Arc::new(AsyncMutex::new(writer)),
        })
    }

    /// Runs `work` on an idle read connection, on the blocking pool.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self.readers.permits.acquire().await.map_err(|_| closed())?;
        let conn = lock(&self.readers.idle).pop().ok_or_else(closed)?;
        let joined = tokio::task::spawn_blocking(move || {
            let result = work(&conn);
            (conn, result)
        })
        .await;
        match joined {
            Ok((conn, result)) => {
                lock(&self.readers.idle).push(conn);
                result
            }
            Err(e) => {
                // The connection died with the task: retire its permit so the count of permits
                // stays equal to the count of idle connections.
                permit.forget();
                Err(StoreError::Internal(format!("a SQLite read panicked: {e}")))
            }
        }
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
            Err(e) => (
                None,
                Err(StoreError::Internal(format!(
                    "a SQLite write panicked: {e}"
                ))),
            ),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding this lock cannot leave the Vec half-changed (push and pop are
    // atomic with respect to panics), so a poisoned lock is safe to use.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn closed() -> StoreError {
    StoreError::Unavailable("the SQLite reader pool is closed".into())
}
