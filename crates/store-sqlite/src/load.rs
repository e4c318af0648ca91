//! Bulk loading into SQLite: every table is loaded into a fresh copy of itself, committed as
//! it goes, and one transaction swaps the copies in.
//!
//! Each table `t` is staged as `t__load` (its own `CREATE TABLE` statement under the staged
//! name, so the same columns, checks and keys; no secondary index) and each batch of rows is
//! inserted and committed on its own, so the write-ahead log is checkpointed as the load runs
//! (by a [`Checkpointer`] beside the writer) and stays small. (One transaction for the whole load kept every page of it in the log: each
//! page the load wrote or read again was looked up among all the log's frames, so the log's
//! cost grew with the square of the load's size, and the final checkpoint copied all of it
//! again.) The swap drops the old tables, renames the staged ones to the old names (their keys
//! name the tables by those names already) and builds the indexes the old tables had, from
//! their own statements, then analyzes, in one transaction: readers see the old catalogue until
//! it commits, then the new one. The writer is held from start to finish, so no API write
//! interleaves with the load; a load dropped before the swap drops its staged tables and leaves
//! the store as it was (an import killed outright leaves them for the next load to drop).

use async_trait::async_trait;
use atelier_core::StoreError;
use atelier_core::load::{BulkLoader, Phase, timed};
use atelier_core::summary::{REVIEW_META_COLUMNS, Summaries};
use atelier_core::tables::{Batch, Table, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use tokio::sync::OwnedMutexGuard;

use crate::db_error;
use crate::pool::{COMMON_PRAGMAS, Pool, WRITER_PRAGMAS};

/// The summary tables, built from the loaded rows rather than loaded: one meta row per product
/// (migration V7).
const SUMMARY_TABLES: [&str; 1] = ["review_meta"];

/// What a staged table's name ends with.
const STAGED: &str = "__load";

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
/// Durability stays as when serving (WAL, synchronous NORMAL); the log is checkpointed every
/// 80 MB of committed batches, the backstop of the load's [`Checkpointer`].
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

/// The statement that made a table, by its name.
const TABLE_SQL: &str = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1";

/// The statements that made a table's secondary indexes (not those of its own keys).
const INDEX_SQL: &str =
    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL";

pub(crate) fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    conn.query_row(IS_EMPTY, [], |row| row.get(0)).map_err(db_error)
}

/// Every table a load replaces: the summaries, then the loaded tables, children first.
fn replaced() -> impl Iterator<Item = &'static str> {
    SUMMARY_TABLES.into_iter().chain(Table::ALL.iter().rev().map(|table| table.describe().name))
}

/// `create`, a table's own `CREATE TABLE` statement, for its staged copy: the same statement
/// under the staged name. SQLite stores the statement as it was written (by a migration), or
/// with the name quoted (after a rename by an earlier load).
fn staged_create(table: &str, create: &str) -> Result<String, StoreError> {
    let columns = create.find('(').ok_or_else(|| StoreError::Internal(format!("no columns in {create}")))?;
    let head = create[..columns].trim_end();
    if head != format!("CREATE TABLE {table}") && head != format!("CREATE TABLE \"{table}\"") {
        return Err(StoreError::Internal(format!("{table} was not made as expected: {head}")));
    }
    Ok(format!("CREATE TABLE {table}{STAGED} {}", &create[columns..]))
}

/// Drops the staged tables a load left, if any.
fn drop_staged(conn: &Connection) -> Result<(), StoreError> {
    let drops: String = replaced().map(|table| format!("DROP TABLE IF EXISTS {table}{STAGED};")).collect();
    conn.execute_batch(&format!("BEGIN IMMEDIATE; {drops} COMMIT")).map_err(db_error)
}

/// Runs `work` in a transaction of its own, committed if it succeeds.
fn in_transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
    match work(conn) {
        Ok(value) => {
            conn.execute_batch("COMMIT").map_err(db_error)?;
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A load in progress; holds the writer until it finishes or is dropped.
pub(crate) struct SqliteLoader {
    writer: Option<OwnedMutexGuard<Connection>>,
    /// Statements recreating the old tables' secondary indexes, run by the swap.
    indexes: Vec<String>,
    /// The meta summaries, counted as the rows pass.
    summaries: Summaries,
    /// Whether the swap has committed (nothing staged is left to drop).
    swapped: bool,
    /// Copies the committed batches into the database file beside the writer.
    checkpointer: Option<Checkpointer>,
}

/// Folds the write-ahead log back into the database file on a thread and connection of its
/// own, woken after each batch the writer commits, so that the writer, which an import waits
/// for, spends its time inserting (its own checkpoints took a quarter of its time during an
/// import). Passive: it copies what is committed and never waits for the writer. The writer's
/// checkpoint every 20,000 pages stays as the backstop: it copies what this one has not yet,
/// and once everything is copied the writer's next batch starts the log again from its
/// beginning, so the log stays as small as before.
struct Checkpointer {
    wake: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Checkpointer {
    /// Opens its connection to the database at `path` and starts its thread.
    fn start(path: &str) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(db_error)?;
        conn.execute_batch(CHECKPOINTER_PRAGMAS).map_err(db_error)?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    // A pass that fails (another process's checkpoint holding the lock) leaves
                    // the copying to the next pass or to the writer's own checkpoint.
                    let _ = conn.query_row(PASSIVE_CHECKPOINT, [], |_| Ok(()));
                }
            })
            .map_err(|e| StoreError::Internal(format!("failed to start the load's checkpoints: {e}")))?;
        Ok(Self { wake, thread })
    }

    /// Asks for a pass, unless one is already asked for.
    fn wake(&self) {
        let _ = self.wake.try_send(());
    }

    /// Waits for the pass in progress, if any, and ends the thread.
    fn stop(self) {
        drop(self.wake);
        let _ = self.thread.join();
    }
}

/// The checkpointer's settings: syncing as the writer's checkpoints do, never waiting for a
/// lock.
const CHECKPOINTER_PRAGMAS: &str = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0;";

/// Copies the log's committed pages into the database file without waiting for anyone.
const PASSIVE_CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

impl SqliteLoader {
    pub(crate) async fn start(pool: &Pool, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        Ok(Box::new(Self::open(pool, replace).await?))
    }

    async fn open(pool: &Pool, replace: bool) -> Result<Self, StoreError> {
        let guard = pool.lock_writer().await;
        let (writer, result) = Pool::with_writer(guard, move |conn| {
            if !replace && !is_empty(conn)? {
                return Err(StoreError::Conflict(
                    "the store already holds data; replace it to load again".into(),
                ));
            }
            conn.execute_batch(LOADING_PRAGMAS).map_err(db_error)?;
            drop_staged(conn)?;
            let path = conn.path().filter(|path| !path.is_empty()).map(str::to_owned);
            let checkpointer = path.as_deref().map(Checkpointer::start).transpose()?;
            let indexes = in_transaction(conn, |conn| {
                let mut indexes = Vec::new();
                for table in replaced() {
                    let create: String =
                        conn.query_row(TABLE_SQL, [table], |row| row.get(0)).map_err(db_error)?;
                    conn.execute_batch(&staged_create(table, &create)?).map_err(db_error)?;
                    let mut stmt = conn.prepare(INDEX_SQL).map_err(db_error)?;
                    let rows = stmt.query_map([table], |row| row.get::<_, String>(0)).map_err(db_error)?;
                    for sql in rows {
                        indexes.push(sql.map_err(db_error)?);
                    }
                }
                Ok(indexes)
            });
            Ok((indexes, checkpointer))
        })
        .await;
        // Dropped on error, the loader drops what it staged and restores the writer's settings.
        let mut loader = Self {
            writer,
            indexes: Vec::new(),
            summaries: Summaries::default(),
            swapped: false,
            checkpointer: None,
        };
        let (indexes, checkpointer) = result?;
        loader.checkpointer = checkpointer;
        loader.indexes = indexes?;
        Ok(loader)
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
    /// A load dropped before its swap committed is rolled back and its staged tables dropped;
    /// either way the writer goes back to the pool with its usual settings.
    fn drop(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        let swapped = self.swapped;
        let checkpointer = self.checkpointer.take();
        let restore = move || {
            if let Some(checkpointer) = checkpointer {
                checkpointer.stop();
            }
            let _ = writer.execute_batch("ROLLBACK");
            if !swapped {
                let _ = drop_staged(&writer);
            }
            let _ = writer.execute_batch(&serving_pragmas());
            // The writer goes back to the pool when the guard drops, here, after the cleanup.
        };
        // Dropping what a large load staged takes a while: on the blocking pool, not on the
        // async worker that dropped the loader. The writer stays locked until it is done, so
        // the next write waits for it.
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
        self.run(move |conn| in_transaction(conn, |conn| insert_batch(conn, &batch))).await?;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.wake();
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<Vec<Phase>, StoreError> {
        let mut phases = Vec::new();
        if let Some(checkpointer) = self.checkpointer.take() {
            // The swap's transaction commits at its end; nothing is left to copy beside it.
            tokio::task::spawn_blocking(move || checkpointer.stop())
                .await
                .map_err(|e| StoreError::Internal(format!("the load's checkpoints panicked: {e}")))?;
        }
        let mut summaries = std::mem::take(&mut self.summaries);
        let meta = self.run(move |conn| in_transaction(conn, |conn| insert_meta(conn, &mut summaries)));
        timed(&mut phases, "meta", meta).await?;
        // The swap: one transaction, from here to the commit.
        let swap = self.run(|conn| {
            conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
            let renames: String = replaced()
                .map(|table| format!("DROP TABLE {table}; ALTER TABLE {table}{STAGED} RENAME TO {table};"))
                .collect();
            conn.execute_batch(&renames).map_err(db_error)
        });
        timed(&mut phases, "swap", swap).await?;
        let indexes = std::mem::take(&mut self.indexes).join(";\n");
        timed(&mut phases, "indexes", self.run(move |conn| conn.execute_batch(&indexes).map_err(db_error)))
            .await?;
        timed(&mut phases, "analyze", self.run(|conn| conn.execute_batch("ANALYZE").map_err(db_error)))
            .await?;
        let commit = self.run(|conn| conn.execute_batch("COMMIT").map_err(db_error));
        timed(&mut phases, "commit", commit).await?;
        self.swapped = true;
        let checkpoint = self.run(|conn| {
            conn.execute_batch(&serving_pragmas()).map_err(db_error)?;
            // Fold the swap's log back into the database file now rather than on a later write.
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").map_err(db_error)
        });
        timed(&mut phases, "checkpoint", checkpoint).await?;
        Ok(phases)
    }
}

/// Rows one `INSERT` carries while a load runs. Each statement SQLite runs costs a step, a reset
/// and its bindings' checks whatever its size; many rows to a statement pay that once for all
/// of them. A statement holds at most `MAX_VARIABLES` values, so wide tables take fewer.
const ROWS_PER_INSERT: usize = 64;

/// The fewest bound values any SQLite build allows in one statement.
const MAX_VARIABLES: usize = 999;

/// `INSERT INTO {table}__load (columns) VALUES (?, ...), ...` for `rows` rows.
fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    format!("INSERT INTO {table}{STAGED} ({}) VALUES {}", columns.join(", "), vec![row; rows].join(", "))
}

/// Inserts every row of `batch`: for each table, statements of `ROWS_PER_INSERT` rows, built
/// from its description, and one row at a time for the rest.
fn insert_batch(conn: &Connection, batch: &Batch) -> Result<(), StoreError> {
    for rows in batch.tables() {
        if rows.is_empty() {
            continue;
        }
        let description = rows.table().describe();
        let names: Vec<&str> = description.columns.iter().map(|c| c.name).collect();
        let per_statement = ROWS_PER_INSERT.min(MAX_VARIABLES / names.len()).max(1);
        let mut many =
            conn.prepare_cached(&insert_sql(description.name, &names, per_statement)).map_err(db_error)?;
        let mut one = conn.prepare_cached(&insert_sql(description.name, &names, 1)).map_err(db_error)?;
        let mut values = Vec::with_capacity(names.len() * per_statement);
        let mut first = 0;
        while first < rows.len() {
            let (stmt, count) =
                if rows.len() - first >= per_statement { (&mut many, per_statement) } else { (&mut one, 1) };
            values.clear();
            for index in first..first + count {
                rows.push_values(index, &mut values);
            }
            stmt.execute(rusqlite::params_from_iter(values.iter().map(|&value| Bind(value))))
                .map_err(db_error)?;
            first += count;
        }
    }
    Ok(())
}

/// Writes one meta row per product into the staged `review_meta`: its counts, then its
/// characteristics as one JSON array of `[id, name, rating_sum, rating_count]`, ids ascending.
fn insert_meta(conn: &Connection, summaries: &mut Summaries) -> Result<(), StoreError> {
    let columns: Vec<&str> = REVIEW_META_COLUMNS.iter().copied().chain(["characteristics"]).collect();
    let mut stmt = conn.prepare(&insert_sql(SUMMARY_TABLES[0], &columns, 1)).map_err(db_error)?;
    for row in summaries.meta_rows() {
        let listed: Vec<(i64, &str, i64, i64)> =
            row.characteristics.iter().map(|c| (c.id, c.name, c.sum as i64, c.count as i64)).collect();
        let json = crate::reviews::characteristics_json(&listed)?;
        let counts = row.counts.map(|count| count as i64);
        stmt.execute(rusqlite::params_from_iter(
            std::iter::once(&row.product as &dyn ToSql)
                .chain(counts.iter().map(|count| count as &dyn ToSql))
                .chain(std::iter::once(&json as &dyn ToSql)),
        ))
        .map_err(db_error)?;
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
    use atelier_core::Store;

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

    /// A batch of `count` products, ids from `first`.
    fn products(first: i64, count: i64) -> Batch {
        let row = |id| atelier_core::tables::ProductRow {
            id,
            name: format!("Product {id}"),
            slogan: String::new(),
            description: String::new(),
            category: "Jackets".into(),
            default_price: "140".into(),
        };
        Batch { products: (first..first + count).map(row).collect(), ..Batch::default() }
    }

    /// Each table and index of the schema, with its columns or statement, and every key.
    fn schema(conn: &Connection) -> Vec<String> {
        let sql = "SELECT type || ' ' || name || ' on ' || tbl_name || ': ' ||
                CASE type WHEN 'index' THEN coalesce(sql, '') ELSE
                    (SELECT group_concat(c.name || ' ' || c.type || ' ' || c.\"notnull\" || ' ' ||
                        coalesce(c.dflt_value, '') || ' ' || c.pk, ', ')
                     FROM pragma_table_xinfo(m.name) c) END
            FROM sqlite_master m WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name";
        let mut stmt = conn.prepare(sql).unwrap();
        let mut schema: Vec<String> =
            stmt.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        schema.extend(foreign_keys(conn).into_iter().map(|key| format!("{key:?}")));
        schema
    }

    fn count(conn: &Connection, table: &str) -> Result<i64, StoreError> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).map_err(db_error)
    }

    #[tokio::test]
    async fn a_load_commits_each_batch_into_staged_tables_and_the_swap_leaves_the_schema_as_it_was() {
        // One transaction for a whole load kept all of it in the write-ahead log, whose cost
        // grew with the square of the load: the batches are committed as they come, into
        // staged tables that readers never see, and one transaction swaps them in.
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.db"), 1).await.unwrap();
        let migrated = store.pool.read(|conn| Ok(schema(conn))).await.unwrap();
        let mut first = store.bulk_loader(false).await.unwrap();
        first.load(products(1, 3)).await.unwrap();
        first.finish().await.unwrap();

        for round in 0..2 {
            let mut loader = store.bulk_loader(true).await.unwrap();
            loader.load(products(10, 5)).await.unwrap();
            let (staged, live) = store
                .pool
                .read(|conn| Ok((count(conn, "products__load")?, count(conn, "products")?)))
                .await
                .unwrap();
            assert_eq!((staged, live), (5, 3), "the batch is committed, staged, and unseen");
            if round == 0 {
                drop(loader);
                // The interrupted load's staged tables are gone once the writer is free again.
                store.pool.write(|_| Ok(())).await.unwrap();
                let staged = store.pool.read(|conn| Ok(count(conn, "products__load").is_err())).await;
                assert!(staged.unwrap(), "an interrupted load left its staged tables");
                continue;
            }
            loader.finish().await.unwrap();
        }

        assert_eq!(store.pool.read(|conn| count(conn, "products")).await.unwrap(), 5);
        let loaded = store.pool.read(|conn| Ok(schema(conn))).await.unwrap();
        assert_eq!(loaded, migrated, "the loads changed the schema");
    }

    #[tokio::test]
    async fn a_batch_past_one_statement_loads_every_row_once_with_its_own_values() {
        // Rows go in statements of many rows and the rest one at a time: two full statements
        // and three left over must land as 131 rows, each with the values of its own id.
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.db"), 1).await.unwrap();
        let count = 2 * ROWS_PER_INSERT as i64 + 3;
        let mut loader = store.bulk_loader(false).await.unwrap();
        loader.load(products(1, count)).await.unwrap();
        loader.finish().await.unwrap();
        let rows: Vec<(i64, String)> = store
            .pool
            .read(|conn| {
                let mut stmt = conn.prepare("SELECT id, name FROM products ORDER BY id").map_err(db_error)?;
                let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).map_err(db_error)?;
                rows.collect::<Result<_, _>>().map_err(db_error)
            })
            .await
            .unwrap();
        let expected: Vec<(i64, String)> = (1..=count).map(|id| (id, format!("Product {id}"))).collect();
        assert_eq!(rows, expected);
    }

    #[tokio::test]
    async fn each_committed_batch_is_copied_into_the_database_file_beside_the_writer() {
        // The writer's own checkpoints took a quarter of its time in an import: the load's
        // checkpointer copies each batch the writer commits into the file, long before the
        // writer's backstop of 20,000 pages (this batch is about 60).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = SqliteStore::open(&path, 1).await.unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let mut loader = SqliteLoader::open(&store.pool, false).await.unwrap();
        loader.load(products(1, 5000)).await.unwrap();
        // Stopping waits for the pass the batch asked for.
        let checkpointer = loader.checkpointer.take().expect("a load into a file copies beside it");
        tokio::task::spawn_blocking(move || checkpointer.stop()).await.unwrap();
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after >= before + 150_000, "the file grew from {before} to {after} bytes only");
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
