//! Fixtures: a small hand-made catalogue with every edge case, and an oracle that says what the
//! API must return for any loaded batch, computed from the rows alone (no SQL).

use std::cmp::Reverse;

use atelier_core::Store;
use atelier_core::input::{RELEVANCE_DAYS_PER_VOTE, ReviewSort};
use atelier_core::tables::{
    AnswerPhotoRow, AnswerRow, Batch, CharacteristicReviewRow, CharacteristicRow, FeatureRow, ProductRow,
    QuestionRow, RelatedRow, ReviewPhotoRow, ReviewRow, SkuRow, StylePhotoRow, StyleRow,
};

/// A catalogue loaded into a store, with the rows it was made from.
pub struct Fixture {
    /// The rows loaded.
    pub batch: Batch,
}

impl Fixture {
    /// Loads `batch` into `store` (which must be empty) and computes its summaries.
    pub async fn load(store: &dyn Store, batch: Batch) -> Self {
        let mut loader = store.bulk_loader(false).await.expect("failed to start a bulk load");
        loader.load(batch.clone()).await.expect("failed to load the fixture");
        loader.finish().await.expect("failed to finish the bulk load");
        Self { batch }
    }

    /// The ids of a product's unreported reviews in `sort` order, ties broken by id desc.
    pub fn expected_reviews(&self, product: i64, sort: ReviewSort) -> Vec<i64> {
        let mut reviews: Vec<&ReviewRow> =
            self.batch.reviews.iter().filter(|r| r.product_id == product && !r.reported).collect();
        let relevance = |r: &ReviewRow| {
            f64::from(r.helpfulness) + r.date_ms as f64 / (RELEVANCE_DAYS_PER_VOTE as f64 * 86_400_000.0)
        };
        match sort {
            ReviewSort::Newest => reviews.sort_by_key(|r| Reverse((r.date_ms, r.id))),
            ReviewSort::Helpful => reviews.sort_by_key(|r| Reverse((r.helpfulness, r.id))),
            ReviewSort::Relevant => {
                reviews.sort_by(|a, b| relevance(b).total_cmp(&relevance(a)).then(b.id.cmp(&a.id)));
            }
        }
        reviews.iter().map(|r| r.id).collect()
    }

    /// A product's histogram (index 0 is one star) and recommend counts `[false, true]`,
    /// reported reviews included.
    pub fn expected_counts(&self, product: i64) -> ([i64; 5], [i64; 2]) {
        let mut ratings = [0; 5];
        let mut recommended = [0; 2];
        for review in self.batch.reviews.iter().filter(|r| r.product_id == product) {
            ratings[review.rating as usize - 1] += 1;
            recommended[usize::from(review.recommend)] += 1;
        }
        (ratings, recommended)
    }

    /// A product's characteristics as (name, id, sum, count), in id order.
    pub fn expected_characteristics(&self, product: i64) -> Vec<(String, i64, i64, i64)> {
        let mut out: Vec<(String, i64, i64, i64)> = self
            .batch
            .characteristics
            .iter()
            .filter(|c| c.product_id == product)
            .map(|c| {
                let scores = self.batch.characteristic_reviews.iter().filter(|s| s.characteristic_id == c.id);
                let (sum, count) = scores.fold((0, 0), |(s, n), r| (s + i64::from(r.value), n + 1));
                (c.name.clone(), c.id, sum, count)
            })
            .collect();
        out.sort_by_key(|c| c.1);
        out
    }

    /// A product's unreported questions, most helpful first, each with its unreported answers'
    /// ids, most helpful first.
    pub fn expected_questions(&self, product: i64) -> Vec<(i64, Vec<i64>)> {
        let mut questions: Vec<&QuestionRow> =
            self.batch.questions.iter().filter(|q| q.product_id == product && !q.reported).collect();
        questions.sort_by_key(|q| Reverse((q.helpfulness, q.id)));
        questions.iter().map(|q| (q.id, self.expected_answers(q.id))).collect()
    }

    /// A question's unreported answers' ids, most helpful first.
    pub fn expected_answers(&self, question: i64) -> Vec<i64> {
        let mut answers: Vec<&AnswerRow> =
            self.batch.answers.iter().filter(|a| a.question_id == question && !a.reported).collect();
        answers.sort_by_key(|a| Reverse((a.helpfulness, a.id)));
        answers.iter().map(|a| a.id).collect()
    }

    /// A review's photos, in id order.
    pub fn expected_review_photos(&self, review: i64) -> Vec<(i64, String)> {
        let photos = self.batch.review_photos.iter().filter(|p| p.review_id == review);
        sorted(photos.map(|p| (p.id, p.url.clone())).collect())
    }

    /// An answer's photos, in id order.
    pub fn expected_answer_photos(&self, answer: i64) -> Vec<(i64, String)> {
        let photos = self.batch.answer_photos.iter().filter(|p| p.answer_id == answer);
        sorted(photos.map(|p| (p.id, p.url.clone())).collect())
    }
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

const DAY: i64 = 86_400_000;
const T0: i64 = 1_600_000_000_000;

fn review(id: i64, product_id: i64, rating: i16, days: i64, helpfulness: i32, reported: bool) -> ReviewRow {
    ReviewRow {
        id,
        product_id,
        rating,
        date_ms: T0 + days * DAY,
        summary: format!("Summary {id}"),
        body: format!("Body of review {id}, with \"quotes\", commas and ünïcode."),
        recommend: rating >= 4,
        reported,
        reviewer_name: format!("reviewer{id}"),
        reviewer_email: format!("reviewer{id}@example.com"),
        response: (id % 2 == 0).then(|| format!("Response to {id}")),
        helpfulness,
    }
}

fn question(
    id: i64,
    product_id: i64,
    days: i64,
    helpfulness: i32,
    reported: bool,
    asker: &str,
) -> QuestionRow {
    QuestionRow {
        id,
        product_id,
        body: format!("Question {id}"),
        date_ms: T0 + days * DAY,
        asker_name: asker.to_owned(),
        asker_email: format!("{asker}@example.com"),
        reported,
        helpfulness,
    }
}

fn answer(
    id: i64,
    question_id: i64,
    days: i64,
    helpfulness: i32,
    reported: bool,
    answerer: &str,
) -> AnswerRow {
    AnswerRow {
        id,
        question_id,
        body: format!("Answer {id}"),
        date_ms: T0 + days * DAY,
        answerer_name: answerer.to_owned(),
        answerer_email: format!("{answerer}@example.com"),
        reported,
        helpfulness,
    }
}

/// The hand-made catalogue:
/// - product 1: Fit (1) and Length (2); eight reviews with ties in every order, one reported,
///   photos on some; three questions (one reported) with answers (one reported) and photos.
/// - product 2: one characteristic (Size, 3) that nobody rated; no reviews, no questions.
/// - product 3: nothing at all.
/// - product 4: a review (id 20) and a question (id 10) to post against.
///
/// And the rest of the catalogue: product 1 has three features (one with embedded quotes, one
/// without a value), a default style (11) with two photos and two skus and a style on sale (12)
/// with neither, and four related rows (a self-reference and a repeat among them); product 2
/// has one style (21) that is not the default and is related to product 1; products 3 and 4
/// have no features, styles or related products.
pub fn fixture_batch() -> Batch {
    let products = (1..=4)
        .map(|id| ProductRow {
            id,
            name: format!("Product {id}"),
            slogan: "Slogan".into(),
            description: "Description".into(),
            category: "Jackets".into(),
            default_price: "140".into(),
        })
        .collect();
    let characteristics = vec![
        CharacteristicRow { id: 1, product_id: 1, name: "Fit".into() },
        CharacteristicRow { id: 2, product_id: 1, name: "Length".into() },
        CharacteristicRow { id: 3, product_id: 2, name: "Size".into() },
    ];
    let reviews = vec![
        review(1, 1, 5, 10, 3, false),
        review(2, 1, 4, 30, 0, false),
        review(3, 1, 1, 30, 7, false),
        review(4, 1, 3, 5, 3, true),
        review(5, 1, 2, 400, 0, false),
        review(6, 1, 5, 200, 1, false),
        review(7, 1, 4, 30, 3, false),
        review(8, 1, 5, 1, 12, false),
        review(20, 4, 3, 3, 0, false),
    ];
    let review_photos = vec![
        ReviewPhotoRow { id: 2, review_id: 1, url: "https://example.com/r1b.jpg".into() },
        ReviewPhotoRow { id: 1, review_id: 1, url: "https://example.com/r1a.jpg".into() },
        ReviewPhotoRow { id: 3, review_id: 7, url: "https://example.com/r7.jpg".into() },
        ReviewPhotoRow { id: 4, review_id: 4, url: "https://example.com/r4-reported.jpg".into() },
    ];
    let scores = [
        (1, 1, 5),
        (1, 2, 4),
        (2, 1, 3),
        (3, 1, 1),
        (3, 2, 2),
        (4, 1, 4),
        (5, 1, 2),
        (6, 1, 5),
        (6, 2, 5),
        (7, 1, 4),
        (8, 1, 5),
    ];
    let characteristic_reviews = scores
        .iter()
        .enumerate()
        .map(|(i, &(review_id, characteristic_id, value))| CharacteristicReviewRow {
            id: i as i64 + 1,
            characteristic_id,
            review_id,
            value,
        })
        .collect();
    let questions = vec![
        question(1, 1, 1, 5, false, "asker1"),
        question(2, 1, 2, 9, true, "asker2"),
        question(3, 1, 3, 5, false, "asker3"),
        question(4, 1, 4, 0, false, "asker4"),
        question(10, 4, 1, 0, false, "asker10"),
    ];
    let answers = vec![
        answer(1, 1, 5, 2, false, "Seller"),
        answer(2, 1, 6, 8, false, "answerer2"),
        answer(3, 1, 7, 2, false, "answerer3"),
        answer(4, 1, 8, 50, true, "answerer4"),
        answer(5, 3, 9, 0, false, "answerer5"),
        answer(6, 2, 9, 0, false, "answerer6"),
    ];
    let answer_photos = vec![
        AnswerPhotoRow { id: 1, answer_id: 2, url: "https://example.com/a2a.jpg".into() },
        AnswerPhotoRow { id: 2, answer_id: 2, url: "https://example.com/a2b.jpg".into() },
        AnswerPhotoRow { id: 3, answer_id: 4, url: "https://example.com/a4-reported.jpg".into() },
    ];
    Batch {
        products,
        characteristics,
        reviews,
        review_photos,
        characteristic_reviews,
        questions,
        answers,
        answer_photos,
        features: vec![
            FeatureRow { id: 1, product_id: 1, feature: "Fabric".into(), value: Some("Canvas".into()) },
            FeatureRow { id: 2, product_id: 1, feature: "Buttons".into(), value: Some("\"Brass\"".into()) },
            FeatureRow { id: 3, product_id: 1, feature: "Green Leaf Certified".into(), value: None },
        ],
        styles: vec![
            style(11, 1, "Forest Green & Black", None, "140", true),
            style(12, 1, "Desert Brown & Tan", Some("100"), "140", false),
            style(21, 2, "Black Lenses", None, "69.5", false),
        ],
        skus: vec![
            SkuRow { id: 1, style_id: 11, size: "XS".into(), quantity: 8 },
            SkuRow { id: 2, style_id: 11, size: "S".into(), quantity: 16 },
            SkuRow { id: 3, style_id: 21, size: "One Size".into(), quantity: 0 },
        ],
        // Photos and related rows out of id order, as in the original files: served in file
        // order, which is the order of these lists.
        style_photos: [(2, 11, "forest-front"), (1, 11, "forest-back"), (3, 21, "lenses")]
            .into_iter()
            .zip(1..)
            .map(|((id, style_id, name), position)| style_photo(id, style_id, name, position))
            .collect(),
        related: [(3, 1, 2), (1, 1, 3), (2, 1, 1), (4, 1, 2), (5, 2, 1)]
            .into_iter()
            .zip(1..)
            .map(|((id, current_product_id, related_product_id), position)| RelatedRow {
                id,
                current_product_id,
                related_product_id,
                position,
            })
            .collect(),
    }
}

fn style(
    id: i64,
    product_id: i64,
    name: &str,
    sale: Option<&str>,
    price: &str,
    default_style: bool,
) -> StyleRow {
    StyleRow {
        id,
        product_id,
        name: name.into(),
        sale_price: sale.map(Into::into),
        original_price: price.into(),
        default_style,
    }
}

fn style_photo(id: i64, style_id: i64, name: &str, position: i64) -> StylePhotoRow {
    StylePhotoRow {
        id,
        style_id,
        url: format!("https://example.com/{name}.jpg"),
        thumbnail_url: format!("https://example.com/{name}-thumb.jpg"),
        position,
    }
}
