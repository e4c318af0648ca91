//! The HTTP API end to end, against both stores, plus the binary itself.

mod bench;
mod cache;
mod cart;
mod cli;
mod clients;
mod connections;
mod deploy;
mod errors;
mod failures;
mod faults;
mod import;
mod limits;
mod metrics;
mod products;
mod qa;
mod replicas;
mod reviews;
mod shared_cache;
mod statements;
mod tools;
mod twins;

use atelier_testkit::{Fixture, TestApp, TestStore, fixture_batch};
use serde_json::Value;

/// A store of `kind` holding the hand-made fixture, served on an ephemeral port.
pub async fn app_with_fixture(test: &TestStore) -> (TestApp, Fixture) {
    let fixture = Fixture::load(test.store.as_ref(), fixture_batch()).await;
    (TestApp::spawn(test.store.clone()).await, fixture)
}

/// A valid review of fixture product 1, to break one field at a time.
pub fn review() -> Value {
    serde_json::json!({
        "product_id": 1, "rating": 4, "summary": "Nice", "body": "Fits well.", "recommend": true,
        "name": "jackson11", "email": "jackson11@example.com", "photos": [], "characteristics": {"1": 5}
    })
}

/// `body` with `key` set to `value`.
pub fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

/// `body` without `key`.
pub fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().unwrap().remove(key);
    body
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().map(String::as_str).collect()
}

/// Asserts `date` looks like `2019-04-14T00:00:00.000Z`.
pub fn assert_iso_date(date: &Value) {
    let text = date.as_str().unwrap_or_else(|| panic!("date is not a string: {date}"));
    let bytes = text.as_bytes();
    assert_eq!(bytes.len(), 24, "{text}");
    assert!(text.ends_with('Z') && bytes[4] == b'-' && bytes[10] == b'T' && bytes[19] == b'.', "{text}");
}

/// (question id, [answer ids]) of a questions response, answers in key order.
pub fn question_shape(body: &Value) -> Vec<(i64, Vec<i64>)> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let answers = q["answers"].as_object().unwrap();
            for (key, answer) in answers {
                assert_eq!(key, &answer["id"].to_string(), "answers are keyed by their id");
            }
            (
                q["question_id"].as_i64().unwrap(),
                answers.values().map(|a| a["id"].as_i64().unwrap()).collect(),
            )
        })
        .collect()
}

/// The review ids of a reviews response, in order.
pub fn review_ids(body: &Value) -> Vec<i64> {
    body["results"].as_array().unwrap().iter().map(|r| r["review_id"].as_i64().unwrap()).collect()
}

/// Asserts no email address appears anywhere in `body`.
pub fn assert_no_email(body: &Value) {
    assert!(!body.to_string().contains("@example.com"), "an email leaked: {body}");
}
