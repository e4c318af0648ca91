//! `application/x-www-form-urlencoded` bodies, read into the same JSON object a JSON body gives,
//! so one set of field rules and errors serves both.
//!
//! Load-test scripts and browser forms post `body=...&product_id=2`, with arrays and maps in the
//! bracket notation of PHP, `qs` and jQuery: `photos[]=URL` appends, `photos[0]=URL` places by
//! index, `characteristics[14]=5` is a map entry. Every value stays a string; the field readers
//! already accept digit strings for integers and `"true"`/`"false"` for booleans.

use serde_json::{Map, Value};

/// What one field name collected, before it becomes a JSON value.
enum Slot {
    /// `key=value`.
    Scalar(String),
    /// `key[]=value`, or a plain key repeated.
    List(Vec<String>),
    /// `key[sub]=value`, in the order given.
    Entries(Vec<(String, String)>),
}

/// Reads a url-encoded body into a JSON object. Fails only when one name is used in two shapes
/// (`photos=x&photos[0]=y`), which no reading of the body could reconcile.
pub(crate) fn to_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let mut slots: Vec<(String, Slot)> = Vec::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        let (name, sub) = split_brackets(&key);
        let position = slots.iter().position(|(known, _)| known == name);
        let slot = match position {
            Some(at) => &mut slots[at].1,
            None => {
                let fresh = match sub {
                    None => Slot::Scalar(value.into_owned()),
                    Some("") => Slot::List(vec![value.into_owned()]),
                    Some(sub) => Slot::Entries(vec![(sub.to_owned(), value.into_owned())]),
                };
                slots.push((name.to_owned(), fresh));
                continue;
            }
        };
        match (&mut *slot, sub) {
            (Slot::Scalar(first), None) => {
                *slot = Slot::List(vec![std::mem::take(first), value.into_owned()])
            }
            (Slot::List(items), None | Some("")) => items.push(value.into_owned()),
            (Slot::Entries(entries), Some(sub)) if !sub.is_empty() => {
                entries.push((sub.to_owned(), value.into_owned()));
            }
            _ => {
                return Err(format!("the field {name} is given both as a list or map and as a single value"));
            }
        }
    }
    Ok(slots.into_iter().map(|(name, slot)| (name, slot.into_value())).collect())
}

/// `photos[0]` is (`photos`, `Some("0")`), `photos[]` is (`photos`, `Some("")`), `body` is
/// (`body`, `None`).
fn split_brackets(key: &str) -> (&str, Option<&str>) {
    match (key.find('['), key.strip_suffix(']')) {
        (Some(open), Some(inner)) if open > 0 => (&key[..open], Some(&inner[open + 1..])),
        _ => (key, None),
    }
}

impl Slot {
    fn into_value(self) -> Value {
        match self {
            Self::Scalar(text) => Value::String(text),
            Self::List(items) => items.into_iter().map(Value::String).collect(),
            Self::Entries(entries) => {
                // Entries keyed 0, 1, ... n-1 are an indexed list (`photos[0]`, `photos[1]`);
                // anything else is a map (`characteristics[14]`).
                let mut indexed: Vec<(usize, &String)> =
                    entries.iter().filter_map(|(sub, value)| Some((list_index(sub)?, value))).collect();
                indexed.sort_by_key(|(index, _)| *index);
                let is_list = indexed.len() == entries.len()
                    && indexed.iter().enumerate().all(|(expected, (index, _))| expected == *index);
                if is_list {
                    indexed.into_iter().map(|(_, value)| Value::String(value.clone())).collect()
                } else {
                    entries.into_iter().map(|(sub, value)| (sub, Value::String(value))).collect()
                }
            }
        }
    }
}

/// `0`, `1`, ... as a list index; `04`, `+1` or `x` are map keys.
fn list_index(sub: &str) -> Option<usize> {
    let canonical = sub.bytes().all(|b| b.is_ascii_digit()) && (sub == "0" || !sub.starts_with('0'));
    if canonical { sub.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parsed(body: &str) -> Value {
        Value::Object(to_object(body.as_bytes()).unwrap())
    }

    #[test]
    fn plain_fields_are_strings() {
        assert_eq!(
            parsed("body=Fits+well%21&product_id=2"),
            json!({"body": "Fits well!", "product_id": "2"})
        );
    }

    #[test]
    fn empty_brackets_append_to_a_list() {
        assert_eq!(parsed("photos[]=a&photos[]=b"), json!({"photos": ["a", "b"]}));
        assert_eq!(parsed("photos%5B%5D=a"), json!({"photos": ["a"]}));
    }

    #[test]
    fn indexed_brackets_are_a_list_in_index_order() {
        assert_eq!(parsed("photos[1]=b&photos[0]=a"), json!({"photos": ["a", "b"]}));
    }

    #[test]
    fn keyed_brackets_are_a_map() {
        assert_eq!(
            parsed("characteristics[14]=5&characteristics[15]=4"),
            json!({"characteristics": {"14": "5", "15": "4"}})
        );
        assert_eq!(
            parsed("characteristics[04]=5&characteristics[4]=1"),
            json!({"characteristics": {"04": "5", "4": "1"}})
        );
    }

    #[test]
    fn a_repeated_plain_key_becomes_a_list() {
        assert_eq!(parsed("rating=4&rating=5"), json!({"rating": ["4", "5"]}));
    }

    #[test]
    fn one_name_in_two_shapes_is_refused() {
        assert!(to_object(b"photos=a&photos[0]=b").unwrap_err().contains("photos"));
    }
}
