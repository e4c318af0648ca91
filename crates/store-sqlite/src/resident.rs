//! The database file held in memory: the embedded store's answer to PostgreSQL's shared buffers.
//!
//! Readers take their pages from the kernel's file cache (no reader maps the file: `pool.rs`),
//! and a host may take those pages back however much memory is free. On the benchmark machine
//! the cache lost 5-6 % of a 6 GB catalogue a minute with 22 GB free, and each page lost
//! came back from the disk in some request's time, stalling it for tens of milliseconds
//! (BENCHMARKS.md); PostgreSQL's pages stay in its shared buffers, which are not file cache.
//! Locked pages are never taken back. A connection of its own maps the file (SQLite's
//! memory-mapped I/O, so the mapping is SQLite's and no unsafe code is needed here) and the
//! process locks that one mapping, which reads in every page the cache lacks. The readers still
//! read through the file cache, where every page now is. Resident memory shows the file once,
//! as file-backed memory (`RssFile`), beside the process's own (`RssAnon`).
//!
//! Pages the file gains after this (new reviews) are not locked: they were written recently and
//! are in the cache like the rest; a restart locks them too.

use std::path::Path;
use std::sync::Mutex;

use atelier_core::StoreError;
use rusqlite::{Connection, OpenFlags};

use crate::db_error;

/// The locked mapping and the connection that owns it. Fields drop in order: the pages are
/// unlocked before the connection closes and SQLite unmaps them.
pub(crate) struct Resident {
    _lock: region::LockGuard,
    _keeper: Mutex<Connection>,
    bytes: usize,
}

impl Resident {
    /// The bytes of the file held in memory.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

/// A mapping of the file in this process: where it starts and how long it is.
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    len: usize,
}

/// Maps the database at `path` on a connection of its own and locks the mapping. The file's
/// pages must not be in the write-ahead log (a checkpoint first), or SQLite reads them from the
/// log and never maps the file. Fails with a configuration error when the process may not lock
/// that much memory.
pub(crate) fn hold(path: &Path) -> Result<Resident, StoreError> {
    use std::os::unix::fs::MetadataExt;
    let file = std::fs::metadata(path)
        .map_err(|e| StoreError::Internal(format!("failed to read {}: {e}", path.display())))?;
    let before = mappings_of(file.ino())?;
    let keeper =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(db_error)?;
    // SQLite caps the mapping at its compile-time SQLITE_MAX_MMAP_SIZE (`.cargo/config.toml`).
    // Page 1 is never read through the mapping, so the read is of a table's root page.
    keeper
        .execute_batch("PRAGMA mmap_size = 9223372036854775807;")
        .and_then(|()| {
            keeper.query_row("SELECT count(*) FROM (SELECT 1 FROM products LIMIT 1)", [], |_| Ok(()))
        })
        .map_err(db_error)?;
    let mapping =
        mappings_of(file.ino())?.into_iter().find(|mapping| !before.contains(mapping)).ok_or_else(|| {
            StoreError::Internal(format!(
                "SQLite did not map {} into memory to hold it there",
                path.display()
            ))
        })?;
    // A build whose SQLITE_MAX_MMAP_SIZE is below the file's size would lock only its start.
    if (mapping.len as u64) < file.len() {
        return Err(StoreError::Internal(format!(
            "SQLite mapped {} of the {} bytes of {}: this build's SQLITE_MAX_MMAP_SIZE is too low",
            mapping.len,
            file.len(),
            path.display()
        )));
    }
    let lock = region::lock(std::ptr::without_provenance::<u8>(mapping.start), mapping.len).map_err(|e| {
        StoreError::Config(format!(
            "could not lock the SQLite file's {:.1} MB in memory ({e}): raise the memory-lock limit \
             above the file's size (`ulimit -l`, systemd's LimitMEMLOCK=infinity) or grant CAP_IPC_LOCK",
            mapping.len as f64 / 1e6
        ))
    })?;
    Ok(Resident { _lock: lock, _keeper: Mutex::new(keeper), bytes: mapping.len })
}

/// The mappings of the file with this inode in this process, from `/proc/self/maps` (a line is
/// `start-end perms offset device inode path`).
fn mappings_of(inode: u64) -> Result<Vec<Mapping>, StoreError> {
    let inode = inode.to_string();
    let maps = std::fs::read_to_string("/proc/self/maps")
        .map_err(|e| StoreError::Internal(format!("failed to read /proc/self/maps: {e}")))?;
    Ok(maps
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (range, inode_field) = (fields.next()?, fields.nth(3)?);
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (inode_field == inode).then_some(Mapping { start, len: end - start })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kilobytes locked in memory of the mapping at `start`, as the kernel counts them: the
    /// first `Locked:` line after the mapping's header in `/proc/self/smaps`.
    fn locked_kb(start: usize) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let header = format!("{start:x}-");
        let mut entry = smaps.lines().skip_while(|line| !line.starts_with(&header));
        let locked =
            entry.find_map(|line| line.strip_prefix("Locked:")).expect("the mapping in /proc/self/smaps");
        locked.trim().trim_end_matches("kB").trim().parse().unwrap()
    }

    #[tokio::test]
    async fn a_resident_store_holds_every_page_of_its_file_locked_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("resident.db");
        let mut store = crate::SqliteStore::open(&path, 2).await.unwrap();
        let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
        let before = mappings_of(inode).unwrap();

        let held = store.hold_in_memory().await.unwrap();

        let file_len = std::fs::metadata(&path).unwrap().len();
        let after = mappings_of(inode).unwrap();
        let mapping = after.iter().find(|m| !before.contains(m)).expect("a mapping of the file");
        assert!(held as u64 >= file_len && file_len > 0, "held {held} of {file_len} bytes");
        assert_eq!(locked_kb(mapping.start) * 1024, mapping.len as u64);
    }
}
