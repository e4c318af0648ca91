//! Settings shared by subcommands, and opening the store a database URL names.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use atelier_core::Store;
use atelier_store_postgres::{PgStore, PoolSizes, ReplicaSettings};
use atelier_store_sqlite::SqliteStore;
use clap::Args;

/// Where the data lives. The password of a PostgreSQL URL never shows in `Debug` or logs.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: the embedded store in a file.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`.
    Postgres(String),
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() || path.starts_with(":memory:") {
                return Err("a SQLite URL needs a file path, e.g. sqlite://atelier.db (in-memory stores are not supported)".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err("unsupported database URL: use sqlite://PATH or postgres://USER@HOST/DB".into())
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Which store to use and how many connections to keep.
#[derive(Debug, Clone, Args)]
pub struct StoreOptions {
    /// The store: sqlite://PATH (embedded, the default) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
    #[arg(long, env = "ATELIER_DATABASE_URL", default_value = "sqlite://atelier.db", hide_env_values = true)]
    pub database_url: DatabaseUrl,
    /// Connections in the pool: PostgreSQL connections (default 16), or SQLite reader
    /// connections (default 4 per core).
    #[arg(long, env = "ATELIER_POOL_SIZE")]
    pub pool_size: Option<usize>,
    /// PostgreSQL connections per server shared by pipelined reads (default one per two
    /// cores; 0 sends every read through the pool).
    #[arg(long, env = "ATELIER_PIPELINED_CONNECTIONS")]
    pub pipelined_connections: Option<usize>,
}

/// PostgreSQL connections when `--pool-size` is not given: a statement spends much of its time
/// waiting on the server, so more connections than cores keep both busy (BENCHMARKS.md).
const POSTGRES_POOL_SIZE: usize = 16;

/// SQLite readers per core when `--pool-size` is not given. A SQLite read runs on the caller's
/// async worker, or on a thread of the blocking pool after a slow one or a lock, where every
/// reader busy at once is a thread competing for the cores: with 16 on two cores, random-id
/// question lists were served about 20 % slower than with 4 or 8 (BENCHMARKS.md).
const SQLITE_READERS_PER_CORE: usize = 4;

/// How the server reads: from PostgreSQL replicas besides the primary, or from a SQLite file
/// held in memory.
#[derive(Debug, Clone, Args)]
pub struct ReadOptions {
    /// A PostgreSQL streaming replica to read from (repeat for several, or separate with
    /// commas); writes go to `--database-url`, and reads too while no replica is usable.
    #[arg(long, env = "ATELIER_READ_URLS", value_delimiter = ',', hide_env_values = true)]
    pub read_url: Vec<DatabaseUrl>,
    /// A replica further behind the primary than this, in milliseconds, is skipped until it
    /// catches up.
    #[arg(long, env = "ATELIER_MAX_REPLICA_LAG_MS", default_value_t = ReplicaSettings::default().max_lag.as_millis() as u64)]
    pub max_replica_lag_ms: u64,
    /// Lock the SQLite file's pages in memory while serving (a sqlite:// store only), as
    /// PostgreSQL holds its pages in shared buffers: no read waits for the disk after the host
    /// reclaims file cache. Costs the file's size in locked memory, and a start that reads it
    /// all; needs a memory-lock limit above that size (`ulimit -l`) or CAP_IPC_LOCK.
    #[arg(long, env = "ATELIER_SQLITE_RESIDENT")]
    pub sqlite_resident: bool,
}

impl StoreOptions {
    /// SQLite reader connections: `--pool-size`, or 4 per core.
    fn sqlite_readers(&self) -> usize {
        self.pool_size.unwrap_or_else(|| {
            SQLITE_READERS_PER_CORE * std::thread::available_parallelism().map_or(1, |n| n.get())
        })
    }

    /// PostgreSQL connections per database: `--pool-size`, or 16, beside
    /// `--pipelined-connections`, or one per two cores.
    fn postgres_sizes(&self) -> PoolSizes {
        let sizes = PoolSizes::new(self.pool_size.unwrap_or(POSTGRES_POOL_SIZE));
        PoolSizes { pipelined: self.pipelined_connections.unwrap_or(sizes.pipelined), ..sizes }
    }

    /// Opens the store to load it, migrating a PostgreSQL schema first (loading is a set-up
    /// step, like `migrate`).
    pub async fn open_for_loading(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let DatabaseUrl::Postgres(url) = &self.database_url {
            PgStore::connect(url, 1)?
                .migrate()
                .await
                .with_context(|| format!("failed to migrate {}", self.database_url))?;
        }
        self.open().await
    }

    /// Opens the store. SQLite files are created and migrated on open (the embedded store needs
    /// no set-up); a PostgreSQL schema must be migrated first with `atelier migrate`.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        self.open_with_deadline(None).await
    }

    /// Opens the store to serve requests that must finish by `deadline`, which then bounds
    /// each PostgreSQL statement and connection wait, and each SQLite lock wait.
    pub async fn open_with_deadline(&self, deadline: Option<Duration>) -> anyhow::Result<Arc<dyn Store>> {
        self.open_for_serving(
            deadline,
            &ReadOptions { read_url: Vec::new(), max_replica_lag_ms: 0, sqlite_resident: false },
        )
        .await
    }

    /// Opens the store to serve requests (see [`open_with_deadline`](Self::open_with_deadline)),
    /// reading from the replicas of `replicas` when it names some.
    pub async fn open_for_serving(
        &self,
        deadline: Option<Duration>,
        read_options: &ReadOptions,
    ) -> anyhow::Result<Arc<dyn Store>> {
        let replicas = read_options
            .read_url
            .iter()
            .map(|url| match url {
                DatabaseUrl::Postgres(url) => Ok(url.clone()),
                DatabaseUrl::Sqlite(_) => bail!("--read-url names PostgreSQL replicas, not {url}"),
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        match &self.database_url {
            DatabaseUrl::Sqlite(_) if !replicas.is_empty() => {
                bail!("--read-url needs a PostgreSQL --database-url: the embedded store has no replicas")
            }
            DatabaseUrl::Sqlite(path) => {
                let mut store = SqliteStore::open_with_deadline(path, self.sqlite_readers(), deadline)
                    .await
                    .with_context(|| format!("failed to open the SQLite store {}", path.display()))?;
                if read_options.sqlite_resident {
                    let started = std::time::Instant::now();
                    let bytes = store
                        .hold_in_memory()
                        .await
                        .with_context(|| format!("failed to hold {} in memory", path.display()))?;
                    let seconds = started.elapsed().as_secs_f64();
                    tracing::info!(megabytes = bytes >> 20, seconds, "holding the SQLite file in memory");
                }
                Ok(Arc::new(store))
            }
            DatabaseUrl::Postgres(_) if read_options.sqlite_resident => {
                bail!(
                    "--sqlite-resident holds a SQLite file in memory; PostgreSQL holds its pages in shared_buffers"
                )
            }
            DatabaseUrl::Postgres(url) => {
                let store = PgStore::connect_with_sizes(url, self.postgres_sizes(), deadline)
                    .context("failed to configure the PostgreSQL pool")?;
                let pending = store
                    .pending_migrations()
                    .await
                    .with_context(|| format!("failed to reach PostgreSQL at {}", self.database_url))?;
                if !pending.is_empty() {
                    bail!(
                        "the PostgreSQL schema is behind this build (pending: {}); run `atelier migrate` first",
                        pending.join(", ")
                    );
                }
                if replicas.is_empty() {
                    return Ok(Arc::new(store));
                }
                let settings =
                    ReplicaSettings { max_lag: Duration::from_millis(read_options.max_replica_lag_ms) };
                let store = store
                    .with_replicas(&replicas, deadline, settings)
                    .context("failed to configure the read replicas' pools")?;
                tracing::info!(replicas = replicas.len(), "reading from replicas");
                Ok(Arc::new(store))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_url_names_a_file() {
        assert_eq!(
            "sqlite://data/a.db".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::Sqlite("data/a.db".into())
        );
        assert_eq!(
            "sqlite:///tmp/a.db".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::Sqlite("/tmp/a.db".into())
        );
    }

    #[test]
    fn an_unknown_scheme_is_rejected_with_the_known_ones() {
        let err = "mysql://localhost/db".parse::<DatabaseUrl>().unwrap_err();
        assert!(err.contains("sqlite://") && err.contains("postgres://"), "{err}");
    }

    #[test]
    fn a_password_never_shows() {
        let url: DatabaseUrl = "postgres://atelier:s3cret@db:5432/atelier".parse().unwrap();
        assert_eq!(format!("{url:?}"), "postgres://atelier:***@db:5432/atelier");
        assert!(!url.to_string().contains("s3cret"));
    }

    #[test]
    fn default_sizes_are_four_sqlite_readers_per_core_sixteen_pooled_and_one_pipelined_per_two_cores() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            store: StoreOptions,
        }
        let parse = |args: &[&str]| <Cli as clap::Parser>::try_parse_from(args).unwrap().store;
        let cores = std::thread::available_parallelism().unwrap().get();
        let default = parse(&["atelier"]);
        let sizes = PoolSizes { pooled: 16, pipelined: (cores / 2).max(1) };
        assert_eq!((default.sqlite_readers(), default.postgres_sizes()), (4 * cores, sizes));
        let given = parse(&["atelier", "--pool-size", "3", "--pipelined-connections", "0"]);
        let sizes = PoolSizes { pooled: 3, pipelined: 0 };
        assert_eq!((given.sqlite_readers(), given.postgres_sizes()), (3, sizes));
    }
}
