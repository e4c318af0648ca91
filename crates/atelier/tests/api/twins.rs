//! One answer from both stores: the same odd request, sent to a SQLite and a PostgreSQL app
//! holding the same catalogue, gets the same status and body. A table of requests found by
//! fuzzing, then a few hundred generated ones mixing odd values into every field.

use atelier_core::MAX_HELPFULNESS;
use atelier_testkit::{Fixture, TestApp, TestStore, fixture_batch};
use reqwest::Method;
use serde_json::{Value, json};

use super::{review, with};

/// The fixture with rows whose helpful counts are already at the maximum the importer accepts.
async fn twin_apps() -> (TestApp, TestApp, Vec<TestStore>) {
    let mut batch = fixture_batch();
    let max = i32::try_from(MAX_HELPFULNESS).unwrap();
    batch.reviews.iter_mut().find(|r| r.id == 2).unwrap().helpfulness = max;
    batch.questions.iter_mut().find(|q| q.id == 1).unwrap().helpfulness = max;
    batch.answers.iter_mut().find(|a| a.id == 1).unwrap().helpfulness = max;
    let sqlite = TestStore::sqlite().await;
    let postgres = TestStore::postgres().await;
    Fixture::load(sqlite.store.as_ref(), batch.clone()).await;
    Fixture::load(postgres.store.as_ref(), batch).await;
    let apps = (TestApp::spawn(sqlite.store.clone()).await, TestApp::spawn(postgres.store.clone()).await);
    (apps.0, apps.1, vec![sqlite, postgres])
}

/// Sends one request to both apps and asserts the same answer. New ids are compared by shape
/// only: PostgreSQL spends a sequence value on a rolled-back insert, SQLite does not.
async fn same_on_both(
    sqlite: &TestApp,
    postgres: &TestApp,
    method: Method,
    path: &str,
    body: Option<String>,
) -> u16 {
    let content_type = body.as_ref().map(|_| "application/json");
    let raw = body.clone().unwrap_or_default();
    let lite = sqlite.send(method.clone(), path, content_type, raw.clone()).await;
    let pg = postgres.send(method.clone(), path, content_type, raw).await;
    let shown = body.as_deref().unwrap_or("");
    assert_eq!(lite.0, pg.0, "{method} {path} {shown}: sqlite {} postgres {}", lite.1, pg.1);
    assert!(lite.0 < 500, "{method} {path} {shown}: {}", lite.1);
    if lite.0 == 201 {
        assert_eq!(super::keys(&lite.1), super::keys(&pg.1), "{method} {path} {shown}");
    } else {
        assert_eq!(lite.1, pg.1, "{method} {path} {shown}");
    }
    lite.0
}

fn question() -> Value {
    json!({"product_id": 1, "body": "Warm?", "name": "asker", "email": "asker@example.com"})
}

fn answer() -> Value {
    json!({"body": "Very.", "name": "answerer", "email": "answerer@example.com", "photos": []})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fuzzers_findings_get_one_answer_from_both_stores() {
    let (sqlite, postgres, _stores) = twin_apps().await;
    let both = |method: Method, path: &'static str, body: Option<String>| {
        let (sqlite, postgres) = (&sqlite, &postgres);
        async move { same_on_both(sqlite, postgres, method, path, body).await }
    };

    // U+0000 in any text field: a 400 naming the field on both (it was a 500 on PostgreSQL).
    for key in ["summary", "body", "name", "email"] {
        let status =
            both(Method::POST, "/reviews", Some(with(review(), key, json!("a\u{0}b@c.d")).to_string())).await;
        assert_eq!(status, 400, "review {key}");
    }
    for key in ["body", "name", "email"] {
        assert_eq!(
            both(
                Method::POST,
                "/qa/questions",
                Some(with(question(), key, json!("a\u{0}b@c.d")).to_string())
            )
            .await,
            400
        );
        assert_eq!(
            both(
                Method::POST,
                "/qa/questions/1/answers",
                Some(with(answer(), key, json!("a\u{0}b@c.d")).to_string())
            )
            .await,
            400
        );
    }
    // One characteristic under two spellings: a 400 on both (500 on PostgreSQL, counted twice on SQLite).
    let twice = with(review(), "characteristics", json!({"1": 5, "01": 1})).to_string();
    assert_eq!(both(Method::POST, "/reviews", Some(twice)).await, 400);
    let (_, meta) = sqlite.get("/reviews/meta?product_id=1").await;
    assert_eq!(meta["characteristics"]["Fit"]["value"], "3.6250000000000000", "nothing was counted");
    // A helpful vote at the maximum is accepted and the count stays there (500 on PostgreSQL).
    for path in ["/reviews/2/helpful", "/qa/questions/1/helpful", "/qa/answers/1/helpful"] {
        assert_eq!(both(Method::PUT, path, None).await, 204, "{path}");
        assert_eq!(both(Method::PUT, path, None).await, 204, "{path}");
    }
    let (_, helpful) = postgres.get("/reviews?product_id=1&sort=helpful&count=1").await;
    assert_eq!(helpful["results"][0]["helpfulness"], MAX_HELPFULNESS);
    both(Method::GET, "/reviews?product_id=1&sort=helpful", None).await;
    both(Method::GET, "/reviews?product_id=1&sort=relevant", None).await;
    both(Method::GET, "/qa/questions?product_id=1", None).await;
    both(Method::GET, "/qa/questions/1/answers", None).await;

    // Edges of numbers and ids.
    for path in [
        "/reviews?product_id=9223372036854775807",
        "/reviews?product_id=9223372036854775808",
        "/reviews?product_id=1&page=99999999&count=1000",
        "/reviews?product_id=1&count=1000000000000000000000",
        "/reviews/meta?product_id=%2B1",
        "/qa/questions?product_id=1&page=9223372036854775807",
        "/qa/questions/9223372036854775807/answers",
        "/reviews?product_id=1&sort=",
        "/reviews?product_id=1&sort=%00",
        "/reviews?product_id=%E2%80%AE1",
        "/products?page=9223372036854775807&count=1000",
        "/products?count=1000",
        "/products/1",
        "/products/9223372036854775807",
        "/products/1/styles",
        "/products/2/styles",
        "/products/3/styles",
        "/products/1/related",
        "/api/fec2/hr-rfp/products/1",
    ] {
        both(Method::GET, path, None).await;
    }
    for path in ["/reviews/9223372036854775807/helpful", "/qa/answers/9223372036854775807/report"] {
        assert_eq!(both(Method::PUT, path, None).await, 404);
    }
    for (key, value) in [
        ("product_id", json!(9_223_372_036_854_775_807_i64)),
        ("product_id", json!("9223372036854775808")),
        ("rating", json!(5.0)),
        ("rating", json!("05")),
        ("rating", json!(-0)),
        ("recommend", json!(1)),
        ("photos", json!(["https://e.com/a.jpg", "https://e.com/a.jpg"])),
        ("characteristics", json!({"3": 4})),
        ("characteristics", json!({"9223372036854775807": 4})),
        ("characteristics", json!({"1": "5", "2": 1})),
    ] {
        both(Method::POST, "/reviews", Some(with(review(), key, value).to_string())).await;
    }
    for raw in
        [r#"{"body": "\ud800", "name": "n", "email": "a@b.c", "product_id": 1}"#, "{\"a\":1,\"a\":2}", "{}"]
    {
        both(Method::POST, "/qa/questions", Some(raw.to_owned())).await;
    }
}

/// Odd values a fuzzer tries, for text fields.
const ODD_TEXT: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "é",
    "😀😀😀",
    "\u{202e}reversed",
    "<script>alert(1)</script>",
    "'; DROP TABLE reviews; --",
    "\\",
    "\"quoted\"",
    "\t\n\r",
    "\u{ffff}",
    "a@b",
    "x@example.com",
    "https://example.com/a.jpg",
    "null",
];

/// Odd values for number, boolean and structured fields.
fn odd_value(pick: u64) -> Value {
    let values = [
        json!(null),
        json!(0),
        json!(1),
        json!(5),
        json!(-1),
        json!(6),
        json!(2.5),
        json!(i64::MAX),
        json!(u64::MAX),
        json!("3"),
        json!(true),
        json!("false"),
        json!([]),
        json!(["https://example.com/a.jpg"]),
        json!({"1": 5}),
        json!({"1": 5, "2": 4}),
        json!({"2": 9}),
        json!({}),
    ];
    values[(pick % values.len() as u64) as usize].clone()
}

/// xorshift64*: a fixed sequence, so a failure names a case that can be replayed.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_odd_writes_get_one_answer_from_both_stores() {
    let (sqlite, postgres, _stores) = twin_apps().await;
    let mut cases = Cases(0x5eed_a7e1_1e12);
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for _ in 0..300 {
        let (path, mut body) = match cases.next() % 3 {
            0 => ("/reviews", review()),
            1 => ("/qa/questions", question()),
            _ => ("/qa/questions/1/answers", answer()),
        };
        let keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        // Change one to three fields to an odd text or an odd value.
        for _ in 0..=cases.next() % 3 {
            let key = &keys[(cases.next() % keys.len() as u64) as usize];
            let roll = cases.next();
            body[key] = if roll.is_multiple_of(2) {
                Value::String(
                    ODD_TEXT[(roll / 2 % ODD_TEXT.len() as u64) as usize].repeat(1 + (roll % 7) as usize),
                )
            } else {
                odd_value(roll / 2)
            };
        }
        let status = same_on_both(&sqlite, &postgres, Method::POST, path, Some(body.to_string())).await;
        *statuses.entry(status).or_default() += 1;
    }
    // The generator must reach both the accepting and the refusing paths to mean anything.
    assert!(statuses.get(&201).is_some_and(|n| *n >= 20), "{statuses:?}");
    assert!(statuses.get(&400).is_some_and(|n| *n >= 100), "{statuses:?}");
    // And both stores hold the same catalogue afterwards, new ids and dates aside (PostgreSQL
    // spends sequence values on refused inserts, and each store stamps its own clock).
    for path in [
        "/reviews/meta?product_id=1",
        "/reviews?product_id=1&count=1000&sort=helpful",
        "/qa/questions?product_id=1&count=1000",
        "/qa/questions/1/answers?count=1000",
    ] {
        let (lite, pg) = (sqlite.get(path).await, postgres.get(path).await);
        assert_eq!(lite.0, pg.0, "{path}");
        assert_eq!(without_ids(lite.1), without_ids(pg.1), "{path}");
    }
}

/// `value` with every id and date blanked, and id-keyed maps turned into lists.
fn without_ids(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let id_keyed = !map.is_empty() && map.keys().all(|k| k.bytes().all(|b| b.is_ascii_digit()));
            let entries = map.into_iter().map(|(key, value)| {
                let blank = key.ends_with("id") || key.ends_with("date");
                (key, if blank { Value::Null } else { without_ids(value) })
            });
            if id_keyed { entries.map(|(_, value)| value).collect() } else { entries.collect() }
        }
        Value::Array(items) => items.into_iter().map(without_ids).collect(),
        other => other,
    }
}
