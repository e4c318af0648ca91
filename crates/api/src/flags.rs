//! `PUT .../helpful` and `PUT .../report` on reviews, questions and answers: one handler over the
//! kind of row, since the logic is one (parse the id under its name, flag it, answer 204).

use atelier_core::{AnswerId, Flag, FlagTarget, InputError, QuestionId, ReviewId};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{self, MethodRouter};

use crate::error::parameter;
use crate::extract::IdSegment;
use crate::{ApiError, AppState, metrics};

/// The kinds of row a PUT can flag.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Row {
    Review,
    Question,
    Answer,
}

impl Row {
    /// The row named by the path segment `id`, parsed under the row's own id name.
    fn target(self, id: &str) -> Result<FlagTarget, InputError> {
        Ok(match self {
            Self::Review => FlagTarget::Review(ReviewId::parse("review_id", id)?),
            Self::Question => FlagTarget::Question(QuestionId::parse("question_id", id)?),
            Self::Answer => FlagTarget::Answer(AnswerId::parse("answer_id", id)?),
        })
    }
}

/// The PUT route that applies `flag` to a row of kind `row` and answers 204.
pub(crate) fn put(row: Row, flag: Flag) -> MethodRouter<AppState> {
    routing::put(move |State(app): State<AppState>, IdSegment(id): IdSegment| async move {
        let target = parameter(row.target(&id))?;
        let owner = metrics::statement("flag", app.store.flag(target, flag)).await?;
        app.cache.invalidate(owner).await;
        Ok::<_, ApiError>(StatusCode::NO_CONTENT)
    })
}
