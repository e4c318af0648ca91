//! The embedded store: one SQLite file in WAL mode, a pool of read-only connections and one
//! writer connection.
//!
//! SQLite allows one writer at a time, so writes queue on an async mutex instead of fighting
//! over the file lock; readers run in parallel beside it thanks to WAL. Writes and loads run
//! on tokio's blocking pool; a read runs on the caller's async worker (it takes microseconds
//! from memory) unless it meets a lock, or a recent read was slow (the disk), when it too goes
//! to the blocking pool (`pool.rs`).

mod load;
mod pool;
mod products;
mod qa;
mod read;
mod resident;
mod reviews;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use atelier_core::input::{NewAnswer, NewInteraction, NewQuestion, NewReview, PageRequest, ReviewSort};
use atelier_core::load::BulkLoader;
use atelier_core::records::{Answer, CartLine, Product, Question, Review, ReviewMeta, Style};
use atelier_core::{
    AnswerId, Flag, FlagTarget, Owner, PoolStatus, ProductId, QuestionId, ReviewId, Store, StoreError,
};
use rusqlite::OptionalExtension;

use pool::Pool;

mod migrations {
    refinery::embed_migrations!("migrations");
}

/// How long a connection waits for a lock when no deadline is given: enough for a checkpoint.
const DEFAULT_BUSY_WAIT: Duration = Duration::from_secs(5);

/// The embedded SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: Pool,
    path: PathBuf,
    /// The file held in memory, once [`hold_in_memory`](Self::hold_in_memory) has run.
    resident: Option<Arc<resident::Resident>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, applies pending migrations and
    /// opens `readers` read connections.
    pub async fn open(path: &Path, readers: usize) -> Result<Self, StoreError> {
        Self::open_with_deadline(path, readers, None).await
    }

    /// Like [`open`](Self::open), for serving requests that must finish by `deadline`: a
    /// connection waits at most that long for a lock before the request fails as unavailable.
    /// Without one, it waits [`DEFAULT_BUSY_WAIT`], enough for a checkpoint.
    pub async fn open_with_deadline(
        path: &Path,
        readers: usize,
        deadline: Option<Duration>,
    ) -> Result<Self, StoreError> {
        let busy = deadline.unwrap_or(DEFAULT_BUSY_WAIT);
        let pool = Pool::open(path.to_owned(), readers.max(1), busy).await?;
        pool.write(|conn| {
            migrations::migrations::runner()
                .run(conn)
                .map(|_| ())
                .map_err(|e| StoreError::Internal(format!("failed to migrate the SQLite store: {e}")))
        })
        .await?;
        Ok(Self { pool, path: path.to_owned(), resident: None })
    }

    /// Locks every page of the database file in memory for as long as the store is open, so a
    /// read never waits for the disk however the host reclaims its file cache (`resident.rs`),
    /// and returns how many bytes that holds. The write-ahead log is folded back first, so the
    /// file holds every page. Fails with [`StoreError::Config`] when the process may not lock
    /// the file's size (its memory-lock limit, without CAP_IPC_LOCK).
    pub async fn hold_in_memory(&mut self) -> Result<usize, StoreError> {
        self.pool
            .write(|conn| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(db_error))
            .await?;
        let path = self.path.clone();
        let held = tokio::task::spawn_blocking(move || resident::hold(&path))
            .await
            .map_err(|e| StoreError::Internal(format!("failed to hold the SQLite file in memory: {e}")))??;
        let bytes = held.bytes();
        self.resident = Some(Arc::new(held));
        Ok(bytes)
    }
}

/// Translates a driver error once. A locked or busy database is worth retrying; anything else
/// is a bug or a damaged file.
pub(crate) fn db_error(err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull};
    match err.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked | CannotOpen | DiskFull) => {
            StoreError::Unavailable(atelier_core::with_sources(&err))
        }
        _ => StoreError::Internal(atelier_core::with_sources(&err)),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn reviews(
        &self,
        product: ProductId,
        sort: ReviewSort,
        page: PageRequest,
    ) -> Result<Vec<Review>, StoreError> {
        self.pool.read(move |conn| reviews::list(conn, product, sort, page)).await
    }

    async fn review_meta(&self, product: ProductId) -> Result<ReviewMeta, StoreError> {
        self.pool.read(move |conn| reviews::meta(conn, product)).await
    }

    async fn add_review(&self, review: &NewReview) -> Result<ReviewId, StoreError> {
        let review = review.clone();
        self.pool.write(move |conn| reviews::add(conn, &review)).await
    }

    async fn questions(&self, product: ProductId, page: PageRequest) -> Result<Vec<Question>, StoreError> {
        self.pool.read(move |conn| qa::questions(conn, product, page)).await
    }

    async fn answers(&self, question: QuestionId, page: PageRequest) -> Result<Vec<Answer>, StoreError> {
        self.pool.read(move |conn| qa::answers(conn, question, page)).await
    }

    async fn add_question(&self, question: &NewQuestion) -> Result<QuestionId, StoreError> {
        let question = question.clone();
        self.pool.write(move |conn| qa::add_question(conn, &question)).await
    }

    async fn add_answer(
        &self,
        question: QuestionId,
        answer: &NewAnswer,
    ) -> Result<(AnswerId, ProductId), StoreError> {
        let answer = answer.clone();
        self.pool.write(move |conn| qa::add_answer(conn, question, &answer)).await
    }

    async fn flag(&self, target: FlagTarget, flag: Flag) -> Result<Owner, StoreError> {
        self.pool.write(move |conn| flag_row(conn, target, flag)).await
    }

    async fn products(&self, page: PageRequest) -> Result<Vec<Product>, StoreError> {
        self.pool.read(move |conn| products::list(conn, page)).await
    }

    async fn product(&self, product: ProductId) -> Result<Product, StoreError> {
        self.pool.read(move |conn| products::product(conn, product)).await
    }

    async fn styles(&self, product: ProductId) -> Result<Vec<Style>, StoreError> {
        self.pool.read(move |conn| products::styles(conn, product)).await
    }

    async fn related(&self, product: ProductId) -> Result<Vec<i64>, StoreError> {
        self.pool.read(move |conn| products::related(conn, product)).await
    }

    async fn cart(&self, caller: &str) -> Result<Vec<CartLine>, StoreError> {
        let caller = caller.to_owned();
        self.pool.read(move |conn| products::cart(conn, &caller)).await
    }

    async fn add_to_cart(&self, caller: &str, sku: i64) -> Result<(), StoreError> {
        let caller = caller.to_owned();
        self.pool.write(move |conn| products::add_to_cart(conn, &caller, sku)).await
    }

    async fn add_interaction(&self, interaction: &NewInteraction) -> Result<(), StoreError> {
        let interaction = interaction.clone();
        self.pool.write(move |conn| products::add_interaction(conn, &interaction)).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.pool.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(db_error)).await
    }

    fn pools(&self) -> Vec<PoolStatus> {
        self.pool.status().into()
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        self.pool.read(load::is_empty).await
    }

    async fn bulk_loader(&self, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        load::SqliteLoader::start(&self.pool, replace).await
    }
}

/// Adds a helpful vote or a report flag and says where the row belongs. One UPDATE, so
/// concurrent votes never lose a count; a vote saturates at MAX_HELPFULNESS (2147483647).
fn flag_row(conn: &mut rusqlite::Connection, target: FlagTarget, flag: Flag) -> Result<Owner, StoreError> {
    const REVIEW: &str = "RETURNING product_id, NULL";
    const QUESTION: &str = "RETURNING product_id, id";
    const ANSWER: &str =
        "RETURNING (SELECT q.product_id FROM questions q WHERE q.id = answers.question_id), question_id";
    let (update, returning, id) = match (target, flag) {
        (FlagTarget::Review(id), Flag::Helpful) => (
            "UPDATE reviews SET helpfulness = min(helpfulness, 2147483646) + 1 WHERE id = ?1",
            REVIEW,
            id.get(),
        ),
        (FlagTarget::Review(id), Flag::Report) => {
            ("UPDATE reviews SET reported = 1 WHERE id = ?1", REVIEW, id.get())
        }
        (FlagTarget::Question(id), Flag::Helpful) => (
            "UPDATE questions SET helpfulness = min(helpfulness, 2147483646) + 1 WHERE id = ?1",
            QUESTION,
            id.get(),
        ),
        (FlagTarget::Question(id), Flag::Report) => {
            ("UPDATE questions SET reported = 1 WHERE id = ?1", QUESTION, id.get())
        }
        (FlagTarget::Answer(id), Flag::Helpful) => (
            "UPDATE answers SET helpfulness = min(helpfulness, 2147483646) + 1 WHERE id = ?1",
            ANSWER,
            id.get(),
        ),
        (FlagTarget::Answer(id), Flag::Report) => {
            ("UPDATE answers SET reported = 1 WHERE id = ?1", ANSWER, id.get())
        }
    };
    let sql = format!("{update} {returning}");
    let owner: Option<(i64, Option<i64>)> = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))).optional())
        .map_err(db_error)?;
    let (product, question) = owner.ok_or(StoreError::NotFound(target.kind()))?;
    Ok(Owner {
        product: ProductId::new_unchecked(product),
        question: question.map(QuestionId::new_unchecked),
    })
}

#[cfg(test)]
mod tests {
    use atelier_core::input::{PageRequest, ReviewSort};
    use atelier_core::records::CharacteristicSummary;

    use super::*;

    #[tokio::test]
    async fn a_cached_read_runs_again_without_being_compiled_again() {
        // SQLite's planner may read bound values (a LIMIT, say) and then marks the statement
        // to be compiled again whenever one is rebound: every request would parse and plan its
        // SQL anew (a third of the CPU of a reviews list, found by perf).
        let dir = tempfile::tempdir().unwrap();
        // An empty store: each read answers "no such product" (or question), compiled as any other.
        let store = SqliteStore::open(&dir.path().join("store.db"), 1).await.unwrap();
        let product = ProductId::new_unchecked(1);
        let question = QuestionId::new_unchecked(1);
        for (page, count) in [(1, 5), (2, 7), (3, 9)] {
            let page = PageRequest::new(page, count).unwrap();
            for sort in [ReviewSort::Newest, ReviewSort::Helpful, ReviewSort::Relevant] {
                store.reviews(product, sort, page).await.unwrap_err();
            }
            store.questions(product, page).await.unwrap_err();
            store.answers(question, page).await.unwrap_err();
            store.review_meta(product).await.unwrap_err();
        }
        let compiled_again: Vec<(String, i32)> = store
            .pool
            .read(|conn| {
                [
                    reviews::LIST_NEWEST,
                    reviews::LIST_HELPFUL,
                    reviews::LIST_RELEVANT,
                    reviews::META,
                    qa::QUESTIONS,
                    qa::ANSWERS,
                ]
                .into_iter()
                .map(|sql| {
                    let stmt = conn.prepare_cached(sql).map_err(db_error)?;
                    Ok((sql[..60].to_owned(), stmt.get_status(rusqlite::StatementStatus::RePrepare)))
                })
                .collect()
            })
            .await
            .unwrap();
        assert!(compiled_again.iter().all(|(_, n)| *n == 0), "{compiled_again:#?}");
    }

    #[tokio::test]
    async fn meta_reads_one_row_of_one_table_by_its_key() {
        // Before V7 meta read four b-trees (products, review_meta, characteristics and its
        // index, characteristic_meta): each a page or more that can miss the reader's cache.
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.db"), 1).await.unwrap();
        let plan: Vec<String> = store
            .pool
            .read(|conn| {
                let mut stmt =
                    conn.prepare(&format!("EXPLAIN QUERY PLAN {}", reviews::META)).map_err(db_error)?;
                let details = stmt.query_map([1], |row| row.get::<_, String>(3)).map_err(db_error)?;
                details.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
            })
            .await
            .unwrap();
        let reads: Vec<&String> =
            plan.iter().filter(|step| step.starts_with("SEARCH") || step.starts_with("SCAN")).collect();
        assert_eq!(reads.len(), 2, "{plan:#?}");
        assert!(reads[0].starts_with("SEARCH m USING PRIMARY KEY (product_id=?)"), "{plan:#?}");
        assert!(reads[1].starts_with("SCAN c VIRTUAL TABLE"), "{plan:#?}");
    }

    #[tokio::test]
    async fn migrating_meta_into_one_row_per_product_keeps_every_products_meta() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        {
            // A catalogue in the shape before V7: totals in characteristic_meta, a meta row only
            // for a product with reviews.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let before = migrations::migrations::runner().set_target(refinery::Target::Version(6));
            before.run(&mut conn).unwrap();
            conn.execute_batch(
                "INSERT INTO products (id, name, slogan, description, category, default_price) \
                 VALUES (1, 'a', '', '', '', '1'), (2, 'b', '', '', '', '2'), (3, 'c', '', '', '', '3');
                 INSERT INTO characteristics (id, product_id, name) \
                 VALUES (11, 1, 'Length \"long\"'), (10, 1, 'Fit'), (12, 2, 'Comfort');
                 INSERT INTO review_meta (product_id, rating_2, rating_5, recommended_false, recommended_true) \
                 VALUES (1, 1, 2, 1, 2);
                 INSERT INTO characteristic_meta (characteristic_id, rating_sum, rating_count) VALUES (11, 7, 3);",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path, 1).await.unwrap();
        let meta = |id| store.review_meta(ProductId::new_unchecked(id));
        let summary = |id, name: &str, rating_sum, rating_count| CharacteristicSummary {
            id: atelier_core::CharacteristicId::new_unchecked(id),
            name: name.to_owned(),
            rating_sum,
            rating_count,
        };
        let expected = ReviewMeta {
            ratings: [0, 1, 0, 0, 2],
            recommended_false: 1,
            recommended_true: 2,
            characteristics: vec![summary(10, "Fit", 0, 0), summary(11, "Length \"long\"", 7, 3)],
        };
        assert_eq!(meta(1).await.unwrap(), expected);
        let comfort = vec![summary(12, "Comfort", 0, 0)];
        assert_eq!(meta(2).await.unwrap(), ReviewMeta { characteristics: comfort, ..ReviewMeta::default() });
        assert_eq!(meta(3).await.unwrap(), ReviewMeta::default());
        let unknown = meta(4).await;
        assert!(matches!(unknown, Err(StoreError::NotFound("product"))), "{unknown:?}");
    }

    #[tokio::test]
    async fn after_a_bulk_load_the_writer_serves_with_the_pools_settings() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.db"), 1).await.unwrap();
        let settings = |conn: &mut rusqlite::Connection| -> Result<[i64; 3], StoreError> {
            let value = |sql: &str| conn.query_row(sql, [], |row| row.get(0)).map_err(db_error);
            Ok([value("PRAGMA mmap_size")?, value("PRAGMA cache_size")?, value("PRAGMA foreign_keys")?])
        };
        let before = store.pool.write(settings).await.unwrap();

        store.bulk_loader(false).await.unwrap().finish().await.unwrap();

        assert_eq!(store.pool.write(settings).await.unwrap(), before);
        assert_eq!(before[0], 0, "the writer maps the file");
    }
}
