//! Logging, set up once for the whole process.

use clap::{Args, ValueEnum};
use tracing::level_filters::LevelFilter;

/// How logs are written.
#[derive(Debug, Args)]
pub struct TelemetryOptions {
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, global = true, env = "ATELIER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// The most detailed level logged: error, warn, info, debug or trace.
    #[arg(long, global = true, env = "ATELIER_LOG_LEVEL", default_value = "info")]
    log_level: LevelFilter,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. Logs go to stderr so stdout stays for command output.
pub fn init(options: &TelemetryOptions) {
    let builder = tracing_subscriber::fmt().with_max_level(options.log_level).with_writer(std::io::stderr);
    match options.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
