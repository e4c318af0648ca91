//! Progress bars on stderr. indicatif draws nothing when stderr is not a terminal, so tests
//! and logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting `total` `unit`s with the rate per second.
pub fn bar(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template =
        format!("{{msg:>28}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{per_sec}}, {{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
