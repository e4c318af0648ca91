//! The two error families of the domain: bad input, and a store that could not do its work.

use std::fmt;

/// A request value that breaks a rule of the contract. `field` names the offending parameter or
/// body key so that the HTTP layer can answer a 400 that tells the client exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct InputError {
    /// The query parameter, path segment or body key at fault, e.g. `product_id`.
    pub field: String,
    /// What is wrong, phrased to follow the field's name: "must be a positive integer".
    pub message: String,
}

impl InputError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self { field: field.into(), message: message.to_string() }
    }
}

/// `error` and each of its sources, joined with ": ", so a message keeps the whole chain: a
/// PostgreSQL failure reads `db error: ERROR: relation "x" does not exist`, not `db error`.
pub fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors repeat their source in their own message; say it once.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// What can go wrong in a store, stripped of driver types. Each backend maps its driver errors
/// into this once; the HTTP layer maps it to statuses in one place.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The product, review, question or answer named does not exist (or is hidden).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is well-formed but contradicts stored data, e.g. a characteristic id that
    /// belongs to another product. Nothing was written.
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// The write conflicts with the store's state, e.g. a bulk load into a store that holds data.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store is configured wrongly (a database URL that does not parse): an operator's
    /// mistake found at start-up, never a client's bad input.
    #[error("bad store configuration: {0}")]
    Config(String),
    /// The database cannot be reached or is overloaded; worth retrying later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or corrupted data. Logged, never shown to clients.
    #[error("store failure: {0}")]
    Internal(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("db error")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("ERROR: relation \"reviews\" does not exist")]
    struct Inner;

    #[test]
    fn a_message_keeps_every_cause() {
        assert_eq!(with_sources(&Outer(Inner)), "db error: ERROR: relation \"reviews\" does not exist");
    }
}
