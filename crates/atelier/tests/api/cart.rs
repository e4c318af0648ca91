//! `/cart` and `/interactions` on both stores: a cart per caller, by token or session cookie.

use atelier_testkit::{TestApp, for_each_store};
use reqwest::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use super::app_with_fixture;

/// GETs the cart with `header`, returning the status, the body and any cookie set.
async fn cart(app: &TestApp, header: Option<(&str, &str)>) -> (u16, Value, Option<String>) {
    let mut request = app.client.get(app.url("/cart"));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let cookie = response.headers().get(SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), cookie)
}

async fn add(app: &TestApp, header: Option<(&str, &str)>, body: Value) -> (u16, Option<String>) {
    let mut request = app.client.post(app.url("/cart")).json(&body);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let cookie = response.headers().get(SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), cookie)
}

for_each_store! {
    async fn each_caller_has_a_cart_of_its_own_by_token_or_session(test) {
        let (app, _) = app_with_fixture(&test).await;
        let alice = Some((AUTHORIZATION.as_str(), "token-alice"));
        let bob = Some((AUTHORIZATION.as_str(), "token-bob"));
        assert_eq!(add(&app, alice, json!({"sku_id": 1})).await.0, 201);
        assert_eq!(add(&app, alice, json!({"sku_id": 1, "unknown": true})).await.0, 201);
        assert_eq!(add(&app, alice, json!({"sku_id": "3"})).await.0, 201);
        assert_eq!(add(&app, bob, json!({"sku_id": 2})).await.0, 201);
        let (status, alices, cookie) = cart(&app, alice).await;
        assert_eq!((status, cookie), (200, None), "a token needs no session");
        assert_eq!(alices, json!([{"sku_id": 1, "count": "2"}, {"sku_id": 3, "count": "1"}]));
        assert_eq!(cart(&app, bob).await.1, json!([{"sku_id": 2, "count": "1"}]));

        // Without a token: a session cookie, HttpOnly and SameSite=Lax, scopes the cart.
        let (status, empty, cookie) = cart(&app, None).await;
        assert_eq!((status, empty), (200, json!([])));
        let cookie = cookie.expect("a session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let session = cookie.split(';').next().unwrap().to_owned();
        let with_session = Some((COOKIE.as_str(), session.as_str()));
        assert_eq!(add(&app, with_session, json!({"sku_id": 2})).await, (201, None));
        assert_eq!(cart(&app, with_session).await.1, json!([{"sku_id": 2, "count": "1"}]));
        let (_, stranger, new_cookie) = cart(&app, None).await;
        assert_eq!(stranger, json!([]), "another session sees nothing");
        assert!(new_cookie.is_some_and(|c| c.split(';').next().unwrap() != session));
        // A forged cookie that this service could not have set starts a new session.
        let forged = Some((COOKIE.as_str(), "atelier_session=not-hex"));
        assert!(cart(&app, forged).await.2.is_some());
    }

    async fn adding_an_unknown_or_bad_sku_is_a_clear_4xx(test) {
        let (app, _) = app_with_fixture(&test).await;
        let token = Some((AUTHORIZATION.as_str(), "t"));
        assert_eq!(add(&app, token, json!({"sku_id": 999})).await.0, 404);
        for bad in [json!({}), json!({"sku_id": 0}), json!({"sku_id": "x"}), json!({"sku_id": -1})] {
            assert_eq!(add(&app, token, bad.clone()).await.0, 400, "{bad}");
        }
        assert_eq!(cart(&app, token).await.1, json!([]));
    }

    async fn an_interaction_is_recorded_and_each_missing_field_is_a_422(test) {
        let (app, _) = app_with_fixture(&test).await;
        let full = json!({"element": "add-to-cart", "widget": "overview", "time": "2021-08-13 14:38:44"});
        assert_eq!(app.post("/interactions", &full).await.0, 201);
        assert_eq!(app.post_form("/interactions", "element=a&widget=b&time=1628865524").await.0, 201);
        for field in ["element", "widget", "time"] {
            let mut missing = full.clone();
            missing.as_object_mut().unwrap().remove(field);
            let (status, body) = app.post("/interactions", &missing).await;
            assert_eq!((status, body["field"].as_str()), (422, Some(field)), "{body}");
            let (status, _) = app.post("/interactions", &crate::with(full.clone(), field, json!(""))).await;
            assert_eq!(status, 422, "{field} empty");
        }
    }
}
