//! A store that fails every call the same way, so tests reach the 500 and 503 paths, and the
//! deadlines, that a healthy database never takes.

use async_trait::async_trait;
use atelier_core::input::{NewAnswer, NewInteraction, NewQuestion, NewReview, PageRequest, ReviewSort};
use atelier_core::load::BulkLoader;
use atelier_core::records::{Answer, CartLine, Product, Question, Review, ReviewMeta, Style};
use atelier_core::{AnswerId, Flag, FlagTarget, Owner, ProductId, QuestionId, ReviewId, Store, StoreError};

/// How every call of a [`FailingStore`] fails.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// `StoreError::Internal` carrying a detail that must never reach a client.
    Internal,
    /// `StoreError::Unavailable`, as when the database is down.
    Unavailable,
    /// Never answers, as a frozen database or a locked table: the caller's deadline must act.
    Hang,
    /// Answers "not found" after the given time: a store of known, bounded capacity.
    Slow(std::time::Duration),
}

/// A store whose every call fails with its [`Failure`].
#[derive(Debug, Clone, Copy)]
pub struct FailingStore(pub Failure);

/// The detail an internal failure carries: tests assert it never appears in a response.
pub const SECRET_DETAIL: &str = "relation \"reviews\" is corrupted at block 7";

impl FailingStore {
    async fn fail<T>(&self) -> Result<T, StoreError> {
        Err(match self.0 {
            Failure::Internal => StoreError::Internal(SECRET_DETAIL.to_owned()),
            Failure::Unavailable => StoreError::Unavailable(SECRET_DETAIL.to_owned()),
            Failure::Hang => std::future::pending().await,
            Failure::Slow(delay) => {
                tokio::time::sleep(delay).await;
                StoreError::NotFound("product")
            }
        })
    }
}

#[async_trait]
impl Store for FailingStore {
    async fn reviews(&self, _: ProductId, _: ReviewSort, _: PageRequest) -> Result<Vec<Review>, StoreError> {
        self.fail().await
    }

    async fn review_meta(&self, _: ProductId) -> Result<ReviewMeta, StoreError> {
        self.fail().await
    }

    async fn add_review(&self, _: &NewReview) -> Result<ReviewId, StoreError> {
        self.fail().await
    }

    async fn questions(&self, _: ProductId, _: PageRequest) -> Result<Vec<Question>, StoreError> {
        self.fail().await
    }

    async fn answers(&self, _: QuestionId, _: PageRequest) -> Result<Vec<Answer>, StoreError> {
        self.fail().await
    }

    async fn add_question(&self, _: &NewQuestion) -> Result<QuestionId, StoreError> {
        self.fail().await
    }

    async fn add_answer(&self, _: QuestionId, _: &NewAnswer) -> Result<(AnswerId, ProductId), StoreError> {
        self.fail().await
    }

    async fn flag(&self, _: FlagTarget, _: Flag) -> Result<Owner, StoreError> {
        self.fail().await
    }

    async fn products(&self, _: PageRequest) -> Result<Vec<Product>, StoreError> {
        self.fail().await
    }

    async fn product(&self, _: ProductId) -> Result<Product, StoreError> {
        self.fail().await
    }

    async fn styles(&self, _: ProductId) -> Result<Vec<Style>, StoreError> {
        self.fail().await
    }

    async fn related(&self, _: ProductId) -> Result<Vec<i64>, StoreError> {
        self.fail().await
    }

    async fn cart(&self, _: &str) -> Result<Vec<CartLine>, StoreError> {
        self.fail().await
    }

    async fn add_to_cart(&self, _: &str, _: i64) -> Result<(), StoreError> {
        self.fail().await
    }

    async fn add_interaction(&self, _: &NewInteraction) -> Result<(), StoreError> {
        self.fail().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.fail().await
    }

    async fn is_empty(&self) -> Result<bool, StoreError> {
        self.fail().await
    }

    async fn bulk_loader(&self, _: bool) -> Result<Box<dyn BulkLoader>, StoreError> {
        self.fail().await
    }
}
