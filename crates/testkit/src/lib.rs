//! Test-only helpers: a fresh store per test, the app on port 0, fixtures, and a throwaway
//! PostgreSQL cluster for the tests that stop or freeze the database.
//!
//! Every test gets its own store: a SQLite file in a temporary directory, or a PostgreSQL
//! schema created on the server named by `ATELIER_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and dropped when the test ends. A missing
//! PostgreSQL fails the test; it is never skipped.

mod app;
mod cluster;
mod failing;
mod fixtures;
mod proxy;
mod redis;
mod stores;

pub use app::TestApp;
pub use cluster::{Cluster, is_root};
pub use failing::{FailingStore, Failure, SECRET_DETAIL};
pub use fixtures::{Fixture, fixture_batch};
pub use proxy::StatementCounter;
pub use redis::RedisServer;
pub use stores::{TestStore, postgres_admin_url};

/// Declares each test once for every store: `mod sqlite` and `mod postgres` each get a copy,
/// with `$store` bound to a fresh [`TestStore`] of that kind.
#[macro_export]
macro_rules! for_each_store {
    ($(async fn $name:ident($store:ident) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $store = $crate::TestStore::sqlite().await;
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $store = $crate::TestStore::postgres().await;
                    $body
                }
            )*
        }
    };
}
