//! Bulk loading into PostgreSQL: the whole load is one transaction on a connection of its own.
//!
//! The transaction truncates the tables, drops their secondary indexes and foreign keys, streams
//! every batch in with binary `COPY ... FREEZE` (rows written frozen: no hint-bit rewrite of
//! every page on first read, which cost a minute on 44 million rows), computes the summaries,
//! rebuilds indexes and constraints and commits. An interrupted load rolls back and leaves the
//! store exactly as it was; readers wait on the truncated tables' locks until it commits.

use std::pin::pin;

use async_trait::async_trait;
use atelier_core::StoreError;
use atelier_core::load::{BulkLoader, Phase, timed};
use atelier_core::summary::{CHARACTERISTIC_META_COLUMNS, REVIEW_META_COLUMNS, Summaries};
use atelier_core::tables::{Batch, SUMMARY_TABLES, Storage, Table, Value};
use bytes::BytesMut;
use deadpool_postgres::{ClientWrapper, Object};
use futures_util::TryFutureExt;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::db_error;

/// Whether no product exists.
const IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM products)";

/// The secondary indexes and foreign keys of the current schema, each as the statement that
/// drops it and the statement that recreates it exactly as the migrations made it: the load
/// drops them all before copying and recreates them in `finish`.
const DROPPABLE: &str = "SELECT false AS is_foreign_key, format('DROP INDEX %I', c.relname) AS drop_statement,
        pg_get_indexdef(i.indexrelid) AS recreate
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    WHERE t.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary AND NOT i.indisunique
    UNION ALL
    SELECT true, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
           format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint
    WHERE contype = 'f' AND connamespace = current_schema()::regnamespace";

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

/// A load in progress, on a connection taken out of the pool: dropped before `finish`, it
/// closes, the server rolls the load back, and no pooled connection is ever left inside an
/// open transaction.
pub(crate) struct PgLoader {
    client: ClientWrapper,
    /// Statements recreating the dropped secondary indexes.
    indexes: Vec<String>,
    /// Statements recreating the dropped foreign keys.
    foreign_keys: Vec<String>,
    /// The meta summaries, counted as the rows pass.
    summaries: Summaries,
}

impl PgLoader {
    pub(crate) async fn start(pooled: Object, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        let client = Object::take(pooled);
        client.batch_execute("BEGIN").await.map_err(db_error)?;
        if !replace && !is_empty(&client).await? {
            return Err(StoreError::Conflict(
                "the store already holds data; replace it to load again".into(),
            ));
        }
        // Index builds sort, and the summaries' GROUP BY hashes, in memory up to this much
        // before spilling to disk (the summary of 19 million ratings spills at the default 4MB).
        // A serving deadline does not apply: index builds rightly take minutes.
        client
            .batch_execute(
                "SET LOCAL maintenance_work_mem = '512MB'; SET LOCAL work_mem = '256MB'; \
                 SET LOCAL statement_timeout = 0",
            )
            .await
            .map_err(db_error)?;
        let (mut indexes, mut foreign_keys) = (Vec::new(), Vec::new());
        for row in client.query(DROPPABLE, &[]).await.map_err(db_error)? {
            client.batch_execute(row.try_get("drop_statement").map_err(db_error)?).await.map_err(db_error)?;
            let recreate = row.try_get::<_, String>("recreate").map_err(db_error)?;
            if row.try_get("is_foreign_key").map_err(db_error)? {
                foreign_keys.push(recreate)
            } else {
                indexes.push(recreate)
            }
        }
        let tables: Vec<&str> = all_tables().rev().collect();
        client.batch_execute(&format!("TRUNCATE {}", tables.join(", "))).await.map_err(db_error)?;
        Ok(Box::new(Self { client, indexes, foreign_keys, summaries: Summaries::default() }))
    }

    /// Runs each of `statements` in turn.
    async fn run_all(&self, statements: &[String]) -> Result<(), StoreError> {
        for statement in statements {
            self.client.batch_execute(statement).await.map_err(db_error)?;
        }
        Ok(())
    }
}

pub(crate) async fn is_empty(client: &tokio_postgres::Client) -> Result<bool, StoreError> {
    client.query_one(IS_EMPTY, &[]).await.map_err(db_error)?.try_get(0).map_err(db_error)
}

#[async_trait]
impl BulkLoader for PgLoader {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        self.summaries.add(&batch);
        copy_batch(&self.client, &batch).await
    }

    async fn finish(self: Box<Self>) -> Result<Vec<Phase>, StoreError> {
        let mut phases = Vec::new();
        // Summaries first: their inserts then maintain no secondary index and check no foreign
        // key row by row; the constraints check them with everything else in one pass.
        timed(&mut phases, "meta", copy_summaries(&self.client, &self.summaries)).await?;
        timed(&mut phases, "indexes", self.run_all(&self.indexes)).await?;
        timed(&mut phases, "constraints", self.run_all(&self.foreign_keys)).await?;
        timed(&mut phases, "sequences", self.client.batch_execute(&move_sequences()).map_err(db_error))
            .await?;
        let analyze = format!("ANALYZE {}", all_tables().collect::<Vec<_>>().join(", "));
        timed(&mut phases, "analyze", self.client.batch_execute(&analyze).map_err(db_error)).await?;
        timed(&mut phases, "commit", self.client.batch_execute("COMMIT").map_err(db_error)).await?;
        Ok(phases)
    }
}

/// Streams every table of `batch` into its table with binary COPY, inside the load's
/// transaction: one COPY per table, its column list and types taken from its description.
async fn copy_batch(client: &tokio_postgres::Client, batch: &Batch) -> Result<(), StoreError> {
    for rows in batch.tables() {
        if rows.is_empty() {
            continue;
        }
        let description = rows.table().describe();
        let names: Vec<&str> = description.columns.iter().map(|c| c.name).collect();
        let types: Vec<Type> = description.columns.iter().map(|c| pg_type(c.kind.storage())).collect();
        let sink = client
            .copy_in(&format!(
                "COPY {} ({}) FROM STDIN (FORMAT binary, FREEZE)",
                description.name,
                names.join(", ")
            ))
            .await
            .map_err(db_error)?;
        let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
        let (mut values, mut binds) = (Vec::with_capacity(names.len()), Vec::with_capacity(names.len()));
        for index in 0..rows.len() {
            rows.push_values(index, &mut values);
            // Into a second buffer rather than through an iterator adapter: a closure held
            // across the await makes the future's lifetimes too specific for `Send`.
            binds.clear();
            binds.extend(values.drain(..).map(Bind));
            writer.as_mut().write_raw(binds.iter()).await.map_err(db_error)?;
        }
        writer.finish().await.map_err(db_error)?;
    }
    Ok(())
}

/// Writes the summaries counted during the load (the tables were truncated at its start).
async fn copy_summaries(client: &tokio_postgres::Client, summaries: &Summaries) -> Result<(), StoreError> {
    let reviews: Vec<(i64, [u64; 7])> = summaries.review_meta().collect();
    copy_counts(client, "review_meta", &REVIEW_META_COLUMNS, &reviews).await?;
    let characteristics: Vec<(i64, [u64; 2])> = summaries.characteristic_meta().collect();
    copy_counts(client, "characteristic_meta", &CHARACTERISTIC_META_COLUMNS, &characteristics).await
}

/// COPYs `(id, counts)` rows into `table`, every column a `bigint`.
async fn copy_counts<const N: usize>(
    client: &tokio_postgres::Client,
    table: &str,
    columns: &[&str],
    rows: &[(i64, [u64; N])],
) -> Result<(), StoreError> {
    let sink = client
        .copy_in(&format!("COPY {table} ({}) FROM STDIN (FORMAT binary, FREEZE)", columns.join(", ")))
        .await
        .map_err(db_error)?;
    let types = vec![Type::INT8; columns.len()];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    let mut values: Vec<i64> = Vec::with_capacity(columns.len());
    for (id, counts) in rows {
        values.clear();
        values.push(*id);
        values.extend(counts.iter().map(|&count| count as i64));
        writer.as_mut().write_raw(values.iter()).await.map_err(db_error)?;
    }
    writer.finish().await.map_err(db_error)?;
    Ok(())
}

/// The PostgreSQL type of each storage type (as the migrations declare the columns).
fn pg_type(storage: Storage) -> Type {
    match storage {
        Storage::Int16 => Type::INT2,
        Storage::Int32 => Type::INT4,
        Storage::Int64 => Type::INT8,
        Storage::Bool => Type::BOOL,
        Storage::Text => Type::TEXT,
    }
}

/// A row's value encoded as its column's type: an integer is narrowed to the column's width.
#[derive(Debug)]
struct Bind<'r>(Value<'r>);

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Int(value) if *ty == Type::INT2 => i16::try_from(value)?.to_sql(ty, out),
            Value::Int(value) if *ty == Type::INT4 => i32::try_from(value)?.to_sql(ty, out),
            Value::Int(value) => value.to_sql(ty, out),
            Value::Bool(value) => value.to_sql(ty, out),
            Value::Text(value) => value.to_sql(ty, out),
            Value::Null => Ok(IsNull::Yes),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT2, Type::INT4, Type::INT8, Type::BOOL, Type::TEXT].contains(ty)
    }

    to_sql_checked!();
}
