//! How SQLite rows are read by column name, for the record folds of `atelier_core::fold`.

use atelier_core::StoreError;
use atelier_core::fold::{Cells, Fold};
use atelier_core::records::Photo;
use rusqlite::types::FromSql;

use crate::db_error;

/// The column holding a review's or answer's photos, aggregated with
/// `json_group_array(json_array(id, url))`.
pub(crate) const PHOTOS: &str = "photos";

/// Feeds every row of `rows` to the fold `F` and returns its result.
pub(crate) fn fold<F: Fold>(mut rows: rusqlite::Rows<'_>) -> Result<F::Output, StoreError> {
    // The statement's column names, read once: looked up by name on every row, rusqlite would
    // ask SQLite for each name again (a C string measured and compared per column per lookup).
    let names: Vec<String> = rows
        .as_ref()
        .map(|stmt| stmt.column_names().into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut fold = F::default();
    while let Some(row) = rows.next().map_err(db_error)? {
        fold.row(&Named { row, names: &names })?;
    }
    fold.finish()
}

/// A row whose columns are read by name.
struct Named<'r> {
    row: &'r rusqlite::Row<'r>,
    names: &'r [String],
}

impl Named<'_> {
    fn get<T: FromSql>(&self, column: &'static str) -> Result<Option<T>, StoreError> {
        let index = self
            .names
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| StoreError::Internal(format!("the statement has no column {column}")))?;
        self.row.get(index).map_err(db_error)
    }
}

impl Cells for Named<'_> {
    fn int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
        self.get(column)
    }

    fn flag(&self, column: &'static str) -> Result<Option<bool>, StoreError> {
        self.get(column)
    }

    fn text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }

    fn photos(&self) -> Result<Vec<Photo>, StoreError> {
        let Some(json) = self.get::<String>(PHOTOS)? else {
            return Ok(Vec::new());
        };
        let pairs: Vec<(i64, String)> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Internal(format!("failed to decode aggregated photos: {e}")))?;
        Ok(pairs.into_iter().map(|(id, url)| Photo { id, url }).collect())
    }
}
