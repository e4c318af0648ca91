//! Identifiers. Each is a positive 64-bit integer; parsing rejects zero, negatives, non-digits
//! and values that overflow, so an id that reaches a store is always a plausible key.

use crate::InputError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a key read back from a store or a file, where it is known to be valid.
            pub const fn new_unchecked(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw key, for binding into a query.
            pub const fn get(self) -> i64 {
                self.0
            }

            /// Parses the text of a query parameter or path segment named `field`.
            pub fn parse(field: &str, text: &str) -> Result<Self, InputError> {
                parse_positive(field, text).map(Self)
            }

            /// Accepts an integer taken from a JSON body field named `field`.
            pub fn from_i64(field: &str, raw: i64) -> Result<Self, InputError> {
                if raw > 0 {
                    Ok(Self(raw))
                } else {
                    Err(InputError::new(field, format!("must be a positive integer, not {raw}")))
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A product's id: the key every other table hangs from.
    ProductId
);
id_type!(
    /// A review's id.
    ReviewId
);
id_type!(
    /// A question's id.
    QuestionId
);
id_type!(
    /// An answer's id.
    AnswerId
);
id_type!(
    /// A characteristic's id (Fit, Size, ... of one product).
    CharacteristicId
);

/// Parses a strictly positive decimal integer that fits in an `i64`, with a message that names
/// the field and the rule.
pub(crate) fn parse_positive(field: &str, text: &str) -> Result<i64, InputError> {
    let rule = "must be a positive integer";
    if text.is_empty() {
        return Err(InputError::new(field, format!("{rule}, but it is empty")));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError::new(field, format!("{rule}, not {text:?}")));
    }
    match text.parse::<i64>() {
        Ok(0) => Err(InputError::new(field, format!("{rule}, not 0"))),
        Ok(value) => Ok(value),
        Err(_) => Err(InputError::new(field, format!("{rule} of at most {}", i64::MAX))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_positive_id_is_accepted() {
        assert_eq!(ProductId::parse("product_id", "42").unwrap().get(), 42);
    }

    #[test]
    fn a_zero_id_is_rejected() {
        let err = ProductId::parse("product_id", "0").unwrap_err();
        assert_eq!(err.field, "product_id");
    }

    #[test]
    fn a_negative_id_is_rejected() {
        assert!(ProductId::parse("product_id", "-3").is_err());
    }

    #[test]
    fn a_non_numeric_id_is_rejected() {
        assert!(ReviewId::parse("review_id", "abc").is_err());
        assert!(ReviewId::parse("review_id", "1e3").is_err());
        assert!(ReviewId::parse("review_id", " 1").is_err());
    }

    #[test]
    fn an_empty_id_is_rejected() {
        assert!(QuestionId::parse("question_id", "").is_err());
    }

    #[test]
    fn an_id_that_overflows_is_rejected() {
        let err = QuestionId::parse("question_id", "99999999999999999999").unwrap_err();
        assert!(err.message.contains("at most"), "{err}");
    }

    #[test]
    fn the_largest_i64_is_a_valid_id() {
        assert!(AnswerId::parse("answer_id", &i64::MAX.to_string()).is_ok());
    }

    #[test]
    fn a_json_id_below_one_is_rejected() {
        assert!(ProductId::from_i64("product_id", 0).is_err());
        assert!(ProductId::from_i64("product_id", -1).is_err());
    }
}
