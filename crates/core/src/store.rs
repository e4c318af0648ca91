//! The one storage interface. HTTP handlers hold an `Arc<dyn Store>` and never see SQL or which
//! database is behind it; the same contract suite runs against every implementation.

use async_trait::async_trait;

use crate::input::{NewAnswer, NewInteraction, NewQuestion, NewReview, PageRequest, ReviewSort};
use crate::load::BulkLoader;
use crate::records::{Answer, CartLine, Product, Question, Review, ReviewMeta, Style};
use crate::{AnswerId, ProductId, QuestionId, ReviewId, StoreError};

/// The row a helpful or report PUT acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagTarget {
    /// A review.
    Review(ReviewId),
    /// A question.
    Question(QuestionId),
    /// An answer.
    Answer(AnswerId),
}

/// The largest helpful count: the column is a 32-bit integer in both schemas, the importer
/// refuses a larger value, and a vote on a row already there is accepted and leaves the count at
/// the maximum (no overflow error on one store and silent growth on the other).
pub const MAX_HELPFULNESS: i64 = i32::MAX as i64;

/// Where a changed row belongs: what a cache of responses must drop when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// The product whose reviews, meta or questions the row appears in.
    pub product: ProductId,
    /// The question whose answers list it appears in (a question, or an answer's question).
    pub question: Option<QuestionId>,
}

/// How busy one connection pool is, for the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStatus {
    /// Which pool: `primary`, `replica1`, ... (PostgreSQL), `readers` or `writer` (SQLite).
    pub name: String,
    /// Connections it may open.
    pub max: usize,
    /// Connections lent to a call now.
    pub in_use: usize,
    /// Calls waiting for a connection now.
    pub waiting: usize,
}

/// A set of rows that reads return together and a write makes stale together.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Scope {
    /// A product's meta, review pages and question pages (which embed answers).
    Product(ProductId),
    /// A question's answer pages.
    Question(QuestionId),
}

impl From<ProductId> for Scope {
    fn from(product: ProductId) -> Self {
        Self::Product(product)
    }
}

impl From<QuestionId> for Scope {
    fn from(question: QuestionId) -> Self {
        Self::Question(question)
    }
}

impl Owner {
    /// The scopes a write to a row of this owner makes stale: its product's, and its question's
    /// when it has one.
    pub fn scopes(self) -> impl Iterator<Item = Scope> {
        std::iter::once(Scope::Product(self.product)).chain(self.question.map(Scope::Question))
    }
}

/// What a PUT does to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Adds exactly one to its helpfulness, also under concurrency, up to [`MAX_HELPFULNESS`].
    Helpful,
    /// Hides it from every list; it is kept, and still counted in review meta.
    Report,
}

impl FlagTarget {
    /// The kind of row, for a not-found error.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Review(_) => "review",
            Self::Question(_) => "question",
            Self::Answer(_) => "answer",
        }
    }
}

/// Everything the API needs from a database. Reads are one statement each; writes are atomic.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A page of the product's unreported reviews in `sort` order, ties broken by id desc.
    /// [`StoreError::NotFound`] when the product does not exist.
    async fn reviews(
        &self,
        product: ProductId,
        sort: ReviewSort,
        page: PageRequest,
    ) -> Result<Vec<Review>, StoreError>;

    /// The product's precomputed rating summary, reported reviews included.
    async fn review_meta(&self, product: ProductId) -> Result<ReviewMeta, StoreError>;

    /// Stores a review with its photos and characteristic ratings and updates the product's
    /// summary, all in one transaction. [`StoreError::Invalid`] (nothing written) when a
    /// characteristic belongs to another product.
    async fn add_review(&self, review: &NewReview) -> Result<ReviewId, StoreError>;

    /// A page of the product's unreported questions, most helpful first, each with all its
    /// unreported answers, most helpful first.
    async fn questions(&self, product: ProductId, page: PageRequest) -> Result<Vec<Question>, StoreError>;

    /// A page of an unreported question's unreported answers, most helpful first.
    async fn answers(&self, question: QuestionId, page: PageRequest) -> Result<Vec<Answer>, StoreError>;

    /// Stores a question about an existing product.
    async fn add_question(&self, question: &NewQuestion) -> Result<QuestionId, StoreError>;

    /// Stores an answer with its photos, to a question that exists and is not reported; returns
    /// its id and the question's product.
    async fn add_answer(
        &self,
        question: QuestionId,
        answer: &NewAnswer,
    ) -> Result<(AnswerId, ProductId), StoreError>;

    /// Marks a review, question or answer helpful, or reports it; returns where the row belongs.
    async fn flag(&self, target: FlagTarget, flag: Flag) -> Result<Owner, StoreError>;

    /// A page of products in id order, without their features.
    async fn products(&self, page: PageRequest) -> Result<Vec<Product>, StoreError>;

    /// A product with its features in file order. [`StoreError::NotFound`] when it does not
    /// exist.
    async fn product(&self, product: ProductId) -> Result<Product, StoreError>;

    /// A product's styles in id order, each with its photos and skus in file order.
    /// [`StoreError::NotFound`] when the product does not exist.
    async fn styles(&self, product: ProductId) -> Result<Vec<Style>, StoreError>;

    /// The ids of a product's related products in file order. [`StoreError::NotFound`] when the
    /// product does not exist.
    async fn related(&self, product: ProductId) -> Result<Vec<i64>, StoreError>;

    /// The cart of `caller` (an opaque key the API derives from the caller's token or session),
    /// by sku id.
    async fn cart(&self, caller: &str) -> Result<Vec<CartLine>, StoreError>;

    /// Adds one of `sku` to the cart of `caller`. [`StoreError::NotFound`] when there is no such
    /// sku.
    async fn add_to_cart(&self, caller: &str, sku: i64) -> Result<(), StoreError>;

    /// Records an interaction.
    async fn add_interaction(&self, interaction: &NewInteraction) -> Result<(), StoreError>;

    /// Whether the store answers a trivial statement now (readiness): the primary database for
    /// PostgreSQL, a reader connection for SQLite.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Tells the store that another instance has just written rows of `scope`, so that it reads
    /// them where that write is already visible (the primary, not a lagging replica) for a
    /// while. Its own writes it notes by itself. Nothing to do for a store without replicas.
    fn note_write(&self, _scope: Scope) {}

    /// How busy each of its connection pools is.
    fn pools(&self) -> Vec<PoolStatus> {
        Vec::new()
    }

    /// Whether the store holds no product yet.
    async fn is_empty(&self) -> Result<bool, StoreError>;

    /// Starts a bulk load of rows with their original ids. Refused with
    /// [`StoreError::Conflict`] when the store holds data, unless `replace` is set, in which case
    /// everything is removed first (within the load's transaction).
    async fn bulk_loader(&self, replace: bool) -> Result<Box<dyn BulkLoader>, StoreError>;
}
