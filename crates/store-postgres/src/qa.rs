//! Questions and answers on PostgreSQL.

use atelier_core::input::{NewAnswer, NewQuestion, PageRequest, now_ms};
use atelier_core::records::{Answer, Question};
use atelier_core::{AnswerId, ProductId, QuestionId, StoreError};
use deadpool_postgres::Object;
use tokio_postgres::Row;

use crate::{db_error, zip_photos};

/// A page of questions with every visible answer and its photos, in one round trip: one row per
/// answer (or one per question without answers), ordered so a question's rows are adjacent.
/// The page comes from `questions_product`, the answers from `answers_question`, the photos
/// from `answer_photos_answer`. No row at all means no such product.
const QUESTIONS: &str = "SELECT q.id, q.body, q.date_ms, q.asker_name, q.helpfulness, \
        a.id, a.body, a.date_ms, a.answerer_name, a.helpfulness, ph.ids, ph.urls \
    FROM products p \
    LEFT JOIN LATERAL ( \
        SELECT id, body, date_ms, asker_name, helpfulness FROM questions \
        WHERE product_id = p.id AND NOT reported \
        ORDER BY helpfulness DESC, id DESC LIMIT $2 OFFSET $3) q ON true \
    LEFT JOIN answers a ON a.question_id = q.id AND NOT a.reported \
    LEFT JOIN LATERAL ( \
        SELECT array_agg(id ORDER BY id) AS ids, array_agg(url ORDER BY id) AS urls \
        FROM answer_photos WHERE answer_id = a.id) ph ON true \
    WHERE p.id = $1 \
    ORDER BY q.helpfulness DESC, q.id DESC, a.helpfulness DESC, a.id DESC";

pub(crate) async fn questions(
    client: &Object,
    product: ProductId,
    page: PageRequest,
) -> Result<Vec<Question>, StoreError> {
    let stmt = client.prepare_cached(QUESTIONS).await.map_err(db_error)?;
    let rows =
        client.query(&stmt, &[&product.get(), &page.count(), &page.offset()]).await.map_err(db_error)?;
    if rows.is_empty() {
        return Err(StoreError::NotFound("product"));
    }
    let mut questions: Vec<Question> = Vec::new();
    for row in &rows {
        let Some(id) = row.try_get::<_, Option<i64>>(0).map_err(db_error)? else {
            continue;
        };
        let id = QuestionId::new_unchecked(id);
        if questions.last().is_none_or(|last| last.id != id) {
            questions.push(Question {
                id,
                body: row.try_get(1).map_err(db_error)?,
                date_ms: row.try_get(2).map_err(db_error)?,
                asker_name: row.try_get(3).map_err(db_error)?,
                helpfulness: i64::from(row.try_get::<_, i32>(4).map_err(db_error)?),
                answers: Vec::new(),
            });
        }
        if let (Some(answer), Some(question)) = (answer_from_row(row, 5)?, questions.last_mut()) {
            question.answers.push(answer);
        }
    }
    Ok(questions)
}

/// Reads an answer from the columns starting at `at`: id, body, date, name, helpfulness, photo
/// ids, photo urls.
fn answer_from_row(row: &Row, at: usize) -> Result<Option<Answer>, StoreError> {
    let Some(id) = row.try_get::<_, Option<i64>>(at).map_err(db_error)? else {
        return Ok(None);
    };
    Ok(Some(Answer {
        id: AnswerId::new_unchecked(id),
        body: row.try_get(at + 1).map_err(db_error)?,
        date_ms: row.try_get(at + 2).map_err(db_error)?,
        answerer_name: row.try_get(at + 3).map_err(db_error)?,
        helpfulness: i64::from(row.try_get::<_, i32>(at + 4).map_err(db_error)?),
        photos: zip_photos(row.try_get(at + 5).map_err(db_error)?, row.try_get(at + 6).map_err(db_error)?),
    }))
}

/// A page of a visible question's visible answers with their photos, in one round trip
/// (`answers_question`, `answer_photos_answer`). No row means no such visible question.
const ANSWERS: &str = "SELECT a.id, a.body, a.date_ms, a.answerer_name, a.helpfulness, ph.ids, ph.urls \
    FROM questions q \
    LEFT JOIN LATERAL ( \
        SELECT id, body, date_ms, answerer_name, helpfulness FROM answers \
        WHERE question_id = q.id AND NOT reported \
        ORDER BY helpfulness DESC, id DESC LIMIT $2 OFFSET $3) a ON true \
    LEFT JOIN LATERAL ( \
        SELECT array_agg(id ORDER BY id) AS ids, array_agg(url ORDER BY id) AS urls \
        FROM answer_photos WHERE answer_id = a.id) ph ON true \
    WHERE q.id = $1 AND NOT q.reported \
    ORDER BY a.helpfulness DESC, a.id DESC";

pub(crate) async fn answers(
    client: &Object,
    question: QuestionId,
    page: PageRequest,
) -> Result<Vec<Answer>, StoreError> {
    let stmt = client.prepare_cached(ANSWERS).await.map_err(db_error)?;
    let rows =
        client.query(&stmt, &[&question.get(), &page.count(), &page.offset()]).await.map_err(db_error)?;
    if rows.is_empty() {
        return Err(StoreError::NotFound("question"));
    }
    rows.iter().filter_map(|row| answer_from_row(row, 0).transpose()).collect()
}

/// Inserts only if the product exists (primary-key probe), so no row comes back otherwise.
const INSERT_QUESTION: &str = "INSERT INTO questions (product_id, body, date_ms, asker_name, asker_email) \
    SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM products WHERE id = $1) \
    RETURNING id";

pub(crate) async fn add_question(client: &Object, question: &NewQuestion) -> Result<QuestionId, StoreError> {
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
    row.map(|row| QuestionId::new_unchecked(row.get(0))).ok_or(StoreError::NotFound("product"))
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
    SELECT id FROM answer";

pub(crate) async fn add_answer(
    client: &Object,
    question: QuestionId,
    answer: &NewAnswer,
) -> Result<AnswerId, StoreError> {
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
    row.map(|row| AnswerId::new_unchecked(row.get(0))).ok_or(StoreError::NotFound("question"))
}
