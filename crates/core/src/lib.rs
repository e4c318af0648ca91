//! Atelier's domain, free of any database or HTTP type.
//!
//! Everything that crosses from a request into a store passes through the validated values of
//! [`input`] ("parse, don't validate"), so a store never sees a rating of 6 or a page of 0. The
//! [`Store`] trait is the one storage interface; each backend crate implements it and translates
//! its driver's errors once into the neutral [`StoreError`].

pub mod error;
pub mod fold;
pub mod ids;
pub mod input;
pub mod load;
pub mod records;
pub mod store;
pub mod summary;
pub mod tables;

pub use error::{InputError, StoreError, with_sources};
pub use ids::{AnswerId, CharacteristicId, ProductId, QuestionId, ReviewId};
pub use store::{Flag, FlagTarget, MAX_HELPFULNESS, Owner, PoolStatus, Scope, Store};
