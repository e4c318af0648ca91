//! How PostgreSQL rows are read by column name, for the record folds of `atelier_core::fold`.

use atelier_core::StoreError;
use atelier_core::fold::{Cells, Fold};
use atelier_core::records::Photo;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Type};

use crate::db_error;

/// The columns of one photo of a row's review or answer, NULL when it has none: each photo has a
/// row of its own, joined from the photos' index, the record repeated on adjacent rows (a join
/// row is cheaper for PostgreSQL to make than an aggregate per record: BENCHMARKS.md).
pub(crate) const PHOTO_ID: &str = "photo_id";
/// See [`PHOTO_ID`].
pub(crate) const PHOTO_URL: &str = "photo_url";

/// Feeds every row of `rows` to the fold `F` and returns its result.
pub(crate) fn fold<F: Fold>(rows: &[Row]) -> Result<F::Output, StoreError> {
    let mut fold = F::default();
    for row in rows {
        fold.row(&Named(row))?;
    }
    fold.finish()
}

/// A row whose columns are read by name.
struct Named<'r>(&'r Row);

impl Named<'_> {
    fn get<'a, T: FromSql<'a>>(&'a self, column: &'static str) -> Result<Option<T>, StoreError> {
        self.0.try_get(column).map_err(db_error)
    }
}

impl Cells for Named<'_> {
    /// Any integer width: `smallint` ratings, `integer` votes, `bigint` ids and counts.
    fn int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
        // One scan of the columns for both the position and the type.
        let Some((index, found)) = self.0.columns().iter().enumerate().find(|(_, c)| c.name() == column)
        else {
            return Err(StoreError::Internal(format!("the statement has no column {column}")));
        };
        let value = match *found.type_() {
            Type::INT2 => self.0.try_get::<_, Option<i16>>(index).map(|v| v.map(i64::from)),
            Type::INT4 => self.0.try_get::<_, Option<i32>>(index).map(|v| v.map(i64::from)),
            _ => self.0.try_get::<_, Option<i64>>(index),
        };
        value.map_err(db_error)
    }

    fn flag(&self, column: &'static str) -> Result<Option<bool>, StoreError> {
        self.get(column)
    }

    fn text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }

    fn photos(&self) -> Result<Vec<Photo>, StoreError> {
        Ok(match (self.get(PHOTO_ID)?, self.get(PHOTO_URL)?) {
            (Some(id), Some(url)) => vec![Photo { id, url }],
            _ => Vec::new(),
        })
    }
}
