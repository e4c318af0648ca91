//! What commands print for people. Output is a courtesy: a closed stdout (`atelier quickstart
//! | head -1`) must never stop a server, so write errors are ignored where `println!` would
//! panic.

use std::io::Write;

/// Prints `text` and a newline to stdout, ignoring a closed or failing stdout.
pub fn say(text: impl std::fmt::Display) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}
