//! Bulk loading into PostgreSQL with binary COPY: each batch is one transaction holding one
//! COPY per table, on a connection the loader keeps for the whole load.

use std::pin::pin;

use async_trait::async_trait;
use atelier_core::StoreError;
use atelier_core::load::{Batch, BulkLoader};
use deadpool_postgres::Object;
use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::db_error;

pub(crate) const IS_EMPTY: &str = "SELECT NOT EXISTS (SELECT 1 FROM products)";

const TRUNCATE_ALL: &str = "TRUNCATE answer_photos, answers, questions, review_meta, \
    characteristic_reviews, review_photos, reviews, characteristics, products";

/// The summary rows recomputed from scratch in set-based statements, then every identity
/// sequence moved past the largest loaded id so the next API write gets a fresh id.
const FINISH: &str = "TRUNCATE review_meta;
    INSERT INTO review_meta (product_id, rating_1, rating_2, rating_3, rating_4, rating_5,
                             recommended_false, recommended_true)
    SELECT product_id, count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
           count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
           count(*) FILTER (WHERE rating = 5), count(*) FILTER (WHERE NOT recommend),
           count(*) FILTER (WHERE recommend)
    FROM reviews GROUP BY product_id;
    UPDATE characteristics SET rating_sum = 0, rating_count = 0 WHERE rating_count <> 0;
    UPDATE characteristics c SET rating_sum = s.total, rating_count = s.n
    FROM (SELECT characteristic_id, sum(value) AS total, count(*) AS n
          FROM characteristic_reviews GROUP BY characteristic_id) AS s
    WHERE c.id = s.characteristic_id;
    SELECT setval(pg_get_serial_sequence(t, 'id'), coalesce(m, 1), m IS NOT NULL)
    FROM (VALUES
        ('products', (SELECT max(id) FROM products)),
        ('characteristics', (SELECT max(id) FROM characteristics)),
        ('reviews', (SELECT max(id) FROM reviews)),
        ('review_photos', (SELECT max(id) FROM review_photos)),
        ('characteristic_reviews', (SELECT max(id) FROM characteristic_reviews)),
        ('questions', (SELECT max(id) FROM questions)),
        ('answers', (SELECT max(id) FROM answers)),
        ('answer_photos', (SELECT max(id) FROM answer_photos))) AS ids(t, m);
    ANALYZE products, characteristics, reviews, review_photos, characteristic_reviews, review_meta,
            questions, answers, answer_photos;";

/// A load in progress, on its own connection.
pub(crate) struct PgLoader {
    client: Object,
}

impl PgLoader {
    pub(crate) async fn start(
        client: Object,
        replace: bool,
    ) -> Result<Box<dyn BulkLoader>, StoreError> {
        let empty: bool = client
            .query_one(IS_EMPTY, &[])
            .await
            .map_err(db_error)?
            .get(0);
        if !empty {
            if !replace {
                return Err(StoreError::Conflict("the store already holds data".into()));
            }
            client.batch_execute(TRUNCATE_ALL).await.map_err(db_error)?;
        }
        Ok(Box::new(Self { client }))
    }
}

#[async_trait]
impl BulkLoader for PgLoader {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        let tx = self.client.transaction().await.map_err(db_error)?;
        copy_batch(&tx, &batch).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn finish(self: Box<Self>) -> Result<(), StoreError> {
        self.client.batch_execute(FINISH).await.map_err(db_error)
    }
}

async fn copy_batch(tx: &Transaction<'_>, batch: &Batch) -> Result<(), StoreError> {
    use Type as T;
    copy(
        tx,
        "products (id, name, slogan, description, category, default_price)",
        &[T::INT8, T::TEXT, T::TEXT, T::TEXT, T::TEXT, T::TEXT],
        &batch.products,
        |r| {
            vec![
                &r.id,
                &r.name,
                &r.slogan,
                &r.description,
                &r.category,
                &r.default_price,
            ]
        },
    )
    .await?;
    copy(
        tx,
        "characteristics (id, product_id, name)",
        &[T::INT8, T::INT8, T::TEXT],
        &batch.characteristics,
        |r| vec![&r.id, &r.product_id, &r.name],
    )
    .await?;
    copy(
        tx,
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
        tx,
        "review_photos (id, review_id, url)",
        &[T::INT8, T::INT8, T::TEXT],
        &batch.review_photos,
        |r| vec![&r.id, &r.owner_id, &r.url],
    )
    .await?;
    copy(
        tx,
        "characteristic_reviews (id, characteristic_id, review_id, value)",
        &[T::INT8, T::INT8, T::INT8, T::INT2],
        &batch.characteristic_reviews,
        |r| vec![&r.id, &r.characteristic_id, &r.review_id, &r.value],
    )
    .await?;
    copy(
        tx,
        "questions (id, product_id, body, date_ms, asker_name, asker_email, reported, helpfulness)",
        &[
            T::INT8,
            T::INT8,
            T::TEXT,
            T::INT8,
            T::TEXT,
            T::TEXT,
            T::BOOL,
            T::INT4,
        ],
        &batch.questions,
        |r| {
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
        },
    )
    .await?;
    copy(
        tx,
        "answers (id, question_id, body, date_ms, answerer_name, answerer_email, reported, helpfulness)",
        &[T::INT8, T::INT8, T::TEXT, T::INT8, T::TEXT, T::TEXT, T::BOOL, T::INT4],
        &batch.answers,
        |r| vec![&r.id, &r.parent_id, &r.body, &r.date_ms, &r.author_name, &r.author_email, &r.reported, &r.helpfulness],
    )
    .await?;
    copy(
        tx,
        "answer_photos (id, answer_id, url)",
        &[T::INT8, T::INT8, T::TEXT],
        &batch.answer_photos,
        |r| vec![&r.id, &r.owner_id, &r.url],
    )
    .await
}

/// Streams `rows` into `table_and_columns` with binary COPY.
async fn copy<R: Sync>(
    tx: &Transaction<'_>,
    table_and_columns: &str,
    types: &[Type],
    rows: &[R],
    bind: for<'r> fn(&'r R) -> Vec<&'r (dyn ToSql + Sync)>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sink = tx
        .copy_in(&format!(
            "COPY {table_and_columns} FROM STDIN (FORMAT binary)"
        ))
        .await
        .map_err(db_error)?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, types));
    for row in rows {
        writer.as_mut().write(&bind(row)).await.map_err(db_error)?;
    }
    writer.finish().await.map_err(db_error)?;
    Ok(())
}
