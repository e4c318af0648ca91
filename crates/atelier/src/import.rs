//! `atelier import`: loads the CSV files of the original dataset into a store.

use std::path::PathBuf;

use anyhow::Context;
use atelier_etl::import::{self, ImportReport, ImportSettings};
use clap::Args;

use crate::output::say;
use crate::settings::StoreOptions;

/// Options of `atelier import`.
#[derive(Debug, Args)]
pub struct ImportOptions {
    /// The folder holding product.csv, reviews.csv, ... (any subset; without product.csv,
    /// products are created from the ids the other files name).
    #[arg(long)]
    dir: PathBuf,
    #[command(flatten)]
    store: StoreOptions,
    /// Replace what the store holds; without it a store with data is refused.
    #[arg(long)]
    replace: bool,
    /// Where rejected rows are listed, as CSV `file,line,reason`.
    #[arg(long, default_value = "rejects.csv")]
    rejects: PathBuf,
    /// Rows per batch sent to the store.
    #[arg(long, default_value_t = 50_000)]
    batch_rows: usize,
    /// Files read at once, each once its parents' files are (default: one per core; 1 leaves
    /// a core to a server on the same machine).
    #[arg(long)]
    readers: Option<usize>,
    /// Serve `/metrics` here while the import runs (rows accepted and rejected by file), for a
    /// long import watched by Prometheus.
    #[arg(long)]
    metrics_listen: Option<std::net::SocketAddr>,
}

pub async fn run(options: ImportOptions) -> anyhow::Result<()> {
    let store = options.store.open_for_loading().await?;
    if let Some(address) = options.metrics_listen {
        crate::serve::serve_metrics(address, store.clone()).await?;
    }
    let settings = ImportSettings {
        dir: options.dir.clone(),
        replace: options.replace,
        rejects: options.rejects.clone(),
        batch_rows: options.batch_rows,
        readers: options.readers.unwrap_or_else(import::readers_for_this_machine),
    };
    let report = import::import(store.as_ref(), &settings).await.with_context(|| {
        format!("failed to import {} into {}", options.dir.display(), options.store.database_url)
    })?;
    say(summary(&report, &options));
    Ok(())
}

/// The summary table: rows loaded and rejected per file, and time per phase.
fn summary(report: &ImportReport, options: &ImportOptions) -> String {
    let mut out =
        format!("{:<28} {:>12} {:>10} {:>9} {:>12}\n", "file", "loaded", "rejected", "seconds", "rows/s");
    for file in &report.files {
        let name = file.path.as_ref().and_then(|p| p.file_name()).map_or_else(
            || format!("({}: absent)", file.table.describe().file()),
            |n| n.to_string_lossy().into_owned(),
        );
        let rate = if file.seconds > 0.0 { file.loaded as f64 / file.seconds } else { 0.0 };
        out.push_str(&format!(
            "{name:<28} {:>12} {:>10} {:>9.1} {:>12.0}\n",
            file.loaded, file.rejected, file.seconds, rate
        ));
    }
    for phase in &report.phases {
        out.push_str(&format!(
            "{:<28} {:>12} {:>10} {:>9.1}\n",
            format!("phase: {}", phase.name),
            "",
            "",
            phase.seconds
        ));
    }
    let loaded: u64 = report.files.iter().map(|f| f.loaded).sum();
    out.push_str(&format!(
        "{:<28} {loaded:>12} {:>10} {:>9.1}\n",
        "total",
        report.rejected(),
        report.seconds
    ));
    if report.stub_products > 0 {
        out.push_str(&format!(
            "{} products were created from the ids other files name (no product.csv)\n",
            report.stub_products
        ));
    }
    if report.rejected() > 0 {
        out.push_str(&format!("rejected rows are listed in {}\n", options.rejects.display()));
    }
    out
}
