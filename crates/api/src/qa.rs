//! Handlers of the Questions & Answers endpoints.

use atelier_core::input::{Email, NewAnswer, NewQuestion, PageRequest, limits};
use atelier_core::{InputError, Owner, QuestionId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::body::Fields;
use crate::cache::View;
use crate::error::{body_field, parameter};
use crate::extract::{Body, IdSegment, Params, ProductInPath};
use crate::wire::{AnswerCreated, AnswerList, QuestionCreated, QuestionList, json, json_response};
use crate::{ApiError, AppState, metrics};

/// `GET /qa/questions?product_id=&page=&count=` and `GET /qa/{product_id}`
pub(crate) async fn list_questions(
    State(app): State<AppState>,
    path: ProductInPath,
    params: Params,
) -> Result<Response, ApiError> {
    let product = path.or_query(&params)?;
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let body = app.cache.get_or_load(product.into(), View::Questions(page), async {
        let questions = metrics::statement("questions", app.store.questions(product, page)).await?;
        json(&QuestionList {
            product_id: product.to_string(),
            results: questions.iter().map(Into::into).collect(),
        })
    });
    Ok(json_response(body.await?))
}

/// `GET /qa/questions/{question_id}/answers?page=&count=`
pub(crate) async fn list_answers(
    State(app): State<AppState>,
    IdSegment(id): IdSegment,
    params: Params,
) -> Result<Response, ApiError> {
    let question = parameter(QuestionId::parse("question_id", &id))?;
    let page = parameter(PageRequest::parse(params.get("page"), params.get("count")))?;
    let body = app.cache.get_or_load(question.into(), View::Answers(page), async {
        let answers = metrics::statement("answers", app.store.answers(question, page)).await?;
        json(&AnswerList {
            question: question.to_string(),
            page: page.page(),
            count: page.count(),
            results: answers.iter().map(Into::into).collect(),
        })
    });
    Ok(json_response(body.await?))
}

/// `POST /qa/questions`
pub(crate) async fn create_question(
    State(app): State<AppState>,
    Body(fields): Body,
) -> Result<Response, ApiError> {
    let question = body_field(new_question(&fields))?;
    let id = metrics::statement("add_question", app.store.add_question(&question)).await?;
    app.cache.invalidate(Owner { product: question.product_id, question: None }).await;
    Ok((StatusCode::CREATED, Json(QuestionCreated { question_id: id.get() })).into_response())
}

fn new_question(fields: &Fields) -> Result<NewQuestion, InputError> {
    Ok(NewQuestion {
        product_id: fields.product_id()?,
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
    let (id, product) = metrics::statement("add_answer", app.store.add_answer(question, &answer)).await?;
    app.cache.invalidate(Owner { product, question: Some(question) }).await;
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
