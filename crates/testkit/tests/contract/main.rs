//! The storage contract: every `Store` implementation must pass each of these, on a real
//! database. Expectations come from the loaded rows through the fixture oracle, never from SQL.

use std::sync::Arc;

use atelier_core::input::{
    Email, NewAnswer, NewQuestion, NewReview, PageRequest, PhotoUrl, Rating, ReviewSort, Text,
};
use atelier_core::records::{Question, Review};
use atelier_core::tables::Batch;
use atelier_core::{
    AnswerId, CharacteristicId, Flag, FlagTarget, Owner, ProductId, QuestionId, ReviewId, Store, StoreError,
};
use atelier_etl::generate::{IdCursor, Proportions, chunk};
use atelier_testkit::{Fixture, TestStore, fixture_batch, for_each_store};

const SORTS: [ReviewSort; 3] = [ReviewSort::Newest, ReviewSort::Helpful, ReviewSort::Relevant];

fn page(page: i64, count: i64) -> PageRequest {
    PageRequest::new(page, count).unwrap()
}

fn product(id: i64) -> ProductId {
    ProductId::new_unchecked(id)
}

fn review_ids(reviews: &[Review]) -> Vec<i64> {
    reviews.iter().map(|r| r.id.get()).collect()
}

fn question_ids(questions: &[Question]) -> Vec<(i64, Vec<i64>)> {
    questions.iter().map(|q| (q.id.get(), q.answers.iter().map(|a| a.id.get()).collect())).collect()
}

async fn hand_made(test: &TestStore) -> Fixture {
    Fixture::load(test.store.as_ref(), fixture_batch()).await
}

/// A generated catalogue of `products` products, as one batch.
fn generated(seed: u64, products: i64) -> Batch {
    let mut batch = chunk(seed, &Proportions::default(), 0, 1, products);
    IdCursor::default().rebase(&mut batch);
    batch
}

fn new_review(product_id: i64, rating: i64, characteristics: &[(i64, i64)], photos: &[&str]) -> NewReview {
    NewReview {
        product_id: product(product_id),
        rating: Rating::new("rating", rating).unwrap(),
        summary: Text::new("summary", "Posted".into(), 60, false).unwrap(),
        body: Text::new("body", "A posted review".into(), 1000, true).unwrap(),
        recommend: true,
        name: Text::new("name", "poster".into(), 60, true).unwrap(),
        email: Email::new("email", "poster@example.com".into()).unwrap(),
        photos: photos.iter().map(|u| PhotoUrl::new("photos", (*u).into()).unwrap()).collect(),
        characteristics: characteristics
            .iter()
            .map(|&(id, v)| (CharacteristicId::new_unchecked(id), Rating::new("c", v).unwrap()))
            .collect(),
    }
}

fn new_question(product_id: i64) -> NewQuestion {
    NewQuestion {
        product_id: product(product_id),
        body: Text::new("body", "Is it warm?".into(), 1000, true).unwrap(),
        name: Text::new("name", "asker".into(), 60, true).unwrap(),
        email: Email::new("email", "asker@example.com".into()).unwrap(),
    }
}

fn new_answer(photos: &[&str]) -> NewAnswer {
    NewAnswer {
        body: Text::new("body", "Very warm.".into(), 1000, true).unwrap(),
        name: Text::new("name", "answerer".into(), 60, true).unwrap(),
        email: Email::new("email", "answerer@example.com".into()).unwrap(),
        photos: photos.iter().map(|u| PhotoUrl::new("photos", (*u).into()).unwrap()).collect(),
    }
}

/// Collects every page of a product's reviews, `count` at a time.
async fn all_pages(store: &dyn Store, id: i64, sort: ReviewSort, count: i64) -> Vec<i64> {
    let mut seen = Vec::new();
    for number in 1.. {
        let reviews = store.reviews(product(id), sort, page(number, count)).await.unwrap();
        assert!(reviews.len() as i64 <= count);
        if reviews.is_empty() {
            break;
        }
        seen.extend(review_ids(&reviews));
    }
    seen
}

for_each_store! {
    async fn reviews_follow_every_sort_order(test) {
        let fixture = hand_made(&test).await;
        for sort in SORTS {
            let reviews = test.store.reviews(product(1), sort, page(1, 100)).await.unwrap();
            assert_eq!(review_ids(&reviews), fixture.expected_reviews(1, sort), "{sort:?}");
        }
    }

    async fn pages_neither_overlap_nor_leave_gaps(test) {
        let fixture = Fixture::load(test.store.as_ref(), generated(21, 60)).await;
        let busiest = (1..=60).max_by_key(|&p| fixture.expected_reviews(p, ReviewSort::Newest).len()).unwrap();
        for sort in SORTS {
            for count in [1, 2, 3] {
                let paged = all_pages(test.store.as_ref(), busiest, sort, count).await;
                assert_eq!(paged, fixture.expected_reviews(busiest, sort), "{sort:?} by {count}");
            }
        }
    }

    async fn a_generated_catalogue_reads_back_as_its_rows_say(test) {
        let fixture = Fixture::load(test.store.as_ref(), generated(5, 40)).await;
        for id in 1..=40 {
            for sort in SORTS {
                let reviews = test.store.reviews(product(id), sort, page(1, 1000)).await.unwrap();
                assert_eq!(review_ids(&reviews), fixture.expected_reviews(id, sort), "product {id} {sort:?}");
            }
            let meta = test.store.review_meta(product(id)).await.unwrap();
            let (ratings, recommended) = fixture.expected_counts(id);
            assert_eq!(meta.ratings, ratings, "product {id}");
            assert_eq!([meta.recommended_false, meta.recommended_true], recommended, "product {id}");
            let characteristics: Vec<_> =
                meta.characteristics.iter().map(|c| (c.name.clone(), c.id.get(), c.rating_sum, c.rating_count)).collect();
            assert_eq!(characteristics, fixture.expected_characteristics(id), "product {id}");
            let questions = test.store.questions(product(id), page(1, 1000)).await.unwrap();
            assert_eq!(question_ids(&questions), fixture.expected_questions(id), "product {id}");
        }
    }

    async fn reported_reviews_are_hidden_but_counted_in_meta(test) {
        let fixture = hand_made(&test).await;
        let listed = review_ids(&test.store.reviews(product(1), ReviewSort::Newest, page(1, 100)).await.unwrap());
        assert!(!listed.contains(&4), "review 4 is reported");
        let meta = test.store.review_meta(product(1)).await.unwrap();
        assert_eq!(meta.ratings, fixture.expected_counts(1).0);
        assert_eq!(meta.ratings[2], 1, "the reported three-star review counts");
    }

    async fn photos_come_in_id_order_with_their_review(test) {
        let fixture = hand_made(&test).await;
        let reviews = test.store.reviews(product(1), ReviewSort::Newest, page(1, 100)).await.unwrap();
        for review in &reviews {
            let photos: Vec<(i64, String)> = review.photos.iter().map(|p| (p.id, p.url.clone())).collect();
            assert_eq!(photos, fixture.expected_review_photos(review.id.get()));
        }
        let first = reviews.iter().find(|r| r.id.get() == 1).unwrap();
        assert_eq!(first.photos.len(), 2);
        assert_eq!(first.response, None);
        assert_eq!(reviews.iter().find(|r| r.id.get() == 2).unwrap().response.as_deref(), Some("Response to 2"));
    }

    async fn an_unknown_product_is_not_found(test) {
        hand_made(&test).await;
        let unknown = product(999);
        assert!(matches!(test.store.reviews(unknown, ReviewSort::Newest, page(1, 5)).await, Err(StoreError::NotFound("product"))));
        assert!(matches!(test.store.review_meta(unknown).await, Err(StoreError::NotFound("product"))));
        assert!(matches!(test.store.questions(unknown, page(1, 5)).await, Err(StoreError::NotFound("product"))));
        assert!(matches!(test.store.add_review(&new_review(999, 5, &[], &[])).await, Err(StoreError::NotFound("product"))));
        assert!(matches!(test.store.add_question(&new_question(999)).await, Err(StoreError::NotFound("product"))));
    }

    async fn a_product_without_reviews_has_zero_meta_and_unrated_characteristics(test) {
        hand_made(&test).await;
        assert!(test.store.reviews(product(2), ReviewSort::Relevant, page(1, 5)).await.unwrap().is_empty());
        let meta = test.store.review_meta(product(2)).await.unwrap();
        assert_eq!(meta.ratings, [0; 5]);
        assert_eq!((meta.recommended_false, meta.recommended_true), (0, 0));
        assert_eq!(meta.characteristics.len(), 1);
        assert_eq!(meta.characteristics[0].average_text(), None);
        let bare = test.store.review_meta(product(3)).await.unwrap();
        assert!(bare.characteristics.is_empty());
        assert!(test.store.questions(product(3), page(1, 5)).await.unwrap().is_empty());
    }

    async fn a_posted_review_is_listed_and_counted_at_once(test) {
        let fixture = hand_made(&test).await;
        let before = test.store.review_meta(product(1)).await.unwrap();
        let id = test
            .store
            .add_review(&new_review(1, 2, &[(2, 1), (1, 3)], &["https://example.com/new1.jpg", "https://example.com/new2.jpg"]))
            .await
            .unwrap();
        assert!(id.get() > fixture.batch.reviews.iter().map(|r| r.id).max().unwrap(), "a fresh id");
        let newest = test.store.reviews(product(1), ReviewSort::Newest, page(1, 1)).await.unwrap();
        assert_eq!(newest[0].id, id);
        assert_eq!(newest[0].rating, 2);
        let urls: Vec<&str> = newest[0].photos.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["https://example.com/new1.jpg", "https://example.com/new2.jpg"]);
        let after = test.store.review_meta(product(1)).await.unwrap();
        assert_eq!(after.ratings[1], before.ratings[1] + 1);
        assert_eq!(after.recommended_true, before.recommended_true + 1);
        for (old, new) in before.characteristics.iter().zip(&after.characteristics) {
            let added = if new.id.get() == 1 { 3 } else { 1 };
            assert_eq!((new.rating_sum, new.rating_count), (old.rating_sum + added, old.rating_count + 1));
        }
    }

    async fn the_first_review_of_a_product_creates_its_summary(test) {
        hand_made(&test).await;
        test.store.add_review(&new_review(2, 4, &[(3, 2)], &[])).await.unwrap();
        let meta = test.store.review_meta(product(2)).await.unwrap();
        assert_eq!(meta.ratings, [0, 0, 0, 1, 0]);
        assert_eq!(meta.characteristics[0].average_text().as_deref(), Some("2.0000000000000000"));
    }

    async fn a_review_rating_another_products_characteristic_writes_nothing(test) {
        hand_made(&test).await;
        let before_meta = test.store.review_meta(product(1)).await.unwrap();
        let before_list = test.store.reviews(product(1), ReviewSort::Newest, page(1, 100)).await.unwrap();
        let result = test.store.add_review(&new_review(1, 5, &[(1, 5), (3, 5)], &["https://example.com/x.jpg"])).await;
        match result {
            Err(StoreError::Invalid(input)) => assert_eq!(input.field, "characteristics.3"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert_eq!(test.store.review_meta(product(1)).await.unwrap(), before_meta);
        assert_eq!(test.store.reviews(product(1), ReviewSort::Newest, page(1, 100)).await.unwrap(), before_list);
        assert_eq!(test.store.review_meta(product(2)).await.unwrap().characteristics[0].rating_count, 0);
    }

    async fn helpful_adds_one_and_report_hides(test) {
        hand_made(&test).await;
        let target = FlagTarget::Review(ReviewId::new_unchecked(2));
        test.store.flag(target, Flag::Helpful).await.unwrap();
        let helpful = test.store.reviews(product(1), ReviewSort::Helpful, page(1, 100)).await.unwrap();
        assert_eq!(helpful.iter().find(|r| r.id.get() == 2).unwrap().helpfulness, 1);
        test.store.flag(target, Flag::Report).await.unwrap();
        test.store.flag(target, Flag::Report).await.unwrap();
        let listed = review_ids(&test.store.reviews(product(1), ReviewSort::Helpful, page(1, 100)).await.unwrap());
        assert!(!listed.contains(&2));
    }

    async fn concurrent_helpful_votes_are_all_counted(test) {
        hand_made(&test).await;
        let store: Arc<dyn Store> = test.store.clone();
        let votes = (0..1000).map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.flag(FlagTarget::Review(ReviewId::new_unchecked(5)), Flag::Helpful).await })
        });
        for vote in futures_util::future::join_all(votes).await {
            vote.unwrap().unwrap();
        }
        let reviews = test.store.reviews(product(1), ReviewSort::Helpful, page(1, 1)).await.unwrap();
        assert_eq!((reviews[0].id.get(), reviews[0].helpfulness), (5, 1000));
    }

    async fn flagging_an_unknown_row_is_not_found(test) {
        hand_made(&test).await;
        for target in [
            FlagTarget::Review(ReviewId::new_unchecked(999)),
            FlagTarget::Question(QuestionId::new_unchecked(999)),
            FlagTarget::Answer(AnswerId::new_unchecked(999)),
        ] {
            for flag in [Flag::Helpful, Flag::Report] {
                match test.store.flag(target, flag).await {
                    Err(StoreError::NotFound(kind)) => assert_eq!(kind, target.kind()),
                    other => panic!("{target:?} {flag:?}: {other:?}"),
                }
            }
        }
    }

    async fn questions_embed_visible_answers_in_order(test) {
        let fixture = hand_made(&test).await;
        let questions = test.store.questions(product(1), page(1, 100)).await.unwrap();
        assert_eq!(question_ids(&questions), fixture.expected_questions(1));
        assert_eq!(question_ids(&questions), [(3, vec![5]), (1, vec![2, 3, 1]), (4, vec![])]);
        let answer = &questions[1].answers[0];
        let photos: Vec<(i64, String)> = answer.photos.iter().map(|p| (p.id, p.url.clone())).collect();
        assert_eq!(photos, fixture.expected_answer_photos(2));
        let second_page = test.store.questions(product(1), page(2, 2)).await.unwrap();
        assert_eq!(question_ids(&second_page), [(4, vec![])]);
    }

    async fn answers_page_in_order_and_reported_questions_are_not_found(test) {
        hand_made(&test).await;
        let ids = |answers: Vec<atelier_core::records::Answer>| answers.iter().map(|a| a.id.get()).collect::<Vec<_>>();
        let question = QuestionId::new_unchecked(1);
        assert_eq!(ids(test.store.answers(question, page(1, 2)).await.unwrap()), [2, 3]);
        assert_eq!(ids(test.store.answers(question, page(2, 2)).await.unwrap()), [1]);
        assert!(test.store.answers(question, page(3, 2)).await.unwrap().is_empty());
        assert!(test.store.answers(QuestionId::new_unchecked(4), page(1, 5)).await.unwrap().is_empty());
        assert!(matches!(test.store.answers(QuestionId::new_unchecked(2), page(1, 5)).await, Err(StoreError::NotFound("question"))));
        assert!(matches!(test.store.answers(QuestionId::new_unchecked(999), page(1, 5)).await, Err(StoreError::NotFound("question"))));
    }

    async fn a_reported_answer_leaves_both_lists(test) {
        hand_made(&test).await;
        test.store.flag(FlagTarget::Answer(AnswerId::new_unchecked(2)), Flag::Report).await.unwrap();
        let questions = test.store.questions(product(1), page(1, 100)).await.unwrap();
        assert_eq!(question_ids(&questions)[1], (1, vec![3, 1]));
        let answers = test.store.answers(QuestionId::new_unchecked(1), page(1, 5)).await.unwrap();
        assert_eq!(answers.iter().map(|a| a.id.get()).collect::<Vec<_>>(), [3, 1]);
    }

    async fn a_posted_question_and_answer_are_listed_at_once(test) {
        let fixture = hand_made(&test).await;
        let question = test.store.add_question(&new_question(4)).await.unwrap();
        assert!(question.get() > fixture.batch.questions.iter().map(|q| q.id).max().unwrap());
        let (answer, owner) = test.store.add_answer(question, &new_answer(&["https://example.com/p1.jpg", "https://example.com/p2.jpg"])).await.unwrap();
        assert_eq!(owner, product(4), "an answer says its question's product");
        assert!(answer.get() > fixture.batch.answers.iter().map(|a| a.id).max().unwrap());
        let questions = test.store.questions(product(4), page(1, 5)).await.unwrap();
        assert_eq!(question_ids(&questions), [(question.get(), vec![answer.get()]), (10, vec![])]);
        let urls: Vec<&str> = questions[0].answers[0].photos.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["https://example.com/p1.jpg", "https://example.com/p2.jpg"]);
        let in_question = Owner { product: product(4), question: Some(question) };
        assert_eq!(test.store.flag(FlagTarget::Question(question), Flag::Helpful).await.unwrap(), in_question);
        assert_eq!(test.store.questions(product(4), page(1, 5)).await.unwrap()[0].helpfulness, 1);
        assert_eq!(test.store.flag(FlagTarget::Answer(answer), Flag::Helpful).await.unwrap(), in_question);
        let review = FlagTarget::Review(ReviewId::new_unchecked(20));
        assert_eq!(test.store.flag(review, Flag::Helpful).await.unwrap(), Owner { product: product(4), question: None });
    }

    async fn an_answer_to_an_unknown_or_reported_question_is_not_found(test) {
        hand_made(&test).await;
        for question in [999, 2] {
            let result = test.store.add_answer(QuestionId::new_unchecked(question), &new_answer(&["https://example.com/p.jpg"])).await;
            assert!(matches!(result, Err(StoreError::NotFound("question"))), "question {question}: {result:?}");
        }
    }

    async fn a_reported_question_leaves_the_list(test) {
        hand_made(&test).await;
        test.store.flag(FlagTarget::Question(QuestionId::new_unchecked(3)), Flag::Report).await.unwrap();
        let questions = test.store.questions(product(1), page(1, 100)).await.unwrap();
        assert_eq!(question_ids(&questions).iter().map(|q| q.0).collect::<Vec<_>>(), [1, 4]);
    }

    async fn a_bulk_load_into_a_store_with_data_is_refused_unless_replacing(test) {
        hand_made(&test).await;
        assert!(!test.store.is_empty().await.unwrap());
        assert!(matches!(test.store.bulk_loader(false).await.err(), Some(StoreError::Conflict(_))));
        let mut loader = test.store.bulk_loader(true).await.unwrap();
        loader.load(generated(9, 3)).await.unwrap();
        loader.finish().await.unwrap();
        assert!(matches!(test.store.review_meta(product(4)).await, Err(StoreError::NotFound("product"))));
        assert!(test.store.review_meta(product(3)).await.is_ok());
    }
}
