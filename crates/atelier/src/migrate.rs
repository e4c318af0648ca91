//! `atelier migrate`: applies pending migrations. SQLite stores migrate themselves on open;
//! PostgreSQL migrates only here, as an explicit release step.

use anyhow::Context;
use atelier_store_postgres::PgStore;
use clap::Args;

use crate::output::say;
use crate::settings::{DatabaseUrl, StoreOptions};

/// Options of `atelier migrate`.
#[derive(Debug, Args)]
pub struct MigrateOptions {
    #[command(flatten)]
    store: StoreOptions,
}

pub async fn run(options: MigrateOptions) -> anyhow::Result<()> {
    match &options.store.database_url {
        DatabaseUrl::Postgres(url) => {
            let store = PgStore::connect(url, 1).context("failed to configure the PostgreSQL pool")?;
            let applied = store
                .migrate()
                .await
                .with_context(|| format!("failed to migrate {}", options.store.database_url))?;
            say(format_args!(
                "{}: applied {applied} migration(s); the schema is up to date",
                options.store.database_url
            ));
        }
        DatabaseUrl::Sqlite(_) => {
            options.store.open().await?;
            say(format_args!("{}: the schema is up to date", options.store.database_url));
        }
    }
    Ok(())
}
