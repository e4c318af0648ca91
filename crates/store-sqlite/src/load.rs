//! Bulk loading into SQLite: the whole load is one transaction of prepared inserts on the
//! writer, held from start to finish so no API write interleaves with it. Readers keep seeing
//! the last commit; a load dropped before `finish` rolls back.

use async_trait::async_trait;
use atelier_core::StoreError;
use atelier_core::load::{BulkLoader, Phase, timed};
use atelier_core::summary::{CHARACTERISTIC_META_COLUMNS, REVIEW_META_COLUMNS, Summaries};
use atelier_core::tables::{Batch, Table, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use tokio::sync::OwnedMutexGuard;

use crate::db_error;
use crate::pool::{COMMON_PRAGMAS, Pool, WRITER_PRAGMAS};

/// The summary tables, computed from the loaded ones at the end of a load rather than loaded.
const SUMMARY_TABLES: [&str; 2] = ["review_meta", "characteristic_meta"];

/// Whether no product exists.
const IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM products)";

/// Settings of the writer while it loads: foreign keys are not checked, since every row comes
/// from the importer, which has checked each of its parents among the rows loaded before it
/// (the load replaces every table a key points at, and the test
/// `every_foreign_key_is_a_parent_the_importer_checks` holds the schema to that); and the page
/// cache is large for the index builds, while memory-mapping is off and sorts spill to
/// temporary files, so the process's memory stays bounded (in memory, they took it past 1.3 GB
/// on 44 million rows).
/// Index builds sort with helper threads (the sorter's own, SQLite's `threads`), and `ANALYZE`
/// samples each index rather than reading it whole (the planner needs proportions, not counts:
/// the full pass took 10 s of a 1-million-product import).
/// Durability stays as when serving (WAL, synchronous NORMAL).
const LOADING_PRAGMAS: &str = "PRAGMA foreign_keys = OFF;
    PRAGMA cache_size = -262144;
    PRAGMA mmap_size = 0;
    PRAGMA temp_store = FILE;
    PRAGMA wal_autocheckpoint = 20000;
    PRAGMA threads = 2;
    PRAGMA analysis_limit = 1000;";

/// The writer's usual settings, as the pool opened it.
fn serving_pragmas() -> String {
    format!("{WRITER_PRAGMAS} {COMMON_PRAGMAS}")
}

/// The secondary indexes, by name and by the statement that recreates them exactly as the
/// migrations made them: the load drops them before inserting and recreates them in `finish`.
const DROPPABLE: &str = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL";

pub(crate) fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    conn.query_row(IS_EMPTY, [], |row| row.get(0)).map_err(db_error)
}

/// A load in progress; holds the writer until it finishes or is dropped.
pub(crate) struct SqliteLoader {
    writer: Option<OwnedMutexGuard<Connection>>,
    /// Statements recreating the dropped secondary indexes.
    indexes: Vec<String>,
    /// The meta summaries, counted as the rows pass.
    summaries: Summaries,
}

impl SqliteLoader {
    pub(crate) async fn start(pool: &Pool, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        let guard = pool.lock_writer().await;
        let (writer, result) = Pool::with_writer(guard, move |conn| {
            if !replace && !is_empty(conn)? {
                return Err(StoreError::Conflict(
                    "the store already holds data; replace it to load again".into(),
                ));
            }
            conn.execute_batch(LOADING_PRAGMAS).map_err(db_error)?;
            // The whole load is one transaction, committed by `finish` and rolled back if the
            // loader is dropped before: readers see the old catalogue until the commit.
            conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
            let indexes: Vec<(String, String)> = conn
                .prepare(DROPPABLE)
                .and_then(|mut stmt| stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect())
                .map_err(db_error)?;
            for (name, _) in &indexes {
                conn.execute_batch(&format!("DROP INDEX \"{name}\"")).map_err(db_error)?;
            }
            // Children first, so no row is ever left pointing at a deleted one.
            let loaded = Table::ALL.iter().rev().map(|table| table.describe().name);
            for table in SUMMARY_TABLES.into_iter().chain(loaded) {
                conn.execute(&format!("DELETE FROM {table}"), []).map_err(db_error)?;
            }
            Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
        })
        .await;
        // Dropped on error, the loader rolls back and restores the writer's settings.
        let mut loader = Self { writer, indexes: Vec::new(), summaries: Summaries::default() };
        loader.indexes = result?;
        Ok(Box::new(loader))
    }

    async fn run<T, F>(&mut self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let guard =
            self.writer.take().ok_or_else(|| StoreError::Internal("the loader lost its writer".into()))?;
        let (writer, result) = Pool::with_writer(guard, work).await;
        self.writer = writer;
        result
    }
}

impl Drop for SqliteLoader {
    /// A load dropped before `finish` is rolled back (after `finish` there is nothing to roll
    /// back and the statement is a no-op error); either way the writer goes back to the pool
    /// with its usual settings.
    fn drop(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        let restore = move || {
            let _ = writer.execute_batch("ROLLBACK");
            let _ = writer.execute_batch(&serving_pragmas());
            // The writer goes back to the pool when the guard drops, here, after the rollback.
        };
        // The rollback of a large load takes a while: on the blocking pool, not on the async
        // worker that dropped the loader. The writer stays locked until it is done, so the
        // next write waits for it.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(restore)),
            Err(_) => restore(),
        }
    }
}

#[async_trait]
impl BulkLoader for SqliteLoader {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        self.summaries.add(&batch);
        self.run(move |conn| insert_batch(conn, &batch)).await
    }

    async fn finish(mut self: Box<Self>) -> Result<Vec<Phase>, StoreError> {
        let mut phases = Vec::new();
        // Summaries first, before the indexes exist to be maintained by their inserts.
        let summaries = std::mem::take(&mut self.summaries);
        timed(&mut phases, "meta", self.run(move |conn| insert_summaries(conn, &summaries))).await?;
        let indexes = std::mem::take(&mut self.indexes).join(";\n");
        timed(&mut phases, "indexes", self.run(move |conn| conn.execute_batch(&indexes).map_err(db_error)))
            .await?;
        timed(&mut phases, "analyze", self.run(|conn| conn.execute_batch("ANALYZE").map_err(db_error)))
            .await?;
        let commit = self.run(|conn| {
            conn.execute_batch("COMMIT").map_err(db_error)?;
            conn.execute_batch(&serving_pragmas()).map_err(db_error)?;
            // Fold the load's WAL back into the database file now rather than on a later write.
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(db_error)
        });
        timed(&mut phases, "commit", commit).await?;
        Ok(phases)
    }
}

/// Inserts every row of `batch`, one prepared statement per table, built from its description.
fn insert_batch(conn: &Connection, batch: &Batch) -> Result<(), StoreError> {
    for rows in batch.tables() {
        if rows.is_empty() {
            continue;
        }
        let description = rows.table().describe();
        let names: Vec<&str> = description.columns.iter().map(|c| c.name).collect();
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            description.name,
            names.join(", "),
            placeholders.join(", ")
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
        let mut values = Vec::with_capacity(names.len());
        for index in 0..rows.len() {
            values.clear();
            rows.push_values(index, &mut values);
            stmt.execute(rusqlite::params_from_iter(values.iter().map(|&value| Bind(value))))
                .map_err(db_error)?;
        }
    }
    Ok(())
}

/// Writes the summaries counted during the load (the tables were emptied at its start).
fn insert_summaries(conn: &Connection, summaries: &Summaries) -> Result<(), StoreError> {
    insert_counts(conn, "review_meta", &REVIEW_META_COLUMNS, summaries.review_meta())?;
    insert_counts(conn, "characteristic_meta", &CHARACTERISTIC_META_COLUMNS, summaries.characteristic_meta())
}

/// Inserts `(id, counts)` rows into `table`.
fn insert_counts<const N: usize>(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = (i64, [u64; N])>,
) -> Result<(), StoreError> {
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let sql = format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), placeholders.join(", "));
    let mut stmt = conn.prepare(&sql).map_err(db_error)?;
    let mut values: Vec<i64> = Vec::with_capacity(columns.len());
    for (id, counts) in rows {
        values.clear();
        values.push(id);
        values.extend(counts.iter().map(|&count| count as i64));
        stmt.execute(rusqlite::params_from_iter(values.iter())).map_err(db_error)?;
    }
    Ok(())
}

/// A row's value as SQLite stores it: booleans as 0 and 1.
struct Bind<'r>(Value<'r>);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Int(value) => ValueRef::Integer(value),
            Value::Bool(value) => ValueRef::Integer(i64::from(value)),
            Value::Text(value) => ValueRef::Text(value.as_bytes()),
            Value::Null => ValueRef::Null,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;

    /// Each foreign key of the schema, as (child table, column, parent table).
    fn foreign_keys(conn: &Connection) -> Vec<(String, String, String)> {
        let sql =
            "SELECT m.name, k.\"from\", k.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) k
            WHERE m.type = 'table' ORDER BY m.name, k.\"from\"";
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[tokio::test]
    async fn every_foreign_key_is_a_parent_the_importer_checks() {
        // A load does not check foreign keys itself (the full check took 11 s of a 1-million-
        // product import): each loaded row's parents were checked by the importer, so every key
        // must be a described parent column (or a summary's key, built from checked rows), and
        // no table the load keeps may point at one it replaces.
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.db"), 1).await.unwrap();
        let keys = store.pool.read(|conn| Ok(foreign_keys(conn))).await.unwrap();
        assert!(keys.len() >= Table::ALL.len(), "the schema's keys were not read: {keys:?}");
        for (child, column, parent) in keys {
            assert!(
                Table::named(&parent).is_some(),
                "{child}.{column} points at {parent}, which no load fills"
            );
            if SUMMARY_TABLES.contains(&child.as_str()) {
                continue;
            }
            let table = Table::named(&child).unwrap_or_else(|| {
                panic!("{child}.{column} points at {parent}, but the load keeps {child}'s rows")
            });
            assert!(
                table.describe().has_parent(&column, &parent),
                "{child}.{column} points at {parent}, but the importer does not check it"
            );
        }
    }
}
