//! How PostgreSQL rows are read by column name, for the record folds of `atelier_core::fold`.

use atelier_core::StoreError;
use atelier_core::fold::{Cells, Fold};
use atelier_core::records::Photo;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Type};

use crate::db_error;

/// The columns holding a review's or answer's photos: `array_agg(id ORDER BY id)` and
/// `array_agg(url ORDER BY id)`.
pub(crate) const PHOTO_IDS: &str = "photo_ids";
/// See [`PHOTO_IDS`].
pub(crate) const PHOTO_URLS: &str = "photo_urls";

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
        let ids: Vec<i64> = self.get(PHOTO_IDS)?.unwrap_or_default();
        let urls: Vec<String> = self.get(PHOTO_URLS)?.unwrap_or_default();
        Ok(ids.into_iter().zip(urls).map(|(id, url)| Photo { id, url }).collect())
    }
}
