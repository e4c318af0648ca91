//! How SQLite rows are read by column name, for the record folds of `atelier_core::fold`.

use std::cell::RefCell;

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
    let columns = Columns::default();
    let mut fold = F::default();
    while let Some(row) = rows.next().map_err(db_error)? {
        fold.row(&Named { row, columns: &columns })?;
    }
    fold.finish()
}

/// The positions of the columns a query's rows are read by, found on the first row that asks
/// and reused for the rest: rusqlite finds a name by asking SQLite for every column's name
/// again (a C string measured and compared), on each lookup.
#[derive(Default)]
struct Columns(RefCell<Vec<(&'static str, usize)>>);

impl Columns {
    fn index(&self, row: &rusqlite::Row<'_>, column: &'static str) -> Result<usize, StoreError> {
        if let Some(&(_, index)) = self.0.borrow().iter().find(|(name, _)| *name == column) {
            return Ok(index);
        }
        let index = row.as_ref().column_index(column).map_err(db_error)?;
        self.0.borrow_mut().push((column, index));
        Ok(index)
    }
}

/// A row whose columns are read by name.
struct Named<'r> {
    row: &'r rusqlite::Row<'r>,
    columns: &'r Columns,
}

impl Named<'_> {
    fn get<T: FromSql>(&self, column: &'static str) -> Result<Option<T>, StoreError> {
        let index = self.columns.index(self.row, column)?;
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
