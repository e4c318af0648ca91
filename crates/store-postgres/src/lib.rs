//! The PostgreSQL store: tokio-postgres over a deadpool pool, with every statement prepared
//! once per connection and cached, and the reads of single rows and pages pipelined on a few
//! shared connections (`pipeline.rs`).
//!
//! Each read is one statement, so one round trip; each write is one atomic statement (a
//! data-modifying CTE where several tables change), preceded at most by a read of immutable
//! rows. Migrations are an explicit step ([`PgStore::migrate`]), run by `atelier migrate`.

mod load;
mod pipeline;
mod pool;
mod products;
mod qa;
mod read;
mod replicas;
mod reviews;

use async_trait::async_trait;
use atelier_core::input::{NewAnswer, NewInteraction, NewQuestion, NewReview, PageRequest, ReviewSort};
use atelier_core::load::BulkLoader;
use atelier_core::records::{Answer, CartLine, Product, Question, Review, ReviewMeta, Style};
use atelier_core::{
    AnswerId, Flag, FlagTarget, Owner, PoolStatus, ProductId, QuestionId, ReviewId, Scope, Store, StoreError,
};
use deadpool_postgres::Object;

mod migrations {
    refinery::embed_migrations!("migrations");
}

/// Whether refinery's history table exists in the schema connections use.
const HAS_MIGRATION_HISTORY: &str = "SELECT to_regclass('refinery_schema_history') IS NOT NULL";

/// Serialises concurrent `migrate` runs (several instances starting at once) on one database.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_lock(7201100501)";
const MIGRATION_UNLOCK: &str = "SELECT pg_advisory_unlock(7201100501)";

/// The PostgreSQL store: writes (and reads, unless replicas take them) on the primary.
#[derive(Clone)]
pub struct PgStore {
    primary: Connections,
    /// What each connection set holds, for the replicas'.
    sizes: PoolSizes,
    replicas: std::sync::Arc<Replicas>,
}

pub use pool::PoolSizes;
pub(crate) use pool::pool_error;
use pool::{Connections, Lease};

pub use replicas::ReplicaSettings;
use replicas::Replicas;

impl PgStore {
    /// Builds a pool of up to `pool_size` connections to `url` (a `postgres://` URL; the
    /// `options` parameter may set `search_path`), beside the pipelined ones of
    /// [`PoolSizes::new`]. Connections open lazily; nothing is checked until the first query.
    pub fn connect(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        Self::connect_with_deadline(url, pool_size, None)
    }

    /// Like [`connect`](Self::connect), for serving requests that must finish by `deadline`:
    /// every statement is cancelled by the server past it (`statement_timeout`), so a request
    /// timed out upstream never keeps a pooled connection busy for longer, and waiting for or
    /// opening a connection takes at most as long. Not for loads and migrations, whose
    /// statements rightly take minutes.
    pub fn connect_with_deadline(
        url: &str,
        pool_size: usize,
        deadline: Option<std::time::Duration>,
    ) -> Result<Self, StoreError> {
        Self::connect_with_sizes(url, PoolSizes::new(pool_size), deadline)
    }

    /// Like [`connect_with_deadline`](Self::connect_with_deadline), with `sizes` connections.
    pub fn connect_with_sizes(
        url: &str,
        sizes: PoolSizes,
        deadline: Option<std::time::Duration>,
    ) -> Result<Self, StoreError> {
        let primary = Connections::new(url, sizes, deadline)?;
        Ok(Self { primary, sizes, replicas: std::sync::Arc::default() })
    }

    /// Sends reads to the streaming replicas at `urls` (each with connections like the primary's),
    /// skipping one that fails or lags past the bound until it is back, and reading from the
    /// primary when none is usable, and for a while after a write to the rows read (see
    /// [`ReplicaSettings`]). Starts the task that checks them; needs a Tokio runtime.
    pub fn with_replicas(
        mut self,
        urls: &[String],
        deadline: Option<std::time::Duration>,
        settings: ReplicaSettings,
    ) -> Result<Self, StoreError> {
        let servers = urls
            .iter()
            .map(|url| Connections::new(url, self.sizes, deadline))
            .collect::<Result<Vec<_>, _>>()?;
        self.replicas = Replicas::start(self.primary.pool.clone(), servers, settings);
        Ok(self)
    }

    /// Applies every pending migration, holding an advisory lock so that concurrent runs take
    /// turns. Returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        client.execute(MIGRATION_LOCK, &[]).await.map_err(db_error)?;
        let report = migrations::migrations::runner().run_async(&mut **client).await;
        client.execute(MIGRATION_UNLOCK, &[]).await.map_err(db_error)?;
        let report =
            report.map_err(|e| StoreError::Internal(format!("failed to migrate PostgreSQL: {e}")))?;
        Ok(report.applied_migrations().len())
    }

    /// Names of the migrations this build knows that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut client = self.client().await?;
        // A database never migrated has no history table: every migration is pending (reading
        // the history would fail, and read as an unreachable database).
        let has_history: bool = client
            .query_one(HAS_MIGRATION_HISTORY, &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(db_error)?;
        let applied = if has_history {
            migrations::migrations::runner()
                .get_applied_migrations_async(&mut **client)
                .await
                .map_err(|e| StoreError::Unavailable(format!("failed to read the migration history: {e}")))?
        } else {
            Vec::new()
        };
        Ok(migrations::migrations::runner()
            .get_migrations()
            .iter()
            .filter(|m| !applied.iter().any(|a| a.version() == m.version()))
            .map(|m| m.to_string())
            .collect())
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.primary.client().await
    }

    /// A pooled connection of the primary for one call, given back with [`Lease::release`].
    async fn lease(&self) -> Result<Lease, StoreError> {
        self.primary.lease().await
    }
}

/// Translates a driver error once: lost connections and resource exhaustion are worth
/// retrying (503), anything else is a bug (500, logged).
pub(crate) fn db_error(err: tokio_postgres::Error) -> StoreError {
    let transient = err.is_closed()
        || err.code().is_some_and(|code| {
            let code = code.code();
            // 08: connection exception; 53: insufficient resources; 57P0x: server shutting
            // down; 57014: statement timeout or cancel; 40001/40P01: serialization/deadlock.
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P0")
                || matches!(code, "57014" | "40001" | "40P01")
        })
        || (err.code().is_none()
            && std::error::Error::source(&err).is_some_and(|s| s.is::<std::io::Error>()));
    let detail = atelier_core::with_sources(&err);
    if transient { StoreError::Unavailable(detail) } else { StoreError::Internal(detail) }
}

/// Runs a read of `$scope` with `$client` bound to a connection (pipelined where the server has
/// pipelined connections): on a usable replica when there is one, again on the primary if the
/// replica fails for want of it, otherwise on the primary.
macro_rules! read {
    ($store:expr, $scope:expr, |$client:ident| $read:expr) => {{
        let store = $store;
        let mut replayed = None;
        if let Some(i) = store.replicas.pick($scope)
            && let Some($client) = store.replicas.lease(i).await
        {
            let result = $read.await;
            match $client.release(result) {
                Err(StoreError::Unavailable(cause)) => store.replicas.failed(i, &cause),
                done => replayed = Some(done),
            }
        }
        match replayed {
            Some(done) => done,
            None => {
                let $client = store.primary.read_lease().await?;
                let result = $read.await;
                $client.release(result)
            }
        }
    }};
}

impl PgStore {
    /// Notes a committed write for the replicas' read-your-writes window.
    fn wrote(&self, owner: Owner) {
        for scope in owner.scopes() {
            self.replicas.note_write(scope);
        }
    }
}

#[async_trait]
impl Store for PgStore {
    async fn reviews(
        &self,
        product: ProductId,
        sort: ReviewSort,
        page: PageRequest,
    ) -> Result<Vec<Review>, StoreError> {
        read!(self, Scope::Product(product), |lease| reviews::list(&lease, product, sort, page))
    }

    async fn review_meta(&self, product: ProductId) -> Result<ReviewMeta, StoreError> {
        read!(self, Scope::Product(product), |lease| reviews::meta(&lease, product))
    }

    async fn add_review(&self, review: &NewReview) -> Result<ReviewId, StoreError> {
        let lease = self.lease().await?;
        let result = reviews::add(&lease, review).await;
        let id = lease.release(result)?;
        self.wrote(Owner { product: review.product_id, question: None });
        Ok(id)
    }

    async fn questions(&self, product: ProductId, page: PageRequest) -> Result<Vec<Question>, StoreError> {
        read!(self, Scope::Product(product), |lease| qa::questions(&lease, product, page))
    }

    async fn answers(&self, question: QuestionId, page: PageRequest) -> Result<Vec<Answer>, StoreError> {
        read!(self, Scope::Question(question), |lease| qa::answers(&lease, question, page))
    }

    async fn add_question(&self, question: &NewQuestion) -> Result<QuestionId, StoreError> {
        let lease = self.lease().await?;
        let result = qa::add_question(&lease, question).await;
        let id = lease.release(result)?;
        self.wrote(Owner { product: question.product_id, question: None });
        Ok(id)
    }

    async fn add_answer(
        &self,
        question: QuestionId,
        answer: &NewAnswer,
    ) -> Result<(AnswerId, ProductId), StoreError> {
        let lease = self.lease().await?;
        let result = qa::add_answer(&lease, question, answer).await;
        let (id, product) = lease.release(result)?;
        self.wrote(Owner { product, question: Some(question) });
        Ok((id, product))
    }

    async fn flag(&self, target: FlagTarget, flag: Flag) -> Result<Owner, StoreError> {
        // Each statement is a primary-key update; a single UPDATE never loses a vote. A vote
        // saturates at MAX_HELPFULNESS (2147483647) instead of overflowing the integer column.
        // Each returns where the row belongs, for the response cache.
        const REVIEW: &str = "RETURNING product_id, NULL::bigint";
        const QUESTION: &str = "RETURNING product_id, id";
        const ANSWER: &str =
            "RETURNING (SELECT q.product_id FROM questions q WHERE q.id = answers.question_id), question_id";
        let (update, returning, id) = match (target, flag) {
            (FlagTarget::Review(id), Flag::Helpful) => (
                "UPDATE reviews SET helpfulness = LEAST(helpfulness, 2147483646) + 1 WHERE id = $1",
                REVIEW,
                id.get(),
            ),
            (FlagTarget::Review(id), Flag::Report) => {
                ("UPDATE reviews SET reported = true WHERE id = $1", REVIEW, id.get())
            }
            (FlagTarget::Question(id), Flag::Helpful) => (
                "UPDATE questions SET helpfulness = LEAST(helpfulness, 2147483646) + 1 WHERE id = $1",
                QUESTION,
                id.get(),
            ),
            (FlagTarget::Question(id), Flag::Report) => {
                ("UPDATE questions SET reported = true WHERE id = $1", QUESTION, id.get())
            }
            (FlagTarget::Answer(id), Flag::Helpful) => (
                "UPDATE answers SET helpfulness = LEAST(helpfulness, 2147483646) + 1 WHERE id = $1",
                ANSWER,
                id.get(),
            ),
            (FlagTarget::Answer(id), Flag::Report) => {
                ("UPDATE answers SET reported = true WHERE id = $1", ANSWER, id.get())
            }
        };
        let sql = format!("{update} {returning}");
        let lease = self.lease().await?;
        let updated = async {
            let stmt = lease.prepare_cached(&sql).await.map_err(db_error)?;
            lease.query_opt(&stmt, &[&id]).await.map_err(db_error)
        }
        .await;
        let row = lease.release(updated)?.ok_or(StoreError::NotFound(target.kind()))?;
        let owner = Owner {
            product: ProductId::new_unchecked(row.try_get(0).map_err(db_error)?),
            question: row.try_get::<_, Option<i64>>(1).map_err(db_error)?.map(QuestionId::new_unchecked),
        };
        self.wrote(owner);
        Ok(owner)
    }

    async fn products(&self, page: PageRequest) -> Result<Vec<Product>, StoreError> {
        let lease = self.lease().await?;
        let result = products::list(&lease, page).await;
        lease.release(result)
    }

    async fn product(&self, product: ProductId) -> Result<Product, StoreError> {
        read!(self, Scope::Product(product), |lease| products::product(&lease, product))
    }

    async fn styles(&self, product: ProductId) -> Result<Vec<Style>, StoreError> {
        read!(self, Scope::Product(product), |lease| products::styles(&lease, product))
    }

    async fn related(&self, product: ProductId) -> Result<Vec<i64>, StoreError> {
        read!(self, Scope::Product(product), |lease| products::related(&lease, product))
    }

    async fn cart(&self, caller: &str) -> Result<Vec<CartLine>, StoreError> {
        let lease = self.lease().await?;
        let result = products::cart(&lease, caller).await;
        lease.release(result)
    }

    async fn add_to_cart(&self, caller: &str, sku: i64) -> Result<(), StoreError> {
        let lease = self.lease().await?;
        let result = products::add_to_cart(&lease, caller, sku).await;
        lease.release(result)
    }

    async fn add_interaction(&self, interaction: &NewInteraction) -> Result<(), StoreError> {
        let lease = self.lease().await?;
        let result = products::add_interaction(&lease, interaction).await;
        lease.release(result)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let lease = self.lease().await?;
        let result = lease.simple_query("SELECT 1").await.map_err(db_error);
        lease.release(result).map(drop)
    }

    fn note_write(&self, scope: Scope) {
        self.replicas.note_write(scope);
    }

    fn pools(&self) -> Vec<PoolStatus> {
        self.primary.statuses("primary").chain(self.replicas.pools()).collect()
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        let lease = self.lease().await?;
        let result = load::is_empty(&lease).await;
        lease.release(result)
    }

    async fn bulk_loader(&self, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        load::PgLoader::start(self.primary.pool.clone(), replace).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio_postgres::NoTls;

    use super::*;

    /// A schema of the test's own on the test server, dropped by [`Schema::drop_now`]: these tests
    /// look at the store's own connection or its migrations, so they live here (the testkit
    /// depends on this crate).
    struct Schema {
        admin: tokio_postgres::Client,
        name: String,
        url: String,
    }

    /// The test server's URL (`ATELIER_TEST_DATABASE_URL`, or the local server) with
    /// `parameters` added to its query, if any.
    fn test_server_url(parameters: &str) -> String {
        let url = std::env::var("ATELIER_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        match (parameters, url.contains('?')) {
            ("", _) => url,
            (_, true) => format!("{url}&{parameters}"),
            (_, false) => format!("{url}?{parameters}"),
        }
    }

    /// A client of the test server, connected with `parameters` added to its URL.
    async fn test_server(parameters: &str) -> tokio_postgres::Client {
        let url = test_server_url(parameters);
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is required for this test and is not reachable at {url}: {e}")
        });
        tokio::spawn(connection);
        client
    }

    impl Schema {
        async fn create(name: &str) -> Self {
            let admin = test_server("").await;
            let name = format!("atelier_{name}_{}", std::process::id());
            admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"))
                .await
                .unwrap();
            let url = test_server_url(&format!("options=-csearch_path%3D{name}"));
            Self { admin, name, url }
        }

        async fn drop_now(self) {
            self.admin.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_read_is_planned_once_for_all_the_values_bound_to_it() {
        let schema = Schema::create("plans").await;
        // One connection, no pipelined one, so every read prepares its statement on it; more
        // executions than the five with bound values after which PostgreSQL may settle on a
        // generic plan.
        let store =
            PgStore::connect_with_sizes(&schema.url, PoolSizes { pooled: 1, pipelined: 0 }, None).unwrap();
        store.migrate().await.unwrap();
        for n in 1..=8 {
            let (product, page) = (ProductId::new_unchecked(n), PageRequest::new(n, n).unwrap());
            for sort in [ReviewSort::Newest, ReviewSort::Helpful, ReviewSort::Relevant] {
                store.reviews(product, sort, page).await.unwrap_err();
            }
            store.review_meta(product).await.unwrap_err();
            store.questions(product, page).await.unwrap_err();
            store.answers(QuestionId::new_unchecked(n), page).await.unwrap_err();
        }
        let planned: Vec<(String, i64)> = store
            .client()
            .await
            .unwrap()
            .query("SELECT left(statement, 60), custom_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT%'", &[])
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        drop(store);
        schema.drop_now().await;
        assert!(planned.len() >= 6, "{planned:#?}");
        assert!(planned.iter().all(|(_, custom)| *custom == 0), "planned at each execution: {planned:#?}");
    }

    /// The store of `schema` with `sizes` connections, each named `name` on the server, migrated.
    async fn named_store(schema: &Schema, name: &str, sizes: PoolSizes) -> PgStore {
        let url = format!("{}&application_name={name}", schema.url);
        let store = PgStore::connect_with_sizes(&url, sizes, None).unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// How many connections named `name` the server has.
    async fn connections_named(schema: &Schema, name: &str) -> i64 {
        let sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
        schema.admin.query_one(sql, &[&name]).await.unwrap().get(0)
    }

    /// A store of a schema of its own with one pooled and one shared connection, each named
    /// after `label` on the server.
    async fn one_shared_connection(label: &str) -> (Schema, String, PgStore) {
        let schema = Schema::create(label).await;
        let name = format!("atelier_{label}_{}", std::process::id());
        let store = named_store(&schema, &name, PoolSizes { pooled: 1, pipelined: 1 }).await;
        (schema, name, store)
    }

    /// Locks `review_meta` on the admin connection until its `ROLLBACK`.
    async fn lock_review_meta(schema: &Schema) {
        let lock = format!("BEGIN; LOCK TABLE {}.review_meta IN ACCESS EXCLUSIVE MODE", schema.name);
        schema.admin.batch_execute(&lock).await.unwrap();
    }

    #[tokio::test]
    async fn concurrent_reads_share_the_pipelined_connection() {
        let schema = Schema::create("pipelined").await;
        let name = format!("atelier_pipelined_{}", std::process::id());
        let store = named_store(&schema, &name, PoolSizes { pooled: 8, pipelined: 1 }).await;
        let page = PageRequest::new(1, 5).unwrap();
        let reads = (1..=64).map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.questions(ProductId::new_unchecked(n), page).await })
        });
        for read in futures_util::future::join_all(reads).await {
            assert!(matches!(read.unwrap(), Err(StoreError::NotFound(_))));
        }
        // The one the migration used, and the pipelined one; the reads took none of the pool.
        let connections = connections_named(&schema, &name).await;
        drop(store);
        schema.drop_now().await;
        assert_eq!(connections, 2);
    }

    #[tokio::test]
    async fn a_read_abandoned_mid_statement_retires_its_shared_connection() {
        let (schema, _, store) = one_shared_connection("retired").await;
        let (product, page) = (ProductId::new_unchecked(1), PageRequest::new(1, 5).unwrap());
        lock_review_meta(&schema).await;
        // Waits on the lock, then is abandoned, as a request past its deadline is.
        let stuck = tokio::time::timeout(Duration::from_millis(200), store.review_meta(product)).await;
        // A read of another table must not queue behind the stuck statement on its connection.
        let next = tokio::time::timeout(Duration::from_secs(10), store.questions(product, page)).await;
        schema.admin.batch_execute("ROLLBACK").await.unwrap();
        drop(store);
        schema.drop_now().await;
        assert!(stuck.is_err(), "the locked read finished: {stuck:?}");
        assert!(matches!(next, Ok(Err(StoreError::NotFound(_)))), "{next:?}");
    }

    #[tokio::test]
    async fn reads_queued_behind_a_stuck_statement_go_on_once_it_stalls() {
        let (schema, _, store) = one_shared_connection("stalled").await;
        let page = PageRequest::new(1, 5).unwrap();
        lock_review_meta(&schema).await;
        // Reads of the locked table and of another, sent together on the one shared connection;
        // none is abandoned.
        let started = std::time::Instant::now();
        let mut stuck = Vec::new();
        let mut others = Vec::new();
        for n in 1..=3 {
            let (locked, store, product) = (store.clone(), store.clone(), ProductId::new_unchecked(n));
            stuck.push(tokio::spawn(async move { locked.review_meta(product).await }));
            others.push(tokio::spawn(async move {
                let read = store.questions(product, page).await;
                (read, started.elapsed())
            }));
        }
        let others = tokio::time::timeout(pipeline::STALL * 8, futures_util::future::join_all(others)).await;
        schema.admin.batch_execute("ROLLBACK").await.unwrap();
        let others = others.expect("the other reads waited behind the stuck ones for good");
        let stuck = futures_util::future::join_all(stuck).await;
        drop(store);
        schema.drop_now().await;
        for other in others {
            let (read, took) = other.unwrap();
            assert!(matches!(read, Err(StoreError::NotFound(_))), "{read:?}");
            assert!(took < pipeline::STALL * 4, "a read waited {took:?} behind the stuck ones");
        }
        // The stuck reads were cancelled (or answered, if they ran after the unlock).
        for read in stuck {
            let read = read.unwrap();
            assert!(matches!(read, Err(StoreError::Unavailable(_) | StoreError::NotFound(_))), "{read:?}");
        }
    }

    #[tokio::test]
    async fn a_lost_shared_connection_is_opened_again() {
        let (schema, name, store) = one_shared_connection("reopened").await;
        let (product, page) = (ProductId::new_unchecked(1), PageRequest::new(1, 5).unwrap());
        assert!(matches!(store.questions(product, page).await, Err(StoreError::NotFound(_))));
        let terminate =
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1";
        let terminated: i64 = schema.admin.query_one(terminate, &[&name]).await.unwrap().get(0);
        // The first read after may still find the connection it had; the next opens a new one.
        let first = store.questions(product, page).await;
        let second = store.questions(product, page).await;
        drop(store);
        schema.drop_now().await;
        assert_eq!(terminated, 2);
        assert!(matches!(first, Err(StoreError::NotFound(_) | StoreError::Unavailable(_))), "{first:?}");
        assert!(matches!(second, Err(StoreError::NotFound(_))), "{second:?}");
    }

    #[tokio::test]
    async fn meta_reads_one_row_of_one_table_by_its_primary_key() {
        let schema = Schema::create("meta_plan").await;
        let store = PgStore::connect(&schema.url, 1).unwrap();
        store.migrate().await.unwrap();
        let client = store.client().await.unwrap();
        client
            .batch_execute(&format!(
                "SET plan_cache_mode = force_generic_plan; PREPARE meta(bigint) AS {}",
                reviews::META
            ))
            .await
            .unwrap();
        // The simple protocol answers in text, whatever the column's type (here json).
        let explained = client.simple_query("EXPLAIN (FORMAT JSON) EXECUTE meta(1)").await.unwrap();
        let text = explained
            .iter()
            .find_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .expect("EXPLAIN answers one row");
        let plan: serde_json::Value = serde_json::from_str(&text).unwrap();
        drop(client);
        drop(store);
        schema.drop_now().await;
        // Every relation and index the plan reads, wherever it sits in the tree.
        fn read(node: &serde_json::Value, found: &mut Vec<String>) {
            for key in ["Relation Name", "Index Name"] {
                if let Some(name) = node.get(key).and_then(|name| name.as_str()) {
                    found.push(name.to_owned());
                }
            }
            for child in node.get("Plans").and_then(|plans| plans.as_array()).into_iter().flatten() {
                read(child, found);
            }
        }
        let mut found = Vec::new();
        read(&plan[0]["Plan"], &mut found);
        assert_eq!(found, ["review_meta", "review_meta_pkey"], "{plan:#}");
    }

    #[tokio::test]
    async fn migrating_meta_into_one_row_per_product_keeps_every_products_meta() {
        let schema = Schema::create("meta_upgrade").await;
        let store = PgStore::connect(&schema.url, 1).unwrap();
        {
            // A catalogue in the shape before V3: totals in characteristic_meta, a meta row only
            // for a product with reviews.
            let mut client = store.client().await.unwrap();
            let before = migrations::migrations::runner().set_target(refinery::Target::Version(2));
            before.run_async(&mut **client).await.unwrap();
            client
                .batch_execute(
                    "INSERT INTO products (id, name, slogan, description, category, default_price) \
                     VALUES (1, 'a', '', '', '', '1'), (2, 'b', '', '', '', '2'), (3, 'c', '', '', '', '3');
                     INSERT INTO characteristics (id, product_id, name) \
                     VALUES (11, 1, 'Length'), (10, 1, 'Fit'), (12, 2, 'Comfort');
                     INSERT INTO review_meta (product_id, rating_2, rating_5, recommended_false, recommended_true) \
                     VALUES (1, 1, 2, 1, 2);
                     INSERT INTO characteristic_meta (characteristic_id, rating_sum, rating_count) VALUES (11, 7, 3);",
                )
                .await
                .unwrap();
        }
        store.migrate().await.unwrap();
        let meta = |id| store.review_meta(ProductId::new_unchecked(id));
        let summary =
            |id, name: &str, rating_sum, rating_count| atelier_core::records::CharacteristicSummary {
                id: atelier_core::CharacteristicId::new_unchecked(id),
                name: name.to_owned(),
                rating_sum,
                rating_count,
            };
        let (first, second, third, unknown) = (meta(1).await, meta(2).await, meta(3).await, meta(4).await);
        drop(store);
        schema.drop_now().await;
        let expected = ReviewMeta {
            ratings: [0, 1, 0, 0, 2],
            recommended_false: 1,
            recommended_true: 2,
            characteristics: vec![summary(10, "Fit", 0, 0), summary(11, "Length", 7, 3)],
        };
        assert_eq!(first.unwrap(), expected);
        let comfort = vec![summary(12, "Comfort", 0, 0)];
        assert_eq!(second.unwrap(), ReviewMeta { characteristics: comfort, ..ReviewMeta::default() });
        assert_eq!(third.unwrap(), ReviewMeta::default());
        assert!(matches!(unknown, Err(StoreError::NotFound("product"))), "{unknown:?}");
    }

    #[test]
    fn a_url_that_does_not_parse_is_a_configuration_error_not_bad_input() {
        let err = PgStore::connect("postgres://postgres@127.0.0.1:notaport/db", 1).err().expect("refused");
        assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    }

    /// `maintenance_work_mem` on a bulk load's staging connection, opened with `parameters`
    /// added to the test server's URL.
    async fn sort_memory_when_loading(parameters: &str) -> String {
        let client = test_server(parameters).await;
        client.batch_execute(load::LOADING_SETTINGS).await.unwrap();
        client.query_one("SHOW maintenance_work_mem", &[]).await.unwrap().get(0)
    }

    #[tokio::test]
    async fn index_builds_sort_in_a_gigabyte_unless_the_operator_chose_their_own() {
        assert_eq!(sort_memory_when_loading("").await, "1GB", "the test server keeps PostgreSQL's default");
        assert_eq!(sort_memory_when_loading("options=-cmaintenance_work_mem%3D200MB").await, "200MB");
    }
}
