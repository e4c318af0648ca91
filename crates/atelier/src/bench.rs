//! `atelier bench`: load a running server on a fixed timetable and report its latencies.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use atelier_bench::{IdRange, Ids, Mix, Plan, Progress, Scenario, Target, parse_duration};
use clap::Args;

/// Options of `atelier bench`.
#[derive(Debug, Args)]
pub struct BenchOptions {
    /// The server, http://HOST:PORT (plain HTTP: run the tester next to the balancer).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Endpoints and their weights: health, meta, reviews, questions, answers, styles, write (a POST
    /// /reviews followed by a read that must show it), e.g. meta=40,reviews=30,questions=20,answers=5,write=5.
    #[arg(long, default_value = "meta")]
    scenario: Mix,
    /// Product ids to draw from, LOW-HIGH.
    #[arg(long, default_value = "1-1000")]
    ids: IdRange,
    /// Question ids to draw from (for answers); --ids if not given.
    #[arg(long)]
    question_ids: Option<IdRange>,
    /// Draw only from a hot set of this many ids, picked once from each range.
    #[arg(long)]
    hot: Option<u64>,
    /// Requests per second on the timetable (the first step's rate with --find-max).
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// How long the timetable runs (each step's length with --find-max): 500ms, 10s, 2m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Send at --rate for this long first, and forget it: the server opens its pooled
    /// connections and warms its caches before anything is measured (0s for none).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// Keep-alive connections: the most requests in flight at once.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// A request slower than this counts as a timeout.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    timeout: Duration,
    /// Threads of the tester's own runtime (keep it low: the server needs the cores).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Seeds the draws, so two runs send the same requests.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Step the rate up from --rate to the highest one with no failures and p99 within --p99.
    #[arg(long)]
    find_max: bool,
    /// The p99 objective of --find-max.
    #[arg(long, default_value = "10ms", value_parser = parse_duration)]
    p99: Duration,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (charts inline) to this file.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// Runs the benchmark on its own runtime; the exit status is 1 if any request failed (or, with
/// --find-max, if no rate met the objective), so scripts can gate on it.
pub async fn run(options: BenchOptions) -> anyhow::Result<()> {
    let target = Target::parse(&options.url)?;
    let ids = |range: IdRange| match options.hot {
        Some(size) => Ids::hot(range, size, options.seed),
        None => Ids::Uniform(range),
    };
    let plan = Plan {
        target,
        scenario: Scenario {
            mix: options.scenario.clone(),
            products: ids(options.ids),
            questions: ids(options.question_ids.unwrap_or(options.ids)),
        },
        rate: options.rate,
        duration: options.duration,
        connections: options.connections,
        timeout: options.timeout,
        seed: options.seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build()
        .context("failed to start the tester's runtime")?;
    let title = format!("atelier bench: {} on {}", words(&options.scenario), options.url);
    let find_max = options.find_max;
    let p99 = options.p99;
    let warmup = options.warmup;
    let (output, html, clean) = tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            if !warmup.is_zero() {
                // Other ids than the measured runs' (which are draws 0, 1, 2...), so it warms
                // the server, not the answers.
                let warm = Plan { duration: warmup, ..plan.redrawn(u64::MAX, plan.rate) };
                atelier_bench::run(&warm, |_| {}).await;
            }
            if find_max {
                let search = atelier_bench::find_max(&plan, p99, show_progress, |step| {
                    eprintln!(
                        "\rstep {:.0}/s: achieved {:.1}/s, p99 {:.2} ms: {}",
                        step.run.target_rate,
                        step.run.achieved_rate,
                        step.run.latency.p99_ms,
                        step.failed_because.as_deref().unwrap_or("pass")
                    );
                })
                .await;
                let best = search.best().unwrap_or(&search.steps[search.steps.len() - 1]).run.clone();
                let output = if options.json {
                    serde_json::to_string_pretty(&search)
                } else {
                    Ok(atelier_bench::search_table(&search))
                };
                (
                    output,
                    atelier_bench::html(&title, &best, Some(&search)),
                    search.highest_sustained.is_some(),
                )
            } else {
                let result = atelier_bench::run(&plan, show_progress).await;
                let output = if options.json {
                    serde_json::to_string_pretty(&result)
                } else {
                    Ok(atelier_bench::run_table(&result))
                };
                (output, atelier_bench::html(&title, &result, None), result.is_clean())
            }
        })
    })
    .await
    .context("the tester's runtime failed")?;
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    println!("{}", output.context("failed to write the results as JSON")?.trim_end());
    if let Some(path) = &options.html {
        std::fs::write(path, html)
            .with_context(|| format!("failed to write the report to {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    if !clean {
        std::process::exit(1);
    }
    Ok(())
}

fn words(mix: &Mix) -> String {
    mix.endpoints().map(|e| e.name()).collect::<Vec<_>>().join("+")
}

/// The live line on a terminal: elapsed, answered, rate in the last second, backlog, failures.
fn show_progress(progress: &Progress) {
    let mut stderr = std::io::stderr();
    if stderr.is_terminal() {
        let _ = write!(
            stderr,
            "\r\x1b[2K{:>4} s  {} answered  {}/s last second  {} waiting to send  {} failed",
            progress.elapsed.as_secs(),
            progress.completed,
            progress.last_second,
            progress.backlog,
            progress.failed
        );
        let _ = stderr.flush();
    }
}
