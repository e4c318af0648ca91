//! Bulk loading: rows with their original ids, as the CSV files and the generator carry them.
//! A loader takes batches in any size and, at the end, computes the meta summaries and moves id
//! sequences past the largest loaded id, so the API and new writes work at once.

use async_trait::async_trait;

use crate::StoreError;

/// A row of `product.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    /// Product id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// One-line slogan.
    pub slogan: String,
    /// Long description.
    pub description: String,
    /// Category, e.g. "Jackets".
    pub category: String,
    /// The price as written in the file (e.g. `140`), kept as text.
    pub default_price: String,
}

/// A row of `reviews.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    /// Review id.
    pub id: i64,
    /// The product reviewed.
    pub product_id: i64,
    /// 1 to 5.
    pub rating: i16,
    /// Epoch milliseconds.
    pub date_ms: i64,
    /// Summary line.
    pub summary: String,
    /// Review text.
    pub body: String,
    /// Recommends the product.
    pub recommend: bool,
    /// Hidden from lists.
    pub reported: bool,
    /// Display name.
    pub reviewer_name: String,
    /// Email, never returned.
    pub reviewer_email: String,
    /// Seller's response; `None` for the file's bare `null`.
    pub response: Option<String>,
    /// Helpful votes.
    pub helpfulness: i32,
}

/// A row of `reviews_photos.csv` or `answers_photos.csv`: `owner_id` is the review or answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRow {
    /// Photo id.
    pub id: i64,
    /// The review's or answer's id.
    pub owner_id: i64,
    /// Image URL.
    pub url: String,
}

/// A row of `characteristics.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacteristicRow {
    /// Characteristic id.
    pub id: i64,
    /// The product it describes.
    pub product_id: i64,
    /// Fit, Length, Comfort, Quality, Size or Width.
    pub name: String,
}

/// A row of `characteristic_reviews.csv`: one review's score for one characteristic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacteristicReviewRow {
    /// Row id.
    pub id: i64,
    /// The characteristic scored.
    pub characteristic_id: i64,
    /// The review that scored it.
    pub review_id: i64,
    /// 1 to 5.
    pub value: i16,
}

/// A row of `questions.csv` (`parent_id` is the product) or `answers.csv` (`parent_id` is the
/// question): the two files have the same columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRow {
    /// Question or answer id.
    pub id: i64,
    /// The product (for a question) or question (for an answer).
    pub parent_id: i64,
    /// Text.
    pub body: String,
    /// Epoch milliseconds.
    pub date_ms: i64,
    /// Display name.
    pub author_name: String,
    /// Email, never returned.
    pub author_email: String,
    /// Hidden from lists.
    pub reported: bool,
    /// Helpful votes.
    pub helpfulness: i32,
}

/// Rows of every table, in the order they must be loaded (parents before children).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Products.
    pub products: Vec<ProductRow>,
    /// Characteristics of those products.
    pub characteristics: Vec<CharacteristicRow>,
    /// Reviews.
    pub reviews: Vec<ReviewRow>,
    /// Review photos.
    pub review_photos: Vec<PhotoRow>,
    /// Characteristic scores of the reviews.
    pub characteristic_reviews: Vec<CharacteristicReviewRow>,
    /// Questions.
    pub questions: Vec<PostRow>,
    /// Answers.
    pub answers: Vec<PostRow>,
    /// Answer photos.
    pub answer_photos: Vec<PhotoRow>,
}

impl Batch {
    /// Rows in the batch, all tables together.
    pub fn len(&self) -> usize {
        self.products.len()
            + self.characteristics.len()
            + self.reviews.len()
            + self.review_photos.len()
            + self.characteristic_reviews.len()
            + self.questions.len()
            + self.answers.len()
            + self.answer_photos.len()
    }

    /// Whether the batch has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One timed step of finishing a load, for the import's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// What the step did: "indexes", "constraints", "meta", ...
    pub name: &'static str,
    /// How long it took.
    pub seconds: f64,
}

/// A bulk load in progress: one transaction from start to [`finish`](Self::finish), so a load
/// dropped before it leaves the store exactly as it was, and readers see the old data until
/// the commit. Rows are written into tables without secondary indexes; `finish` rebuilds them.
/// Rows must be valid and reference existing parents: the importer checks.
#[async_trait]
pub trait BulkLoader: Send {
    /// Writes one batch.
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError>;

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
