//! Handlers of the Questions & Answers endpoints.

use atelier_core::input::{Email, NewAnswer, NewQuestion, PageRequest, limits};
use atelier_core::{InputError, ProductId, QuestionId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::body::Fields;
use crate::error::{body_field, parameter};
use crate::extract::{Body, IdSegment, Params, ProductInPath};
use crate::wire::{AnswerCreated, AnswerList, QuestionCreated, QuestionList};
use crate::{ApiError, AppState};

/// `GET /qa/questions?product_id=&page=&count=` and `GET /qa/{product_id}`
pub(crate) async fn list_questions(
    State(app): State<AppState>,
    path: ProductInPath,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let questions = app.store.questions(product, page).await?;
    let body =
        QuestionList { product_id: product.to_string(), results: questions.iter().map(Into::into).collect() };
    Ok(Json(body).into_response())
}

/// `GET /qa/questions/{question_id}/answers?page=&count=`
pub(crate) async fn list_answers(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
    params: Params,
) -> Result<Response, ApiError> {
    let question = parameter(QuestionId::parse("question_id", &id))?;
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let answers = app.store.answers(question, page).await?;
    let body = AnswerList {
        question: question.to_string(),
        page: page.page(),
        count: page.count(),
        results: answers.iter().map(Into::into).collect(),
    };
    Ok(Json(body).into_response())
}

/// `POST /qa/questions`
pub(crate) async fn create_question(
    State(app): State<AppState>,
    Body(fields): Body,
) -> Result<Response, ApiError> {
    let question = body_field(new_question(&fields))?;
    let id = app.store.add_question(&question).await?;
    Ok((StatusCode::CREATED, Json(QuestionCreated { question_id: id.get() })).into_response())
}

fn new_question(fields: &Fields) -> Result<NewQuestion, InputError> {
    Ok(NewQuestion {
        product_id: ProductId::from_i64("product_id", fields.integer("product_id")?)?,
        body: fields.text("body", limits::BODY, true)?,
        name: fields.text("name", limits::NAME, true)?,
        email: Email::new("email", fields.string("email")?)?,
    })
}

/// `POST /qa/questions/{question_id}/answers` and `POST /qa/{question_id}/answers`
pub(crate) async fn create_answer(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
    Body(fields): Body,
) -> Result<Response, ApiError> {
    let question = parameter(QuestionId::parse("question_id", &id))?;
    let answer = body_field(new_answer(&fields))?;
    let id = app.store.add_answer(question, &answer).await?;
    Ok((StatusCode::CREATED, Json(AnswerCreated { answer_id: id.get() })).into_response())
}

fn new_answer(fields: &Fields) -> Result<NewAnswer, InputError> {
    Ok(NewAnswer {
        body: fields.text("body", limits::BODY, true)?,
        name: fields.text("name", limits::NAME, true)?,
        email: Email::new("email", fields.string("email")?)?,
        photos: fields.photos("photos")?,
    })
}
