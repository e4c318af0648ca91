//! The loose inputs of shipped clients, answered as the original host did: one trailing slash,
//! quoted query values, url-encoded form bodies; and the OpenAPI document and docs page.

use atelier_testkit::{TestApp, for_each_store};
use reqwest::Method;
use serde_json::{Value, json};

use super::{app_with_fixture, review_ids};

/// Asserts `with` answers exactly as `without`: status and body.
async fn same_answer(app: &TestApp, method: Method, with: &str, without: &str, body: Option<&Value>) {
    let content_type = body.map(|_| "application/json");
    let raw = body.map_or_else(String::new, Value::to_string);
    let (status_with, body_with) = app.send(method.clone(), with, content_type, raw.clone()).await;
    let (status_without, body_without) = app.send(method.clone(), without, content_type, raw).await;
    assert_eq!(status_with, status_without, "{method} {with}: {body_with}");
    // Writes return fresh ids: compare the shape of those.
    if status_with == 201 {
        assert_eq!(crate::keys(&body_with), crate::keys(&body_without), "{method} {with}");
    } else {
        assert_eq!(body_with, body_without, "{method} {with}");
    }
}

for_each_store! {
    async fn a_trailing_slash_is_the_same_route_on_every_method_and_under_the_prefix(test) {
        let (app, _) = app_with_fixture(&test).await;
        let question = json!({"body": "Warm?", "name": "asker", "email": "asker@example.com", "product_id": 1});
        let answer = json!({"body": "Very.", "name": "answerer", "email": "answerer@example.com"});
        let review = json!({
            "product_id": 1, "rating": 4, "body": "Fits well.", "recommend": true,
            "name": "jackson11", "email": "jackson11@example.com"
        });
        let gets = [
            "/reviews/?page=1&count=100&sort=relevant&product_id=1",
            "/reviews/meta/?product_id=1",
            "/qa/questions/?product_id=1",
            "/qa/questions/1/answers/",
            "/reviews/1/list/",
            "/qa/1/",
            "/api/fec2/hr-lax/reviews/?page=1&count=100&sort=relevant&product_id=1",
            "/api/fec2/hr-lax/reviews/meta/?product_id=1",
        ];
        for with in gets {
            let without = with.replacen("/?", "?", 1);
            let without = without.strip_suffix('/').unwrap_or(&without);
            assert_ne!(with, without);
            let (status, _) = app.get(with).await;
            assert_eq!(status, 200, "GET {with}");
            same_answer(&app, Method::GET, with, without, None).await;
        }
        same_answer(&app, Method::POST, "/qa/questions/", "/qa/questions", Some(&question)).await;
        same_answer(&app, Method::POST, "/reviews/", "/reviews", Some(&review)).await;
        same_answer(&app, Method::POST, "/api/fec2/hr-lax/qa/questions/1/answers/", "/qa/questions/1/answers", Some(&answer)).await;
        for put in ["/reviews/1/helpful/", "/qa/questions/1/helpful/", "/qa/answers/1/report/", "/api/fec2/x/reviews/report/2/"] {
            let (status, _) = app.put(put).await;
            assert_eq!(status, 204, "PUT {put}");
        }
        let health = app.client.get(app.url("/api/fec2/x/health/")).send().await.unwrap();
        assert_eq!((health.status().as_u16(), health.text().await.unwrap()), (200, "ok".to_owned()));
        let (status, body) = app.post("/qa/questions/", &question).await;
        assert_eq!((status, crate::keys(&body)), (201, vec!["question_id"]), "no redirect: the body arrived");
        // A CORS preflight on a slashed path is answered, not redirected.
        let preflight = app
            .client
            .request(Method::OPTIONS, app.url("/api/fec2/hr-lax/reviews/"))
            .header("origin", "http://localhost:8080")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status().as_u16(), 200);
        assert!(preflight.headers().contains_key("access-control-allow-origin"));
    }

    async fn a_quoted_query_value_is_the_bare_value(test) {
        let (app, _) = app_with_fixture(&test).await;
        let pairs = [
            ("/reviews?product_id=1&sort=%22newest%22", "/reviews?product_id=1&sort=newest"),
            ("/reviews?product_id=1&sort=\"helpful\"&count=\"2\"&page='2'", "/reviews?product_id=1&sort=helpful&count=2&page=2"),
            ("/reviews/meta?product_id=%221%22", "/reviews/meta?product_id=1"),
            ("/qa/questions?product_id='1'&count=%221%22", "/qa/questions?product_id=1&count=1"),
            ("/qa/questions/1/answers?page=\"1\"&count='5'", "/qa/questions/1/answers?page=1&count=5"),
        ];
        for (quoted, bare) in pairs {
            let (status, body) = app.get(quoted).await;
            assert_eq!(status, 200, "{quoted}: {body}");
            assert_eq!((status, body), app.get(bare).await, "{quoted}");
        }
        let (status, body) = app.get("/reviews?product_id=1&sort=%22oldest%22").await;
        assert_eq!((status, body["field"].as_str()), (400, Some("sort")), "{body}");
    }

    async fn a_url_encoded_review_is_read_like_json(test) {
        let (app, _) = app_with_fixture(&test).await;
        let form = "product_id=1&rating=2&summary=Form+post&body=Posted+as+a+form.&recommend=false\
                    &name=former&email=former%40example.com\
                    &photos[]=https%3A%2F%2Fexample.com%2Fform1.jpg&photos%5B%5D=https://example.com/form2.jpg\
                    &characteristics[1]=3&characteristics%5B2%5D=4";
        let (status, body) = app.post_form("/reviews", form).await;
        assert_eq!(status, 201, "{body}");
        let id = body["review_id"].as_i64().unwrap();
        let (_, list) = app.get("/reviews?product_id=1&sort=newest&count=1").await;
        assert_eq!(review_ids(&list), [id]);
        let posted = &list["results"][0];
        assert_eq!((posted["rating"].as_i64(), posted["recommend"].as_bool()), (Some(2), Some(false)));
        assert_eq!(posted["body"], "Posted as a form.");
        let urls: Vec<&str> = posted["photos"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap()).collect();
        assert_eq!(urls, ["https://example.com/form1.jpg", "https://example.com/form2.jpg"]);
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        // Fit had 8 scores summing to 29 and Length 3 summing to 11 in the fixture.
        assert_eq!(meta["characteristics"]["Fit"]["value"], "3.5555555555555556");
        assert_eq!(meta["characteristics"]["Length"]["value"], "3.7500000000000000");
        let (status, body) = app.post_form("/reviews/4", "rating=5&body=Legacy+form&recommend=true&name=n&email=n%40e.com").await;
        assert_eq!(status, 201, "the 2020 route takes a form too: {body}");
    }

    async fn url_encoded_questions_and_answers_are_read_like_json(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, body) = app.post_form("/qa/questions", "body=Warm%3F&name=asker&email=asker%40example.com&product_id=4").await;
        assert_eq!(status, 201, "{body}");
        let answer = "body=Very+warm.&name=answerer&email=a%40example.com&photos[1]=https://example.com/b.jpg&photos[0]=https://example.com/a.jpg";
        let (status, body) = app.post_form("/qa/questions/10/answers", answer).await;
        assert_eq!(status, 201, "{body}");
        let (_, answers) = app.get("/qa/questions/10/answers").await;
        let urls: Vec<&str> =
            answers["results"][0]["photos"].as_array().unwrap().iter().map(|p| p["url"].as_str().unwrap()).collect();
        assert_eq!(urls, ["https://example.com/a.jpg", "https://example.com/b.jpg"], "indexed photos keep their order");
    }

    async fn a_bad_form_gets_the_same_error_as_the_same_json(test) {
        let (app, _) = app_with_fixture(&test).await;
        let base = "product_id=1&body=Text&recommend=true&name=n&email=n%40e.com";
        let cases = [
            (format!("{base}&rating=6"), json!({"product_id": 1, "body": "Text", "recommend": true, "name": "n", "email": "n@e.com", "rating": 6})),
            (format!("{base}&rating=4&photos[]=ftp://x.com/a.jpg"), json!({"product_id": 1, "body": "Text", "recommend": true, "name": "n", "email": "n@e.com", "rating": 4, "photos": ["ftp://x.com/a.jpg"]})),
            (format!("{base}&rating=4&characteristics[9]=3"), json!({"product_id": 1, "body": "Text", "recommend": true, "name": "n", "email": "n@e.com", "rating": 4, "characteristics": {"9": 3}})),
            (format!("{base}&rating=4&recommend=maybe"), json!({"product_id": 1, "body": "Text", "recommend": "maybe", "name": "n", "email": "n@e.com", "rating": 4})),
        ];
        for (form, json) in cases {
            let (form_status, form_body) = app.post_form("/reviews", &form).await;
            let (json_status, json_body) = app.post("/reviews", &json).await;
            assert_eq!(form_status, 400, "{form}: {form_body}");
            assert_eq!((form_status, form_body["field"].clone()), (json_status, json_body["field"].clone()), "{form}");
        }
        let (status, body) = app.post_form("/reviews", &format!("{base}&rating=4&rating=5")).await;
        assert_eq!((status, body["field"].as_str()), (400, Some("rating")), "a repeated scalar is refused: {body}");
        let (status, body) = app.post_form("/reviews", &format!("{base}&rating=4&photos=a&photos[0]=b")).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("malformed_form")), "{body}");
    }

    async fn a_body_of_another_content_type_is_a_clear_415(test) {
        let (app, _) = app_with_fixture(&test).await;
        let question = json!({"body": "Warm?", "name": "asker", "email": "asker@example.com", "product_id": 1}).to_string();
        for content_type in ["multipart/form-data; boundary=x", "application/xml", "image/png"] {
            let (status, body) = app.send(Method::POST, "/qa/questions", Some(content_type), question.clone()).await;
            assert_eq!((status, body["error"].as_str()), (415, Some("unsupported_media_type")), "{content_type}: {body}");
            assert!(body["message"].as_str().unwrap().contains("application/x-www-form-urlencoded"), "{body}");
        }
        // JSON without a content type, or as text/plain (what fetch sends for a string), still works.
        for content_type in [None, Some("text/plain;charset=UTF-8"), Some("application/json; charset=utf-8")] {
            let (status, body) = app.send(Method::POST, "/qa/questions", content_type, question.clone()).await;
            assert_eq!(status, 201, "{content_type:?}: {body}");
        }
        let (status, body) = app.send(Method::POST, "/qa/questions", None, "body=x").await;
        assert_eq!((status, body["error"].as_str()), (400, Some("malformed_json")), "{body}");
    }

    async fn the_openapi_document_lists_every_route_and_the_docs_page_is_served(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, doc) = app.get("/openapi.json").await;
        assert_eq!(status, 200);
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        for (path, method) in [
            ("/reviews", "get"), ("/reviews", "post"), ("/reviews/meta", "get"),
            ("/reviews/{review_id}/helpful", "put"), ("/reviews/{review_id}/report", "put"),
            ("/qa/questions", "get"), ("/qa/questions", "post"),
            ("/qa/questions/{question_id}/answers", "get"), ("/qa/questions/{question_id}/answers", "post"),
            ("/qa/questions/{question_id}/helpful", "put"), ("/qa/questions/{question_id}/report", "put"),
            ("/qa/answers/{answer_id}/helpful", "put"), ("/qa/answers/{answer_id}/report", "put"),
            ("/reviews/{product_id}/list", "get"), ("/reviews/{product_id}/meta", "get"),
            ("/reviews/{product_id}", "post"), ("/reviews/helpful/{review_id}", "put"),
            ("/reviews/report/{review_id}", "put"), ("/qa/{product_id}", "get"),
            ("/qa/{question_id}/answers", "post"), ("/health", "get"),
        ] {
            assert!(paths.get(path).and_then(|item| item.get(method)).is_some(), "{method} {path} is documented");
        }
        let schemas = &doc["components"]["schemas"];
        // The odd value types of the contract: meta counts are strings; two photo shapes.
        assert_eq!(schemas["ReviewMeta"]["properties"]["ratings"]["properties"]["3"]["type"], "string");
        assert_eq!(schemas["EmbeddedAnswer"]["properties"]["photos"]["items"]["type"], "string");
        assert_eq!(schemas["Answer"]["properties"]["photos"]["items"]["$ref"], "#/components/schemas/Photo");
        assert_eq!(schemas["Error"]["required"], json!(["error", "message"]));
        assert_eq!(doc["servers"][1]["url"], "/api/fec2/{campus}");
        // Every documented example body is accepted, as JSON and as a form.
        let example = &schemas["NewQuestion"]["example"];
        assert_eq!(app.post("/qa/questions", example).await.0, 201, "{example}");
        let page = app.client.get(app.url("/docs/")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("swagger-ui"), "the vendored Swagger UI");
        let script = app.client.get(app.url("/docs/swagger-initializer.js")).send().await.unwrap();
        assert!(script.text().await.unwrap().contains("/openapi.json"), "the page reads the document");
    }

    async fn every_documented_example_body_is_accepted_as_json_and_as_a_form(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (_, doc) = app.get("/openapi.json").await;
        for (schema, path) in [("NewReview", "/reviews"), ("NewQuestion", "/qa/questions"), ("NewAnswer", "/qa/questions/1/answers")] {
            let example = &doc["components"]["schemas"][schema]["example"];
            let (status, body) = app.post(path, example).await;
            assert_eq!(status, 201, "{schema} as JSON: {body}");
            let (status, body) = app.post_form(path, &as_form(example)).await;
            assert_eq!(status, 201, "{schema} as a form: {body}");
        }
    }
}

/// A JSON object as a url-encoded form, arrays in `key[]` notation and maps as `key[sub]`.
fn as_form(object: &Value) -> String {
    let mut form = Vec::new();
    for (key, value) in object.as_object().unwrap() {
        let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        match value {
            Value::Array(items) => items.iter().for_each(|item| form.push((format!("{key}[]"), text(item)))),
            Value::Object(map) => {
                map.iter().for_each(|(sub, item)| form.push((format!("{key}[{sub}]"), text(item))))
            }
            other => form.push((key.clone(), text(other))),
        }
    }
    form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish()
}
