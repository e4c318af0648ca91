//! The exact JSON shapes of `API.md`, odd value types included: counts in meta are strings,
//! product ids in responses are strings, dates are ISO 8601 with milliseconds.
//!
//! Each type also derives its OpenAPI schema (`ToSchema`), so `/openapi.json` describes the very
//! types the handlers serialize; the request bodies, read field by field by `body::Fields`, are
//! described by the `Post*` types at the end, whose examples a test posts as JSON and as a form.

mod products;

use atelier_core::records::{Answer, Photo, Question, Review, ReviewMeta};
pub(crate) use products::{
    CartLines, PostCart, PostInteraction, ProductList, RelatedIds, StyleList, WireProduct,
};
use serde::Serialize;

use crate::ApiError;
use serde::ser::{SerializeMap, Serializer};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

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

/// `GET /reviews`: one page of a product's reviews that are not reported.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewList<'a> {
    /// The product id, as a string.
    pub product: String,
    /// The 1-based page served.
    pub page: i64,
    /// The rows per page used (after the cap of 1000).
    pub count: i64,
    pub results: Vec<WireReview<'a>>,
}

/// A review as listed.
#[derive(Serialize, ToSchema)]
#[schema(as = Review)]
pub(crate) struct WireReview<'a> {
    review_id: i64,
    #[schema(minimum = 1, maximum = 5)]
    rating: i16,
    summary: &'a str,
    recommend: bool,
    /// The seller's response, or null.
    response: Option<&'a str>,
    body: &'a str,
    #[schema(value_type = String, format = DateTime)]
    date: String,
    reviewer_name: &'a str,
    #[schema(minimum = 0)]
    helpfulness: i64,
    photos: Vec<WirePhoto<'a>>,
}

/// A photo of a review, or of an answer in `GET /qa/questions/{question_id}/answers`.
#[derive(Serialize, ToSchema)]
#[schema(as = Photo)]
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

/// `GET /reviews/meta`: the rating summary of a product, every count a string.
#[derive(Serialize, ToSchema)]
#[schema(as = ReviewMeta)]
pub(crate) struct WireMeta {
    /// The product id, as a string.
    product_id: String,
    /// How many reviews gave each number of stars, keys `1` to `5`, always all present.
    #[schema(schema_with = rating_counts)]
    ratings: Ordered<String>,
    /// How many reviews do and do not recommend the product, keys `false` and `true`.
    #[schema(schema_with = recommend_counts)]
    recommended: Ordered<String>,
    /// Every characteristic of the product by name, rated or not.
    #[schema(schema_with = characteristic_map)]
    characteristics: Ordered<WireCharacteristic>,
}

/// One characteristic in meta.
#[derive(Serialize, ToSchema)]
#[schema(as = CharacteristicAverage)]
pub(crate) struct WireCharacteristic {
    id: i64,
    /// The average score with 16 decimal places, or null before the first rating.
    #[schema(pattern = r"^[1-5]\.[0-9]{16}$")]
    value: Option<String>,
}

/// An object whose keys are exactly `keys`, each a count as a string of digits.
fn counts_object(keys: &[&str]) -> Schema {
    let count = || ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[0-9]+$"));
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    for key in keys {
        object = object.property(*key, count()).required(*key);
    }
    object.into()
}

fn rating_counts() -> Schema {
    counts_object(&["1", "2", "3", "4", "5"])
}

fn recommend_counts() -> Schema {
    counts_object(&["false", "true"])
}

/// An object of any keys whose values are the named component schema.
fn map_of(component: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::Ref(Ref::from_schema_name(
            component,
        )))))
        .into()
}

fn characteristic_map() -> Schema {
    map_of(&WireCharacteristic::name())
}

fn answer_map() -> Schema {
    map_of(&EmbeddedAnswer::name())
}

/// The schemas that the map-valued fields above name by reference, which the derive cannot
/// see; the document registers them beside the rest.
pub(crate) fn schemas_named_by_maps() -> Vec<(String, RefOr<Schema>)> {
    vec![
        (WireCharacteristic::name().into_owned(), WireCharacteristic::schema()),
        (EmbeddedAnswer::name().into_owned(), EmbeddedAnswer::schema()),
        (
            <products::WireSku as ToSchema>::name().into_owned(),
            <products::WireSku as PartialSchema>::schema(),
        ),
    ]
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

/// `GET /qa/questions`: one page of a product's questions that are not reported, most helpful
/// first, each with all its answers that are not reported. No `page` or `count` keys.
#[derive(Serialize, ToSchema)]
pub(crate) struct QuestionList<'a> {
    /// The product id, as a string.
    pub product_id: String,
    pub results: Vec<WireQuestion<'a>>,
}

/// A question as listed.
#[derive(Serialize, ToSchema)]
#[schema(as = Question)]
pub(crate) struct WireQuestion<'a> {
    question_id: i64,
    question_body: &'a str,
    #[schema(value_type = String, format = DateTime)]
    question_date: String,
    asker_name: &'a str,
    #[schema(minimum = 0)]
    question_helpfulness: i64,
    /// Always false: reported questions are never listed.
    reported: bool,
    /// The answers keyed by answer id, most helpful first.
    #[schema(schema_with = answer_map)]
    answers: Ordered<EmbeddedAnswer<'a>>,
}

/// An answer inside a question: photos are plain URL strings here, as the live service sent.
#[derive(Serialize, ToSchema)]
pub(crate) struct EmbeddedAnswer<'a> {
    id: i64,
    body: &'a str,
    #[schema(value_type = String, format = DateTime)]
    date: String,
    answerer_name: &'a str,
    #[schema(minimum = 0)]
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

/// `GET /qa/questions/{question_id}/answers`: one page of a question's answers that are not
/// reported, most helpful first.
#[derive(Serialize, ToSchema)]
pub(crate) struct AnswerList<'a> {
    /// The question id, as a string.
    pub question: String,
    /// The 1-based page served.
    pub page: i64,
    /// The rows per page used (after the cap of 1000).
    pub count: i64,
    pub results: Vec<WireAnswer<'a>>,
}

/// An answer as listed on its own: photos are `{id, url}` objects here.
#[derive(Serialize, ToSchema)]
#[schema(as = Answer)]
pub(crate) struct WireAnswer<'a> {
    answer_id: i64,
    body: &'a str,
    #[schema(value_type = String, format = DateTime)]
    date: String,
    answerer_name: &'a str,
    #[schema(minimum = 0)]
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

/// `201` to `POST /reviews`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewCreated {
    pub review_id: i64,
}

/// `201` to `POST /qa/questions`.
#[derive(Serialize, ToSchema)]
pub(crate) struct QuestionCreated {
    pub question_id: i64,
}

/// `201` to `POST /qa/questions/{question_id}/answers`.
#[derive(Serialize, ToSchema)]
pub(crate) struct AnswerCreated {
    pub answer_id: i64,
}

/// Up to five absolute http(s) URLs of at most 2048 characters, without white space.
fn photo_urls() -> Schema {
    let url = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(atelier_core::input::limits::URL))
        .pattern(Some(r"^[hH][tT][tT][pP][sS]?://[^/?#\s\x00-\x1f]+[^\s\x00-\x1f]*$"));
    ArrayBuilder::new().items(url).max_items(Some(atelier_core::input::limits::PHOTOS)).into()
}

/// An integer, or a string of its digits (browser forms send strings).
fn lenient_integer() -> Schema {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        )
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[0-9]+$")))
        .into()
}

/// `true`/`false`, or the same as strings.
fn lenient_boolean() -> Schema {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["true", "false"])))
        .into()
}

/// A map of characteristic id (digits) to a 1-5 score.
fn scores() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[0-9]+$"))))
        .additional_properties(Some(lenient_integer()))
        .into()
}

/// `POST /reviews` (and the 2020 `POST /reviews/{product_id}`, where the path names the
/// product): a JSON object or a url-encoded form (`photos[]=URL`, `characteristics[14]=5`).
/// Unknown fields are ignored.
#[derive(ToSchema)]
#[schema(as = NewReview, example = json!({
    "product_id": 1, "rating": 5, "summary": "Great", "body": "Fits well and looks good.",
    "recommend": true, "name": "jackson11", "email": "jackson11@example.com",
    "photos": ["https://example.com/a.jpg"], "characteristics": {}
}))]
#[expect(dead_code, reason = "describes the body that reviews::new_review reads field by field")]
pub(crate) struct PostReview {
    /// Required on `POST /reviews`; the 2020 route takes it from the path.
    #[schema(schema_with = lenient_integer)]
    product_id: i64,
    /// 1 to 5.
    #[schema(schema_with = lenient_integer)]
    rating: i64,
    /// Up to 60 characters.
    #[schema(max_length = 60, pattern = r"^[^\x00]*$")]
    summary: Option<String>,
    /// 1 to 1000 characters, not blank.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*[^\x00\s][^\x00]*$")]
    body: String,
    #[schema(schema_with = lenient_boolean)]
    recommend: bool,
    /// Up to 60 characters, not blank.
    #[schema(max_length = 60, pattern = r"^[^\x00]*[^\x00\s][^\x00]*$")]
    name: String,
    /// Stored, never returned. Up to 60 characters.
    #[schema(max_length = 60, pattern = r"^[^@\s\x00]+@[^@\s\x00]+$")]
    email: String,
    /// Up to 5 absolute http(s) URLs.
    #[schema(schema_with = photo_urls)]
    photos: Option<Vec<String>>,
    /// Characteristic id to a 1-5 score; each id must be one of the product's, once.
    #[schema(schema_with = scores)]
    characteristics: Option<()>,
}

/// `POST /qa/questions`: a JSON object or a url-encoded form.
#[derive(ToSchema)]
#[schema(as = NewQuestion, example = json!({
    "product_id": 1, "body": "Does it run small?", "name": "jackson11", "email": "jackson11@example.com"
}))]
#[expect(dead_code, reason = "describes the body that qa::new_question reads field by field")]
pub(crate) struct PostQuestion {
    #[schema(schema_with = lenient_integer)]
    product_id: i64,
    /// 1 to 1000 characters, not blank.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*[^\x00\s][^\x00]*$")]
    body: String,
    /// Up to 60 characters, not blank.
    #[schema(max_length = 60, pattern = r"^[^\x00]*[^\x00\s][^\x00]*$")]
    name: String,
    /// Stored, never returned. Up to 60 characters.
    #[schema(max_length = 60, pattern = r"^[^@\s\x00]+@[^@\s\x00]+$")]
    email: String,
}

/// `POST /qa/questions/{question_id}/answers`: a JSON object or a url-encoded form.
#[derive(ToSchema)]
#[schema(as = NewAnswer, example = json!({
    "body": "It runs true to size.", "name": "jackson11", "email": "jackson11@example.com",
    "photos": ["https://example.com/a.jpg"]
}))]
#[expect(dead_code, reason = "describes the body that qa::new_answer reads field by field")]
pub(crate) struct PostAnswer {
    /// 1 to 1000 characters, not blank.
    #[schema(max_length = 1000, pattern = r"^[^\x00]*[^\x00\s][^\x00]*$")]
    body: String,
    /// Up to 60 characters, not blank.
    #[schema(max_length = 60, pattern = r"^[^\x00]*[^\x00\s][^\x00]*$")]
    name: String,
    /// Stored, never returned. Up to 60 characters.
    #[schema(max_length = 60, pattern = r"^[^@\s\x00]+@[^@\s\x00]+$")]
    email: String,
    /// Up to 5 absolute http(s) URLs.
    #[schema(schema_with = photo_urls)]
    photos: Option<Vec<String>>,
}

/// `body` serialized, as the cache holds it: in an allocation of its own length, so the cache's
/// bound, which counts the length, counts all of it (the serializer grows its buffer by
/// doubling; shrinking it in place is cheap).
pub(crate) fn json(body: &impl Serialize) -> Result<axum::body::Bytes, ApiError> {
    serde_json::to_vec(body)
        .map(|body| axum::body::Bytes::from(body.into_boxed_slice()))
        .map_err(|e| ApiError::Internal(format!("failed to serialize a response: {e}")))
}

/// A 200 with a serialized JSON `body`.
pub(crate) fn json_response(body: axum::body::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"))], body)
        .into_response()
}

#[cfg(test)]
mod tests {
    use atelier_core::input::limits;

    use super::*;

    /// The documented limits are literals in the attributes above; this keeps them equal to
    /// the limits `core::input` enforces.
    #[test]
    fn the_documented_body_limits_are_the_enforced_ones() {
        let property = |schema: RefOr<Schema>, key: &str, rule: &str| {
            let json = serde_json::to_value(schema).unwrap();
            json["properties"][key][rule].as_u64().unwrap_or_else(|| panic!("{key}.{rule} in {json}"))
        };
        let cases = [
            (PostReview::schema(), "summary", "maxLength", limits::SUMMARY),
            (PostReview::schema(), "body", "maxLength", limits::BODY),
            (PostReview::schema(), "name", "maxLength", limits::NAME),
            (PostReview::schema(), "email", "maxLength", limits::EMAIL),
            (PostReview::schema(), "photos", "maxItems", limits::PHOTOS),
            (PostQuestion::schema(), "body", "maxLength", limits::BODY),
            (PostQuestion::schema(), "name", "maxLength", limits::NAME),
            (PostQuestion::schema(), "email", "maxLength", limits::EMAIL),
            (PostAnswer::schema(), "body", "maxLength", limits::BODY),
            (PostAnswer::schema(), "name", "maxLength", limits::NAME),
            (PostAnswer::schema(), "email", "maxLength", limits::EMAIL),
            (PostAnswer::schema(), "photos", "maxItems", limits::PHOTOS),
        ];
        for (schema, key, rule, limit) in cases {
            assert_eq!(property(schema, key, rule), limit as u64, "{key}.{rule}");
        }
    }

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
