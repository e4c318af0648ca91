//! Reviews and review meta on PostgreSQL.

use atelier_core::fold::{MetaRows, ReviewPage};
use atelier_core::input::{NewReview, PageRequest, ReviewSort, now_ms};
use atelier_core::records::{Review, ReviewMeta};
use atelier_core::{CharacteristicId, ProductId, ReviewId, StoreError};
use deadpool_postgres::ClientWrapper;

use crate::db_error;
use crate::read::fold;

/// A page of a product's reviews in one round trip. The product row is the left side of the
/// join, so an existing product with no reviews yields one row of NULLs and an unknown product
/// none. The page is served by the partial index named for its order (`reviews_newest`,
/// `reviews_helpful`, `reviews_relevant`); the photos by `review_photos_review`, a row each
/// (the review repeated on them).
macro_rules! list_sql {
    ($order:literal, $outer_order:literal) => {
        concat!(
            "SELECT r.id AS review_id, r.rating AS rating, r.summary AS summary, \
                    r.recommend AS recommend, r.response AS response, r.body AS review_body, \
                    r.date_ms AS review_date, r.reviewer_name AS reviewer_name, \
                    r.helpfulness AS review_helpfulness, ph.id AS photo_id, ph.url AS photo_url \
             FROM products p \
             LEFT JOIN LATERAL ( \
                 SELECT id, rating, summary, recommend, response, body, date_ms, reviewer_name, \
                        helpfulness, relevance \
                 FROM reviews WHERE product_id = p.id AND NOT reported \
                 ORDER BY ",
            $order,
            " LIMIT $2 OFFSET $3) r ON true \
             LEFT JOIN review_photos ph ON ph.review_id = r.id \
             WHERE p.id = $1 \
             ORDER BY ",
            $outer_order
        )
    };
}

const LIST_NEWEST: &str = list_sql!("date_ms DESC, id DESC", "r.date_ms DESC, r.id DESC, ph.id");
const LIST_HELPFUL: &str = list_sql!("helpfulness DESC, id DESC", "r.helpfulness DESC, r.id DESC, ph.id");
const LIST_RELEVANT: &str = list_sql!("relevance DESC, id DESC", "r.relevance DESC, r.id DESC, ph.id");

pub(crate) async fn list(
    client: &ClientWrapper,
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
    fold::<ReviewPage>(&rows)
}

/// Meta in one round trip from one row of one table (`review_meta`'s primary key): the counts,
/// and the characteristics unnested from the row's arrays, one row each. No row at all means no
/// such product (every product has a meta row, see migration V3).
pub(crate) const META: &str = "SELECT m.rating_1 AS rating_1, m.rating_2 AS rating_2, m.rating_3 AS rating_3, \
        m.rating_4 AS rating_4, m.rating_5 AS rating_5, m.recommended_false AS recommended_false, \
        m.recommended_true AS recommended_true, c.id AS characteristic_id, c.name AS characteristic_name, \
        c.rating_sum AS rating_sum, c.rating_count AS rating_count \
    FROM review_meta m \
    LEFT JOIN LATERAL unnest(m.characteristic_ids, m.characteristic_names, m.rating_sums, m.rating_counts) \
        AS c(id, name, rating_sum, rating_count) ON true \
    WHERE m.product_id = $1 \
    ORDER BY c.id";

pub(crate) async fn meta(client: &ClientWrapper, product: ProductId) -> Result<ReviewMeta, StoreError> {
    let stmt = client.prepare_cached(META).await.map_err(db_error)?;
    let rows = client.query(&stmt, &[&product.get()]).await.map_err(db_error)?;
    fold::<MetaRows>(&rows)
}

/// The product's characteristics, from its meta row (primary key): no row means no product.
/// Products and characteristics are never changed or deleted by the API, so reading them
/// before the write cannot race with it.
const OWNED_CHARACTERISTICS: &str = "SELECT characteristic_ids FROM review_meta WHERE product_id = $1";

/// The review, its photos, its characteristic scores and the product's meta row (counts and each
/// rated characteristic's total, matched by id in the row's arrays), in one statement: atomic
/// without an explicit transaction. Concurrent reviews of one product take turns on its meta
/// row, each adding to the other's committed totals.
const INSERT_REVIEW: &str = "WITH review AS ( \
        INSERT INTO reviews (product_id, rating, date_ms, summary, body, recommend, reviewer_name, reviewer_email) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id \
    ), photos AS ( \
        INSERT INTO review_photos (review_id, url) \
        SELECT review.id, u.url FROM review, unnest($9::text[]) WITH ORDINALITY AS u(url, n) ORDER BY u.n \
    ), scores AS ( \
        INSERT INTO characteristic_reviews (characteristic_id, review_id, value) \
        SELECT s.id, review.id, s.value FROM review, unnest($10::bigint[], $11::smallint[]) AS s(id, value) \
    ), meta AS ( \
        UPDATE review_meta SET \
            rating_1 = rating_1 + ($2 = 1)::int, \
            rating_2 = rating_2 + ($2 = 2)::int, \
            rating_3 = rating_3 + ($2 = 3)::int, \
            rating_4 = rating_4 + ($2 = 4)::int, \
            rating_5 = rating_5 + ($2 = 5)::int, \
            recommended_false = recommended_false + (NOT $6)::int, \
            recommended_true = recommended_true + $6::int, \
            (rating_sums, rating_counts) = ( \
                SELECT COALESCE(array_agg(t.total + COALESCE(s.value, 0) ORDER BY t.n), '{}'), \
                       COALESCE(array_agg(t.ratings + (s.id IS NOT NULL)::int ORDER BY t.n), '{}') \
                FROM unnest(rating_sums, rating_counts, characteristic_ids) WITH ORDINALITY AS t(total, ratings, id, n) \
                LEFT JOIN unnest($10::bigint[], $11::smallint[]) AS s(id, value) ON s.id = t.id) \
        WHERE product_id = $1 \
    ) \
    SELECT id FROM review";

pub(crate) async fn add(client: &ClientWrapper, review: &NewReview) -> Result<ReviewId, StoreError> {
    let owned_stmt = client.prepare_cached(OWNED_CHARACTERISTICS).await.map_err(db_error)?;
    let owned_row = client.query_opt(&owned_stmt, &[&review.product_id.get()]).await.map_err(db_error)?;
    let owned_ids: Vec<i64> =
        owned_row.ok_or(StoreError::NotFound("product"))?.try_get("characteristic_ids").map_err(db_error)?;
    let owned: Vec<CharacteristicId> = owned_ids.into_iter().map(CharacteristicId::new_unchecked).collect();
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
    Ok(ReviewId::new_unchecked(row.try_get("id").map_err(db_error)?))
}
