//! A fresh store per test, removed when the test ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use atelier_core::Store;
use atelier_store_postgres::PgStore;
use atelier_store_sqlite::SqliteStore;

/// The PostgreSQL server tests use: `ATELIER_TEST_DATABASE_URL`, or the local server.
pub fn postgres_admin_url() -> String {
    std::env::var("ATELIER_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A store that exists for one test.
pub struct TestStore {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// Which kind, for messages.
    pub kind: &'static str,
    /// The database URL that reaches this store, for running the binary against it.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(
        #[expect(dead_code, reason = "held so the directory lives as long as the store")] tempfile::TempDir,
    ),
    Postgres {
        schema: String,
    },
}

impl TestStore {
    /// A new SQLite file in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("failed to create a temporary directory");
        let path = dir.path().join("atelier.db");
        let store = SqliteStore::open(&path, 4).await.expect("failed to open a SQLite store");
        let url = format!("sqlite://{}", path.display());
        Self { store: Arc::new(store), kind: "sqlite", url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A new, migrated schema on the test PostgreSQL server.
    pub async fn postgres() -> Self {
        let test = Self::postgres_unmigrated().await;
        PgStore::connect(&test.url, 1)
            .expect("failed to configure the PostgreSQL pool")
            .migrate()
            .await
            .expect("failed to migrate the test schema");
        test
    }

    /// A new, empty schema on the test PostgreSQL server, with no migration applied: what a
    /// database behind this build looks like.
    pub async fn postgres_unmigrated() -> Self {
        let (url, schema) = create_schema().await;
        let store = PgStore::connect(&url, 16).expect("failed to configure the PostgreSQL pool");
        Self { store: Arc::new(store), kind: "postgres", url, cleanup: Cleanup::Postgres { schema } }
    }

    /// A new schema on the test server whose connections go through `proxy`, which counts the
    /// statements they execute. Returns the store and the proxy.
    pub async fn postgres_counted() -> (Self, crate::StatementCounter) {
        let (url, schema) = create_schema().await;
        let direct = PgStore::connect(&url, 1).expect("failed to configure the PostgreSQL pool");
        direct.migrate().await.expect("failed to migrate the test schema");
        let counter = crate::StatementCounter::start(&postgres_admin_url()).await;
        let counted_url = with_search_path(&counter.url(), &schema);
        // One connection, so every statement goes through the same counted stream.
        let store = PgStore::connect(&counted_url, 1).expect("failed to configure the PostgreSQL pool");
        let test = Self {
            store: Arc::new(store),
            kind: "postgres",
            url: counted_url,
            cleanup: Cleanup::Postgres { schema },
        };
        (test, counter)
    }
}

/// Creates a uniquely named schema and returns a URL whose connections use it.
async fn create_schema() -> (String, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let schema =
        format!("atelier_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = postgres_admin_url();
    let (client, connection) =
        tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is required for this test and is not reachable at {admin}: {e}")
        });
    tokio::spawn(connection);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.expect("failed to create a test schema");
    (with_search_path(&admin, &schema), schema)
}

fn with_search_path(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=disable&options=-csearch_path%3D{schema}")
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let Cleanup::Postgres { schema } = &self.cleanup else {
            return;
        };
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread with
        // a runtime of its own, and wait for it so no schema outlives the test.
        let joined = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(&postgres_admin_url(), tokio_postgres::NoTls).await.ok()?;
                tokio::spawn(connection);
                client.batch_execute(&sql).await.ok()
            })
        })
        .join();
        if !matches!(joined, Ok(Some(()))) {
            eprintln!("warning: failed to drop test schema {schema}");
        }
    }
}
