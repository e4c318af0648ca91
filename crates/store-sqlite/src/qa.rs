//! Questions and answers on SQLite.

use atelier_core::fold::{AnswerPage, QuestionPage};
use atelier_core::input::{NewAnswer, NewQuestion, PageRequest, now_ms};
use atelier_core::records::{Answer, Question};
use atelier_core::{AnswerId, ProductId, QuestionId, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::db_error;
use crate::read::fold;

/// A page of questions with every visible answer and its photos, in one statement: one row per
/// answer (or one per question without answers), ordered so the rows of a question are
/// adjacent. The page comes from `questions_product`, the answers from `answers_question`, the
/// photos from `answer_photos_answer`. No row at all means no such product.
pub(crate) const QUESTIONS: &str = "SELECT q.id AS question_id, q.body AS question_body, q.date_ms AS question_date, \
        q.asker_name AS asker_name, q.helpfulness AS question_helpfulness, \
        a.id AS answer_id, a.body AS answer_body, a.date_ms AS answer_date, \
        a.answerer_name AS answerer_name, a.helpfulness AS answer_helpfulness, \
        (SELECT json_group_array(json_array(ph.id, ph.url) ORDER BY ph.id) \
           FROM answer_photos ph WHERE ph.answer_id = a.id) AS photos \
    FROM products p \
    LEFT JOIN (SELECT id, body, date_ms, asker_name, helpfulness FROM questions \
               WHERE product_id = ?1 AND reported = 0 \
               ORDER BY helpfulness DESC, id DESC LIMIT ?2 OFFSET ?3) q ON 1 \
    LEFT JOIN answers a ON a.question_id = q.id AND a.reported = 0 \
    WHERE p.id = ?1 \
    ORDER BY q.helpfulness DESC, q.id DESC, a.helpfulness DESC, a.id DESC";

pub(crate) fn questions(
    conn: &Connection,
    product: ProductId,
    page: PageRequest,
) -> Result<Vec<Question>, StoreError> {
    let mut stmt = conn.prepare_cached(QUESTIONS).map_err(db_error)?;
    fold::<QuestionPage>(stmt.query(params![product.get(), page.count(), page.offset()]).map_err(db_error)?)
}

/// A page of a visible question's visible answers with their photos, in one statement
/// (`answers_question`, `answer_photos_answer`). No row means no such visible question.
pub(crate) const ANSWERS: &str = "SELECT a.id AS answer_id, a.body AS answer_body, a.date_ms AS answer_date, \
        a.answerer_name AS answerer_name, a.helpfulness AS answer_helpfulness, \
        (SELECT json_group_array(json_array(ph.id, ph.url) ORDER BY ph.id) \
           FROM answer_photos ph WHERE ph.answer_id = a.id) AS photos \
    FROM questions q \
    LEFT JOIN (SELECT id, body, date_ms, answerer_name, helpfulness FROM answers \
               WHERE question_id = ?1 AND reported = 0 \
               ORDER BY helpfulness DESC, id DESC LIMIT ?2 OFFSET ?3) a ON 1 \
    WHERE q.id = ?1 AND q.reported = 0 \
    ORDER BY a.helpfulness DESC, a.id DESC";

pub(crate) fn answers(
    conn: &Connection,
    question: QuestionId,
    page: PageRequest,
) -> Result<Vec<Answer>, StoreError> {
    let mut stmt = conn.prepare_cached(ANSWERS).map_err(db_error)?;
    fold::<AnswerPage>(stmt.query(params![question.get(), page.count(), page.offset()]).map_err(db_error)?)
}

/// Inserts only if the product exists (primary-key probe), so no row comes back otherwise.
const INSERT_QUESTION: &str = "INSERT INTO questions (product_id, body, date_ms, asker_name, asker_email) \
    SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM products WHERE id = ?1) \
    RETURNING id";

pub(crate) fn add_question(conn: &mut Connection, question: &NewQuestion) -> Result<QuestionId, StoreError> {
    conn.prepare_cached(INSERT_QUESTION)
        .and_then(|mut stmt| {
            stmt.query_row(
                params![
                    question.product_id.get(),
                    question.body.as_str(),
                    now_ms(),
                    question.name.as_str(),
                    question.email.as_str()
                ],
                |row| row.get(0),
            )
            .optional()
        })
        .map_err(db_error)?
        .map(QuestionId::new_unchecked)
        .ok_or(StoreError::NotFound("product"))
}

/// Inserts only under a visible question (primary-key probe).
const INSERT_ANSWER: &str = "INSERT INTO answers (question_id, body, date_ms, answerer_name, answerer_email) \
    SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?1 AND reported = 0) \
    RETURNING id, (SELECT product_id FROM questions WHERE id = ?1)";
const INSERT_PHOTO: &str = "INSERT INTO answer_photos (answer_id, url) VALUES (?1, ?2)";

pub(crate) fn add_answer(
    conn: &mut Connection,
    question: QuestionId,
    answer: &NewAnswer,
) -> Result<(AnswerId, ProductId), StoreError> {
    // IMMEDIATE: the write lock is taken first, waiting (up to the busy timeout) for another
    // process that holds it; a deferred transaction that read first would fail at once instead.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
    let (id, product): (i64, i64) = tx
        .prepare_cached(INSERT_ANSWER)
        .and_then(|mut stmt| {
            stmt.query_row(
                params![
                    question.get(),
                    answer.body.as_str(),
                    now_ms(),
                    answer.name.as_str(),
                    answer.email.as_str()
                ],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
        })
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("question"))?;
    {
        let mut photo = tx.prepare_cached(INSERT_PHOTO).map_err(db_error)?;
        for url in &answer.photos {
            photo.execute(params![id, url.as_str()]).map_err(db_error)?;
        }
    }
    tx.commit().map_err(db_error)?;
    Ok((AnswerId::new_unchecked(id), ProductId::new_unchecked(product)))
}
