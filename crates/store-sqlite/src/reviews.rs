//! Reviews and review meta on SQLite.

use atelier_core::fold::{MetaRows, ReviewPage};
use atelier_core::input::{NewReview, PageRequest, ReviewSort, now_ms};
use atelier_core::records::{Review, ReviewMeta};
use atelier_core::{CharacteristicId, ProductId, ReviewId, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::db_error;
use crate::read::fold;

/// A page of a product's reviews in one statement. The product row is the left side of the
/// join, so an existing product with no reviews yields one row of NULLs and an unknown product
/// yields no row at all. The inner page is served by the partial index named for its order
/// (`reviews_newest`, `reviews_helpful`, `reviews_relevant`); photos by `review_photos_review`.
macro_rules! list_sql {
    ($order:literal, $outer_order:literal) => {
        concat!(
            "SELECT r.id AS review_id, r.rating AS rating, r.summary AS summary, \
                    r.recommend AS recommend, r.response AS response, r.body AS review_body, \
                    r.date_ms AS review_date, r.reviewer_name AS reviewer_name, \
                    r.helpfulness AS review_helpfulness, \
                    (SELECT json_group_array(json_array(ph.id, ph.url) ORDER BY ph.id) \
                       FROM review_photos ph WHERE ph.review_id = r.id) AS photos \
             FROM products p \
             LEFT JOIN (SELECT id, rating, summary, recommend, response, body, date_ms, reviewer_name, \
                               helpfulness, relevance \
                        FROM reviews WHERE product_id = ?1 AND reported = 0 \
                        ORDER BY ",
            $order,
            " LIMIT ?2 OFFSET ?3) r ON 1 \
             WHERE p.id = ?1 \
             ORDER BY ",
            $outer_order
        )
    };
}

pub(crate) const LIST_NEWEST: &str = list_sql!("date_ms DESC, id DESC", "r.date_ms DESC, r.id DESC");
pub(crate) const LIST_HELPFUL: &str = list_sql!("helpfulness DESC, id DESC", "r.helpfulness DESC, r.id DESC");
pub(crate) const LIST_RELEVANT: &str = list_sql!("relevance DESC, id DESC", "r.relevance DESC, r.id DESC");

pub(crate) fn list(
    conn: &Connection,
    product: ProductId,
    sort: ReviewSort,
    page: PageRequest,
) -> Result<Vec<Review>, StoreError> {
    let sql = match sort {
        ReviewSort::Newest => LIST_NEWEST,
        ReviewSort::Helpful => LIST_HELPFUL,
        ReviewSort::Relevant => LIST_RELEVANT,
    };
    let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
    fold::<ReviewPage>(stmt.query(params![product.get(), page.count(), page.offset()]).map_err(db_error)?)
}

/// Meta in one statement: the product's one meta row (primary key) and its characteristics,
/// unnested from the row's JSON array of `[id, name, rating_sum, rating_count]` (migration V7).
/// No row at all means no such product.
pub(crate) const META: &str = "SELECT m.rating_1 AS rating_1, m.rating_2 AS rating_2, m.rating_3 AS rating_3, \
        m.rating_4 AS rating_4, m.rating_5 AS rating_5, m.recommended_false AS recommended_false, \
        m.recommended_true AS recommended_true, c.value ->> 0 AS characteristic_id, \
        c.value ->> 1 AS characteristic_name, c.value ->> 2 AS rating_sum, c.value ->> 3 AS rating_count \
    FROM review_meta m \
    LEFT JOIN json_each(m.characteristics) c ON 1 \
    WHERE m.product_id = ?1 \
    ORDER BY c.key";

pub(crate) fn meta(conn: &Connection, product: ProductId) -> Result<ReviewMeta, StoreError> {
    let mut stmt = conn.prepare_cached(META).map_err(db_error)?;
    fold::<MetaRows>(stmt.query([product.get()]).map_err(db_error)?)
}

/// The product's characteristics with their totals, from its meta row (primary key): no row
/// means no product. Written back with the review's counts by [`ADD_TO_META`].
const META_CHARACTERISTICS: &str = "SELECT characteristics FROM review_meta WHERE product_id = ?1";
const INSERT_REVIEW: &str = "INSERT INTO reviews \
    (product_id, rating, date_ms, summary, body, recommend, reviewer_name, reviewer_email) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const INSERT_PHOTO: &str = "INSERT INTO review_photos (review_id, url) VALUES (?1, ?2)";
const INSERT_RATING: &str =
    "INSERT INTO characteristic_reviews (characteristic_id, review_id, value) VALUES (?1, ?2, ?3)";
const ADD_TO_META: &str = "UPDATE review_meta SET \
        rating_1 = rating_1 + (?2 = 1), rating_2 = rating_2 + (?2 = 2), rating_3 = rating_3 + (?2 = 3), \
        rating_4 = rating_4 + (?2 = 4), rating_5 = rating_5 + (?2 = 5), \
        recommended_false = recommended_false + (?3 = 0), recommended_true = recommended_true + (?3 = 1), \
        characteristics = ?4 \
    WHERE product_id = ?1";

/// A meta row's characteristics: `[id, name, rating_sum, rating_count]`, ids ascending.
type Characteristics = Vec<(i64, String, i64, i64)>;

/// A meta row's `characteristics` column: the JSON array of `[id, name, rating_sum,
/// rating_count]` that [`META`] unnests, as the review write and the bulk load both write it.
pub(crate) fn characteristics_json<S: AsRef<str>>(
    listed: &[(i64, S, i64, i64)],
) -> Result<String, StoreError> {
    let listed: Vec<(i64, &str, i64, i64)> =
        listed.iter().map(|(id, name, sum, count)| (*id, name.as_ref(), *sum, *count)).collect();
    serde_json::to_string(&listed)
        .map_err(|e| StoreError::Internal(format!("failed to encode a meta row's characteristics: {e}")))
}

/// Writes a review, its photos, its characteristic ratings and the product's summary in one
/// transaction; any failure rolls all of it back.
pub(crate) fn add(conn: &mut Connection, review: &NewReview) -> Result<ReviewId, StoreError> {
    // IMMEDIATE: the write lock is taken first, waiting (up to the busy timeout) for another
    // process that holds it; a deferred transaction that read first would fail at once instead.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
    let mut characteristics: Characteristics = {
        let json: Option<String> = tx
            .prepare_cached(META_CHARACTERISTICS)
            .and_then(|mut stmt| stmt.query_row([review.product_id.get()], |row| row.get(0)).optional())
            .map_err(db_error)?;
        let json = json.ok_or(StoreError::NotFound("product"))?;
        serde_json::from_str(&json).map_err(|e| {
            StoreError::Internal(format!("failed to decode a meta row's characteristics: {e}"))
        })?
    };
    let owned: Vec<CharacteristicId> =
        characteristics.iter().map(|&(id, ..)| CharacteristicId::new_unchecked(id)).collect();
    review.check_characteristics(&owned)?;

    let rating = review.rating.get();
    tx.prepare_cached(INSERT_REVIEW)
        .and_then(|mut stmt| {
            stmt.execute(params![
                review.product_id.get(),
                rating,
                now_ms(),
                review.summary.as_str(),
                review.body.as_str(),
                review.recommend,
                review.name.as_str(),
                review.email.as_str(),
            ])
        })
        .map_err(db_error)?;
    let id = tx.last_insert_rowid();
    {
        let mut photo = tx.prepare_cached(INSERT_PHOTO).map_err(db_error)?;
        for url in &review.photos {
            photo.execute(params![id, url.as_str()]).map_err(db_error)?;
        }
        let mut score = tx.prepare_cached(INSERT_RATING).map_err(db_error)?;
        for (characteristic, value) in &review.characteristics {
            score.execute(params![characteristic.get(), id, value.get()]).map_err(db_error)?;
            // Checked above: every rated characteristic is the product's.
            if let Some(total) = characteristics.iter_mut().find(|(owned, ..)| *owned == characteristic.get())
            {
                total.2 += i64::from(value.get());
                total.3 += 1;
            }
        }
        let characteristics = characteristics_json(&characteristics)?;
        tx.prepare_cached(ADD_TO_META)
            .and_then(|mut stmt| {
                stmt.execute(params![review.product_id.get(), rating, review.recommend, characteristics])
            })
            .map_err(db_error)?;
    }
    tx.commit().map_err(db_error)?;
    Ok(ReviewId::new_unchecked(id))
}
