//! The Ratings & Reviews endpoints.

use atelier_core::input::ReviewSort;
use atelier_core::tables::{Batch, CharacteristicReviewRow, CharacteristicRow, ProductRow, ReviewRow};
use atelier_testkit::{Fixture, TestApp, for_each_store};
use serde_json::{Value, json};

use super::{app_with_fixture, assert_iso_date, assert_no_email, keys, review_ids};

fn valid_review() -> Value {
    json!({
        "product_id": 1, "rating": 4, "summary": "Nice", "body": "Fits well, warm enough.",
        "recommend": true, "name": "jackson11", "email": "jackson11@example.com",
        "photos": ["https://example.com/a.jpg"], "characteristics": {"1": 5, "2": 4}
    })
}

/// Product 1 with two characteristics both named "Fit" (ids 5 and 3, written out of order), as
/// a hand-edited or merged file can have, each rated by the one review with a different score.
fn product_with_a_repeated_characteristic_name() -> Batch {
    Batch {
        products: vec![ProductRow {
            id: 1,
            name: "Twice fitted".into(),
            default_price: "1".into(),
            ..Default::default()
        }],
        characteristics: vec![
            CharacteristicRow { id: 5, product_id: 1, name: "Fit".into() },
            CharacteristicRow { id: 3, product_id: 1, name: "Fit".into() },
            CharacteristicRow { id: 4, product_id: 1, name: "Length".into() },
        ],
        reviews: vec![ReviewRow {
            id: 1,
            product_id: 1,
            rating: 4,
            date_ms: 1,
            recommend: true,
            ..Default::default()
        }],
        characteristic_reviews: vec![
            CharacteristicReviewRow { id: 1, characteristic_id: 5, review_id: 1, value: 1 },
            CharacteristicReviewRow { id: 2, characteristic_id: 3, review_id: 1, value: 5 },
            CharacteristicReviewRow { id: 3, characteristic_id: 4, review_id: 1, value: 2 },
        ],
        ..Batch::default()
    }
}

for_each_store! {
    async fn meta_shows_one_key_per_characteristic_name_the_lowest_id_first(test) {
        Fixture::load(test.store.as_ref(), product_with_a_repeated_characteristic_name()).await;
        let app = TestApp::spawn(test.store.clone()).await;
        let (status, meta) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(status, 200, "{meta}");
        assert_eq!(keys(&meta["characteristics"]), ["Fit", "Length"]);
        assert_eq!(meta["characteristics"]["Fit"], json!({"id": 3, "value": "5.0000000000000000"}));
        assert_eq!(meta["characteristics"]["Length"], json!({"id": 4, "value": "2.0000000000000000"}));
    }

    async fn a_review_list_has_the_exact_shape_and_types(test) {
        let (app, fixture) = app_with_fixture(&test).await;
        let (status, body) = app.get("/reviews?product_id=1&sort=newest&count=100").await;
        assert_eq!(status, 200);
        assert_eq!(keys(&body), ["product", "page", "count", "results"]);
        assert_eq!((body["product"].clone(), body["page"].clone(), body["count"].clone()), (json!("1"), json!(1), json!(100)));
        assert_eq!(review_ids(&body), fixture.expected_reviews(1, ReviewSort::Newest));
        for review in body["results"].as_array().unwrap() {
            assert_eq!(
                keys(review),
                ["review_id", "rating", "summary", "recommend", "response", "body", "date", "reviewer_name", "helpfulness", "photos"]
            );
            assert!(review["review_id"].is_i64() && review["rating"].is_i64() && review["helpfulness"].is_i64());
            assert!(review["summary"].is_string() && review["body"].is_string() && review["reviewer_name"].is_string());
            assert!(review["recommend"].is_boolean());
            assert!(review["response"].is_string() || review["response"].is_null());
            assert_iso_date(&review["date"]);
            for photo in review["photos"].as_array().unwrap() {
                assert_eq!(keys(photo), ["id", "url"]);
                assert!(photo["id"].is_i64() && photo["url"].is_string());
            }
        }
        let first = body["results"].as_array().unwrap().iter().find(|r| r["review_id"] == 1).unwrap();
        assert_eq!(first["photos"], json!([{"id": 1, "url": "https://example.com/r1a.jpg"}, {"id": 2, "url": "https://example.com/r1b.jpg"}]));
        assert_eq!(first["date"], "2020-09-23T12:26:40.000Z");
        assert_eq!(first["response"], Value::Null);
        assert_no_email(&body);
    }

    async fn every_sort_order_and_the_defaults_are_served(test) {
        let (app, fixture) = app_with_fixture(&test).await;
        for (name, sort) in [("newest", ReviewSort::Newest), ("helpful", ReviewSort::Helpful), ("relevant", ReviewSort::Relevant)] {
            let (_, body) = app.get(&format!("/reviews?product_id=1&sort={name}&count=50")).await;
            assert_eq!(review_ids(&body), fixture.expected_reviews(1, sort), "{name}");
        }
        let (_, body) = app.get("/reviews?product_id=1").await;
        assert_eq!((body["page"].clone(), body["count"].clone()), (json!(1), json!(5)));
        let relevant = fixture.expected_reviews(1, ReviewSort::Relevant);
        assert_eq!(review_ids(&body), relevant[..5]);
    }

    async fn a_count_above_the_cap_is_served_as_the_cap(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, body) = app.get("/reviews?product_id=1&count=1000000").await;
        assert_eq!((status, body["count"].clone()), (200, json!(1000)));
    }

    async fn pages_over_http_neither_overlap_nor_leave_gaps(test) {
        let (app, fixture) = app_with_fixture(&test).await;
        let mut seen = Vec::new();
        for page in 1..=10 {
            let (_, body) = app.get(&format!("/reviews?product_id=1&sort=helpful&count=3&page={page}")).await;
            assert_eq!(body["page"], page);
            seen.extend(review_ids(&body));
        }
        assert_eq!(seen, fixture.expected_reviews(1, ReviewSort::Helpful));
    }

    async fn meta_is_zero_padded_with_string_counts_and_sixteen_place_averages(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, body) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(status, 200);
        // Product 1 (reported review 4 included): ratings 5,4,1,3,2,5,4,5; Fit 29/8; Length 11/3.
        assert_eq!(
            body,
            json!({
                "product_id": "1",
                "ratings": {"1": "1", "2": "1", "3": "1", "4": "2", "5": "3"},
                "recommended": {"false": "3", "true": "5"},
                "characteristics": {
                    "Fit": {"id": 1, "value": "3.6250000000000000"},
                    "Length": {"id": 2, "value": "3.6666666666666667"}
                }
            })
        );
        let (_, empty) = app.get("/reviews/meta?product_id=2").await;
        assert_eq!(
            empty,
            json!({
                "product_id": "2",
                "ratings": {"1": "0", "2": "0", "3": "0", "4": "0", "5": "0"},
                "recommended": {"false": "0", "true": "0"},
                "characteristics": {"Size": {"id": 3, "value": null}}
            })
        );
        let (_, bare) = app.get("/reviews/meta?product_id=3").await;
        assert_eq!(bare["characteristics"], json!({}));
    }

    async fn a_posted_review_is_visible_at_once_in_the_list_and_meta(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, created) = app.post("/reviews", &valid_review()).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(keys(&created), ["review_id"]);
        let id = created["review_id"].as_i64().unwrap();
        let (_, list) = app.get("/reviews?product_id=1&sort=newest&count=1").await;
        let review = &list["results"][0];
        assert_eq!(review["review_id"], id);
        assert_eq!((review["rating"].clone(), review["summary"].clone(), review["response"].clone()), (json!(4), json!("Nice"), Value::Null));
        assert_eq!(review["photos"][0]["url"], "https://example.com/a.jpg");
        assert_no_email(&list);
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(meta["ratings"]["4"], "3");
        assert_eq!(meta["recommended"]["true"], "6");
        assert_eq!(meta["characteristics"]["Fit"]["value"], "3.7777777777777778"); // 34/9
        assert_eq!(meta["characteristics"]["Length"]["value"], "3.7500000000000000"); // 15/4
    }

    async fn a_review_rating_another_products_characteristic_is_rejected_and_nothing_written(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (_, before_meta) = app.get("/reviews/meta?product_id=1").await;
        let (_, before_list) = app.get("/reviews?product_id=1&count=100").await;
        let mut review = valid_review();
        review["characteristics"] = json!({"1": 5, "3": 4});
        let (status, error) = app.post("/reviews", &review).await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["field"], "characteristics.3");
        assert_eq!(app.get("/reviews/meta?product_id=1").await.1, before_meta);
        assert_eq!(app.get("/reviews?product_id=1&count=100").await.1, before_list);
        assert_eq!(app.get("/reviews/meta?product_id=2").await.1["characteristics"]["Size"]["value"], Value::Null);
    }

    async fn helpful_and_report_answer_204_and_take_effect(test) {
        let (app, _) = app_with_fixture(&test).await;
        assert_eq!(app.put("/reviews/2/helpful").await, (204, Value::Null));
        let (_, list) = app.get("/reviews?product_id=1&sort=helpful&count=100").await;
        let two = list["results"].as_array().unwrap().iter().find(|r| r["review_id"] == 2).unwrap().clone();
        assert_eq!(two["helpfulness"], 1);
        assert_eq!(app.put("/reviews/2/report").await, (204, Value::Null));
        let (_, list) = app.get("/reviews?product_id=1&count=100").await;
        assert!(!review_ids(&list).contains(&2));
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(meta["ratings"]["4"], "2", "a reported review still counts in meta");
        assert_eq!(app.put("/reviews/999/helpful").await.0, 404);
        assert_eq!(app.put("/reviews/999/report").await.0, 404);
    }

    async fn a_thousand_concurrent_helpful_puts_add_exactly_a_thousand(test) {
        let (app, _) = app_with_fixture(&test).await;
        let puts = (0..1000).map(|_| app.client.put(app.url("/reviews/5/helpful")).send());
        for response in futures_util::future::join_all(puts).await {
            assert_eq!(response.unwrap().status().as_u16(), 204);
        }
        let (_, list) = app.get("/reviews?product_id=1&sort=helpful&count=1").await;
        assert_eq!((list["results"][0]["review_id"].clone(), list["results"][0]["helpfulness"].clone()), (json!(5), json!(1000)));
    }

    async fn the_2020_routes_answer_like_the_current_ones(test) {
        let (app, _) = app_with_fixture(&test).await;
        assert_eq!(app.get("/reviews/1/list?sort=newest&count=3").await, app.get("/reviews?product_id=1&sort=newest&count=3").await);
        assert_eq!(app.get("/reviews/1/meta").await, app.get("/reviews/meta?product_id=1").await);
        let mut review = valid_review();
        review.as_object_mut().unwrap().remove("product_id");
        review["characteristics"] = json!({});
        let (status, created) = app.post("/reviews/4", &review).await;
        assert_eq!(status, 201, "{created}");
        let (_, list) = app.get("/reviews/4/list?sort=newest").await;
        assert_eq!(list["results"][0]["review_id"], created["review_id"]);
        assert_eq!(app.put("/reviews/helpful/20").await.0, 204);
        assert_eq!(app.put("/reviews/report/20").await.0, 204);
        let (_, list) = app.get("/reviews/4/list").await;
        assert_eq!(review_ids(&list), [created["review_id"].as_i64().unwrap()]);
    }

    async fn every_route_is_also_served_under_the_campus_prefix(test) {
        let (app, _) = app_with_fixture(&test).await;
        assert_eq!(app.get("/api/fec2/hr-rfe/reviews/meta?product_id=1").await, app.get("/reviews/meta?product_id=1").await);
        assert_eq!(app.get("/api/fec2/hr-rfe/reviews?product_id=1").await, app.get("/reviews?product_id=1").await);
        assert_eq!(app.put("/api/fec2/hr-rfe/reviews/3/helpful").await.0, 204);
        assert_eq!(app.get("/api/fec2/hr-rfe/qa/questions?product_id=1").await, app.get("/qa/questions?product_id=1").await);
    }

    async fn cors_allows_browser_calls(test) {
        let (app, _) = app_with_fixture(&test).await;
        let response = app.client.get(app.url("/reviews/meta?product_id=1")).header("origin", "http://localhost:8080").send().await.unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/reviews"))
            .header("origin", "http://localhost:8080")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success(), "{}", preflight.status());
        assert!(preflight.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    }
}
