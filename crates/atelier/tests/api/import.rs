//! The CSV importer end to end: generated files, the real sample slices, and bad rows.

use std::path::{Path, PathBuf};

use atelier_core::ProductId;
use atelier_core::StoreError;
use atelier_core::input::ReviewSort;
use atelier_core::load::{BulkLoader, Phase};
use atelier_core::tables::{Batch, Table};
use atelier_etl::generate::{Plan, Proportions, to_csv};
use atelier_etl::import::{ImportReport, ImportSettings, import, import_into};
use atelier_testkit::{Fixture, TestApp, for_each_store};
use serde_json::{Value, json};

use super::{question_shape, review_ids};

/// Two files read at once whatever the machine, so every test meets independent files read
/// side by side.
fn options(dir: &Path, rejects: &Path) -> ImportSettings {
    ImportSettings {
        dir: dir.to_owned(),
        replace: false,
        rejects: rejects.to_owned(),
        batch_rows: 500,
        readers: 2,
    }
}

/// The real slices of the original files, copied byte for byte from
/// `shared/datasets/atelier-samples` (see the README there) so the tests need nothing outside
/// the repository.
fn samples(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/atelier-samples").join(name)
}

fn loaded(report: &ImportReport, table: Table) -> u64 {
    report.files.iter().find(|f| f.table == table).map_or(0, |f| f.loaded)
}

/// The rows of a plan, generated in memory, as one batch: the oracle for the files.
fn rows_of(plan: &Plan) -> Batch {
    let mut all = Batch::default();
    plan.run(|_, batches| {
        for b in batches {
            all.products.extend(b.products);
            all.characteristics.extend(b.characteristics);
            all.reviews.extend(b.reviews);
            all.review_photos.extend(b.review_photos);
            all.characteristic_reviews.extend(b.characteristic_reviews);
            all.questions.extend(b.questions);
            all.answers.extend(b.answers);
            all.answer_photos.extend(b.answer_photos);
        }
        Ok(())
    })
    .unwrap();
    all
}

/// The rejects file as (file, line, reason) rows, header dropped.
fn rejects(path: &Path) -> Vec<(String, u64, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_owned(), r[1].parse().unwrap(), r[2].to_owned()))
        .collect()
}

fn write(dir: &Path, name: &str, content: &str) {
    std::fs::write(dir.join(name), content).unwrap();
}

/// One file of every kind, each with good rows and one bad row of each kind that applies.
fn bad_rows_dir(dir: &Path) {
    write(
        dir,
        "product.csv",
        "id,name,slogan,description,category,default_price\n1,\"Camo Onesie\",\"Blend in\",\"Soft\",\"Jackets\",140\n2,\"Bright Future\",\"Shine\",\"Warm\",\"Jackets\",69\n2,\"Duplicate\",\"\",\"\",\"\",1\n3,\"Too few columns\"\n4,\"Bad price\",\"\",\"\",\"\",abc\n",
    );
    write(dir, "characteristics.csv", "id,product_id,name\n1,1,\"Fit\"\n2,2,\"Size\"\n3,99,\"Width\"\n");
    // A byte-order mark and CRLF line endings, as spreadsheets write them; review 1's body
    // holds a comma, a quote and a line break.
    write(
        dir,
        "reviews.csv",
        "\u{feff}id,product_id,rating,date,summary,body,recommend,reported,reviewer_name,reviewer_email,response,helpfulness\r\n\
         1,1,5,1596080481467,\"Great, really\",\"He said \"\"wow\"\",\r\ntwice\",true,false,\"funtime\",\"f@example.com\",null,8\r\n\
         2,2,3,1596080481467,\"Ok\",\"Fine\",false,false,\"other\",\"o@example.com\",\"Thanks!\",0\r\n\
         3,1,6,1596080481467,\"Six\",\"Too many stars\",true,false,\"x\",\"x@example.com\",null,0\r\n\
         4,1,4,yesterday,\"When\",\"Bad date\",true,false,\"x\",\"x@example.com\",null,0\r\n\
         1,1,4,1596080481467,\"Again\",\"Duplicate id\",true,false,\"x\",\"x@example.com\",null,0\r\n\
         5,99,4,1596080481467,\"Orphan\",\"No such product\",true,false,\"x\",\"x@example.com\",null,0\r\n\
         6,1,4,1596080481467,\"Short\"\r\n\
         7,1,4,1596080481467,\"Maybe\",\"Bad boolean\",maybe,false,\"x\",\"x@example.com\",null,0\r\n",
    );
    write(
        dir,
        "reviews_photos.csv",
        "id,review_id,url\n1,1,\"https://example.com/1.jpg\"\n2,999,\"https://example.com/orphan.jpg\"\n",
    );
    write(
        dir,
        "characteristic_reviews.csv",
        "id,characteristic_id,review_id,value\n1,1,1,5\n2,1,1,0\n3,2,1,4\n4,77,1,3\n",
    );
    write(
        dir,
        "questions.csv",
        "id,product_id,body,date_written,asker_name,asker_email,reported,helpful\n1,1,\"Warm?\",1595884714409,\"asker\",\"a@example.com\",0,3\n2,99,\"Orphan\",1595884714409,\"asker\",\"a@example.com\",0,0\n3,1,\"Bad flag\",1595884714409,\"asker\",\"a@example.com\",2,0\n",
    );
    write(
        dir,
        "answers.csv",
        "id,question_id,body,date_written,answerer_name,answerer_email,reported,helpful\n1,1,\"Very\",1599958385988,\"Seller\",null,0,1\n2,50,\"Orphan\",1599958385988,\"x\",\"x@example.com\",0,0\n",
    );
    write(
        dir,
        "answers_photos.csv",
        "id,answer_id,url\n1,1,\"https://example.com/a1.jpg\"\n2,9,\"https://example.com/orphan.jpg\"\n",
    );
}

for_each_store! {
    async fn a_generated_dataset_round_trips_through_the_files_into_the_api(test) {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan { products: 80, seed: 2026, proportions: Proportions::default(), threads: 2 };
        let counts = to_csv(dir.path(), &plan).unwrap();
        let report = import(test.store.as_ref(), &options(dir.path(), &dir.path().join("rejects.csv"))).await.unwrap();
        assert_eq!(report.rejected(), 0, "{report:?}");
        assert_eq!(loaded(&report, Table::Reviews), counts[Table::Reviews]);
        assert_eq!(loaded(&report, Table::CharacteristicReviews), counts[Table::CharacteristicReviews]);
        assert_eq!(loaded(&report, Table::AnswerPhotos), counts[Table::AnswerPhotos]);
        let fixture = Fixture { batch: rows_of(&plan) };
        let app = TestApp::spawn(test.store.clone()).await;
        for product in 1..=80 {
            for (name, sort) in [("newest", ReviewSort::Newest), ("helpful", ReviewSort::Helpful), ("relevant", ReviewSort::Relevant)] {
                let (_, body) = app.get(&format!("/reviews?product_id={product}&sort={name}&count=1000")).await;
                assert_eq!(review_ids(&body), fixture.expected_reviews(product, sort), "product {product} {name}");
            }
            let (_, meta) = app.get(&format!("/reviews/meta?product_id={product}")).await;
            let (ratings, recommended) = fixture.expected_counts(product);
            for (stars, count) in (1..=5).zip(ratings) {
                assert_eq!(meta["ratings"][stars.to_string()], count.to_string(), "product {product}");
            }
            assert_eq!(meta["recommended"], json!({"false": recommended[0].to_string(), "true": recommended[1].to_string()}));
            for (name, id, sum, count) in fixture.expected_characteristics(product) {
                let served = &meta["characteristics"][&name];
                assert_eq!(served["id"], id, "product {product} {name}");
                match served["value"].as_str() {
                    None => assert_eq!(count, 0, "product {product} {name}"),
                    Some(value) => {
                        assert_eq!(value.split('.').nth(1).map(str::len), Some(16), "{value}");
                        let expected = sum as f64 / count as f64;
                        assert!((value.parse::<f64>().unwrap() - expected).abs() < 1e-12, "product {product} {name}: {value} vs {expected}");
                    }
                }
            }
            let (_, questions) = app.get(&format!("/qa/questions?product_id={product}&count=1000")).await;
            assert_eq!(question_shape(&questions), fixture.expected_questions(product), "product {product}");
        }
        let max_review = fixture.batch.reviews.iter().map(|r| r.id).max().unwrap();
        let (status, created) = app.post("/reviews", &json!({"product_id": 1, "rating": 5, "summary": "", "body": "New", "recommend": true, "name": "n", "email": "n@example.com"})).await;
        assert_eq!((status, created["review_id"].clone()), (201, json!(max_review + 1)), "new writes get fresh ids");
        let max_question = fixture.batch.questions.iter().map(|q| q.id).max().unwrap();
        let (_, created) = app.post("/qa/questions", &json!({"product_id": 1, "body": "New?", "name": "n", "email": "n@example.com"})).await;
        assert_eq!(created["question_id"], max_question + 1);
    }

    async fn the_real_review_slices_load_with_their_quirks(test) {
        let out = tempfile::tempdir().unwrap();
        let report = import(test.store.as_ref(), &options(&samples("jetproductions_reviews"), &out.path().join("rejects.csv"))).await.unwrap();
        assert_eq!(report.rejected(), 0, "{:?}", rejects(&out.path().join("rejects.csv")));
        assert_eq!((loaded(&report, Table::Reviews), loaded(&report, Table::ReviewPhotos)), (99, 49));
        assert_eq!((loaded(&report, Table::Characteristics), loaded(&report, Table::CharacteristicReviews)), (49, 49));
        assert!(report.stub_products > 0, "no product.csv: products come from the ids named");
        let app = TestApp::spawn(test.store.clone()).await;
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(
            meta,
            json!({
                "product_id": "1",
                "ratings": {"1": "0", "2": "0", "3": "0", "4": "1", "5": "1"},
                "recommended": {"false": "1", "true": "1"},
                "characteristics": {
                    "Fit": {"id": 1, "value": "4.0000000000000000"},
                    "Length": {"id": 2, "value": "3.5000000000000000"},
                    "Comfort": {"id": 3, "value": "5.0000000000000000"},
                    "Quality": {"id": 4, "value": "4.0000000000000000"}
                }
            })
        );
        let (_, list) = app.get("/reviews?product_id=1&sort=newest").await;
        let oldest = &list["results"][1];
        assert_eq!((oldest["review_id"].clone(), oldest["summary"].clone()), (json!(1), json!("This product was great!")));
        assert_eq!(oldest["date"], "2019-01-01T00:00:00.000Z", "2020 edition dates are days");
        assert_eq!(oldest["response"], Value::Null, "an empty response is none");
        assert_eq!(oldest["recommend"], true);
    }

    async fn the_real_question_slices_load_with_their_quirks(test) {
        let out = tempfile::tempdir().unwrap();
        let rejects_path = out.path().join("rejects.csv");
        let report = import(test.store.as_ref(), &options(&samples("alex-richard-alisha_sdc-questions-and-answers"), &rejects_path)).await.unwrap();
        assert_eq!(report.rejected(), 0, "{:?}", rejects(&rejects_path));
        assert_eq!((loaded(&report, Table::Questions), loaded(&report, Table::Answers), loaded(&report, Table::AnswerPhotos)), (100, 100, 17));
        let app = TestApp::spawn(test.store.clone()).await;
        let (_, body) = app.get("/qa/questions?product_id=1&count=100").await;
        let questions: Vec<i64> = body["results"].as_array().unwrap().iter().map(|q| q["question_id"].as_i64().unwrap()).collect();
        assert_eq!(questions, [3, 5, 4, 1], "reported questions 2 and 6 are hidden; most helpful first");
        let first = body["results"].as_array().unwrap().iter().find(|q| q["question_id"] == 1).unwrap();
        assert_eq!(first["question_body"], "What fabric is the top made of?");
        assert_eq!(first["question_date"], "2020-07-27T20:00:00.000Z");
        let answers: Vec<i64> = first["answers"].as_object().unwrap().values().map(|a| a["id"].as_i64().unwrap()).collect();
        assert_eq!(answers, [8, 57, 7, 5, 95]);
        assert_eq!(first["answers"]["5"]["photos"].as_array().unwrap().len(), 3);
        assert_eq!(first["answers"]["95"]["body"], "Supposedly suede, but I think its synthetic");
        let (_, seller) = app.get("/qa/questions/47/answers").await;
        assert!(seller["results"].as_array().unwrap().iter().any(|a| a["answer_id"] == 54 && a["answerer_name"] == "Seller"));
    }

    async fn every_kind_of_bad_row_is_rejected_with_its_line_and_the_rest_loads(test) {
        let dir = tempfile::tempdir().unwrap();
        bad_rows_dir(dir.path());
        let rejects_path = dir.path().join("rejects.csv");
        let report = import(test.store.as_ref(), &options(dir.path(), &rejects_path)).await.unwrap();
        let expected: &[(&str, u64, &str)] = &[
            ("product.csv", 4, "duplicate id 2"),
            ("product.csv", 5, "expected 6 columns, found 2"),
            ("product.csv", 6, "default_price"),
            ("characteristics.csv", 4, "product 99 does not exist"),
            ("reviews.csv", 5, "rating is out of range"),
            ("reviews.csv", 6, "date is neither"),
            ("reviews.csv", 7, "duplicate id 1"),
            ("reviews.csv", 8, "product 99 does not exist"),
            ("reviews.csv", 9, "expected 12 columns, found 5"),
            ("reviews.csv", 10, "recommend is not a boolean"),
            ("reviews_photos.csv", 3, "review 999 does not exist"),
            ("characteristic_reviews.csv", 3, "value is out of range"),
            ("characteristic_reviews.csv", 4, "characteristic 2 is of product 2 but review 1 is of product 1"),
            ("characteristic_reviews.csv", 5, "characteristic 77 does not exist"),
            ("questions.csv", 3, "product 99 does not exist"),
            ("questions.csv", 4, "reported is not a boolean"),
            ("answers.csv", 3, "question 50 does not exist"),
            ("answers_photos.csv", 3, "answer 9 does not exist"),
        ];
        let found = rejects(&rejects_path);
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for ((file, line, reason), (want_file, want_line, want_reason)) in found.iter().zip(expected) {
            assert_eq!((file.as_str(), *line), (*want_file, *want_line), "{reason}");
            assert!(reason.contains(want_reason), "{file}:{line}: {reason:?} should say {want_reason:?}");
        }
        assert_eq!(report.rejected(), expected.len() as u64);
        assert_eq!((loaded(&report, Table::Products), loaded(&report, Table::Reviews)), (2, 2));

        let app = TestApp::spawn(test.store.clone()).await;
        let (_, list) = app.get("/reviews?product_id=1").await;
        assert_eq!(review_ids(&list), [1]);
        assert_eq!(list["results"][0]["body"], "He said \"wow\",\r\ntwice");
        assert_eq!(list["results"][0]["summary"], "Great, really");
        assert_eq!(list["results"][0]["photos"][0]["url"], "https://example.com/1.jpg");
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(meta["characteristics"]["Fit"], json!({"id": 1, "value": "5.0000000000000000"}));
        let (_, questions) = app.get("/qa/questions?product_id=1").await;
        assert_eq!(questions["results"][0]["answers"]["1"]["photos"], json!(["https://example.com/a1.jpg"]));
        assert_eq!(app.get("/reviews/meta?product_id=99").await.0, 404);
    }

    async fn a_file_whose_every_row_is_rejected_leaves_its_table_empty_and_the_rest_loads(test) {
        let dir = tempfile::tempdir().unwrap();
        bad_rows_dir(dir.path());
        write(dir.path(), "reviews_photos.csv", "id,review_id,url\n2,999,\"https://example.com/orphan.jpg\"\n");

        let report = import(test.store.as_ref(), &options(dir.path(), &dir.path().join("rejects.csv"))).await.unwrap();

        assert_eq!((loaded(&report, Table::ReviewPhotos), loaded(&report, Table::Reviews)), (0, 2));
        let app = TestApp::spawn(test.store.clone()).await;
        let (status, list) = app.get("/reviews?product_id=1").await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["results"][0]["photos"], json!([]));
    }

    async fn a_store_with_data_is_refused_unless_replacing(test) {
        let dir = tempfile::tempdir().unwrap();
        bad_rows_dir(dir.path());
        let mut settings = options(dir.path(), &dir.path().join("rejects.csv"));
        import(test.store.as_ref(), &settings).await.unwrap();
        let refused = import(test.store.as_ref(), &settings).await.unwrap_err();
        assert!(refused.to_string().contains("already holds data"), "{refused}");
        settings.replace = true;
        let again = import(test.store.as_ref(), &settings).await.unwrap();
        assert_eq!(loaded(&again, Table::Reviews), 2);
    }

    async fn an_interrupted_load_leaves_the_store_as_it_was(test) {
        let dir = tempfile::tempdir().unwrap();
        bad_rows_dir(dir.path());
        import(test.store.as_ref(), &options(dir.path(), &dir.path().join("rejects.csv"))).await.unwrap();
        // No response cache: every read below reaches the store.
        let app = TestApp::spawn_with(test.store.clone(), &atelier_api::ApiConfig { cache_bytes: 0, ..Default::default() }).await;
        let before = (app.get("/reviews?product_id=1&sort=newest").await, app.get("/reviews/meta?product_id=1").await);

        let mut loader = test.store.bulk_loader(true).await.unwrap();
        loader.load(atelier_testkit::fixture_batch()).await.unwrap();
        // Readers keep seeing the last commit while the load runs, unblocked (SQLite: its WAL;
        // PostgreSQL: the load fills staged copies of the tables).
        let during = (app.get("/reviews?product_id=1&sort=newest").await, app.get("/reviews/meta?product_id=1").await);
        assert_eq!(during, before);
        drop(loader); // interrupted before finish: rolled back, indexes and all

        assert!(!test.store.is_empty().await.unwrap());
        let after = (app.get("/reviews?product_id=1&sort=newest").await, app.get("/reviews/meta?product_id=1").await);
        assert_eq!(after, before);
        let (status, _) = app.get("/reviews?product_id=4").await;
        assert_eq!(status, 404, "nothing of the interrupted load is visible");

        // The writer is usable again, outside any transaction the load left open: a write is
        // acknowledged, committed and read back.
        let (status, created) = app.post("/reviews", &crate::review()).await;
        assert_eq!(status, 201, "{created}");
        let (_, list) = app.get("/reviews?product_id=1&sort=newest").await;
        assert_eq!(review_ids(&list)[0], created["review_id"].as_i64().unwrap());
        let (_, meta) = app.get("/reviews/meta?product_id=1").await;
        assert_eq!(meta["ratings"]["4"], "1", "{meta}");
    }
}

/// A PostgreSQL load adds its foreign keys `NOT VALID`, without reading the loaded rows again,
/// since the importer checked each row's parents: here PostgreSQL checks them after all. Two
/// loads, the second over keys the first added; the files have rows whose parents do not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_catalogue_satisfies_every_foreign_key() {
    let test = atelier_testkit::TestStore::postgres().await;
    let dir = tempfile::tempdir().unwrap();
    bad_rows_dir(dir.path());
    let mut settings = options(dir.path(), &dir.path().join("rejects.csv"));
    let first = import(test.store.as_ref(), &settings).await.unwrap();
    assert!(first.rejected() > 0, "the files hold rows the importer must reject");
    settings.replace = true;
    import(test.store.as_ref(), &settings).await.unwrap();

    let (client, connection) = tokio_postgres::connect(&test.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let keys = client
        .query(
            "SELECT k.conrelid::regclass::text AS child, a.attname::text AS column, k.conname::text AS name,
                    k.confrelid::regclass::text AS parent, k.convalidated AS validated
             FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
             WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace
             ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    assert!(keys.len() >= Table::ALL.len(), "the schema's keys were not read: {} keys", keys.len());
    for key in &keys {
        let (child, column, name, parent): (String, String, String, String) =
            (key.get("child"), key.get("column"), key.get("name"), key.get("parent"));
        assert!(!key.get::<_, bool>("validated"), "{name}: the load checked the rows again");
        // Each key is a parent the importer checks (or a summary's, built from checked rows).
        let described =
            Table::named(&child).is_none_or(|table| table.describe().has_parent(&column, &parent));
        assert!(
            described && (child != "review_meta" || parent == "products"),
            "{child}.{column} -> {parent}"
        );
        client
            .batch_execute(&format!("ALTER TABLE {child} VALIDATE CONSTRAINT {name}"))
            .await
            .unwrap_or_else(|e| panic!("{child}.{column} -> {parent}: {e:?}"));
    }
    // Still enforced on a later write.
    let orphan = client.execute("INSERT INTO review_photos (review_id, url) VALUES (999999, 'x')", &[]).await;
    let code = orphan.unwrap_err().code().cloned();
    assert_eq!(code, Some(tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_accepted_and_rejected_are_counted_in_the_metrics_by_file() {
    let test = atelier_testkit::TestStore::sqlite().await;
    // The app first: it installs the process's metrics recorder the import counts into.
    let app = TestApp::spawn(test.store.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    bad_rows_dir(dir.path());
    let report =
        import(test.store.as_ref(), &options(dir.path(), &dir.path().join("rejects.csv"))).await.unwrap();
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for file in report.files.iter().filter(|file| file.path.is_some()) {
        let name = file.path.as_ref().unwrap().file_name().unwrap().to_str().unwrap();
        for (outcome, rows) in [("accepted", file.loaded), ("rejected", file.rejected)] {
            let counted = super::metrics::sample(
                &text,
                "atelier_import_rows_total",
                &[("file", name), ("outcome", outcome)],
            );
            assert_eq!(counted.unwrap_or(0.0), rows as f64, "{name} {outcome}: {text}");
        }
    }
    assert!(report.rejected() > 0 && report.files.iter().any(|f| f.loaded > 0));
}

/// The files of the rest of the catalogue (features, styles, skus, photos, related).
mod product_files {
    use super::*;

    for_each_store! {
        async fn the_product_files_load_with_their_quirks_and_bad_rows_are_rejected(test) {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            write(d, "product.csv", "id,name,slogan,description,category,default_price\n1,\"Camo Onesie\",\"Blend in\",\"The \"\"so fatigued\"\" onesie\",\"Jackets\",140\n2,\"Bright Future Sunglasses\",\"You've got to see it\",\"Where you're going\",\"Accessories\",69\n");
            write(d, "features.csv", "id,product_id,feature,value\n1,1,\"Fabric\",\"Canvas\"\n2,1,\"Buttons\",\"\"\"Brass\"\"\"\n3,2,\"Green Leaf Certified\",null\n4,9,\"Lenses\",\"Ultrasheen\"\n");
            write(d, "styles.csv", "id,productId,name,sale_price,original_price,default_style\n1,1,\"Forest Green & Black\",null,140,1\n2,1,\"Desert Brown & Tan\",100,140,0\n3,2,\"Black Lenses\",null,69,0\n4,2,\"Gold\",free,69,0\n5,2,\"Blue\",null,69,2\n");
            write(d, "skus.csv", "id,styleId,size,quantity\n2,1,\"S\",16\n1,1,\"XS\", 8\n3,1,\"XS\",3\n4,2,\"M\",-1\n5,7,\"L\",1\n");
            write(d, "photos.csv", "id,styleId,url,thumbnail_url\n2,1,\"https://example.com/b.jpg\",\"https://example.com/b-t.jpg\"\n1,1,\"https://example.com/a.jpg\",\"https://example.com/a-t.jpg\"\n3,9,\"https://example.com/x.jpg\",\"https://example.com/x-t.jpg\"\n");
            write(d, "related.csv", "id,current_product_id,related_product_id\n4,1,2\n2,1,0\n3,1,1\n1,1,1\n5,2,7\n");
            let rejects_path = d.join("rejects.csv");
            let report = import(test.store.as_ref(), &options(d, &rejects_path)).await.unwrap();
            let found = rejects(&rejects_path);
            let expected: &[(&str, u64, &str)] = &[
                ("features.csv", 5, "product 9 does not exist"),
                ("styles.csv", 5, "sale_price is not a price"),
                ("styles.csv", 6, "default_style is not a boolean"),
                ("skus.csv", 5, "quantity is out of range"),
                ("skus.csv", 6, "style 7 does not exist"),
                ("photos.csv", 4, "style 9 does not exist"),
                ("related.csv", 3, "related_product_id is not a positive integer id"),
                ("related.csv", 6, "product 7 does not exist"),
            ];
            assert_eq!(found.len(), expected.len(), "{found:#?}");
            for ((file, line, reason), (want_file, want_line, want_reason)) in found.iter().zip(expected) {
                assert_eq!((file.as_str(), *line), (*want_file, *want_line), "{reason}");
                assert!(reason.contains(want_reason), "{file}:{line}: {reason:?} should say {want_reason:?}");
            }
            // A space before a quantity, rows out of id order, a size twice in a style, a product
            // related to itself and to another twice: all kept, as the original files have them.
            for (table, rows) in [(Table::Features, 3), (Table::Styles, 3), (Table::Skus, 3), (Table::StylePhotos, 2), (Table::Related, 3)] {
                assert_eq!(loaded(&report, table), rows, "{table:?}");
            }
            // Photos and related products are served in file order, not id order.
            let styles = test.store.styles(ProductId::new_unchecked(1)).await.unwrap();
            let urls: Vec<&str> = styles[0].photos.iter().map(|photo| photo.url.as_str()).collect();
            assert_eq!(urls, ["https://example.com/b.jpg", "https://example.com/a.jpg"]);
            assert_eq!(test.store.related(ProductId::new_unchecked(1)).await.unwrap(), [2, 1, 1]);
        }
    }
}

/// What the importer told a loader: a batch's tables, or that a table is complete.
#[derive(Debug, Clone, PartialEq)]
enum Told {
    Rows(Vec<Table>),
    Done(Table),
}

/// A store's loader that notes what it is told and, at the first reviews batch once the
/// characteristics are complete, waits (up to ten seconds) until `questions.csv` is open in
/// this process: the questions depend on the products only, so an importer that reads them
/// beside the reviews opens them then, and one that reads a file at a time never does.
struct Watching {
    inner: Box<dyn BulkLoader>,
    questions: PathBuf,
    told: Vec<Told>,
    /// Whether questions.csv was open while a reviews batch waited, once asked.
    side_by_side: Option<bool>,
}

/// Whether this process has `path` open.
fn is_open(path: &Path) -> bool {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .any(|target| target == path)
}

#[async_trait::async_trait]
impl BulkLoader for Watching {
    async fn load(&mut self, batch: Batch) -> Result<(), StoreError> {
        let tables: Vec<Table> =
            Table::ALL.into_iter().filter(|&t| !batch.tables()[t as usize].is_empty()).collect();
        if tables.contains(&Table::Reviews)
            && self.told.contains(&Told::Done(Table::Characteristics))
            && self.side_by_side.is_none()
        {
            let open = async {
                while !is_open(&self.questions) {
                    tokio::task::yield_now().await;
                }
            };
            self.side_by_side =
                Some(tokio::time::timeout(std::time::Duration::from_secs(10), open).await.is_ok());
        }
        self.told.push(Told::Rows(tables));
        self.inner.load(batch).await
    }

    async fn table_done(&mut self, table: Table) -> Result<(), StoreError> {
        self.told.push(Told::Done(table));
        self.inner.table_done(table).await
    }

    async fn finish(self: Box<Self>) -> Result<Vec<Phase>, StoreError> {
        let Watching { inner, told, side_by_side, .. } = *self;
        assert_eq!(side_by_side, Some(true), "questions.csv was not being read beside reviews.csv");
        for (at, said) in told.iter().enumerate() {
            match said {
                Told::Done(table) => {
                    let later = told[at + 1..]
                        .iter()
                        .any(|t| matches!(t, Told::Rows(tables) if tables.contains(table)));
                    assert!(!later, "rows of {table:?} came after it was said to be complete");
                }
                Told::Rows(tables) => {
                    for table in tables {
                        for (_, parent) in table.describe().parents() {
                            assert!(
                                told[..at].contains(&Told::Done(parent)),
                                "rows of {table:?} before {parent:?} was complete"
                            );
                        }
                    }
                }
            }
        }
        inner.finish().await
    }
}

/// The reviews and the questions have no parent in common but the products: read side by
/// side, each only once its parents' files are loaded, and every row lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_files_are_read_side_by_side_each_after_its_parents() {
    let test = atelier_testkit::TestStore::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan { products: 200, seed: 7, proportions: Proportions::default(), threads: 2 };
    let counts = to_csv(dir.path(), &plan).unwrap();
    // The products, the characteristics (complete well before the larger reviews), the
    // reviews and the questions; small batches, so the reviews outlast the characteristics.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !["product.csv", "characteristics.csv", "reviews.csv", "questions.csv"].contains(&name.as_str()) {
            std::fs::remove_file(path).unwrap();
        }
    }
    let mut settings = options(dir.path(), &dir.path().join("rejects.csv"));
    settings.batch_rows = 20;
    let inner = test.store.bulk_loader(false).await.unwrap();
    let watching = Watching {
        inner,
        questions: dir.path().join("questions.csv").canonicalize().unwrap(),
        told: Vec::new(),
        side_by_side: None,
    };
    let report = import_into(Box::new(watching), &settings).await.unwrap();
    assert_eq!(report.rejected(), 0, "{report:?}");
    for table in [Table::Products, Table::Characteristics, Table::Reviews, Table::Questions] {
        assert_eq!(loaded(&report, table), counts[table], "{table:?}");
    }
}
