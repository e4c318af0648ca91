//! Bad input: every case is a 4xx with the JSON error body naming the field, never a 500.

use atelier_testkit::{TestApp, for_each_store};
use serde_json::{Value, json};

use super::{app_with_fixture, review, with, without};

/// Asserts an error response: the status, the JSON body, and the field it names (if any).
fn assert_error(case: &str, (status, body): (u16, Value), expected_status: u16, field: Option<&str>) {
    assert_eq!(status, expected_status, "{case}: {body}");
    assert!(body["error"].is_string() && body["message"].is_string(), "{case}: {body}");
    if let Some(field) = field {
        assert_eq!(body["field"], field, "{case}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(field),
            "{case}: the message names the field: {body}"
        );
    }
}

async fn bad_gets(app: &TestApp) {
    let cases: &[(&str, u16, Option<&str>)] = &[
        ("/reviews", 400, Some("product_id")),
        ("/reviews?product_id=", 400, Some("product_id")),
        ("/reviews?product_id=-1", 400, Some("product_id")),
        ("/reviews?product_id=0", 400, Some("product_id")),
        ("/reviews?product_id=abc", 400, Some("product_id")),
        ("/reviews?product_id=1.5", 400, Some("product_id")),
        ("/reviews?product_id=99999999999999999999999", 400, Some("product_id")),
        ("/reviews?product_id=1&page=0", 400, Some("page")),
        ("/reviews?product_id=1&page=-2", 400, Some("page")),
        ("/reviews?product_id=1&count=-1", 400, Some("count")),
        ("/reviews?product_id=1&count=0", 400, Some("count")),
        ("/reviews?product_id=1&count=many", 400, Some("count")),
        ("/reviews?product_id=1&sort=oldest", 400, Some("sort")),
        ("/reviews?product_id=1&page=9223372036854775807&count=10", 400, Some("page")),
        ("/reviews/meta", 400, Some("product_id")),
        ("/reviews/meta?product_id=x", 400, Some("product_id")),
        ("/reviews/abc/list", 400, Some("product_id")),
        ("/reviews/-4/meta", 400, Some("product_id")),
        ("/qa/questions", 400, Some("product_id")),
        ("/qa/questions?product_id=0", 400, Some("product_id")),
        ("/qa/questions?product_id=1&count=-1", 400, Some("count")),
        ("/qa/questions/99999999999999999999/answers", 400, Some("question_id")),
        ("/qa/questions/abc/answers", 400, Some("question_id")),
        ("/qa/questions/1/answers?page=0", 400, Some("page")),
        ("/qa/%F0%9F%90%88", 400, Some("product_id")),
        ("/reviews?product_id=999", 404, None),
        ("/reviews/meta?product_id=999", 404, None),
        ("/qa/questions?product_id=999", 404, None),
        ("/qa/questions/999/answers", 404, None),
        ("/no/such/route", 404, None),
    ];
    for &(path, status, field) in cases {
        assert_error(path, app.get(path).await, status, field);
    }
}

async fn bad_puts(app: &TestApp) {
    let cases: &[(&str, u16, Option<&str>)] = &[
        ("/reviews/abc/helpful", 400, Some("review_id")),
        ("/reviews/0/report", 400, Some("review_id")),
        ("/reviews/helpful/99999999999999999999", 400, Some("review_id")),
        ("/qa/questions/-1/helpful", 400, Some("question_id")),
        ("/qa/answers/x/report", 400, Some("answer_id")),
        ("/reviews/999/helpful", 404, None),
        ("/qa/answers/999/helpful", 404, None),
    ];
    for &(path, status, field) in cases {
        assert_error(path, app.put(path).await, status, field);
    }
    let deleted = app.client.delete(app.url("/reviews?product_id=1")).send().await.unwrap();
    assert_eq!(deleted.status().as_u16(), 405);
    let body: Value = deleted.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
}

async fn bad_review_bodies(app: &TestApp) {
    let long = |n: usize| Value::String("x".repeat(n));
    let six_photos = json!([
        "https://e.com/1.jpg",
        "https://e.com/2.jpg",
        "https://e.com/3.jpg",
        "https://e.com/4.jpg",
        "https://e.com/5.jpg",
        "https://e.com/6.jpg"
    ]);
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        ("rating 6", with(review(), "rating", json!(6)), Some("rating")),
        ("rating 0", with(review(), "rating", json!(0)), Some("rating")),
        ("rating 4.5", with(review(), "rating", json!(4.5)), Some("rating")),
        ("rating text", with(review(), "rating", json!("five")), Some("rating")),
        ("no rating", without(review(), "rating"), Some("rating")),
        ("product negative", with(review(), "product_id", json!(-5)), Some("product_id")),
        ("product zero", with(review(), "product_id", json!(0)), Some("product_id")),
        ("product enormous", with(review(), "product_id", json!(1e30)), Some("product_id")),
        ("product text", with(review(), "product_id", json!("abc")), Some("product_id")),
        ("no product", without(review(), "product_id"), Some("product_id")),
        ("summary 61", with(review(), "summary", long(61)), Some("summary")),
        ("summary number", with(review(), "summary", json!(5)), Some("summary")),
        ("body empty", with(review(), "body", json!("")), Some("body")),
        ("body blank", with(review(), "body", json!("   ")), Some("body")),
        ("body 1001", with(review(), "body", long(1001)), Some("body")),
        ("name 61", with(review(), "name", long(61)), Some("name")),
        ("no name", without(review(), "name"), Some("name")),
        ("email bad", with(review(), "email", json!("not-an-email")), Some("email")),
        (
            "email 61",
            with(review(), "email", Value::String(format!("{}@e.com", "x".repeat(56)))),
            Some("email"),
        ),
        ("recommend maybe", with(review(), "recommend", json!("maybe")), Some("recommend")),
        ("no recommend", without(review(), "recommend"), Some("recommend")),
        ("six photos", with(review(), "photos", six_photos.clone()), Some("photos")),
        ("photos not array", with(review(), "photos", json!("https://e.com/1.jpg")), Some("photos")),
        ("photo ftp", with(review(), "photos", json!(["ftp://e.com/1.jpg"])), Some("photos[0]")),
        (
            "photo not url",
            with(review(), "photos", json!(["https://e.com/1.jpg", "me.jpg"])),
            Some("photos[1]"),
        ),
        ("photo number", with(review(), "photos", json!([7])), Some("photos[0]")),
        ("characteristic 6", with(review(), "characteristics", json!({"1": 6})), Some("characteristics.1")),
        (
            "characteristic id",
            with(review(), "characteristics", json!({"abc": 3})),
            Some("characteristics.abc"),
        ),
        ("characteristics list", with(review(), "characteristics", json!([5])), Some("characteristics")),
    ];
    for (case, body, field) in cases {
        assert_error(case, app.post("/reviews", &body).await, 400, field);
    }
    for (case, raw) in [
        ("malformed", "{\"product_id\": "),
        ("array", "[1, 2]"),
        ("string", "\"text\""),
        ("empty", ""),
        ("null", "null"),
    ] {
        assert_error(case, app.post_raw("/reviews", raw).await, 400, None);
    }
    let oversized = with(review(), "body", Value::String("x".repeat(100_000)));
    assert_error("oversized", app.post("/reviews", &oversized).await, 413, None);
    assert_error(
        "unknown product",
        app.post("/reviews", &with(review(), "product_id", json!(999))).await,
        404,
        None,
    );
    assert_error("legacy bad path", app.post("/reviews/abc", &review()).await, 400, Some("product_id"));
}

async fn bad_qa_bodies(app: &TestApp) {
    let question =
        json!({"body": "Is it warm?", "name": "asker", "email": "asker@example.com", "product_id": 1});
    let answer = json!({"body": "Very.", "name": "answerer", "email": "answerer@example.com", "photos": []});
    let cases: Vec<(&str, &str, Value, Option<&str>)> = vec![
        ("question empty body", "/qa/questions", with(question.clone(), "body", json!("")), Some("body")),
        (
            "question body 1001",
            "/qa/questions",
            with(question.clone(), "body", Value::String("q".repeat(1001))),
            Some("body"),
        ),
        ("question no email", "/qa/questions", without(question.clone(), "email"), Some("email")),
        (
            "question bad product",
            "/qa/questions",
            with(question.clone(), "product_id", json!("abc")),
            Some("product_id"),
        ),
        (
            "question product 0",
            "/qa/questions",
            with(question.clone(), "product_id", json!(0)),
            Some("product_id"),
        ),
        (
            "answer empty body",
            "/qa/questions/1/answers",
            with(answer.clone(), "body", json!(" ")),
            Some("body"),
        ),
        (
            "answer name 61",
            "/qa/questions/1/answers",
            with(answer.clone(), "name", Value::String("n".repeat(61))),
            Some("name"),
        ),
        (
            "answer six photos",
            "/qa/questions/1/answers",
            with(
                answer.clone(),
                "photos",
                json!([
                    "https://a.b/1",
                    "https://a.b/2",
                    "https://a.b/3",
                    "https://a.b/4",
                    "https://a.b/5",
                    "https://a.b/6"
                ]),
            ),
            Some("photos"),
        ),
        (
            "answer bad photo",
            "/qa/questions/1/answers",
            with(answer.clone(), "photos", json!(["javascript:alert(1)"])),
            Some("photos[0]"),
        ),
        (
            "answer question overflow",
            "/qa/questions/99999999999999999999/answers",
            answer.clone(),
            Some("question_id"),
        ),
    ];
    for (case, path, body, field) in cases {
        assert_error(case, app.post(path, &body).await, 400, field);
    }
    assert_error("question not object", app.post_raw("/qa/questions", "[]").await, 400, None);
}

/// Odd inputs thrown at every route: whatever they are, the answer is never a 5xx.
async fn nothing_produces_a_server_error(app: &TestApp) {
    let values = [
        "",
        "0",
        "-0",
        "+1",
        "1e3",
        "0x10",
        "%00",
        "%",
        "1%2F2",
        "NaN",
        "9223372036854775808",
        "１",
        " 1",
        "1 ",
        "true",
        "[]",
    ];
    for value in values {
        for path in [
            format!("/reviews?product_id={value}"),
            format!("/reviews?product_id=1&page={value}&count={value}"),
            format!("/reviews?product_id=1&sort={value}"),
            format!("/reviews/meta?product_id={value}"),
            format!("/qa/questions?product_id={value}"),
            format!("/qa/questions/{value}/answers"),
            format!("/reviews/{value}/list"),
        ] {
            let (status, body) = app.get(&path).await;
            assert!((200..500).contains(&status), "{path}: {status} {body}");
        }
        let (status, body) = app.put(&format!("/reviews/{value}/helpful")).await;
        assert!((200..500).contains(&status), "PUT {value}: {status} {body}");
    }
    for raw in [
        "{",
        "}",
        "{}",
        "{\"rating\": {}}",
        "{\"product_id\": [1]}",
        "{\"product_id\": 1, \"characteristics\": {\"1\": null}}",
        "\u{0}",
        "{\"a\":1e999}",
    ] {
        for path in ["/reviews", "/qa/questions", "/qa/questions/1/answers"] {
            let (status, body) = app.post_raw(path, raw).await;
            assert!((400..500).contains(&status), "{path} {raw:?}: {status} {body}");
        }
    }
}

for_each_store! {
    async fn bad_query_parameters_and_paths_are_named_in_a_4xx(test) {
        let (app, _) = app_with_fixture(&test).await;
        bad_gets(&app).await;
        bad_puts(&app).await;
    }

    async fn bad_review_bodies_are_named_in_a_400_and_write_nothing(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (_, before) = app.get("/reviews/meta?product_id=1").await;
        bad_review_bodies(&app).await;
        assert_eq!(app.get("/reviews/meta?product_id=1").await.1, before);
    }

    async fn bad_question_and_answer_bodies_are_named_in_a_400(test) {
        let (app, _) = app_with_fixture(&test).await;
        bad_qa_bodies(&app).await;
    }

    async fn no_input_produces_a_server_error(test) {
        let (app, _) = app_with_fixture(&test).await;
        nothing_produces_a_server_error(&app).await;
    }
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_with_the_json_body() {
    // Port 9 (discard) has no PostgreSQL: every connection attempt is refused.
    let store = atelier_store_postgres::PgStore::connect("postgres://postgres@127.0.0.1:9/test", 2).unwrap();
    let app = TestApp::spawn(std::sync::Arc::new(store)).await;
    for path in ["/reviews/meta?product_id=1", "/reviews?product_id=1", "/qa/questions?product_id=1"] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")), "{path}: {body}");
        assert!(!body["message"].as_str().unwrap().contains("127.0.0.1"), "no internals: {body}");
    }
    assert_eq!(app.put("/reviews/1/helpful").await.0, 503);
}
