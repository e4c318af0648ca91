//! `atelier quickstart`: the demo. Creates the embedded store, fills it once with a generated
//! catalogue, and serves it.

use std::time::Instant;

use anyhow::Context;
use atelier_core::input::{MAX_COUNT, PageRequest, ReviewSort};
use atelier_core::{ProductId, QuestionId, Store};
use atelier_etl::generate::{self, Plan, Proportions};
use clap::Args;

use crate::output::say;
use crate::serve::{HttpOptions, bind, serve};
use crate::settings::{DatabaseUrl, StoreOptions};

/// Options of `atelier quickstart`.
#[derive(Debug, Args)]
pub struct QuickstartOptions {
    /// The embedded store's file.
    #[arg(long, env = "ATELIER_QUICKSTART_DB", default_value = "atelier.db")]
    db: std::path::PathBuf,
    /// Products in the demo catalogue (used only when the store is new).
    #[arg(long, env = "ATELIER_PRODUCTS", default_value_t = 10_000)]
    products: i64,
    /// SQLite reader connections serving the demo.
    #[arg(long, env = "ATELIER_POOL_SIZE", default_value_t = 8)]
    pub(crate) pool_size: usize,
    /// The demo catalogue's seed.
    #[arg(long, env = "ATELIER_SEED", default_value_t = 42)]
    seed: u64,
    #[command(flatten)]
    http: HttpOptions,
}

pub async fn run(options: QuickstartOptions) -> anyhow::Result<()> {
    let settings = StoreOptions {
        database_url: DatabaseUrl::Sqlite(options.db.clone()),
        pool_size: Some(options.pool_size),
        pipelined_connections: None,
    };
    let store = settings.open_for_loading().await?;
    if store.is_empty().await? {
        say(format_args!(
            "creating the demo catalogue in {} ({} products, seed {})...",
            options.db.display(),
            options.products,
            options.seed
        ));
        let started = Instant::now();
        let plan = Plan {
            products: options.products,
            seed: options.seed,
            proportions: Proportions::default(),
            threads: crate::generate::default_threads(),
        };
        let counts = generate::into_store(store.as_ref(), plan, false)
            .await
            .context("failed to generate the demo catalogue")?;
        crate::generate::print_counts(&counts, started.elapsed().as_secs_f64());
    } else {
        say(format_args!("reusing the catalogue in {}", options.db.display()));
    }
    let (product, question) = showcase(store.as_ref(), options.products).await?;
    let listener = bind(&options.http).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut banner = format!("Atelier is serving the demo catalogue on {base}. Try:");
    for path in [
        format!("/reviews?product_id={product}&sort=newest&count=3"),
        format!("/reviews/meta?product_id={product}"),
        format!("/qa/questions?product_id={product}"),
        format!("/qa/questions/{question}/answers"),
        format!("/products/{product}/styles"),
        format!("/api/fec2/hr-rfe/reviews/meta?product_id={product}"),
    ] {
        banner.push_str(&format!("\n  curl '{base}{path}'"));
    }
    banner.push_str(&format!(
        "\nEvery endpoint, tried from a browser: {base}{}  (OpenAPI 3.1: {base}{})",
        atelier_api::DOCS_PATH,
        atelier_api::OPENAPI_PATH
    ));
    banner.push_str(&format!("\nThe storefront, as a shopper sees it: {base}/?product={product}"));
    banner.push_str("\nPress Ctrl-C to stop.");
    say(banner);
    serve(store, listener, &options.http).await
}

/// The first product whose examples show everything: a review with photos, and a question with
/// answers (returned too). A newcomer's first Q&A call then shows data, not an empty list.
async fn showcase(store: &dyn Store, products: i64) -> anyhow::Result<(ProductId, QuestionId)> {
    let page = PageRequest::new(1, MAX_COUNT).context("a valid page")?;
    for raw in 1..=products.clamp(1, 1000) {
        let product = ProductId::new_unchecked(raw);
        let reviews =
            store.reviews(product, ReviewSort::Newest, page).await.context("failed to read reviews")?;
        if !reviews.iter().any(|review| !review.photos.is_empty()) {
            continue;
        }
        let questions = store.questions(product, page).await.context("failed to read questions")?;
        if let Some(question) = questions.iter().find(|question| !question.answers.is_empty()) {
            return Ok((product, question.id));
        }
    }
    anyhow::bail!("no product among the first thousand has reviews with photos and answered questions")
}
