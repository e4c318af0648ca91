//! Bulk loading into SQLite: each batch is one transaction of prepared inserts on the writer,
//! held for the whole load so no API write interleaves with it.

use async_trait::async_trait;
use atelier_core::StoreError;
use atelier_core::load::{Batch, BulkLoader};
use rusqlite::{Connection, ToSql, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::db_error;
use crate::pool::Pool;

/// Tables children first, the order in which `--replace` empties them.
const TABLES_CHILDREN_FIRST: [&str; 9] = [
    "answer_photos",
    "answers",
    "questions",
    "review_meta",
    "characteristic_reviews",
    "review_photos",
    "reviews",
    "characteristics",
    "products",
];

/// The summary rows, recomputed from scratch in two set-based statements.
const COMPUTE_META: &str = "DELETE FROM review_meta;
    INSERT INTO review_meta (product_id, rating_1, rating_2, rating_3, rating_4, rating_5,
                             recommended_false, recommended_true)
    SELECT product_id, sum(rating = 1), sum(rating = 2), sum(rating = 3), sum(rating = 4),
           sum(rating = 5), sum(recommend = 0), sum(recommend = 1)
    FROM reviews GROUP BY product_id;
    UPDATE characteristics SET rating_sum = 0, rating_count = 0;
    UPDATE characteristics SET rating_sum = s.total, rating_count = s.n
    FROM (SELECT characteristic_id, sum(value) AS total, count(*) AS n
          FROM characteristic_reviews GROUP BY characteristic_id) AS s
    WHERE characteristics.id = s.characteristic_id;";

/// A load in progress; holds the writer until it finishes or is dropped.
pub(crate) struct SqliteLoader {
    writer: Option<OwnedMutexGuard<Connection>>,
}

impl SqliteLoader {
    pub(crate) async fn start(
        pool: &Pool,
        replace: bool,
    ) -> Result<Box<dyn BulkLoader>, StoreError> {
        let guard = pool.lock_writer().await;
        let (writer, result) = Pool::with_writer(guard, move |conn| {
            let empty: bool = conn
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM products)", [], |row| {
                    row.get(0)
                })
                .map_err(db_error)?;
            if !empty && !replace {
                return Err(StoreError::Conflict("the store already holds data".into()));
            }
            let tx = conn.transaction().map_err(db_error)?;
            for table in TABLES_CHILDREN_FIRST {
                tx.execute(&format!("DELETE FROM {table}"), [])
                    .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)
        })
        .await;
        result?;
        Ok(Box::new(Self { writer }))
    }

    async fn run<F>(&mut self, work: F) -> Result<(), StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<(), StoreError> + Send + 'static,
    {
        let guard = self
            .writer
            .take()
            .ok_or_else(|| StoreError::Internal("the loader lost its writer".into()))?;
        let (writer, result) = Pool::with_writer(guard, work).await;
        self.writer = writer;
        result
    }
}

#[async_trait]
impl BulkLoader for SqliteLoader {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction().map_err(db_error)?;
            insert_batch(&tx, &batch)?;
            tx.commit().map_err(db_error)
        })
        .await
    }

    async fn finish(mut self: Box<Self>) -> Result<(), StoreError> {
        self.run(|conn| {
            let tx = conn.transaction().map_err(db_error)?;
            tx.execute_batch(COMPUTE_META).map_err(db_error)?;
            tx.commit().map_err(db_error)?;
            // Fresh statistics for the query planner after a large change.
            conn.execute_batch("PRAGMA optimize = 0x10002;")
                .map_err(db_error)
        })
        .await
    }
}

fn insert_batch(tx: &Transaction<'_>, batch: &Batch) -> Result<(), StoreError> {
    insert_all(
        tx,
        "INSERT INTO products (id, name, slogan, description, category, default_price) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &batch.products,
        |r| {
            [
                &r.id,
                &r.name,
                &r.slogan,
                &r.description,
                &r.category,
                &r.default_price,
            ]
        },
    )?;
    insert_all(
        tx,
        "INSERT INTO characteristics (id, product_id, name) VALUES (?1, ?2, ?3)",
        &batch.characteristics,
        |r| [&r.id, &r.product_id, &r.name],
    )?;
    insert_all(
        tx,
        "INSERT INTO reviews (id, product_id, rating, date_ms, summary, body, recommend, reported, \
             reviewer_name, reviewer_email, response, helpfulness) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &batch.reviews,
        |r| {
            [
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
    )?;
    insert_all(
        tx,
        "INSERT INTO review_photos (id, review_id, url) VALUES (?1, ?2, ?3)",
        &batch.review_photos,
        |r| [&r.id, &r.owner_id, &r.url],
    )?;
    insert_all(
        tx,
        "INSERT INTO characteristic_reviews (id, characteristic_id, review_id, value) VALUES (?1, ?2, ?3, ?4)",
        &batch.characteristic_reviews,
        |r| [&r.id, &r.characteristic_id, &r.review_id, &r.value],
    )?;
    insert_all(
        tx,
        "INSERT INTO questions (id, product_id, body, date_ms, asker_name, asker_email, reported, helpfulness) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &batch.questions,
        |r| {
            [
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
    )?;
    insert_all(
        tx,
        "INSERT INTO answers (id, question_id, body, date_ms, answerer_name, answerer_email, reported, helpfulness) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &batch.answers,
        |r| {
            [
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
    )?;
    insert_all(
        tx,
        "INSERT INTO answer_photos (id, answer_id, url) VALUES (?1, ?2, ?3)",
        &batch.answer_photos,
        |r| [&r.id, &r.owner_id, &r.url],
    )
}

/// Inserts `rows` with one prepared statement, binding each row's columns with `bind`.
fn insert_all<R, const N: usize>(
    tx: &Transaction<'_>,
    sql: &str,
    rows: &[R],
    bind: for<'r> fn(&'r R) -> [&'r dyn ToSql; N],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut stmt = tx.prepare_cached(sql).map_err(db_error)?;
    for row in rows {
        stmt.execute(bind(row).as_slice()).map_err(db_error)?;
    }
    Ok(())
}
