//! Bulk loading: rows with their original ids, as the CSV files and the generator carry them
//! (the rows and their [`Batch`] are described in [`crate::tables`]). A loader takes batches in
//! any size and, at the end, computes the meta summaries and moves id sequences past the largest
//! loaded id, so the API and new writes work at once.

use async_trait::async_trait;

use crate::StoreError;
use crate::tables::{Batch, Table};

/// One timed step of finishing a load, for the import's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// What the step did: "meta", "indexes", "tables", ...
    pub name: &'static str,
    /// How long it took.
    pub seconds: f64,
}

/// A bulk load in progress: all or nothing from start to [`finish`](Self::finish), so a load
/// dropped before it leaves the store exactly as it was, and readers see the old data until
/// `finish` commits (both stores write staged copies of the tables, swapped in by `finish`).
/// Rows are written into tables without secondary indexes, built once their rows are in.
/// Rows must be valid and reference existing parents: the importer checks.
#[async_trait]
pub trait BulkLoader: Send {
    /// Writes one batch.
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError>;

    /// Says that no more rows of `table` will come, so the loader may finish that table (build
    /// its indexes, check its keys) while the next ones stream in. A later row of it is refused.
    async fn table_done(&mut self, table: Table) -> Result<(), StoreError> {
        let _ = table;
        Ok(())
    }

    /// Computes the meta summaries, rebuilds indexes and constraints, moves id sequences past
    /// the largest id and commits, returning how long each step took.
    async fn finish(self: Box<Self>) -> Result<Vec<Phase>, StoreError>;
}

/// Times `step` as a [`Phase`] named `name`.
pub async fn timed<T>(
    phases: &mut Vec<Phase>,
    name: &'static str,
    step: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = std::time::Instant::now();
    let result = step.await;
    phases.push(Phase { name, seconds: started.elapsed().as_secs_f64() });
    result
}
