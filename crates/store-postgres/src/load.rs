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
use atelier_core::load::{Batch, BulkLoader, Phase, PhotoRow, PostRow, timed};
use deadpool_postgres::{ClientWrapper, Object};
use futures_util::TryFutureExt;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::db_error;

/// Whether no product exists.
const IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM products)";

/// The tables of the catalogue, children first: the order in which `--replace` empties them.
const TABLES: &str = "answer_photos, answers, questions, review_meta, characteristic_meta, \
    characteristic_reviews, review_photos, reviews, characteristics, products";

/// The secondary indexes and foreign keys of the current schema, each as the statement that
/// drops it and the statement that recreates it exactly as the migrations made it: the load
/// drops them all before copying and recreates them in `finish`.
const DROPPABLE: &str = "SELECT false, format('DROP INDEX %I', c.relname), pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    WHERE t.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary AND NOT i.indisunique
    UNION ALL
    SELECT true, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
           format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint
    WHERE contype = 'f' AND connamespace = current_schema()::regnamespace";

/// The summary rows recomputed from scratch in set-based statements.
const COMPUTE_META: &str = "TRUNCATE review_meta, characteristic_meta;
    INSERT INTO review_meta (product_id, rating_1, rating_2, rating_3, rating_4, rating_5,
                             recommended_false, recommended_true)
    SELECT product_id, count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
           count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
           count(*) FILTER (WHERE rating = 5), count(*) FILTER (WHERE NOT recommend),
           count(*) FILTER (WHERE recommend)
    FROM reviews GROUP BY product_id;
    INSERT INTO characteristic_meta (characteristic_id, rating_sum, rating_count)
    SELECT characteristic_id, sum(value), count(*) FROM characteristic_reviews GROUP BY characteristic_id;";

/// Every identity sequence moved past the largest loaded id, so API writes get fresh ids.
const MOVE_SEQUENCES: &str = "SELECT setval(pg_get_serial_sequence(t, 'id'), coalesce(m, 1), m IS NOT NULL)
    FROM (VALUES
        ('products', (SELECT max(id) FROM products)),
        ('characteristics', (SELECT max(id) FROM characteristics)),
        ('reviews', (SELECT max(id) FROM reviews)),
        ('review_photos', (SELECT max(id) FROM review_photos)),
        ('characteristic_reviews', (SELECT max(id) FROM characteristic_reviews)),
        ('questions', (SELECT max(id) FROM questions)),
        ('answers', (SELECT max(id) FROM answers)),
        ('answer_photos', (SELECT max(id) FROM answer_photos))) AS ids(t, m)";

const ANALYZE: &str = "ANALYZE products, characteristics, reviews, review_photos, characteristic_reviews,
    review_meta, characteristic_meta, questions, answers, answer_photos";

/// A load in progress, on a connection taken out of the pool: dropped before `finish`, it
/// closes, the server rolls the load back, and no pooled connection is ever left inside an
/// open transaction.
pub(crate) struct PgLoader {
    client: ClientWrapper,
    /// Statements recreating the dropped secondary indexes.
    indexes: Vec<String>,
    /// Statements recreating the dropped foreign keys.
    foreign_keys: Vec<String>,
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
        client
            .batch_execute("SET LOCAL maintenance_work_mem = '512MB'; SET LOCAL work_mem = '256MB'")
            .await
            .map_err(db_error)?;
        let (mut indexes, mut foreign_keys) = (Vec::new(), Vec::new());
        for row in client.query(DROPPABLE, &[]).await.map_err(db_error)? {
            client.batch_execute(row.get::<_, &str>(1)).await.map_err(db_error)?;
            let recreate = row.get::<_, String>(2);
            if row.get::<_, bool>(0) { foreign_keys.push(recreate) } else { indexes.push(recreate) }
        }
        client.batch_execute(&format!("TRUNCATE {TABLES}")).await.map_err(db_error)?;
        Ok(Box::new(Self { client, indexes, foreign_keys }))
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
    Ok(client.query_one(IS_EMPTY, &[]).await.map_err(db_error)?.get(0))
}

#[async_trait]
impl BulkLoader for PgLoader {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        copy_batch(&self.client, &batch).await
    }

    async fn finish(self: Box<Self>) -> Result<Vec<Phase>, StoreError> {
        let mut phases = Vec::new();
        // Summaries first: their inserts then maintain no secondary index and check no foreign
        // key row by row; the constraints check them with everything else in one pass.
        timed(&mut phases, "meta", self.client.batch_execute(COMPUTE_META).map_err(db_error)).await?;
        timed(&mut phases, "indexes", self.run_all(&self.indexes)).await?;
        timed(&mut phases, "constraints", self.run_all(&self.foreign_keys)).await?;
        timed(&mut phases, "sequences", self.client.batch_execute(MOVE_SEQUENCES).map_err(db_error)).await?;
        timed(&mut phases, "analyze", self.client.batch_execute(ANALYZE).map_err(db_error)).await?;
        timed(&mut phases, "commit", self.client.batch_execute("COMMIT").map_err(db_error)).await?;
        Ok(phases)
    }
}

async fn copy_batch(client: &tokio_postgres::Client, batch: &Batch) -> Result<(), StoreError> {
    use Type as T;
    copy(
        client,
        "products (id, name, slogan, description, category, default_price)",
        &[T::INT8, T::TEXT, T::TEXT, T::TEXT, T::TEXT, T::TEXT],
        &batch.products,
        |r| vec![&r.id, &r.name, &r.slogan, &r.description, &r.category, &r.default_price],
    )
    .await?;
    copy(
        client,
        "characteristics (id, product_id, name)",
        &[T::INT8, T::INT8, T::TEXT],
        &batch.characteristics,
        |r| vec![&r.id, &r.product_id, &r.name],
    )
    .await?;
    copy(
        client,
        "reviews (id, product_id, rating, date_ms, summary, body, recommend, reported, \
                  reviewer_name, reviewer_email, response, helpfulness)",
        &[
            T::INT8,
            T::INT8,
            T::INT2,
            T::INT8,
            T::TEXT,
            T::TEXT,
            T::BOOL,
            T::BOOL,
            T::TEXT,
            T::TEXT,
            T::TEXT,
            T::INT4,
        ],
        &batch.reviews,
        |r| {
            vec![
                &r.id,
                &r.product_id,
                &r.rating,
                &r.date_ms,
                &r.summary,
                &r.body,
                &r.recommend,
                &r.reported,
                &r.reviewer_name,
                &r.reviewer_email,
                &r.response,
                &r.helpfulness,
            ]
        },
    )
    .await?;
    copy(
        client,
        "review_photos (id, review_id, url)",
        &[T::INT8, T::INT8, T::TEXT],
        &batch.review_photos,
        photo_fields,
    )
    .await?;
    copy(
        client,
        "characteristic_reviews (id, characteristic_id, review_id, value)",
        &[T::INT8, T::INT8, T::INT8, T::INT2],
        &batch.characteristic_reviews,
        |r| vec![&r.id, &r.characteristic_id, &r.review_id, &r.value],
    )
    .await?;
    copy(
        client,
        "questions (id, product_id, body, date_ms, asker_name, asker_email, reported, helpfulness)",
        &[T::INT8, T::INT8, T::TEXT, T::INT8, T::TEXT, T::TEXT, T::BOOL, T::INT4],
        &batch.questions,
        post_fields,
    )
    .await?;
    copy(
        client,
        "answers (id, question_id, body, date_ms, answerer_name, answerer_email, reported, helpfulness)",
        &[T::INT8, T::INT8, T::TEXT, T::INT8, T::TEXT, T::TEXT, T::BOOL, T::INT4],
        &batch.answers,
        post_fields,
    )
    .await?;
    copy(
        client,
        "answer_photos (id, answer_id, url)",
        &[T::INT8, T::INT8, T::TEXT],
        &batch.answer_photos,
        photo_fields,
    )
    .await
}

/// The columns of a question or answer, in the order of their COPY column lists.
fn post_fields(r: &PostRow) -> Vec<&(dyn ToSql + Sync)> {
    vec![
        &r.id,
        &r.parent_id,
        &r.body,
        &r.date_ms,
        &r.author_name,
        &r.author_email,
        &r.reported,
        &r.helpfulness,
    ]
}

/// The columns of a review or answer photo.
fn photo_fields(r: &PhotoRow) -> Vec<&(dyn ToSql + Sync)> {
    vec![&r.id, &r.owner_id, &r.url]
}

/// Streams `rows` into `table_and_columns` with binary COPY, inside the load's transaction.
async fn copy<R: Sync>(
    client: &tokio_postgres::Client,
    table_and_columns: &str,
    types: &[Type],
    rows: &[R],
    bind: for<'r> fn(&'r R) -> Vec<&'r (dyn ToSql + Sync)>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sink = client
        .copy_in(&format!("COPY {table_and_columns} FROM STDIN (FORMAT binary, FREEZE)"))
        .await
        .map_err(db_error)?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, types));
    for row in rows {
        writer.as_mut().write(&bind(row)).await.map_err(db_error)?;
    }
    writer.finish().await.map_err(db_error)?;
    Ok(())
}
