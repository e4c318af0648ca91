//! The exact JSON shapes of `API.md`, odd value types included: counts in meta are strings,
//! product ids in responses are strings, dates are ISO 8601 with milliseconds.

use atelier_core::records::{Answer, Photo, Question, Review, ReviewMeta};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Formats epoch milliseconds as `2019-04-14T00:00:00.000Z`.
pub(crate) fn iso_date(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A JSON object whose keys keep the given order (answers by helpfulness, characteristics by
/// id), unlike a map type that would sort them.
pub(crate) struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `GET /reviews`.
#[derive(Serialize)]
pub(crate) struct ReviewList<'a> {
    pub product: String,
    pub page: i64,
    pub count: i64,
    pub results: Vec<WireReview<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WireReview<'a> {
    review_id: i64,
    rating: i16,
    summary: &'a str,
    recommend: bool,
    response: Option<&'a str>,
    body: &'a str,
    date: String,
    reviewer_name: &'a str,
    helpfulness: i64,
    photos: Vec<WirePhoto<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WirePhoto<'a> {
    id: i64,
    url: &'a str,
}

fn photos(photos: &[Photo]) -> Vec<WirePhoto<'_>> {
    photos.iter().map(|p| WirePhoto { id: p.id, url: &p.url }).collect()
}

impl<'a> From<&'a Review> for WireReview<'a> {
    fn from(r: &'a Review) -> Self {
        Self {
            review_id: r.id.get(),
            rating: r.rating,
            summary: &r.summary,
            recommend: r.recommend,
            response: r.response.as_deref(),
            body: &r.body,
            date: iso_date(r.date_ms),
            reviewer_name: &r.reviewer_name,
            helpfulness: r.helpfulness,
            photos: photos(&r.photos),
        }
    }
}

/// `GET /reviews/meta`.
#[derive(Serialize)]
pub(crate) struct WireMeta {
    product_id: String,
    ratings: Ordered<String>,
    recommended: Ordered<String>,
    characteristics: Ordered<WireCharacteristic>,
}

#[derive(Serialize)]
struct WireCharacteristic {
    id: i64,
    value: Option<String>,
}

impl WireMeta {
    pub(crate) fn new(product_id: String, meta: &ReviewMeta) -> Self {
        let ratings =
            (1..=5).zip(meta.ratings).map(|(stars, n)| (stars.to_string(), n.to_string())).collect();
        let recommended = vec![
            ("false".to_owned(), meta.recommended_false.to_string()),
            ("true".to_owned(), meta.recommended_true.to_string()),
        ];
        let mut characteristics: Vec<(String, WireCharacteristic)> =
            Vec::with_capacity(meta.characteristics.len());
        for c in &meta.characteristics {
            // Names are the keys: should a product carry one name twice, the first (lowest
            // id) wins rather than emitting a duplicate key.
            if !characteristics.iter().any(|(name, _)| *name == c.name) {
                characteristics
                    .push((c.name.clone(), WireCharacteristic { id: c.id.get(), value: c.average_text() }));
            }
        }
        Self {
            product_id,
            ratings: Ordered(ratings),
            recommended: Ordered(recommended),
            characteristics: Ordered(characteristics),
        }
    }
}

/// `GET /qa/questions`.
#[derive(Serialize)]
pub(crate) struct QuestionList<'a> {
    pub product_id: String,
    pub results: Vec<WireQuestion<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WireQuestion<'a> {
    question_id: i64,
    question_body: &'a str,
    question_date: String,
    asker_name: &'a str,
    question_helpfulness: i64,
    reported: bool,
    answers: Ordered<EmbeddedAnswer<'a>>,
}

/// An answer inside a question: photos are plain URL strings here, as the live service sent.
#[derive(Serialize)]
struct EmbeddedAnswer<'a> {
    id: i64,
    body: &'a str,
    date: String,
    answerer_name: &'a str,
    helpfulness: i64,
    photos: Vec<&'a str>,
}

impl<'a> From<&'a Question> for WireQuestion<'a> {
    fn from(q: &'a Question) -> Self {
        let answers = q
            .answers
            .iter()
            .map(|a| {
                let embedded = EmbeddedAnswer {
                    id: a.id.get(),
                    body: &a.body,
                    date: iso_date(a.date_ms),
                    answerer_name: &a.answerer_name,
                    helpfulness: a.helpfulness,
                    photos: a.photos.iter().map(|p| p.url.as_str()).collect(),
                };
                (a.id.to_string(), embedded)
            })
            .collect();
        Self {
            question_id: q.id.get(),
            question_body: &q.body,
            question_date: iso_date(q.date_ms),
            asker_name: &q.asker_name,
            question_helpfulness: q.helpfulness,
            reported: false,
            answers: Ordered(answers),
        }
    }
}

/// `GET /qa/questions/{id}/answers`.
#[derive(Serialize)]
pub(crate) struct AnswerList<'a> {
    pub question: String,
    pub page: i64,
    pub count: i64,
    pub results: Vec<WireAnswer<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WireAnswer<'a> {
    answer_id: i64,
    body: &'a str,
    date: String,
    answerer_name: &'a str,
    helpfulness: i64,
    photos: Vec<WirePhoto<'a>>,
}

impl<'a> From<&'a Answer> for WireAnswer<'a> {
    fn from(a: &'a Answer) -> Self {
        Self {
            answer_id: a.id.get(),
            body: &a.body,
            date: iso_date(a.date_ms),
            answerer_name: &a.answerer_name,
            helpfulness: a.helpfulness,
            photos: photos(&a.photos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_is_formatted_with_milliseconds() {
        assert_eq!(iso_date(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn an_original_date_is_formatted_like_the_live_service() {
        assert_eq!(iso_date(1_596_080_481_467), "2020-07-30T03:41:21.467Z");
        assert_eq!(iso_date(1_555_200_000_000), "2019-04-14T00:00:00.000Z");
    }

    #[test]
    fn a_leap_day_is_formatted() {
        assert_eq!(iso_date(1_709_164_800_000), "2024-02-29T00:00:00.000Z");
    }

    #[test]
    fn a_date_before_the_epoch_is_formatted() {
        assert_eq!(iso_date(-1), "1969-12-31T23:59:59.999Z");
    }
}
