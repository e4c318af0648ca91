//! Questions and answers on PostgreSQL.

use atelier_core::fold::{AnswerPage, QuestionPage};
use atelier_core::input::{NewAnswer, NewQuestion, PageRequest, now_ms};
use atelier_core::records::{Answer, Question};
use atelier_core::{AnswerId, ProductId, QuestionId, StoreError};
use deadpool_postgres::ClientWrapper;

use crate::db_error;
use crate::read::fold;

/// A page of questions with every visible answer and its photos, in one round trip: one row per
/// answer photo (or answer without photos, or question without answers), ordered so a
/// question's rows are adjacent, and an answer's. The page comes from `questions_product`, the
/// answers from `answers_question`, the photos from `answer_photos_answer`. No row at all means
/// no such product.
const QUESTIONS: &str = "SELECT q.id AS question_id, q.body AS question_body, q.date_ms AS question_date, \
        q.asker_name AS asker_name, q.helpfulness AS question_helpfulness, \
        a.id AS answer_id, a.body AS answer_body, a.date_ms AS answer_date, \
        a.answerer_name AS answerer_name, a.helpfulness AS answer_helpfulness, ph.id AS photo_id, ph.url AS photo_url \
    FROM products p \
    LEFT JOIN LATERAL ( \
        SELECT id, body, date_ms, asker_name, helpfulness FROM questions \
        WHERE product_id = p.id AND NOT reported \
        ORDER BY helpfulness DESC, id DESC LIMIT $2 OFFSET $3) q ON true \
    LEFT JOIN answers a ON a.question_id = q.id AND NOT a.reported \
    LEFT JOIN answer_photos ph ON ph.answer_id = a.id \
    WHERE p.id = $1 \
    ORDER BY q.helpfulness DESC, q.id DESC, a.helpfulness DESC, a.id DESC, ph.id";

pub(crate) async fn questions(
    client: &ClientWrapper,
    product: ProductId,
    page: PageRequest,
) -> Result<Vec<Question>, StoreError> {
    let stmt = client.prepare_cached(QUESTIONS).await.map_err(db_error)?;
    let rows =
        client.query(&stmt, &[&product.get(), &page.count(), &page.offset()]).await.map_err(db_error)?;
    fold::<QuestionPage>(&rows)
}

/// A page of a visible question's visible answers with their photos, in one round trip
/// (`answers_question`, `answer_photos_answer`), a row per photo. No row means no such visible
/// question.
const ANSWERS: &str = "SELECT a.id AS answer_id, a.body AS answer_body, a.date_ms AS answer_date, \
        a.answerer_name AS answerer_name, a.helpfulness AS answer_helpfulness, ph.id AS photo_id, ph.url AS photo_url \
    FROM questions q \
    LEFT JOIN LATERAL ( \
        SELECT id, body, date_ms, answerer_name, helpfulness FROM answers \
        WHERE question_id = q.id AND NOT reported \
        ORDER BY helpfulness DESC, id DESC LIMIT $2 OFFSET $3) a ON true \
    LEFT JOIN answer_photos ph ON ph.answer_id = a.id \
    WHERE q.id = $1 AND NOT q.reported \
    ORDER BY a.helpfulness DESC, a.id DESC, ph.id";

pub(crate) async fn answers(
    client: &ClientWrapper,
    question: QuestionId,
    page: PageRequest,
) -> Result<Vec<Answer>, StoreError> {
    let stmt = client.prepare_cached(ANSWERS).await.map_err(db_error)?;
    let rows =
        client.query(&stmt, &[&question.get(), &page.count(), &page.offset()]).await.map_err(db_error)?;
    fold::<AnswerPage>(&rows)
}

/// Inserts only if the product exists (primary-key probe), so no row comes back otherwise.
const INSERT_QUESTION: &str = "INSERT INTO questions (product_id, body, date_ms, asker_name, asker_email) \
    SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM products WHERE id = $1) \
    RETURNING id";

pub(crate) async fn add_question(
    client: &ClientWrapper,
    question: &NewQuestion,
) -> Result<QuestionId, StoreError> {
    let stmt = client.prepare_cached(INSERT_QUESTION).await.map_err(db_error)?;
    let row = client
        .query_opt(
            &stmt,
            &[
                &question.product_id.get(),
                &question.body.as_str(),
                &now_ms(),
                &question.name.as_str(),
                &question.email.as_str(),
            ],
        )
        .await
        .map_err(db_error)?;
    let row = row.ok_or(StoreError::NotFound("product"))?;
    Ok(QuestionId::new_unchecked(row.try_get("id").map_err(db_error)?))
}

/// The answer and its photos in one statement, only under a visible question.
const INSERT_ANSWER: &str = "WITH answer AS ( \
        INSERT INTO answers (question_id, body, date_ms, answerer_name, answerer_email) \
        SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM questions WHERE id = $1 AND NOT reported) \
        RETURNING id \
    ), photos AS ( \
        INSERT INTO answer_photos (answer_id, url) \
        SELECT answer.id, u.url FROM answer, unnest($6::text[]) WITH ORDINALITY AS u(url, n) ORDER BY u.n \
    ) \
    SELECT id, (SELECT product_id FROM questions WHERE id = $1) AS product_id FROM answer";

pub(crate) async fn add_answer(
    client: &ClientWrapper,
    question: QuestionId,
    answer: &NewAnswer,
) -> Result<(AnswerId, ProductId), StoreError> {
    let photos: Vec<&str> = answer.photos.iter().map(|url| url.as_str()).collect();
    let stmt = client.prepare_cached(INSERT_ANSWER).await.map_err(db_error)?;
    let row = client
        .query_opt(
            &stmt,
            &[
                &question.get(),
                &answer.body.as_str(),
                &now_ms(),
                &answer.name.as_str(),
                &answer.email.as_str(),
                &photos,
            ],
        )
        .await
        .map_err(db_error)?;
    let row = row.ok_or(StoreError::NotFound("question"))?;
    Ok((
        AnswerId::new_unchecked(row.try_get("id").map_err(db_error)?),
        ProductId::new_unchecked(row.try_get("product_id").map_err(db_error)?),
    ))
}
