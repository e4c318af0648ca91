//! The paths a healthy store never takes: a store that fails reaches the 500 and 503 bodies,
//! and CORS with configured origins rather than its default.

use std::sync::Arc;

use atelier_api::ApiConfig;
use atelier_testkit::{FailingStore, Failure, SECRET_DETAIL, TestApp, TestStore};
use serde_json::json;

#[tokio::test]
async fn a_store_failure_is_a_json_500_that_tells_nothing_of_its_cause() {
    let app = TestApp::spawn(Arc::new(FailingStore(Failure::Internal))).await;
    let question = json!({"body": "Warm?", "name": "asker", "email": "asker@example.com", "product_id": 1});
    for (status, body) in [
        app.get("/reviews?product_id=1").await,
        app.get("/reviews/meta?product_id=1").await,
        app.get("/qa/questions/1/answers").await,
        app.post("/qa/questions", &question).await,
        app.put("/reviews/1/helpful").await,
    ] {
        assert_eq!((status, body["error"].as_str()), (500, Some("internal")), "{body}");
        assert_eq!(body["message"], "the request failed on the server");
        assert!(!body.to_string().contains("corrupted"), "the cause stays in the log: {body}");
    }
    assert!(SECRET_DETAIL.contains("corrupted"));
}

#[tokio::test]
async fn an_unreachable_store_is_a_json_503() {
    let app = TestApp::spawn(Arc::new(FailingStore(Failure::Unavailable))).await;
    for (status, body) in [app.get("/qa/questions?product_id=1").await, app.put("/qa/answers/1/report").await]
    {
        assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")), "{body}");
        assert!(!body.to_string().contains("corrupted"), "{body}");
    }
}

#[tokio::test]
async fn configured_cors_origins_allow_those_origins_and_no_others() {
    let test = TestStore::sqlite().await;
    let config = ApiConfig { cors_origins: vec!["https://shop.example.com".into()], ..ApiConfig::default() };
    let app = TestApp::spawn_with(test.store.clone(), &config).await;
    let allowed = |origin: &'static str| {
        let request = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/reviews/meta"))
            .header("origin", origin)
            .header("access-control-request-method", "GET");
        async move {
            let response = request.send().await.unwrap();
            response.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned())
        }
    };
    assert_eq!(allowed("https://shop.example.com").await.as_deref(), Some("https://shop.example.com"));
    assert_eq!(allowed("https://evil.example.net").await, None);
}
