//! Reviews and review meta on PostgreSQL.

use atelier_core::input::{NewReview, PageRequest, ReviewSort, now_ms};
use atelier_core::records::{CharacteristicSummary, Review, ReviewMeta};
use atelier_core::{CharacteristicId, ProductId, ReviewId, StoreError};
use deadpool_postgres::Object;
use tokio_postgres::Row;

use crate::{db_error, zip_photos};

/// A page of a product's reviews in one round trip. The product row is the left side of the
/// join, so an existing product with no reviews yields one row of NULLs and an unknown product
/// none. The page is served by the partial index named for its order (`reviews_newest`,
/// `reviews_helpful`, `reviews_relevant`); the photos by `review_photos_review`.
macro_rules! list_sql {
    ($order:literal, $outer_order:literal) => {
        concat!(
            "SELECT r.id, r.rating, r.summary, r.recommend, r.response, r.body, r.date_ms, \
                    r.reviewer_name, r.helpfulness, ph.ids, ph.urls \
             FROM products p \
             LEFT JOIN LATERAL ( \
                 SELECT id, rating, summary, recommend, response, body, date_ms, reviewer_name, \
                        helpfulness, relevance \
                 FROM reviews WHERE product_id = p.id AND NOT reported \
                 ORDER BY ",
            $order,
            " LIMIT $2 OFFSET $3) r ON true \
             LEFT JOIN LATERAL ( \
                 SELECT array_agg(id ORDER BY id) AS ids, array_agg(url ORDER BY id) AS urls \
                 FROM review_photos WHERE review_id = r.id) ph ON true \
             WHERE p.id = $1 \
             ORDER BY ",
            $outer_order
        )
    };
}

const LIST_NEWEST: &str = list_sql!("date_ms DESC, id DESC", "r.date_ms DESC, r.id DESC");
const LIST_HELPFUL: &str = list_sql!("helpfulness DESC, id DESC", "r.helpfulness DESC, r.id DESC");
const LIST_RELEVANT: &str = list_sql!("relevance DESC, id DESC", "r.relevance DESC, r.id DESC");

pub(crate) async fn list(
    client: &Object,
    product: ProductId,
    sort: ReviewSort,
    page: PageRequest,
) -> Result<Vec<Review>, StoreError> {
    let sql = match sort {
        ReviewSort::Newest => LIST_NEWEST,
        ReviewSort::Helpful => LIST_HELPFUL,
        ReviewSort::Relevant => LIST_RELEVANT,
    };
    let stmt = client.prepare_cached(sql).await.map_err(db_error)?;
    let rows =
        client.query(&stmt, &[&product.get(), &page.count(), &page.offset()]).await.map_err(db_error)?;
    if rows.is_empty() {
        return Err(StoreError::NotFound("product"));
    }
    rows.iter().filter_map(|row| review_from_row(row).transpose()).collect()
}

fn review_from_row(row: &Row) -> Result<Option<Review>, StoreError> {
    let Some(id) = row.try_get::<_, Option<i64>>(0).map_err(db_error)? else {
        return Ok(None);
    };
    Ok(Some(Review {
        id: ReviewId::new_unchecked(id),
        rating: row.try_get(1).map_err(db_error)?,
        summary: row.try_get(2).map_err(db_error)?,
        recommend: row.try_get(3).map_err(db_error)?,
        response: row.try_get(4).map_err(db_error)?,
        body: row.try_get(5).map_err(db_error)?,
        date_ms: row.try_get(6).map_err(db_error)?,
        reviewer_name: row.try_get(7).map_err(db_error)?,
        helpfulness: i64::from(row.try_get::<_, i32>(8).map_err(db_error)?),
        photos: zip_photos(row.try_get(9).map_err(db_error)?, row.try_get(10).map_err(db_error)?),
    }))
}

/// Meta in one round trip: the summary row (primary key), the product's characteristics
/// (`characteristics_product`) and their totals (primary key). No row at all means no such
/// product.
const META: &str = "SELECT m.rating_1, m.rating_2, m.rating_3, m.rating_4, m.rating_5, \
        m.recommended_false, m.recommended_true, c.id, c.name, cm.rating_sum, cm.rating_count \
    FROM products p \
    LEFT JOIN review_meta m ON m.product_id = p.id \
    LEFT JOIN characteristics c ON c.product_id = p.id \
    LEFT JOIN characteristic_meta cm ON cm.characteristic_id = c.id \
    WHERE p.id = $1 \
    ORDER BY c.id";

pub(crate) async fn meta(client: &Object, product: ProductId) -> Result<ReviewMeta, StoreError> {
    let stmt = client.prepare_cached(META).await.map_err(db_error)?;
    let rows = client.query(&stmt, &[&product.get()]).await.map_err(db_error)?;
    let Some(first) = rows.first() else {
        return Err(StoreError::NotFound("product"));
    };
    // A product without reviews has no summary row: its counts read as zeros.
    let mut counts = [0_i64; 7];
    for (i, count) in counts.iter_mut().enumerate() {
        *count = first.try_get::<_, Option<i64>>(i).map_err(db_error)?.unwrap_or(0);
    }
    let mut meta = ReviewMeta {
        ratings: [counts[0], counts[1], counts[2], counts[3], counts[4]],
        recommended_false: counts[5],
        recommended_true: counts[6],
        characteristics: Vec::with_capacity(rows.len()),
    };
    for row in &rows {
        if let Some(id) = row.try_get::<_, Option<i64>>(7).map_err(db_error)? {
            meta.characteristics.push(CharacteristicSummary {
                id: CharacteristicId::new_unchecked(id),
                name: row.try_get(8).map_err(db_error)?,
                rating_sum: row.try_get::<_, Option<i64>>(9).map_err(db_error)?.unwrap_or(0),
                rating_count: row.try_get::<_, Option<i64>>(10).map_err(db_error)?.unwrap_or(0),
            });
        }
    }
    Ok(meta)
}

/// The product and its characteristics (`characteristics_product`): no row means no product.
/// Products and characteristics are never changed or deleted by the API, so reading them
/// before the write cannot race with it.
const OWNED_CHARACTERISTICS: &str =
    "SELECT c.id FROM products p LEFT JOIN characteristics c ON c.product_id = p.id WHERE p.id = $1";

/// The review, its photos, its characteristic scores, the characteristics' running totals and
/// the product's summary row, in one statement: atomic without an explicit transaction.
const INSERT_REVIEW: &str = "WITH review AS ( \
        INSERT INTO reviews (product_id, rating, date_ms, summary, body, recommend, reviewer_name, reviewer_email) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id \
    ), photos AS ( \
        INSERT INTO review_photos (review_id, url) \
        SELECT review.id, u.url FROM review, unnest($9::text[]) WITH ORDINALITY AS u(url, n) ORDER BY u.n \
    ), scores AS ( \
        INSERT INTO characteristic_reviews (characteristic_id, review_id, value) \
        SELECT s.id, review.id, s.value FROM review, unnest($10::bigint[], $11::smallint[]) AS s(id, value) \
    ), totals AS ( \
        INSERT INTO characteristic_meta (characteristic_id, rating_sum, rating_count) \
        SELECT s.id, s.value, 1 FROM unnest($10::bigint[], $11::smallint[]) AS s(id, value) \
        ON CONFLICT (characteristic_id) DO UPDATE SET \
            rating_sum = characteristic_meta.rating_sum + excluded.rating_sum, \
            rating_count = characteristic_meta.rating_count + 1 \
    ), meta AS ( \
        INSERT INTO review_meta (product_id, rating_1, rating_2, rating_3, rating_4, rating_5, \
                                 recommended_false, recommended_true) \
        VALUES ($1, ($2 = 1)::int, ($2 = 2)::int, ($2 = 3)::int, ($2 = 4)::int, ($2 = 5)::int, \
                (NOT $6)::int, $6::int) \
        ON CONFLICT (product_id) DO UPDATE SET \
            rating_1 = review_meta.rating_1 + excluded.rating_1, \
            rating_2 = review_meta.rating_2 + excluded.rating_2, \
            rating_3 = review_meta.rating_3 + excluded.rating_3, \
            rating_4 = review_meta.rating_4 + excluded.rating_4, \
            rating_5 = review_meta.rating_5 + excluded.rating_5, \
            recommended_false = review_meta.recommended_false + excluded.recommended_false, \
            recommended_true = review_meta.recommended_true + excluded.recommended_true \
    ) \
    SELECT id FROM review";

pub(crate) async fn add(client: &Object, review: &NewReview) -> Result<ReviewId, StoreError> {
    let owned_stmt = client.prepare_cached(OWNED_CHARACTERISTICS).await.map_err(db_error)?;
    let owned_rows = client.query(&owned_stmt, &[&review.product_id.get()]).await.map_err(db_error)?;
    if owned_rows.is_empty() {
        return Err(StoreError::NotFound("product"));
    }
    let owned = owned_rows
        .iter()
        .filter_map(|row| row.get::<_, Option<i64>>(0))
        .map(CharacteristicId::new_unchecked)
        .collect::<Vec<_>>();
    review.check_characteristics(&owned)?;

    let photos: Vec<&str> = review.photos.iter().map(|url| url.as_str()).collect();
    let ids: Vec<i64> = review.characteristics.iter().map(|(id, _)| id.get()).collect();
    let values: Vec<i16> = review.characteristics.iter().map(|(_, value)| i16::from(value.get())).collect();
    let stmt = client.prepare_cached(INSERT_REVIEW).await.map_err(db_error)?;
    let row = client
        .query_one(
            &stmt,
            &[
                &review.product_id.get(),
                &i16::from(review.rating.get()),
                &now_ms(),
                &review.summary.as_str(),
                &review.body.as_str(),
                &review.recommend,
                &review.name.as_str(),
                &review.email.as_str(),
                &photos,
                &ids,
                &values,
            ],
        )
        .await
        .map_err(db_error)?;
    Ok(ReviewId::new_unchecked(row.get(0)))
}
