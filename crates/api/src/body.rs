//! Reading the fields of a body into domain values, each failure naming its key. A JSON object
//! and a url-encoded form (see [`crate::form`]) become the same map, so both follow one set of
//! rules and give the same errors.
//!
//! Integers may arrive as JSON numbers or as strings of digits, and booleans as `true`/`false`
//! or the strings "true"/"false": browser forms produce strings, and refusing them would break
//! clients for no gain. Anything else of the wrong type is a 400.

use atelier_core::input::{PhotoUrl, Rating, Text, check_photo_count};
use atelier_core::{CharacteristicId, InputError, ProductId};
use serde_json::{Map, Value};

use crate::ApiError;

/// The fields of a body.
pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    /// Parses `bytes` as a JSON object.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(other) => Err(ApiError::MalformedJson(format!("expected an object, got {}", kind(&other)))),
            Err(e) => Err(ApiError::MalformedJson(e.to_string())),
        }
    }

    /// Parses `bytes` as an `application/x-www-form-urlencoded` form.
    pub(crate) fn parse_form(bytes: &[u8]) -> Result<Self, ApiError> {
        crate::form::to_object(bytes).map(Self).map_err(ApiError::MalformedForm)
    }

    fn value(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|value| !value.is_null())
    }

    fn required(&self, key: &str) -> Result<&Value, InputError> {
        self.value(key).ok_or_else(|| InputError::new(key, "is required"))
    }

    /// A required integer.
    pub(crate) fn integer(&self, key: &str) -> Result<i64, InputError> {
        as_integer(key, self.required(key)?)
    }

    /// A required 1-5 rating.
    /// The body's `product_id`.
    pub(crate) fn product_id(&self) -> Result<ProductId, InputError> {
        ProductId::from_i64("product_id", self.integer("product_id")?)
    }

    pub(crate) fn rating(&self, key: &str) -> Result<Rating, InputError> {
        Rating::new(key, self.integer(key)?)
    }

    /// A required boolean.
    pub(crate) fn boolean(&self, key: &str) -> Result<bool, InputError> {
        match self.required(key)? {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(InputError::new(key, format!("must be true or false, not {}", kind(other)))),
        }
    }

    /// A string of at most `max` characters; required ones must not be blank, optional ones
    /// default to empty.
    pub(crate) fn text(&self, key: &str, max: usize, required: bool) -> Result<Text, InputError> {
        let value = match (self.value(key), required) {
            (None, false) => String::new(),
            (None, true) => return Err(InputError::new(key, "is required")),
            (Some(Value::String(s)), _) => s.clone(),
            (Some(other), _) => {
                return Err(InputError::new(key, format!("must be a string, not {}", kind(other))));
            }
        };
        Text::new(key, value, max, required)
    }

    /// A required string, unvalidated beyond its type (for emails, checked by `Email`).
    pub(crate) fn string(&self, key: &str) -> Result<String, InputError> {
        match self.required(key)? {
            Value::String(s) => Ok(s.clone()),
            other => Err(InputError::new(key, format!("must be a string, not {}", kind(other)))),
        }
    }

    /// An optional array of at most five http(s) URLs; absent means none.
    pub(crate) fn photos(&self, key: &str) -> Result<Vec<PhotoUrl>, InputError> {
        let Some(value) = self.value(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = value else {
            return Err(InputError::new(key, format!("must be an array of URLs, not {}", kind(value))));
        };
        check_photo_count(key, items.len())?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(url) => PhotoUrl::new(&format!("{key}[{i}]"), url.clone()),
                other => Err(InputError::new(
                    format!("{key}[{i}]"),
                    format!("must be a URL string, not {}", kind(other)),
                )),
            })
            .collect()
    }

    /// An optional object of characteristic id to 1-5 score; absent means none. Sorted by id.
    /// Keys are read as numbers (`"04"` is 4), so one id given twice is refused rather than
    /// counted twice.
    pub(crate) fn characteristics(&self, key: &str) -> Result<Vec<(CharacteristicId, Rating)>, InputError> {
        let Some(value) = self.value(key) else {
            return Ok(Vec::new());
        };
        let Value::Object(scores) = value else {
            return Err(InputError::new(
                key,
                format!("must be an object of id to score, not {}", kind(value)),
            ));
        };
        let mut parsed = scores
            .iter()
            .map(|(text, score)| {
                let field = format!("{key}.{text}");
                let id = CharacteristicId::parse(&field, text)?;
                Ok((id, Rating::new(&field, as_integer(&field, score)?)?, field))
            })
            .collect::<Result<Vec<_>, InputError>>()?;
        parsed.sort_by_key(|(id, _, _)| *id);
        if let Some(pair) = parsed.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            let (id, _, field) = &pair[1];
            return Err(InputError::new(field.clone(), format!("repeats characteristic {id}")));
        }
        Ok(parsed.into_iter().map(|(id, rating, _)| (id, rating)).collect())
    }
}

fn as_integer(key: &str, value: &Value) -> Result<i64, InputError> {
    match value {
        Value::Number(n) => {
            n.as_i64().ok_or_else(|| InputError::new(key, format!("must be an integer, not {n}")))
        }
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map_err(|_| InputError::new(key, "is too large"))
        }
        other => Err(InputError::new(key, format!("must be an integer, not {}", kind(other)))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Fields {
        Fields::parse(json.as_bytes()).unwrap_or_else(|_| panic!("not an object: {json}"))
    }

    #[test]
    fn a_body_that_is_not_an_object_is_rejected() {
        assert!(matches!(Fields::parse(b"[1,2]"), Err(ApiError::MalformedJson(_))));
        assert!(matches!(Fields::parse(b"{\"a\":"), Err(ApiError::MalformedJson(_))));
    }

    #[test]
    fn an_integer_may_be_a_string_of_digits() {
        assert_eq!(fields(r#"{"rating":"4"}"#).integer("rating").unwrap(), 4);
    }

    #[test]
    fn a_fractional_number_is_not_an_integer() {
        assert_eq!(fields(r#"{"rating":4.5}"#).integer("rating").unwrap_err().field, "rating");
    }

    #[test]
    fn a_missing_required_field_is_named() {
        assert_eq!(fields("{}").boolean("recommend").unwrap_err().field, "recommend");
    }

    #[test]
    fn a_null_field_counts_as_missing() {
        assert_eq!(fields(r#"{"body":null}"#).text("body", 10, true).unwrap_err().field, "body");
    }

    #[test]
    fn a_bad_photo_is_named_by_its_index() {
        let err = fields(r#"{"photos":["https://a.com/x.jpg","nope"]}"#).photos("photos").unwrap_err();
        assert_eq!(err.field, "photos[1]");
    }

    #[test]
    fn characteristic_scores_are_sorted_by_id_and_checked() {
        let parsed = fields(r#"{"c":{"15":4,"14":"5"}}"#).characteristics("c").unwrap();
        assert_eq!(parsed.iter().map(|(id, r)| (id.get(), r.get())).collect::<Vec<_>>(), [(14, 5), (15, 4)]);
        assert_eq!(fields(r#"{"c":{"14":6}}"#).characteristics("c").unwrap_err().field, "c.14");
        assert_eq!(fields(r#"{"c":{"x":3}}"#).characteristics("c").unwrap_err().field, "c.x");
    }

    #[test]
    fn a_characteristic_given_twice_under_two_spellings_is_refused() {
        let err = fields(r#"{"c":{"4":5,"04":1}}"#).characteristics("c").unwrap_err();
        assert!(err.field == "c.4" || err.field == "c.04", "{err}");
        assert!(err.to_string().contains("repeats characteristic 4"), "{err}");
    }

    #[test]
    fn a_form_reads_like_the_same_json() {
        let form =
            Fields::parse_form(b"rating=4&recommend=true&photos[]=https://a.com/x.jpg&characteristics[14]=5")
                .unwrap_or_else(|_| panic!("a form"));
        assert_eq!(form.rating("rating").unwrap().get(), 4);
        assert!(form.boolean("recommend").unwrap());
        assert_eq!(form.photos("photos").unwrap().len(), 1);
        assert_eq!(form.characteristics("characteristics").unwrap()[0].0.get(), 14);
    }
}
