//! `atelier`: serves the Ratings & Reviews and Q&A APIs, and the tools around them.

mod bench;
mod generate;
mod import;
mod migrate;
mod output;
mod quickstart;
mod serve;
mod settings;
mod telemetry;

use clap::{Parser, Subcommand};

/// Atelier: the Ratings & Reviews and Questions & Answers APIs of an e-commerce catalogue.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    telemetry: telemetry::TelemetryOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API on a store.
    Serve(serve::ServeOptions),
    /// Create an embedded store with a generated demo catalogue (once) and serve it.
    Quickstart(quickstart::QuickstartOptions),
    /// Apply pending schema migrations (the release step for PostgreSQL).
    Migrate(migrate::MigrateOptions),
    /// Generate a deterministic catalogue, as CSV files or straight into a store.
    Generate(generate::GenerateOptions),
    /// Load the original dataset's CSV files into a store.
    Import(import::ImportOptions),
    /// Load a running server on a fixed timetable and report its latencies.
    Bench(bench::BenchOptions),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(&cli.telemetry);
    match cli.command {
        Command::Serve(options) => serve::run(options).await,
        Command::Quickstart(options) => quickstart::run(options).await,
        Command::Migrate(options) => migrate::run(options).await,
        Command::Generate(options) => generate::run(options).await,
        Command::Import(options) => import::run(options).await,
        Command::Bench(options) => bench::run(options).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn quickstart_and_generate_take_the_pool_size() {
        use clap::Parser;
        let parse = |args: &[&str]| super::Cli::try_parse_from(args).unwrap().command;
        let super::Command::Quickstart(quickstart) = parse(&["atelier", "quickstart", "--pool-size", "3"])
        else {
            panic!("not quickstart")
        };
        assert_eq!(quickstart.pool_size, 3);
        let super::Command::Generate(generate) =
            parse(&["atelier", "generate", "--into", "sqlite://x.db", "--pool-size", "5"])
        else {
            panic!("not generate")
        };
        assert_eq!(generate.pool_size, 5);
    }
}
