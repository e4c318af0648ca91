//! Records assembled from the flat rows of a one-statement read, written once for both stores.
//!
//! Each GET is one SQL statement, so its result is flat: a review page is one row per review
//! (or one row of NULLs for a product without reviews), meta one row per characteristic, a
//! question page one row per answer. A store may also give each photo of a review or answer a
//! row of its own, repeating the record on adjacent rows: those rows are one record. Turning
//! those rows into records is the same logic on any database, so it lives here, reading each
//! column by its name through [`Cells`]; a store only says how its driver reads a named column.
//! The names are the `AS` aliases of the stores' read statements, listed in [`columns`].

mod products;

pub use products::{ProductList, ProductRows, RelatedRows, StyleRows, columns as product_columns};

use crate::StoreError;
use crate::ids::{AnswerId, CharacteristicId, QuestionId, ReviewId};
use crate::records::{Answer, CharacteristicSummary, Photo, Question, Review, ReviewMeta};

/// The column names every read statement uses for what it selects.
pub mod columns {
    /// A review's columns in a review page.
    pub const REVIEW_ID: &str = "review_id";
    /// Stars.
    pub const RATING: &str = "rating";
    /// The summary line.
    pub const SUMMARY: &str = "summary";
    /// Whether the reviewer recommends the product.
    pub const RECOMMEND: &str = "recommend";
    /// The seller's response.
    pub const RESPONSE: &str = "response";
    /// A review's text.
    pub const REVIEW_BODY: &str = "review_body";
    /// When the review was written.
    pub const REVIEW_DATE: &str = "review_date";
    /// The reviewer's name.
    pub const REVIEWER_NAME: &str = "reviewer_name";
    /// The review's helpful votes.
    pub const REVIEW_HELPFULNESS: &str = "review_helpfulness";

    /// Meta's summary counts, in the order of `ReviewMeta::ratings` then recommend false, true.
    pub const META_COUNTS: [&str; 7] =
        ["rating_1", "rating_2", "rating_3", "rating_4", "rating_5", "recommended_false", "recommended_true"];
    /// A characteristic's id in meta.
    pub const CHARACTERISTIC_ID: &str = "characteristic_id";
    /// Its name.
    pub const CHARACTERISTIC_NAME: &str = "characteristic_name";
    /// The sum of its ratings.
    pub const RATING_SUM: &str = "rating_sum";
    /// How many ratings it has.
    pub const RATING_COUNT: &str = "rating_count";

    /// A question's columns in a question page.
    pub const QUESTION_ID: &str = "question_id";
    /// The question's text.
    pub const QUESTION_BODY: &str = "question_body";
    /// When it was asked.
    pub const QUESTION_DATE: &str = "question_date";
    /// The asker's name.
    pub const ASKER_NAME: &str = "asker_name";
    /// The question's helpful votes.
    pub const QUESTION_HELPFULNESS: &str = "question_helpfulness";

    /// An answer's columns in a question or answer page.
    pub const ANSWER_ID: &str = "answer_id";
    /// The answer's text.
    pub const ANSWER_BODY: &str = "answer_body";
    /// When it was written.
    pub const ANSWER_DATE: &str = "answer_date";
    /// The answerer's name.
    pub const ANSWERER_NAME: &str = "answerer_name";
    /// The answer's helpful votes.
    pub const ANSWER_HELPFULNESS: &str = "answer_helpfulness";
}

use columns as c;

/// One row of a read's result, whose columns are read by name. Each store implements it for
/// its driver's row type; NULL reads as `None`.
pub trait Cells {
    /// An integer column of any width.
    fn int(&self, column: &'static str) -> Result<Option<i64>, StoreError>;

    /// A boolean column.
    fn flag(&self, column: &'static str) -> Result<Option<bool>, StoreError>;

    /// A text column.
    fn text(&self, column: &'static str) -> Result<Option<String>, StoreError>;

    /// The photos of the row's review or answer that this row holds, in id order: all of them
    /// where the store aggregates them, or the one photo of this row where it gives each photo
    /// a row (the record repeated on adjacent rows, see [`Listed`]).
    fn photos(&self) -> Result<Vec<Photo>, StoreError>;
}

/// A value that a row must have: NULL there means the statement and this code disagree.
fn required<T>(value: Option<T>, column: &'static str) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::Internal(format!("column {column} is NULL")))
}

/// Turns the rows of one read, in order, into its result. A store feeds it every row and then
/// asks for the result.
pub trait Fold: Default {
    /// What the read returns.
    type Output;

    /// Takes the next row.
    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError>;

    /// The result; an error when the rows say the parent does not exist (no row at all).
    fn finish(self) -> Result<Self::Output, StoreError>;
}

/// A record that a page lists: one per row, or one per run of adjacent rows with its id, each
/// holding one of its photos.
pub trait Listed: Sized {
    /// What a page without any row is the parent of ("product", "question").
    const PARENT: &'static str;

    /// The column of the record's id.
    const ID: &'static str;

    /// The record `id` of a row.
    fn from_row(id: i64, row: &impl Cells) -> Result<Self, StoreError>;

    /// The record's photos if it is record `id`, for a row that repeats it to add its own.
    fn photos_of(&mut self, id: i64) -> Option<&mut Vec<Photo>>;
}

/// Adds a row's record to `records`, or only its photo when the row repeats the last record;
/// nothing when the row has no record (its id NULL: the one row of NULLs of a parent with
/// nothing to show, or a question-page row of a question without answers).
fn push_row<T: Listed>(records: &mut Vec<T>, row: &impl Cells) -> Result<(), StoreError> {
    let Some(id) = row.int(T::ID)? else {
        return Ok(());
    };
    if let Some(photos) = records.last_mut().and_then(|last| last.photos_of(id)) {
        photos.extend(row.photos()?);
    } else {
        records.push(T::from_row(id, row)?);
    }
    Ok(())
}

impl Listed for Review {
    const PARENT: &'static str = "product";
    const ID: &'static str = c::REVIEW_ID;

    fn photos_of(&mut self, id: i64) -> Option<&mut Vec<Photo>> {
        (self.id.get() == id).then_some(&mut self.photos)
    }

    fn from_row(id: i64, row: &impl Cells) -> Result<Self, StoreError> {
        let rating = required(row.int(c::RATING)?, c::RATING)?;
        Ok(Review {
            id: ReviewId::new_unchecked(id),
            rating: i16::try_from(rating).map_err(|_| StoreError::Internal(format!("rating {rating}")))?,
            summary: required(row.text(c::SUMMARY)?, c::SUMMARY)?,
            recommend: required(row.flag(c::RECOMMEND)?, c::RECOMMEND)?,
            response: row.text(c::RESPONSE)?,
            body: required(row.text(c::REVIEW_BODY)?, c::REVIEW_BODY)?,
            date_ms: required(row.int(c::REVIEW_DATE)?, c::REVIEW_DATE)?,
            reviewer_name: required(row.text(c::REVIEWER_NAME)?, c::REVIEWER_NAME)?,
            helpfulness: required(row.int(c::REVIEW_HELPFULNESS)?, c::REVIEW_HELPFULNESS)?,
            photos: row.photos()?,
        })
    }
}

impl Listed for Answer {
    const PARENT: &'static str = "question";
    const ID: &'static str = c::ANSWER_ID;

    fn photos_of(&mut self, id: i64) -> Option<&mut Vec<Photo>> {
        (self.id.get() == id).then_some(&mut self.photos)
    }

    fn from_row(id: i64, row: &impl Cells) -> Result<Self, StoreError> {
        Ok(Answer {
            id: AnswerId::new_unchecked(id),
            body: required(row.text(c::ANSWER_BODY)?, c::ANSWER_BODY)?,
            date_ms: required(row.int(c::ANSWER_DATE)?, c::ANSWER_DATE)?,
            answerer_name: required(row.text(c::ANSWERER_NAME)?, c::ANSWERER_NAME)?,
            helpfulness: required(row.int(c::ANSWER_HELPFULNESS)?, c::ANSWER_HELPFULNESS)?,
            photos: row.photos()?,
        })
    }
}

/// A page of records under one parent: one row per record (or per photo of it), or one row of
/// NULLs when the parent has none to show; no row at all when there is no such parent.
pub struct Page<T> {
    found: bool,
    items: Vec<T>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self { found: false, items: Vec::new() }
    }
}

impl<T: Listed> Fold for Page<T> {
    type Output = Vec<T>;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        self.found = true;
        push_row(&mut self.items, row)
    }

    fn finish(self) -> Result<Vec<T>, StoreError> {
        if self.found { Ok(self.items) } else { Err(StoreError::NotFound(T::PARENT)) }
    }
}

/// A page of a product's reviews.
pub type ReviewPage = Page<Review>;

/// A page of a visible question's answers.
pub type AnswerPage = Page<Answer>;

/// A product's meta: the summary counts (NULL, read as zero, for a product without reviews)
/// repeated on every row, and one row per characteristic (NULL for a product without any).
#[derive(Default)]
pub struct MetaRows {
    meta: Option<ReviewMeta>,
}

impl Fold for MetaRows {
    type Output = ReviewMeta;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        let meta = match &mut self.meta {
            Some(meta) => meta,
            None => {
                let mut counts = [0_i64; 7];
                for (count, column) in counts.iter_mut().zip(c::META_COUNTS) {
                    *count = row.int(column)?.unwrap_or(0);
                }
                let [one, two, three, four, five, recommended_false, recommended_true] = counts;
                self.meta.insert(ReviewMeta {
                    ratings: [one, two, three, four, five],
                    recommended_false,
                    recommended_true,
                    characteristics: Vec::new(),
                })
            }
        };
        if let Some(id) = row.int(c::CHARACTERISTIC_ID)? {
            meta.characteristics.push(CharacteristicSummary {
                id: CharacteristicId::new_unchecked(id),
                name: required(row.text(c::CHARACTERISTIC_NAME)?, c::CHARACTERISTIC_NAME)?,
                rating_sum: row.int(c::RATING_SUM)?.unwrap_or(0),
                rating_count: row.int(c::RATING_COUNT)?.unwrap_or(0),
            });
        }
        Ok(())
    }

    fn finish(self) -> Result<ReviewMeta, StoreError> {
        self.meta.ok_or(StoreError::NotFound("product"))
    }
}

/// A page of a product's questions with their answers: one row per answer (or per photo of
/// it), a question's rows adjacent, or one row per question without answers; one row of NULLs
/// for a product without questions to show, and no row for no such product.
#[derive(Default)]
pub struct QuestionPage {
    found: bool,
    questions: Vec<Question>,
}

impl Fold for QuestionPage {
    type Output = Vec<Question>;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        self.found = true;
        let Some(id) = row.int(c::QUESTION_ID)? else {
            return Ok(());
        };
        let id = QuestionId::new_unchecked(id);
        let question = match self.questions.last_mut() {
            Some(last) if last.id == id => last,
            _ => {
                self.questions.push(Question {
                    id,
                    body: required(row.text(c::QUESTION_BODY)?, c::QUESTION_BODY)?,
                    date_ms: required(row.int(c::QUESTION_DATE)?, c::QUESTION_DATE)?,
                    asker_name: required(row.text(c::ASKER_NAME)?, c::ASKER_NAME)?,
                    helpfulness: required(row.int(c::QUESTION_HELPFULNESS)?, c::QUESTION_HELPFULNESS)?,
                    answers: Vec::new(),
                });
                self.questions.last_mut().expect("a question was just pushed")
            }
        };
        push_row(&mut question.answers, row)
    }

    fn finish(self) -> Result<Vec<Question>, StoreError> {
        if self.found { Ok(self.questions) } else { Err(StoreError::NotFound("product")) }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A row as a map from column name to value; absent columns are NULL.
    #[derive(Default)]
    struct Fake(HashMap<&'static str, FakeValue>);

    #[derive(Clone)]
    enum FakeValue {
        Int(i64),
        Text(&'static str),
    }

    impl Fake {
        fn with(mut self, column: &'static str, value: i64) -> Self {
            self.0.insert(column, FakeValue::Int(value));
            self
        }
        fn text(mut self, column: &'static str, value: &'static str) -> Self {
            self.0.insert(column, FakeValue::Text(value));
            self
        }
    }

    impl Cells for Fake {
        fn int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
            Ok(match self.0.get(column) {
                Some(FakeValue::Int(v)) => Some(*v),
                _ => None,
            })
        }
        fn flag(&self, column: &'static str) -> Result<Option<bool>, StoreError> {
            Ok(self.int(column)?.map(|v| v != 0))
        }
        fn text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
            Ok(match self.0.get(column) {
                Some(FakeValue::Text(v)) => Some((*v).to_owned()),
                _ => None,
            })
        }
        /// The one photo of the row, in the columns `photo_id` and `photo_url`, if any.
        fn photos(&self) -> Result<Vec<Photo>, StoreError> {
            Ok(match (self.int("photo_id")?, self.text("photo_url")?) {
                (Some(id), Some(url)) => vec![Photo { id, url }],
                _ => Vec::new(),
            })
        }
    }

    /// `row` holding photo `id` of its record.
    fn with_photo(row: Fake, id: i64) -> Fake {
        row.with("photo_id", id).text("photo_url", "https://example.com/p.jpg")
    }

    fn review_row(review: i64) -> Fake {
        Fake::default()
            .with(c::REVIEW_ID, review)
            .with(c::RATING, 5)
            .text(c::SUMMARY, "s")
            .with(c::RECOMMEND, 1)
            .text(c::REVIEW_BODY, "b")
            .with(c::REVIEW_DATE, 1)
            .text(c::REVIEWER_NAME, "n")
            .with(c::REVIEW_HELPFULNESS, 0)
    }

    fn fold<F: Fold>(rows: &[Fake]) -> Result<F::Output, StoreError> {
        let mut fold = F::default();
        for row in rows {
            fold.row(row)?;
        }
        fold.finish()
    }

    fn answer_row(question: i64, answer: i64) -> Fake {
        Fake::default()
            .with(c::QUESTION_ID, question)
            .text(c::QUESTION_BODY, "q")
            .with(c::QUESTION_DATE, 1)
            .text(c::ASKER_NAME, "a")
            .with(c::QUESTION_HELPFULNESS, 0)
            .with(c::ANSWER_ID, answer)
            .text(c::ANSWER_BODY, "b")
            .with(c::ANSWER_DATE, 2)
            .text(c::ANSWERER_NAME, "n")
            .with(c::ANSWER_HELPFULNESS, 3)
    }

    #[test]
    fn no_row_means_no_such_parent() {
        assert!(matches!(fold::<ReviewPage>(&[]), Err(StoreError::NotFound("product"))));
        assert!(matches!(fold::<MetaRows>(&[]), Err(StoreError::NotFound("product"))));
        assert!(matches!(fold::<QuestionPage>(&[]), Err(StoreError::NotFound("product"))));
        assert!(matches!(fold::<AnswerPage>(&[]), Err(StoreError::NotFound("question"))));
    }

    #[test]
    fn a_row_of_nulls_is_a_parent_with_nothing_to_show() {
        assert_eq!(fold::<ReviewPage>(&[Fake::default()]).unwrap(), Vec::new());
        assert_eq!(fold::<QuestionPage>(&[Fake::default()]).unwrap(), Vec::new());
        assert_eq!(fold::<AnswerPage>(&[Fake::default()]).unwrap(), Vec::new());
        assert_eq!(fold::<MetaRows>(&[Fake::default()]).unwrap(), ReviewMeta::default());
    }

    #[test]
    fn adjacent_rows_of_one_question_become_its_answers() {
        let rows = [answer_row(9, 1), answer_row(9, 2), answer_row(4, 3), answer_row(9, 5)];
        let questions = fold::<QuestionPage>(&rows).unwrap();
        let shape: Vec<(i64, Vec<i64>)> =
            questions.iter().map(|q| (q.id.get(), q.answers.iter().map(|a| a.id.get()).collect())).collect();
        assert_eq!(shape, vec![(9, vec![1, 2]), (4, vec![3]), (9, vec![5])]);
    }

    #[test]
    fn adjacent_rows_of_one_record_are_one_record_with_each_rows_photo() {
        let photo_ids = |photos: &[Photo]| photos.iter().map(|p| p.id).collect::<Vec<_>>();
        let rows = [
            with_photo(review_row(7), 1),
            with_photo(review_row(7), 2),
            review_row(5),
            with_photo(review_row(3), 4),
        ];
        let reviews = fold::<ReviewPage>(&rows).unwrap();
        let shape: Vec<(i64, Vec<i64>)> =
            reviews.iter().map(|r| (r.id.get(), photo_ids(&r.photos))).collect();
        assert_eq!(shape, vec![(7, vec![1, 2]), (5, vec![]), (3, vec![4])]);

        let rows = [with_photo(answer_row(9, 1), 10), with_photo(answer_row(9, 1), 11), answer_row(9, 2)];
        let answers = fold::<AnswerPage>(&rows).unwrap();
        let shape: Vec<(i64, Vec<i64>)> =
            answers.iter().map(|a| (a.id.get(), photo_ids(&a.photos))).collect();
        assert_eq!(shape, vec![(1, vec![10, 11]), (2, vec![])]);
        let questions = fold::<QuestionPage>(&rows).unwrap();
        let shape: Vec<(i64, Vec<i64>)> =
            questions[0].answers.iter().map(|a| (a.id.get(), photo_ids(&a.photos))).collect();
        assert_eq!((questions.len(), shape), (1, vec![(1, vec![10, 11]), (2, vec![])]));
    }

    #[test]
    fn meta_keeps_characteristics_with_the_same_name_apart() {
        let counts =
            |row: Fake| c::META_COUNTS.iter().enumerate().fold(row, |r, (i, col)| r.with(col, i as i64));
        let rows = [
            counts(Fake::default()).with(c::CHARACTERISTIC_ID, 3).text(c::CHARACTERISTIC_NAME, "Fit"),
            counts(Fake::default())
                .with(c::CHARACTERISTIC_ID, 4)
                .text(c::CHARACTERISTIC_NAME, "Fit")
                .with(c::RATING_SUM, 9)
                .with(c::RATING_COUNT, 2),
        ];
        let meta = fold::<MetaRows>(&rows).unwrap();
        assert_eq!((meta.ratings, meta.recommended_false, meta.recommended_true), ([0, 1, 2, 3, 4], 5, 6));
        let summary: Vec<(i64, &str, i64, i64)> = meta
            .characteristics
            .iter()
            .map(|c| (c.id.get(), c.name.as_str(), c.rating_sum, c.rating_count))
            .collect();
        assert_eq!(summary, vec![(3, "Fit", 0, 0), (4, "Fit", 9, 2)]);
    }

    #[test]
    fn a_null_where_a_value_is_required_is_an_internal_error() {
        let row = Fake::default().with(c::REVIEW_ID, 1);
        assert!(matches!(fold::<ReviewPage>(&[row]), Err(StoreError::Internal(_))));
    }
}
