//! The catalogue's endpoints, exactly as the original API served them, on both stores.

use atelier_testkit::for_each_store;
use serde_json::json;

use super::app_with_fixture;

for_each_store! {
    async fn products_are_listed_by_id_with_string_prices_and_without_features(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, list) = app.get("/products?count=3&page=1").await;
        assert_eq!(status, 200);
        let ids: Vec<i64> = list.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [1, 2, 3]);
        let first = &list[0];
        assert_eq!(first["default_price"], "140.00");
        assert_eq!(first["campus"], json!(null));
        assert!(first.get("features").is_none(), "{first}");
        assert!(first["created_at"].is_string() && first["updated_at"].is_string());
        let (_, second_page) = app.get("/products?count=3&page=2").await;
        assert_eq!(second_page.as_array().unwrap().len(), 1);
        let (_, default_page) = app.get("/products").await;
        assert_eq!(default_page.as_array().unwrap().len(), 4, "five by default, four exist");
        let (_, campus) = app.get("/api/fec2/hr-rfp/products?count=1").await;
        assert_eq!(campus[0]["campus"], "hr-rfp");
        assert_eq!(app.get("/products?count=0").await.0, 400);
    }

    async fn a_product_has_its_features_in_file_order_with_null_values_and_quotes_kept(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, product) = app.get("/products/1").await;
        assert_eq!(status, 200);
        assert_eq!(product["id"], 1);
        assert_eq!(product["name"], "Product 1");
        assert_eq!(
            product["features"],
            json!([
                {"feature": "Fabric", "value": "Canvas"},
                {"feature": "Buttons", "value": "\"Brass\""},
                {"feature": "Green Leaf Certified", "value": null},
            ])
        );
        let (_, bare) = app.get("/products/3").await;
        assert_eq!(bare["features"], json!([]));
        let (_, campus) = app.get("/api/fec2/hr-lax/products/1/").await;
        assert_eq!(campus["campus"], "hr-lax", "the cached body of another campus is not served");
        let (_, again) = app.get("/products/1").await;
        assert_eq!(again["campus"], json!(null));
        assert_eq!(app.get("/products/99").await.0, 404);
        assert_eq!(app.get("/products/abc").await.0, 400);
    }

    async fn styles_have_the_literal_default_key_null_sales_and_placeholders_for_none(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, styles) = app.get("/products/1/styles").await;
        assert_eq!(status, 200);
        assert_eq!(
            styles,
            json!({"product_id": "1", "results": [
                {
                    "style_id": 11, "name": "Forest Green & Black", "original_price": "140.00", "sale_price": null,
                    "default?": true,
                    "photos": [
                        {"thumbnail_url": "https://example.com/forest-front-thumb.jpg", "url": "https://example.com/forest-front.jpg"},
                        {"thumbnail_url": "https://example.com/forest-back-thumb.jpg", "url": "https://example.com/forest-back.jpg"},
                    ],
                    "skus": {"1": {"quantity": 8, "size": "XS"}, "2": {"quantity": 16, "size": "S"}},
                },
                {
                    "style_id": 12, "name": "Desert Brown & Tan", "original_price": "140.00", "sale_price": "100.00",
                    "default?": false,
                    "photos": [{"thumbnail_url": null, "url": null}],
                    "skus": {"null": {"quantity": null, "size": null}},
                },
            ]})
        );
        let (_, no_default) = app.get("/products/2/styles").await;
        assert_eq!(no_default["results"][0]["default?"], false);
        assert_eq!(no_default["results"][0]["original_price"], "69.50");
        assert_eq!(no_default["results"][0]["skus"], json!({"3": {"quantity": 0, "size": "One Size"}}));
        let (_, none) = app.get("/products/3/styles").await;
        assert_eq!(none, json!({"product_id": "3", "results": []}));
        assert_eq!(app.get("/products/99/styles").await.0, 404);
    }

    async fn related_products_are_a_bare_array_in_file_order_repeats_included(test) {
        let (app, _) = app_with_fixture(&test).await;
        assert_eq!(app.get("/products/1/related").await, (200, json!([2, 3, 1, 2])));
        assert_eq!(app.get("/api/fec2/hr-rfp/products/2/related/").await, (200, json!([1])));
        assert_eq!(app.get("/products/3/related").await, (200, json!([])));
        assert_eq!(app.get("/products/99/related").await.0, 404);
    }
}
