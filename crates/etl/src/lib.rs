//! Data at scale: the deterministic catalogue generator and the CSV importer.
//!
//! The catalogue is cut into fixed chunks of products; each chunk draws from its own random
//! stream seeded by `(seed, chunk index)` and numbers its rows from 1. A sequential pass then
//! shifts each chunk's ids past the previous chunk's ([`generate::IdCursor`]), so the output for
//! a seed is the same however many threads produce chunks, and in whatever order they finish.

pub mod files;
pub mod generate;
mod ids;
pub mod import;
mod progress;
