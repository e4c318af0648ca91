//! Bulk loading into PostgreSQL: every table is loaded into a fresh copy of itself, on its own
//! connection, in parallel, and one short transaction swaps the copies in.
//!
//! A single COPY keeps one PostgreSQL backend busy on one core; loading tables side by side
//! uses the others, and a table's indexes are built while the next table streams in. Each
//! table `t` is staged as `t__load` (same columns, defaults, identity and checks, no index) in
//! a transaction of its own: created, filled with binary `COPY ... FREEZE` (rows written frozen:
//! no hint-bit rewrite of every page on first read, which cost a minute on 44 million rows),
//! given its primary key and indexes (sorted once, not maintained row by row) as soon as its
//! last row is in, its foreign keys to its parents' staged tables (added once the parents are
//! committed, `NOT VALID`: the importer has checked the rows; see [`FOREIGN_KEYS`]), analyzed
//! and committed. The meta rows, one per product with its counts and
//! characteristics, collected as the rows pass, are staged the same way at the end.
//!
//! The swap drops the old tables, renames the staged ones with their indexes, keys and
//! sequences to the old names and moves the id sequences, in one transaction: readers see the
//! old catalogue, unblocked, until it commits, then the new one. A load interrupted before the
//! swap leaves the store exactly as it was (staged tables of an interrupted load are dropped by
//! the next one).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use atelier_core::StoreError;
use atelier_core::load::{BulkLoader, Phase, timed};
use atelier_core::summary::{REVIEW_META_COLUMNS, Summaries};
use atelier_core::tables::{Batch, Rows, Storage, Table, Value};
use bytes::{BufMut, Bytes, BytesMut};
use deadpool_postgres::{ClientWrapper, Object, Pool};
use futures_util::{SinkExt, TryFutureExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_postgres::CopyInSink;
use tokio_postgres::types::{IsNull, ToSql, Type};

use crate::{db_error, pool_error};

/// Whether no product exists.
const IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM products)";

/// The summary tables, built from the loaded rows rather than loaded: one meta row per product
/// (migration V3).
const SUMMARY_TABLES: [&str; 1] = ["review_meta"];

/// The columns of a meta row after its counts (`REVIEW_META_COLUMNS`): the product's
/// characteristics, ids ascending.
const META_ARRAYS: [&str; 4] = ["characteristic_ids", "characteristic_names", "rating_sums", "rating_counts"];

/// What a staged table's name ends with.
const STAGED: &str = "__load";

/// Batches waiting for one table's COPY: enough to keep it busy while the reader parses.
const QUEUED_BATCHES: usize = 4;

/// Settings of a staging connection. An index build sorts in memory up to 1 GB, and on the
/// connection's own backend alone: with a smaller sort, or with parallel workers (each of which
/// writes its sorted share to temporary files for the leader to merge), the 1-million-product
/// import wrote 2.1 GB of temporary files and took 78-92 s here against 71-76 s
/// (BENCHMARKS.md). The tables already build side by side, one backend each, which keeps the
/// cores busy without workers; the memory is taken only while a big table sorts (the server's
/// memory in use rose 1.2 GB at most). An operator's own `maintenance_work_mem` (in the
/// server's configuration, for the database or role, or in the URL's `options`) is kept: only
/// PostgreSQL's built-in default is raised. A serving deadline does not apply, since index
/// builds rightly take minutes.
pub(crate) const LOADING_SETTINGS: &str =
    "SET max_parallel_maintenance_workers = 0; SET statement_timeout = 0;
    SELECT set_config('maintenance_work_mem', '1GB', false) FROM pg_settings
        WHERE name = 'maintenance_work_mem' AND source = 'default'";

/// Each primary key and index of the current schema's tables, as the statement that builds it on
/// the staged table under a staged name, and the statement of the swap that gives it its name.
const BUILDS: &str = "SELECT t.relname AS table_name,
        CASE WHEN i.indisprimary THEN
            format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname || $1, c.relname || $1,
                   pg_get_constraintdef(k.oid))
        ELSE
            format('CREATE %sINDEX %I ON %I %s', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END,
                   c.relname || $1, t.relname || $1, substring(pg_get_indexdef(i.indexrelid) FROM 'USING .*$'))
        END AS build,
        format('ALTER INDEX %I RENAME TO %I', c.relname || $1, c.relname) AS rename
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.contype = 'p'
    WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($2)
    ORDER BY i.indisprimary DESC, c.relname";

/// The foreign keys of the loaded tables, each as the statement that adds it to the staged
/// child, pointing at the staged parent. (`pg_get_constraintdef` names the parent unqualified,
/// its schema being the current one; a name that needs quotes would not match, and the swap
/// would then refuse to drop the old parent: the load fails rather than lose a key.)
///
/// Each is added `NOT VALID`: enforced on every later write, but the loaded rows are not read
/// again to check it, since the importer checked each row's parents among the rows loaded
/// before it (`BulkLoader`'s contract). Checking them again took PostgreSQL 33 s of work in a
/// 1-million-product import (19 million characteristic ratings against 5.8 million reviews:
/// 13 s). The test `an_imported_catalogue_satisfies_every_foreign_key` validates them all after
/// an import, and `VALIDATE CONSTRAINT` does it on a live store without blocking reads or
/// writes (docs/deployment.md).
const FOREIGN_KEYS: &str = "SELECT t.relname AS child, p.relname AS parent,
           format('ALTER TABLE %I ADD CONSTRAINT %I %s NOT VALID', t.relname || $1, conname,
                  regexp_replace(regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', ''),
                                 'REFERENCES (\\w+)\\(', 'REFERENCES \\1' || $1 || '(')) AS add
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_class p ON p.oid = k.confrelid
    WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace AND t.relname = ANY($2)
    ORDER BY t.relname, conname";

/// For each staged table with an identity sequence, the statement giving it the old one's name.
const SEQUENCE_RENAMES: &str = "SELECT format('ALTER SEQUENCE %s RENAME TO %I',
               pg_get_serial_sequence(quote_ident(name || $1), 'id'),
               (SELECT relname FROM pg_class WHERE oid = pg_get_serial_sequence(quote_ident(name), 'id')::regclass))
    FROM unnest($2::text[]) AS name
    WHERE pg_get_serial_sequence(quote_ident(name), 'id') IS NOT NULL";

/// The loaded tables' names, then the summary tables'.
fn all_tables() -> impl DoubleEndedIterator<Item = &'static str> {
    Table::ALL.iter().map(|table| table.describe().name).chain(SUMMARY_TABLES)
}

/// Every loaded table's identity sequence moved past its largest id, so API writes get fresh
/// ids.
fn move_sequences() -> String {
    let tables: Vec<String> =
        Table::ALL.iter().map(|t| format!("('{0}', (SELECT max(id) FROM {0}))", t.describe().name)).collect();
    format!(
        "SELECT setval(pg_get_serial_sequence(t, 'id'), coalesce(m, 1), m IS NOT NULL) FROM (VALUES {}) AS ids(t, m)",
        tables.join(", ")
    )
}

/// The statements that build one table's keys and indexes on its staged copy, those that add
/// its foreign keys there (with the parent each waits for), and those of the swap that rename
/// its indexes.
#[derive(Debug, Clone, Default)]
struct Builds {
    build: Vec<String>,
    foreign_keys: Vec<(String, String)>,
    rename: Vec<String>,
}

/// One table being staged: its batches go to a task with a connection of its own.
struct Stager {
    batches: mpsc::Sender<Arc<Batch>>,
    task: Staging,
}

/// A staging task, stopped if the load is dropped: its connection then closes and the server
/// rolls its table back, rather than the task building indexes for a load nobody finishes.
struct Staging(JoinHandle<Result<(), StoreError>>);

impl Staging {
    async fn done(mut self) -> Result<(), StoreError> {
        joined((&mut self.0).await)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What fills a staged table.
enum Fill {
    /// The table's rows of each batch, as they arrive.
    Batches(Table, mpsc::Receiver<Arc<Batch>>),
    /// Every product's meta row.
    ReviewMeta(Box<Summaries>),
    /// Nothing: the load had no row for the table.
    Empty,
}

impl Fill {
    async fn write(self, client: &tokio_postgres::Client, staged: &str) -> Result<(), StoreError> {
        match self {
            Fill::Batches(table, mut queued) => {
                let description = table.describe();
                let names: Vec<&str> = description.columns.iter().map(|c| c.name).collect();
                let storage: Vec<Storage> = description.columns.iter().map(|c| c.kind.storage()).collect();
                let mut copy = Copy::start(client, staged, &names).await?;
                while let Some(batch) = queued.recv().await {
                    copy_rows(&mut copy, &storage, batch.tables()[table as usize]).await?;
                }
                copy.finish().await
            }
            Fill::ReviewMeta(mut summaries) => copy_meta(client, staged, &mut summaries).await,
            Fill::Empty => Ok(()),
        }
    }
}

/// A load in progress. Its connection for the swap, and each stager's, is taken out of the
/// pool: dropped before `finish`, they close and the server rolls back what they had not
/// committed, so no pooled connection is ever left inside an open transaction.
pub(crate) struct PgLoader {
    pool: Pool,
    client: ClientWrapper,
    /// Per table, its keys and indexes.
    builds: HashMap<&'static str, Builds>,
    stagers: HashMap<Table, Stager>,
    /// Stagers told that their table is complete, finishing it.
    closing: Vec<Staging>,
    /// Per table, the signal its stager sends once its staged table is committed (the children
    /// wait for it before adding their foreign keys), until that stager takes it: a table whose
    /// signal is gone and that has no stager was staged and closed, and takes no more rows.
    signals: HashMap<&'static str, watch::Sender<bool>>,
    committed: HashMap<&'static str, watch::Receiver<bool>>,
    /// The meta summaries, counted as the rows pass.
    summaries: Summaries,
}

impl PgLoader {
    pub(crate) async fn start(pool: Pool, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        let client = Object::take(pool.get().await.map_err(pool_error)?);
        if !replace && !is_empty(&client).await? {
            return Err(StoreError::Conflict(
                "the store already holds data; replace it to load again".into(),
            ));
        }
        let names: Vec<&str> = all_tables().collect();
        let leftovers: Vec<String> = names.iter().map(|name| format!("{name}{STAGED}")).collect();
        client
            .batch_execute(&format!("DROP TABLE IF EXISTS {}", leftovers.join(", ")))
            .await
            .map_err(db_error)?;
        let mut builds: HashMap<&'static str, Builds> = HashMap::new();
        for row in client.query(BUILDS, &[&STAGED, &names]).await.map_err(db_error)? {
            let table: String = row.try_get("table_name").map_err(db_error)?;
            let Some(name) = names.iter().find(|n| **n == table) else { continue };
            let entry = builds.entry(name).or_default();
            entry.build.push(row.try_get("build").map_err(db_error)?);
            // Renaming a primary key's index renames its constraint too.
            entry.rename.push(row.try_get("rename").map_err(db_error)?);
        }
        for row in client.query(FOREIGN_KEYS, &[&STAGED, &names]).await.map_err(db_error)? {
            let child: String = row.try_get("child").map_err(db_error)?;
            let Some(name) = names.iter().find(|n| **n == child) else { continue };
            let parent = row.try_get("parent").map_err(db_error)?;
            builds
                .entry(name)
                .or_default()
                .foreign_keys
                .push((parent, row.try_get("add").map_err(db_error)?));
        }
        let (mut signals, mut committed) = (HashMap::new(), HashMap::new());
        for name in names {
            let (signal, receiver) = watch::channel(false);
            signals.insert(name, signal);
            committed.insert(name, receiver);
        }
        Ok(Box::new(Self {
            pool,
            client,
            builds,
            stagers: HashMap::new(),
            closing: Vec::new(),
            signals,
            committed,
            summaries: Summaries::default(),
        }))
    }

    /// Starts staging table `name` on a connection of its own; `fill` writes its rows.
    async fn stage(&mut self, name: &'static str, fill: Fill) -> Result<Staging, StoreError> {
        let signal = self
            .signals
            .remove(name)
            .ok_or_else(|| StoreError::Internal(format!("{name} was staged twice")))?;
        let builds = self.builds.get(name).cloned().unwrap_or_default();
        let mut parents = Vec::new();
        for (parent, add) in builds.foreign_keys {
            let committed = self.committed.get(parent.as_str()).cloned().ok_or_else(|| {
                StoreError::Internal(format!("{name} points at {parent}, which the load does not replace"))
            })?;
            parents.push((parent, committed, add));
        }
        let client = Object::take(self.pool.get().await.map_err(pool_error)?);
        Ok(Staging(tokio::spawn(async move {
            let staged = format!("{name}{STAGED}");
            client.batch_execute(LOADING_SETTINGS).await.map_err(db_error)?;
            // Created in the transaction that fills it, so COPY may write the rows frozen.
            client
                .batch_execute(&format!(
                    "BEGIN; CREATE TABLE {staged} (LIKE {name} INCLUDING ALL EXCLUDING INDEXES)"
                ))
                .await
                .map_err(db_error)?;
            fill.write(&client, &staged).await?;
            for statement in &builds.build {
                client.batch_execute(statement).await.map_err(db_error)?;
            }
            // Each key is added once its parent's staged table is committed; the lock this
            // takes on the parent is held until this table commits.
            for (parent, mut committed, add) in parents {
                if committed.wait_for(|done| *done).await.is_err() {
                    return Err(StoreError::Internal(format!("staging {parent} failed")));
                }
                client.batch_execute(&add).await.map_err(db_error)?;
            }
            client.batch_execute(&format!("ANALYZE {staged}; COMMIT")).await.map_err(db_error)?;
            let _ = signal.send(true);
            Ok(())
        })))
    }

    /// Ends the staging of `table`: its stager's batches close (it builds the table's indexes
    /// now), or a table that never had a row is staged empty. `None` if it was closed already.
    async fn close(&mut self, table: Table) -> Result<Option<Staging>, StoreError> {
        let name = table.describe().name;
        match self.stagers.remove(&table) {
            Some(stager) => Ok(Some(stager.task)),
            None if self.signals.contains_key(name) => Ok(Some(self.stage(name, Fill::Empty).await?)),
            None => Ok(None),
        }
    }

    /// The swap: old tables out, staged ones in under the old names, in one transaction.
    fn swap(&self, sequences: &[String]) -> String {
        let mut statements = vec!["BEGIN".to_owned()];
        statements.push(format!("DROP TABLE {}", all_tables().collect::<Vec<_>>().join(", ")));
        for name in all_tables() {
            statements.push(format!("ALTER TABLE {name}{STAGED} RENAME TO {name}"));
            if let Some(builds) = self.builds.get(name) {
                statements.extend(builds.rename.iter().cloned());
            }
        }
        statements.extend(sequences.iter().cloned());
        statements.push(move_sequences());
        statements.push("COMMIT".to_owned());
        statements.join(";\n")
    }
}

pub(crate) async fn is_empty(client: &tokio_postgres::Client) -> Result<bool, StoreError> {
    client.query_one(IS_EMPTY, &[]).await.map_err(db_error)?.try_get(0).map_err(db_error)
}

#[async_trait]
impl BulkLoader for PgLoader {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        self.summaries.add(&batch);
        let batch = Arc::new(batch);
        for table in Table::ALL {
            if batch.tables()[table as usize].is_empty() {
                continue;
            }
            if !self.stagers.contains_key(&table) {
                if !self.signals.contains_key(table.describe().name) {
                    return Err(StoreError::Internal(format!(
                        "rows of {} after the table was said to be complete",
                        table.describe().name
                    )));
                }
                let (batches, queued) = mpsc::channel::<Arc<Batch>>(QUEUED_BATCHES);
                let task = self.stage(table.describe().name, Fill::Batches(table, queued)).await?;
                self.stagers.insert(table, Stager { batches, task });
            }
            let stager = &self.stagers[&table];
            if stager.batches.send(batch.clone()).await.is_err() {
                // The stager stopped: its error says why.
                let stager = self.stagers.remove(&table).expect("just used");
                return Err(stager.task.done().await.err().unwrap_or_else(|| {
                    StoreError::Internal(format!("staging {} stopped early", table.describe().name))
                }));
            }
        }
        Ok(())
    }

    async fn table_done(&mut self, table: Table) -> Result<(), StoreError> {
        let task = self.close(table).await?;
        self.closing.extend(task);
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<Vec<Phase>, StoreError> {
        let mut phases = Vec::new();
        let meta = Box::new(std::mem::take(&mut self.summaries));
        let mut tasks = std::mem::take(&mut self.closing);
        // Every table is staged, an empty one too, so the swap replaces them all.
        for table in Table::ALL {
            tasks.extend(self.close(table).await?);
        }
        tasks.push(self.stage(SUMMARY_TABLES[0], Fill::ReviewMeta(meta)).await?);
        timed(&mut phases, "tables", async {
            for task in tasks {
                task.done().await?;
            }
            Ok(())
        })
        .await?;

        // The loaded tables have an `id` identity; the summary tables have no `id` at all.
        let loaded: Vec<&str> = Table::ALL.iter().map(|t| t.describe().name).collect();
        let sequences: Vec<String> = self
            .client
            .query(SEQUENCE_RENAMES, &[&STAGED, &loaded])
            .await
            .map_err(db_error)?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(db_error)?;
        let swap = self.swap(&sequences);
        timed(&mut phases, "swap", self.client.batch_execute(&swap).map_err(db_error)).await?;
        Ok(phases)
    }
}

/// A task's result, a panic included.
fn joined(result: Result<Result<(), StoreError>, tokio::task::JoinError>) -> Result<(), StoreError> {
    result.map_err(|e| StoreError::Internal(format!("a loading task failed: {e}")))?
}

/// Bytes of COPY data gathered before they go to the connection: a message a megabyte rather
/// than one every 4 kB (as `tokio_postgres`'s `BinaryCopyInWriter` sends them), each a wake-up
/// of the connection's task.
const COPY_CHUNK: usize = 1 << 20;

/// One `COPY ... FROM STDIN` in PostgreSQL's binary format, written here: its signature, then
/// per row the number of fields and each field as its length (-1: null) and its bytes in the
/// column type's binary form, then -1.
struct Copy {
    sink: Pin<Box<CopyInSink<Bytes>>>,
    buf: BytesMut,
}

impl Copy {
    /// Starts copying into `table`'s `columns`, its rows written frozen (see the module's notes).
    async fn start(
        client: &tokio_postgres::Client,
        table: &str,
        columns: &[&str],
    ) -> Result<Self, StoreError> {
        let statement = format!("COPY {table} ({}) FROM STDIN (FORMAT binary, FREEZE)", columns.join(", "));
        let sink = client.copy_in(&statement).await.map_err(db_error)?;
        let mut buf = BytesMut::with_capacity(2 * COPY_CHUNK);
        buf.put_slice(b"PGCOPY\n\xff\r\n\0");
        buf.put_i32(0); // flags: no OIDs
        buf.put_i32(0); // no header extension
        Ok(Self { sink: Box::pin(sink), buf })
    }

    /// Starts a row of `fields` values.
    fn row(&mut self, fields: usize) -> Result<(), StoreError> {
        let fields =
            i16::try_from(fields).map_err(|_| StoreError::Internal(format!("a row of {fields} columns")))?;
        self.buf.put_i16(fields);
        Ok(())
    }

    /// A row's value as its column stores it: an integer narrowed to the column's width.
    fn value(&mut self, value: Value<'_>, storage: Storage) -> Result<(), StoreError> {
        let narrow = || StoreError::Internal(format!("{value:?} does not fit a {storage:?} column"));
        match (value, storage) {
            (Value::Null, _) => self.buf.put_i32(-1),
            (Value::Int(int), Storage::Int16) => {
                self.buf.put_i32(2);
                self.buf.put_i16(i16::try_from(int).map_err(|_| narrow())?);
            }
            (Value::Int(int), Storage::Int32) => {
                self.buf.put_i32(4);
                self.buf.put_i32(i32::try_from(int).map_err(|_| narrow())?);
            }
            (Value::Int(int), Storage::Int64) => {
                self.buf.put_i32(8);
                self.buf.put_i64(int);
            }
            (Value::Bool(flag), Storage::Bool) => {
                self.buf.put_i32(1);
                self.buf.put_u8(u8::from(flag));
            }
            (Value::Text(text), Storage::Text) => {
                self.buf.put_i32(i32::try_from(text.len()).map_err(|_| narrow())?);
                self.buf.put_slice(text.as_bytes());
            }
            _ => return Err(narrow()),
        }
        Ok(())
    }

    /// A value of a type no row holds (the meta rows' arrays), encoded by `tokio_postgres`.
    fn sql(&mut self, value: &(dyn ToSql + Sync), ty: &Type) -> Result<(), StoreError> {
        let at = self.buf.len();
        self.buf.put_i32(0);
        match value.to_sql_checked(ty, &mut self.buf) {
            Ok(IsNull::No) => {
                let length = i32::try_from(self.buf.len() - at - 4)
                    .map_err(|_| StoreError::Internal(format!("a {ty} value over 2 GB")))?;
                self.buf[at..at + 4].copy_from_slice(&length.to_be_bytes());
            }
            Ok(IsNull::Yes) => {
                self.buf.truncate(at);
                self.buf.put_i32(-1);
            }
            Err(e) => return Err(StoreError::Internal(format!("a {ty} value: {e}"))),
        }
        Ok(())
    }

    /// Sends what is gathered once it is a chunk.
    async fn sent_when_full(&mut self) -> Result<(), StoreError> {
        if self.buf.len() >= COPY_CHUNK {
            self.sink.send(self.buf.split().freeze()).await.map_err(db_error)?;
        }
        Ok(())
    }

    /// Sends the rest and the end mark, and waits for the server to take the rows.
    async fn finish(mut self) -> Result<(), StoreError> {
        self.buf.put_i16(-1);
        self.sink.send(self.buf.split().freeze()).await.map_err(db_error)?;
        self.sink.as_mut().finish().await.map_err(db_error)?;
        Ok(())
    }
}

/// Writes `rows` into `copy`, `storage` giving each column's type.
async fn copy_rows(copy: &mut Copy, storage: &[Storage], rows: &dyn Rows) -> Result<(), StoreError> {
    let mut values = Vec::with_capacity(storage.len());
    for index in 0..rows.len() {
        values.clear();
        rows.push_values(index, &mut values);
        if values.len() != storage.len() {
            return Err(StoreError::Internal(format!(
                "a row of {} values for {} columns",
                values.len(),
                storage.len()
            )));
        }
        copy.row(values.len())?;
        for (value, storage) in values.iter().zip(storage) {
            copy.value(*value, *storage)?;
        }
        copy.sent_when_full().await?;
    }
    Ok(())
}

/// COPYs one meta row per product into `table`: its counts, then its characteristics in id
/// order with each one's rating sum and count.
async fn copy_meta(
    client: &tokio_postgres::Client,
    table: &str,
    summaries: &mut Summaries,
) -> Result<(), StoreError> {
    let columns: Vec<&str> = REVIEW_META_COLUMNS.iter().chain(&META_ARRAYS).copied().collect();
    let mut copy = Copy::start(client, table, &columns).await?;
    for row in summaries.meta_rows() {
        let listed = &row.characteristics;
        let ids: Vec<i64> = listed.iter().map(|c| c.id).collect();
        let names: Vec<&str> = listed.iter().map(|c| c.name).collect();
        let sums: Vec<i64> = listed.iter().map(|c| c.sum as i64).collect();
        let counts: Vec<i64> = listed.iter().map(|c| c.count as i64).collect();
        copy.row(columns.len())?;
        copy.value(Value::Int(row.product), Storage::Int64)?;
        for count in row.counts {
            copy.value(Value::Int(count as i64), Storage::Int64)?;
        }
        copy.sql(&ids, &Type::INT8_ARRAY)?;
        copy.sql(&names, &Type::TEXT_ARRAY)?;
        copy.sql(&sums, &Type::INT8_ARRAY)?;
        copy.sql(&counts, &Type::INT8_ARRAY)?;
        copy.sent_when_full().await?;
    }
    copy.finish().await
}
