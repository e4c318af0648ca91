//! The response cache through the API: a read after each kind of write sees the write, on both
//! stores, with the cache on (the default every other test also runs with).

use atelier_testkit::for_each_store;
use serde_json::{Value, json};

use super::{app_with_fixture, review_ids};

fn helpfulness_of(list: &Value, id_key: &str, id: i64) -> Option<i64> {
    list["results"].as_array()?.iter().find(|r| r[id_key] == id).and_then(|r| r["helpfulness"].as_i64())
}

/// The ids and embedded answer ids of a question page.
fn questions(body: &Value) -> Vec<(i64, Vec<String>)> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (q["question_id"].as_i64().unwrap(), q["answers"].as_object().unwrap().keys().cloned().collect())
        })
        .collect()
}

for_each_store! {
    async fn a_read_after_each_kind_of_review_write_sees_it_through_the_cache(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        let (_, newest) = app.get("/reviews?product_id=1&sort=newest&count=100").await;
        app.get("/reviews/1/list?sort=newest&count=100").await;

        let (status, created) = app.post("/reviews", &crate::review()).await;
        assert_eq!(status, 201);
        let id = created["review_id"].as_i64().unwrap();
        let (_, after) = app.get("/reviews/meta?product_id=1").await;
        assert_ne!(after, meta, "meta after a review");
        let (_, list) = app.get("/reviews?product_id=1&sort=newest&count=100").await;
        assert_eq!(review_ids(&list)[0], id, "the list after a review");
        assert_ne!(list, newest);
        let (_, legacy) = app.get("/reviews/1/list?sort=newest&count=100").await;
        assert_eq!(review_ids(&legacy)[0], id, "the 2020 route after a review");

        let (_, before) = app.get("/reviews?product_id=1&sort=helpful&count=100").await;
        assert_eq!(app.put("/reviews/3/helpful").await.0, 204);
        let (_, after) = app.get("/reviews?product_id=1&sort=helpful&count=100").await;
        assert_eq!(helpfulness_of(&after, "review_id", 3), helpfulness_of(&before, "review_id", 3).map(|h| h + 1));

        assert_eq!(app.put("/reviews/2/report").await.0, 204);
        let (_, after) = app.get("/reviews?product_id=1&sort=helpful&count=100").await;
        assert!(!review_ids(&after).contains(&2), "a reported review leaves the list");
    }

    async fn a_read_after_each_kind_of_question_and_answer_write_sees_it_through_the_cache(test) {
        let (app, _) = app_with_fixture(&test).await;
        let page = "/qa/questions?product_id=1&count=100";
        let (_, first) = app.get(page).await;
        app.get("/qa/questions/1/answers?count=100").await;

        let (status, created) = app.post("/qa/questions", &json!({"product_id": 1, "body": "Warm?", "name": "n", "email": "n@example.com"})).await;
        assert_eq!(status, 201);
        let question = created["question_id"].as_i64().unwrap();
        let (_, after) = app.get(page).await;
        assert!(questions(&after).iter().any(|(id, _)| *id == question), "the page after a question");
        assert_ne!(after, first);

        let (_, before) = app.get(page).await;
        assert_eq!(app.put("/qa/questions/1/helpful").await.0, 204);
        let (_, after) = app.get(page).await;
        assert_eq!(helpfulness_of(&after, "question_id", 1), helpfulness_of(&before, "question_id", 1).map(|h| h + 1));

        let answer = json!({"body": "Yes.", "name": "n", "email": "n@example.com", "photos": []});
        for path in ["/qa/questions/1/answers", "/qa/1/answers"] {
            let (_, answers_before) = app.get("/qa/questions/1/answers?count=100").await;
            let (status, created) = app.post(path, &answer).await;
            assert_eq!(status, 201, "{path}");
            let id = created["answer_id"].as_i64().unwrap();
            let (_, answers) = app.get("/qa/questions/1/answers?count=100").await;
            assert!(answers["results"].as_array().unwrap().iter().any(|a| a["answer_id"] == id), "answers after {path}");
            assert_ne!(answers, answers_before);
            let (_, page_after) = app.get(page).await;
            let embedded = questions(&page_after).into_iter().find(|(q, _)| *q == 1).unwrap().1;
            assert!(embedded.contains(&id.to_string()), "the question page embeds the answer posted to {path}");
        }

        let (_, before) = app.get("/qa/questions/1/answers?count=100").await;
        assert_eq!(app.put("/qa/answers/1/helpful").await.0, 204);
        let (_, after) = app.get("/qa/questions/1/answers?count=100").await;
        assert_eq!(helpfulness_of(&after, "answer_id", 1), helpfulness_of(&before, "answer_id", 1).map(|h| h + 1));

        assert_eq!(app.put("/qa/answers/2/report").await.0, 204);
        let (_, answers) = app.get("/qa/questions/1/answers?count=100").await;
        assert!(answers["results"].as_array().unwrap().iter().all(|a| a["answer_id"] != 2), "a reported answer leaves its list");
        let (_, page_after) = app.get(page).await;
        let embedded = questions(&page_after).into_iter().find(|(q, _)| *q == 1).unwrap().1;
        assert!(!embedded.contains(&"2".to_owned()), "and the question page");

        app.get("/qa/questions/3/answers").await;
        assert_eq!(app.put("/qa/questions/3/report").await.0, 204);
        assert_eq!(app.get("/qa/questions/3/answers").await.0, 404, "a reported question's answers are gone");
        let (_, page_after) = app.get(page).await;
        assert!(questions(&page_after).iter().all(|(id, _)| *id != 3), "a reported question leaves the page");
    }
}
