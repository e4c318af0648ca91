//! The Questions & Answers endpoints.

use atelier_core::tables::{AnswerPhotoRow, AnswerRow, Batch, ProductRow, QuestionRow};
use atelier_testkit::{Fixture, TestApp, for_each_store};
use serde_json::{Value, json};

use super::{app_with_fixture, assert_iso_date, assert_no_email, keys, question_shape};

fn answer_ids(body: &Value) -> Vec<i64> {
    body["results"].as_array().unwrap().iter().map(|a| a["answer_id"].as_i64().unwrap()).collect()
}

/// One product with 200 questions and 2,000 answers (10 each), some answers with photos.
fn crowded_product() -> Batch {
    let questions = (1..=200)
        .map(|id| QuestionRow {
            id,
            product_id: 1,
            body: format!("Question {id}"),
            date_ms: 1_600_000_000_000 + id,
            asker_name: format!("asker{id}"),
            helpfulness: (id * 7 % 13) as i32,
            ..QuestionRow::default()
        })
        .collect();
    let answers = (1..=2000)
        .map(|id| AnswerRow {
            id,
            question_id: (id - 1) / 10 + 1,
            body: format!("Answer {id}"),
            date_ms: 1_600_000_000_000 + id,
            answerer_name: format!("answerer{id}"),
            helpfulness: (id * 5 % 11) as i32,
            ..AnswerRow::default()
        })
        .collect();
    let answer_photos = (1..=300)
        .map(|id| AnswerPhotoRow {
            id,
            answer_id: id * 6,
            url: format!("https://example.com/answer{}.jpg", id * 6),
        })
        .collect();
    Batch {
        products: vec![ProductRow {
            id: 1,
            name: "Crowded".into(),
            slogan: String::new(),
            description: String::new(),
            category: "Jackets".into(),
            default_price: "1".into(),
        }],
        questions,
        answers,
        answer_photos,
        ..Batch::default()
    }
}

for_each_store! {
    async fn a_question_list_has_the_exact_shape_and_types(test) {
        let (app, fixture) = app_with_fixture(&test).await;
        let (status, body) = app.get("/qa/questions?product_id=1&count=10").await;
        assert_eq!(status, 200);
        assert_eq!(keys(&body), ["product_id", "results"]);
        assert_eq!(body["product_id"], "1");
        assert_eq!(question_shape(&body), fixture.expected_questions(1));
        for question in body["results"].as_array().unwrap() {
            assert_eq!(
                keys(question),
                ["question_id", "question_body", "question_date", "asker_name", "question_helpfulness", "reported", "answers"]
            );
            assert_eq!(question["reported"], false);
            assert_iso_date(&question["question_date"]);
            for answer in question["answers"].as_object().unwrap().values() {
                assert_eq!(keys(answer), ["id", "body", "date", "answerer_name", "helpfulness", "photos"]);
                assert_iso_date(&answer["date"]);
                assert!(answer["photos"].as_array().unwrap().iter().all(Value::is_string));
            }
        }
        let with_photos = &body["results"][1]["answers"]["2"];
        assert_eq!(with_photos["photos"], json!(["https://example.com/a2a.jpg", "https://example.com/a2b.jpg"]));
        assert_eq!(body["results"][2]["answers"], json!({}));
        assert_eq!(body["results"][1]["answers"]["1"]["answerer_name"], "Seller");
        assert_no_email(&body);
    }

    async fn an_answer_list_has_the_exact_shape_and_pages(test) {
        let (app, _) = app_with_fixture(&test).await;
        let (status, body) = app.get("/qa/questions/1/answers?count=2").await;
        assert_eq!(status, 200);
        assert_eq!(keys(&body), ["question", "page", "count", "results"]);
        assert_eq!((body["question"].clone(), body["page"].clone(), body["count"].clone()), (json!("1"), json!(1), json!(2)));
        assert_eq!(answer_ids(&body), [2, 3]);
        let first = &body["results"][0];
        assert_eq!(keys(first), ["answer_id", "body", "date", "answerer_name", "helpfulness", "photos"]);
        assert_eq!(first["photos"], json!([{"id": 1, "url": "https://example.com/a2a.jpg"}, {"id": 2, "url": "https://example.com/a2b.jpg"}]));
        assert_eq!(answer_ids(&app.get("/qa/questions/1/answers?count=2&page=2").await.1), [1]);
        assert_eq!(answer_ids(&app.get("/qa/questions/1/answers?count=2&page=3").await.1), Vec::<i64>::new());
        assert_no_email(&body);
    }

    async fn posted_questions_and_answers_are_visible_at_once(test) {
        let (app, _) = app_with_fixture(&test).await;
        let question = json!({"body": "Is it warm?", "name": "asker", "email": "asker@example.com", "product_id": 4});
        let (status, created) = app.post("/qa/questions", &question).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(keys(&created), ["question_id"]);
        let question_id = created["question_id"].as_i64().unwrap();
        let answer = json!({"body": "Very.", "name": "answerer", "email": "answerer@example.com", "photos": ["https://example.com/p.jpg"]});
        let (status, created) = app.post(&format!("/qa/questions/{question_id}/answers"), &answer).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(keys(&created), ["answer_id"]);
        let answer_id = created["answer_id"].as_i64().unwrap();
        let (_, list) = app.get("/qa/questions?product_id=4").await;
        assert_eq!(question_shape(&list), [(question_id, vec![answer_id]), (10, vec![])]);
        assert_eq!(list["results"][0]["answers"][answer_id.to_string()]["photos"], json!(["https://example.com/p.jpg"]));
        assert_no_email(&list);
        let (status, _) = app.post("/qa/10/answers", &answer).await;
        assert_eq!(status, 201, "the 2020 alias posts an answer too");
        assert_eq!(app.get("/qa/4").await, app.get("/qa/questions?product_id=4").await);
    }

    async fn an_answer_to_an_unknown_or_reported_question_is_404(test) {
        let (app, _) = app_with_fixture(&test).await;
        let answer = json!({"body": "Very.", "name": "answerer", "email": "answerer@example.com"});
        assert_eq!(app.post("/qa/questions/999/answers", &answer).await.0, 404);
        assert_eq!(app.post("/qa/questions/2/answers", &answer).await.0, 404);
        assert_eq!(app.get("/qa/questions/2/answers").await.0, 404);
        assert_eq!(app.post("/qa/questions", &json!({"body": "?", "name": "a", "email": "a@b.c", "product_id": 999})).await.0, 404);
    }

    async fn helpful_and_report_puts_take_effect(test) {
        let (app, _) = app_with_fixture(&test).await;
        assert_eq!(app.put("/qa/questions/4/helpful").await, (204, Value::Null));
        assert_eq!(app.put("/qa/answers/1/helpful").await, (204, Value::Null));
        let (_, body) = app.get("/qa/questions?product_id=1").await;
        assert_eq!(body["results"][2]["question_helpfulness"], 1);
        assert_eq!(body["results"][1]["answers"]["1"]["helpfulness"], 3);
        assert_eq!(app.put("/qa/answers/2/report").await.0, 204);
        let (_, body) = app.get("/qa/questions?product_id=1").await;
        assert!(body["results"][1]["answers"].get("2").is_none(), "a reported answer leaves the embedded map");
        assert!(!answer_ids(&app.get("/qa/questions/1/answers").await.1).contains(&2), "and the answers list");
        assert_eq!(app.put("/qa/questions/1/report").await.0, 204);
        let (_, body) = app.get("/qa/questions?product_id=1").await;
        assert_eq!(question_shape(&body).iter().map(|q| q.0).collect::<Vec<_>>(), [3, 4]);
        for path in ["/qa/questions/999/helpful", "/qa/questions/999/report", "/qa/answers/999/helpful", "/qa/answers/999/report"] {
            assert_eq!(app.put(path).await.0, 404, "{path}");
        }
    }

    async fn concurrent_helpful_puts_on_questions_and_answers_are_counted_exactly(test) {
        let (app, _) = app_with_fixture(&test).await;
        let puts = (0..300).flat_map(|_| {
            [app.client.put(app.url("/qa/questions/4/helpful")).send(), app.client.put(app.url("/qa/answers/5/helpful")).send()]
        });
        for response in futures_util::future::join_all(puts).await {
            assert_eq!(response.unwrap().status().as_u16(), 204);
        }
        let (_, body) = app.get("/qa/questions?product_id=1").await;
        let q4 = body["results"].as_array().unwrap().iter().find(|q| q["question_id"] == 4).unwrap();
        assert_eq!(q4["question_helpfulness"], 300);
        assert_eq!(app.get("/qa/questions/3/answers").await.1["results"][0]["helpfulness"], 300);
    }

    async fn two_hundred_questions_with_two_thousand_answers_are_served_whole_and_in_order(test) {
        let fixture = Fixture::load(test.store.as_ref(), crowded_product()).await;
        let app = TestApp::spawn(test.store.clone()).await;
        let (status, body) = app.get("/qa/questions?product_id=1&count=200").await;
        assert_eq!(status, 200);
        let served = question_shape(&body);
        assert_eq!(served, fixture.expected_questions(1));
        let answers: Vec<i64> = served.iter().flat_map(|(_, a)| a.clone()).collect();
        let mut unique = answers.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!((answers.len(), unique.len()), (2000, 2000), "every answer present once");
        let q1 = body["results"].as_array().unwrap().iter().find(|q| q["question_id"] == 1).unwrap();
        assert_eq!(q1["answers"]["6"]["photos"], json!(["https://example.com/answer6.jpg"]));
    }
}
