//! `atelier generate`: a deterministic catalogue, as the CSV files or straight into a
//! store.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use atelier_core::tables::{Counts, Table};
use atelier_etl::generate::{self, Plan, Proportions};
use clap::Args;

use crate::output::say;
use crate::settings::{DatabaseUrl, StoreOptions};

/// Options of `atelier generate`.
#[derive(Debug, Args)]
pub struct GenerateOptions {
    /// How many products.
    #[arg(long, env = "ATELIER_PRODUCTS", default_value_t = 10_000)]
    products: i64,
    /// The seed: the same seed gives the same catalogue, byte for byte.
    #[arg(long, env = "ATELIER_SEED", default_value_t = 42)]
    seed: u64,
    /// Write the CSV files of the original dataset (thirteen) into this folder.
    #[arg(long, required_unless_present = "into", conflicts_with = "into")]
    out: Option<PathBuf>,
    /// Write straight into this store instead: sqlite://PATH or postgres://... (migrated first).
    #[arg(long)]
    into: Option<DatabaseUrl>,
    /// With --into: empty the store first if it holds data (otherwise such a store is refused).
    #[arg(long, requires = "into")]
    replace: bool,
    /// With --into: connections to the store (a load writes through one; readers need none).
    #[arg(long, env = "ATELIER_POOL_SIZE", default_value_t = 2, requires = "into")]
    pub(crate) pool_size: usize,
    /// Worker threads; the output is the same for any number.
    #[arg(long, env = "ATELIER_THREADS", default_value_t = default_threads())]
    threads: usize,
    #[command(flatten)]
    proportions: ProportionOptions,
}

/// Rows per parent, as averages; the defaults are the original dataset's.
#[derive(Debug, Args)]
pub struct ProportionOptions {
    /// Reviews per product.
    #[arg(long, default_value_t = 5.77)]
    reviews_per_product: f64,
    /// Photos per review.
    #[arg(long, default_value_t = 0.475)]
    photos_per_review: f64,
    /// Characteristics per product, 1 to 6.
    #[arg(long, default_value_t = 3.35)]
    characteristics_per_product: f64,
    /// Questions per product.
    #[arg(long, default_value_t = 3.52)]
    questions_per_product: f64,
    /// Answers per question.
    #[arg(long, default_value_t = 1.95)]
    answers_per_question: f64,
    /// Photos per answer.
    #[arg(long, default_value_t = 0.3)]
    photos_per_answer: f64,
    /// One review, question or answer in this many is reported (0: none).
    #[arg(long, default_value_t = 30)]
    reported_one_in: u32,
    /// Features per product.
    #[arg(long, default_value_t = Proportions::default().features_per_product)]
    features_per_product: f64,
    /// Styles per product.
    #[arg(long, default_value_t = Proportions::default().styles_per_product)]
    styles_per_product: f64,
    /// Skus per style.
    #[arg(long, default_value_t = Proportions::default().skus_per_style)]
    skus_per_style: f64,
    /// Photos per style.
    #[arg(long, default_value_t = Proportions::default().photos_per_style)]
    photos_per_style: f64,
    /// Related products per product.
    #[arg(long, default_value_t = Proportions::default().related_per_product)]
    related_per_product: f64,
}

impl From<&ProportionOptions> for Proportions {
    fn from(o: &ProportionOptions) -> Self {
        Self {
            reviews_per_product: o.reviews_per_product,
            photos_per_review: o.photos_per_review,
            characteristics_per_product: o.characteristics_per_product,
            questions_per_product: o.questions_per_product,
            answers_per_question: o.answers_per_question,
            photos_per_answer: o.photos_per_answer,
            reported_one_in: o.reported_one_in,
            features_per_product: o.features_per_product,
            styles_per_product: o.styles_per_product,
            skus_per_style: o.skus_per_style,
            photos_per_style: o.photos_per_style,
            related_per_product: o.related_per_product,
        }
    }
}

/// All cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

pub async fn run(options: GenerateOptions) -> anyhow::Result<()> {
    anyhow::ensure!(options.products >= 1, "--products must be at least 1");
    let plan = Plan {
        products: options.products,
        seed: options.seed,
        proportions: (&options.proportions).into(),
        threads: options.threads,
    };
    let started = Instant::now();
    let counts = match (options.out, options.into) {
        (Some(dir), _) => {
            let target = dir.clone();
            tokio::task::spawn_blocking(move || generate::to_csv(&target, &plan))
                .await?
                .with_context(|| format!("failed to write the CSV files into {}", dir.display()))?
        }
        (None, Some(url)) => {
            let target = StoreOptions {
                database_url: url,
                pool_size: Some(options.pool_size),
                pipelined_connections: None,
            };
            let store = target.open_for_loading().await?;
            generate::into_store(store.as_ref(), plan, options.replace)
                .await
                .with_context(|| format!("failed to generate into {}", target.database_url))?
        }
        (None, None) => anyhow::bail!("give --out DIR or --into URL"),
    };
    print_counts(&counts, started.elapsed().as_secs_f64());
    Ok(())
}

/// Prints what was generated and how fast.
pub fn print_counts(counts: &Counts, seconds: f64) {
    let tables: Vec<String> = Table::ALL
        .iter()
        .map(|&t| format!("{} {}", counts[t], t.describe().name.replace('_', " ")))
        .collect();
    say(format_args!(
        "generated {} rows in {seconds:.1}s ({:.0} rows/s): {}",
        counts.total(),
        counts.total() as f64 / seconds.max(1e-9),
        tables.join(", ")
    ));
}
