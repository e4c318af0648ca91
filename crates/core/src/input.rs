//! Validated request values. Each constructor enforces one rule of the contract and names the
//! field it guards, so handlers turn raw input into these and a store receives only valid data.

use crate::ids::parse_positive;
use crate::{CharacteristicId, InputError, ProductId};

/// The largest `count` served. Front ends send `count=1000000` to mean "all"; a larger count is
/// treated as this cap rather than refused, as `API.md` asks.
pub const MAX_COUNT: i64 = 1000;
/// The `count` used when a request gives none.
pub const DEFAULT_COUNT: i64 = 5;

/// One page of a list: which page (1-based) and how many rows, with the offset they imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    page: i64,
    count: i64,
}

impl PageRequest {
    /// Builds a page from the optional `page` and `count` query parameters.
    pub fn parse(page: Option<&str>, count: Option<&str>) -> Result<Self, InputError> {
        let page = page.map_or(Ok(1), |text| parse_positive("page", text))?;
        let count = match count {
            None => DEFAULT_COUNT,
            // A count beyond i64 is still a request for "everything": cap it like any other.
            Some(text) if text.len() > 18 && text.bytes().all(|b| b.is_ascii_digit()) => MAX_COUNT,
            Some(text) => parse_positive("count", text)?.min(MAX_COUNT),
        };
        Self::new(page, count)
    }

    /// A page from numbers already known to be positive; the offset must fit in an `i64`.
    pub fn new(page: i64, count: i64) -> Result<Self, InputError> {
        if page < 1 {
            return Err(InputError::new("page", "must be a positive integer"));
        }
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(InputError::new("count", format!("must be from 1 to {MAX_COUNT}")));
        }
        if (page - 1).checked_mul(count).is_none() {
            return Err(InputError::new("page", "is too large"));
        }
        Ok(Self { page, count })
    }

    /// The 1-based page number.
    pub const fn page(self) -> i64 {
        self.page
    }

    /// Rows per page, after the cap.
    pub const fn count(self) -> i64 {
        self.count
    }

    /// Rows to skip: `(page - 1) * count`, checked at construction.
    pub const fn offset(self) -> i64 {
        (self.page - 1) * self.count
    }
}

/// The orders of `GET /reviews`. Every order ends with `review_id desc` so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReviewSort {
    /// `date desc`.
    Newest,
    /// `helpfulness desc`.
    Helpful,
    /// A blend of helpfulness and recency: `helpfulness + age bonus` where each
    /// [`RELEVANCE_DAYS_PER_VOTE`] days of recency weigh as much as one helpful vote. A stored
    /// column in both stores, so the order is served by an index like the others.
    #[default]
    Relevant,
}

/// How many days of recency are worth one helpful vote in [`ReviewSort::Relevant`]: a review a
/// year newer ranks as if it had about four more votes, so fresh reviews rise without burying
/// reviews that many shoppers found helpful.
pub const RELEVANCE_DAYS_PER_VOTE: i64 = 90;

impl ReviewSort {
    /// Parses the optional `sort` parameter; absent means `relevant`.
    pub fn parse(text: Option<&str>) -> Result<Self, InputError> {
        match text {
            None | Some("relevant") => Ok(Self::Relevant),
            Some("newest") => Ok(Self::Newest),
            Some("helpful") => Ok(Self::Helpful),
            Some(other) => Err(InputError::new(
                "sort",
                format!("must be one of newest, helpful or relevant, not {other:?}"),
            )),
        }
    }
}

/// A star rating or a characteristic score: an integer from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1 to 5 for the body key `field`.
    pub fn new(field: &str, value: i64) -> Result<Self, InputError> {
        match u8::try_from(value) {
            Ok(v @ 1..=5) => Ok(Self(v)),
            _ => Err(InputError::new(field, format!("must be an integer from 1 to 5, not {value}"))),
        }
    }

    /// The value, 1 to 5.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// Free text with a length limit in characters (not bytes), optionally required to be non-blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// Accepts `value` for `field` if it has at most `max` characters, no NUL character and,
    /// when `required`, something other than white space. NUL is refused because PostgreSQL
    /// cannot store it in `text`: both stores must answer the same request alike.
    pub fn new(field: &str, value: String, max: usize, required: bool) -> Result<Self, InputError> {
        if value.contains('\0') {
            return Err(InputError::new(field, "must not contain the NUL character (U+0000)"));
        }
        if required && value.trim().is_empty() {
            return Err(InputError::new(field, "must not be empty"));
        }
        let chars = value.chars().count();
        if chars > max {
            return Err(InputError::new(field, format!("must be at most {max} characters, not {chars}")));
        }
        Ok(Self(value))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Length limits the front ends enforce, enforced again here.
pub mod limits {
    /// A review's summary.
    pub const SUMMARY: usize = 60;
    /// A review, question or answer body.
    pub const BODY: usize = 1000;
    /// A reviewer's, asker's or answerer's display name.
    pub const NAME: usize = 60;
    /// An email address.
    pub const EMAIL: usize = 60;
    /// Photos attached to one review or answer.
    pub const PHOTOS: usize = 5;
    /// One photo URL.
    pub const URL: usize = 2048;
}

/// An email address: stored, never returned. Checked for the shape `local@domain`, no more:
/// the only proof of an address is mail that arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts a plausible address of at most [`limits::EMAIL`] characters.
    pub fn new(field: &str, value: String) -> Result<Self, InputError> {
        let text = Text::new(field, value, limits::EMAIL, true)?.0;
        let plausible = match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !text.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if plausible {
            Ok(Self(text))
        } else {
            Err(InputError::new(field, "must be an email address like name@example.com"))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute http(s) URL of a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoUrl(String);

impl PhotoUrl {
    /// Accepts `http://host...` or `https://host...` without white space, up to
    /// [`limits::URL`] characters.
    pub fn new(field: &str, value: String) -> Result<Self, InputError> {
        let lower = value.get(..8).unwrap_or(&value).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &value[8..]
        } else if lower.starts_with("http://") {
            &value[7..]
        } else {
            return Err(InputError::new(field, "must be an http:// or https:// URL"));
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InputError::new(field, "must be an http(s) URL with a host and no spaces"));
        }
        if value.len() > limits::URL {
            return Err(InputError::new(field, format!("must be at most {} characters", limits::URL)));
        }
        Ok(Self(value))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks the number of photos of one review or answer.
pub fn check_photo_count(field: &str, count: usize) -> Result<(), InputError> {
    if count > limits::PHOTOS {
        Err(InputError::new(field, format!("must hold at most {} photos, not {count}", limits::PHOTOS)))
    } else {
        Ok(())
    }
}

/// A review as posted: every field already valid except what only the store can check (that the
/// product exists and owns each characteristic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    /// The product reviewed.
    pub product_id: ProductId,
    /// 1 to 5 stars.
    pub rating: Rating,
    /// Up to 60 characters, may be empty.
    pub summary: Text,
    /// Up to 1000 characters, not blank.
    pub body: Text,
    /// Whether the reviewer recommends the product.
    pub recommend: bool,
    /// The reviewer's display name.
    pub name: Text,
    /// The reviewer's email: stored, never returned.
    pub email: Email,
    /// Up to five photo URLs, in the order given.
    pub photos: Vec<PhotoUrl>,
    /// Scores for the product's characteristics, by characteristic id, ascending and unique.
    pub characteristics: Vec<(CharacteristicId, Rating)>,
}

/// A question as posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    /// The product asked about.
    pub product_id: ProductId,
    /// Up to 1000 characters, not blank.
    pub body: Text,
    /// The asker's display name.
    pub name: Text,
    /// The asker's email: stored, never returned.
    pub email: Email,
}

/// An answer as posted (the question comes from the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnswer {
    /// Up to 1000 characters, not blank.
    pub body: Text,
    /// The answerer's display name.
    pub name: Text,
    /// The answerer's email: stored, never returned.
    pub email: Email,
    /// Up to five photo URLs, in the order given.
    pub photos: Vec<PhotoUrl>,
}

impl NewReview {
    /// Checks that every rated characteristic is one of `owned`, the product's own. A store calls
    /// this inside the write, before writing anything.
    pub fn check_characteristics(&self, owned: &[CharacteristicId]) -> Result<(), InputError> {
        match self.characteristics.iter().find(|(id, _)| !owned.contains(id)) {
            Some((id, _)) => Err(InputError::new(
                format!("characteristics.{id}"),
                format!("is not a characteristic of product {}", self.product_id),
            )),
            None => Ok(()),
        }
    }
}

/// The current time in epoch milliseconds: the date given to a new review, question or answer.
pub fn now_ms() -> i64 {
    let elapsed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_page_and_count_default_to_one_and_five() {
        let page = PageRequest::parse(None, None).unwrap();
        assert_eq!((page.page(), page.count(), page.offset()), (1, 5, 0));
    }

    #[test]
    fn the_offset_is_page_minus_one_times_count() {
        assert_eq!(PageRequest::parse(Some("3"), Some("7")).unwrap().offset(), 14);
    }

    #[test]
    fn page_zero_is_rejected() {
        assert_eq!(PageRequest::parse(Some("0"), None).unwrap_err().field, "page");
    }

    #[test]
    fn a_negative_count_is_rejected() {
        assert_eq!(PageRequest::parse(None, Some("-1")).unwrap_err().field, "count");
    }

    #[test]
    fn count_zero_is_rejected() {
        assert_eq!(PageRequest::parse(None, Some("0")).unwrap_err().field, "count");
    }

    #[test]
    fn a_count_above_the_cap_is_capped() {
        assert_eq!(PageRequest::parse(None, Some("1000000")).unwrap().count(), MAX_COUNT);
        assert_eq!(PageRequest::parse(None, Some("99999999999999999999999")).unwrap().count(), MAX_COUNT);
    }

    #[test]
    fn a_page_whose_offset_overflows_is_rejected() {
        assert_eq!(PageRequest::parse(Some(&i64::MAX.to_string()), Some("10")).unwrap_err().field, "page");
    }

    #[test]
    fn an_unknown_sort_is_rejected() {
        assert_eq!(ReviewSort::parse(Some("oldest")).unwrap_err().field, "sort");
    }

    #[test]
    fn the_default_sort_is_relevant() {
        assert_eq!(ReviewSort::parse(None).unwrap(), ReviewSort::Relevant);
    }

    #[test]
    fn a_rating_of_six_is_rejected() {
        assert!(Rating::new("rating", 6).is_err());
    }

    #[test]
    fn a_rating_of_zero_is_rejected() {
        assert!(Rating::new("rating", 0).is_err());
    }

    #[test]
    fn ratings_one_to_five_are_accepted() {
        for value in 1..=5 {
            assert_eq!(Rating::new("rating", value).unwrap().get() as i64, value);
        }
    }

    #[test]
    fn an_over_long_summary_is_rejected() {
        let err = Text::new("summary", "x".repeat(61), limits::SUMMARY, false).unwrap_err();
        assert_eq!(err.field, "summary");
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        assert!(Text::new("summary", "é".repeat(60), limits::SUMMARY, false).is_ok());
    }

    #[test]
    fn a_text_with_a_nul_character_is_rejected() {
        let err = Text::new("summary", "nice\0shoes".into(), limits::SUMMARY, false).unwrap_err();
        assert_eq!(err.field, "summary");
        assert!(Email::new("email", "a\0@example.com".into()).is_err());
    }

    #[test]
    fn a_blank_required_text_is_rejected() {
        assert!(Text::new("body", "   ".into(), limits::BODY, true).is_err());
    }

    #[test]
    fn an_email_without_at_sign_is_rejected() {
        assert!(Email::new("email", "nobody.example.com".into()).is_err());
        assert!(Email::new("email", "a@".into()).is_err());
        assert!(Email::new("email", "a b@c.d".into()).is_err());
        assert!(Email::new("email", "jackson11@example.com".into()).is_ok());
    }

    #[test]
    fn a_photo_that_is_not_an_http_url_is_rejected() {
        for bad in ["ftp://x.com/a.jpg", "javascript:alert(1)", "https://", "http:// spaced.com/a", "a.jpg"] {
            assert!(PhotoUrl::new("photos[0]", bad.into()).is_err(), "{bad}");
        }
        assert!(PhotoUrl::new("photos[0]", "HTTPS://images.example.com/a.jpg".into()).is_ok());
    }

    #[test]
    fn six_photos_are_rejected() {
        assert!(check_photo_count("photos", 6).is_err());
        assert!(check_photo_count("photos", 5).is_ok());
    }
}

/// A `POST /interactions` body: which element of which widget a shopper clicked, and when (as
/// the client wrote it: clients send many formats).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    /// The element clicked.
    pub element: Text,
    /// The widget it is in.
    pub widget: Text,
    /// When, as sent.
    pub time: Text,
}
