//! The route table: every endpoint once, with its method, path, handler and description. The
//! router and the OpenAPI document are both built from it, so a route cannot be served without
//! being documented, nor documented without being served.
//!
//! Path parameters are named for what they identify (`{product_id}`, `{review_id}`, ...).

use axum::handler::Handler;
use axum::routing::{self, MethodRouter};
use utoipa::openapi::path::HttpMethod;

use crate::flags::{self, Row};
use crate::openapi::Doc;
use crate::wire::{
    AnswerCreated, AnswerList, CartLines, PostAnswer, PostCart, PostInteraction, PostQuestion, PostReview,
    ProductList, QuestionCreated, QuestionList, RelatedIds, ReviewCreated, ReviewList, StyleList, WireMeta,
    WireProduct,
};
use crate::{AppState, cart, health, metrics, products, qa, reviews};
use atelier_core::Flag;

/// One method on one path (CORS preflights and HEAD are answered by the layers).
pub(crate) struct Endpoint {
    pub method: HttpMethod,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
    pub doc: Doc,
}

impl Endpoint {
    fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H, doc: Doc) -> Self {
        Self { method: HttpMethod::Get, path, handler: routing::get(handler), doc }
    }

    fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, handler: H, doc: Doc) -> Self {
        Self { method: HttpMethod::Post, path, handler: routing::post(handler), doc }
    }

    /// A helpful or report PUT: the route comes from [`flags::put`].
    fn flag(path: &'static str, row: Row, flag: Flag, doc: Doc) -> Self {
        Self { method: HttpMethod::Put, path, handler: flags::put(row, flag), doc }
    }
}

const REVIEWS: &str = "Ratings & Reviews";
const QA: &str = "Questions & Answers";
const LEGACY: &str = "2020 edition aliases";
const SERVICE: &str = "Service";
const PRODUCTS: &str = "Products";

fn review_list(doc: Doc) -> Doc {
    doc.paging().sort().answers::<ReviewList>(200, "The page of reviews").error(404, "No such product")
}

fn review_meta(doc: Doc) -> Doc {
    doc.answers::<WireMeta>(200, "The product's rating summary").error(404, "No such product")
}

fn new_review(doc: Doc) -> Doc {
    doc.body::<PostReview>()
        .answers::<ReviewCreated>(201, "The review, its photos, its ratings and the product's meta are saved")
        .error(404, "No such product")
}

fn flag_doc(doc: Doc, id: &str, what: &str) -> Doc {
    doc.path_id(id, what).no_content("Done").error(404, "No such row")
}

fn question_list(doc: Doc) -> Doc {
    doc.paging().answers::<QuestionList>(200, "The page of questions").error(404, "No such product")
}

fn answer_list(doc: Doc) -> Doc {
    doc.path_id("question_id", "The question.")
        .paging()
        .answers::<AnswerList>(200, "The page of answers")
        .error(404, "No such question, or it is reported")
}

fn new_answer(doc: Doc) -> Doc {
    doc.path_id("question_id", "The question answered.")
        .body::<PostAnswer>()
        .answers::<AnswerCreated>(201, "The answer and its photos are saved")
        .error(404, "No such question, or it is reported")
}

/// Every endpoint, current routes first, then the 2020 edition's aliases.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/reviews",
            reviews::list,
            review_list(Doc::new(REVIEWS, "List a product's reviews").product_query()),
        ),
        Endpoint::post("/reviews", reviews::create, new_review(Doc::new(REVIEWS, "Add a review"))),
        Endpoint::get(
            "/reviews/meta",
            reviews::meta,
            review_meta(Doc::new(REVIEWS, "A product's rating summary").product_query().describe(
                "Counts are strings, as the original service sent them. Every review counts, reported ones \
                 included. A product without reviews gets zeros.",
            )),
        ),
        Endpoint::flag(
            "/reviews/{review_id}/helpful",
            Row::Review,
            Flag::Helpful,
            flag_doc(Doc::new(REVIEWS, "Mark a review helpful"), "review_id", "The review."),
        ),
        Endpoint::flag(
            "/reviews/{review_id}/report",
            Row::Review,
            Flag::Report,
            flag_doc(Doc::new(REVIEWS, "Report a review (hides it from lists)"), "review_id", "The review."),
        ),
        Endpoint::get(
            "/qa/questions",
            qa::list_questions,
            question_list(Doc::new(QA, "List a product's questions with their answers").product_query()),
        ),
        Endpoint::post(
            "/qa/questions",
            qa::create_question,
            Doc::new(QA, "Ask a question")
                .body::<PostQuestion>()
                .answers::<QuestionCreated>(201, "The question is saved")
                .error(404, "No such product"),
        ),
        Endpoint::get(
            "/qa/questions/{question_id}/answers",
            qa::list_answers,
            answer_list(Doc::new(QA, "List a question's answers")),
        ),
        Endpoint::post(
            "/qa/questions/{question_id}/answers",
            qa::create_answer,
            new_answer(Doc::new(QA, "Answer a question")),
        ),
        Endpoint::flag(
            "/qa/questions/{question_id}/helpful",
            Row::Question,
            Flag::Helpful,
            flag_doc(Doc::new(QA, "Mark a question helpful"), "question_id", "The question."),
        ),
        Endpoint::flag(
            "/qa/questions/{question_id}/report",
            Row::Question,
            Flag::Report,
            flag_doc(Doc::new(QA, "Report a question (hides it from lists)"), "question_id", "The question."),
        ),
        Endpoint::flag(
            "/qa/answers/{answer_id}/helpful",
            Row::Answer,
            Flag::Helpful,
            flag_doc(Doc::new(QA, "Mark an answer helpful"), "answer_id", "The answer."),
        ),
        Endpoint::flag(
            "/qa/answers/{answer_id}/report",
            Row::Answer,
            Flag::Report,
            flag_doc(Doc::new(QA, "Report an answer (hides it from lists)"), "answer_id", "The answer."),
        ),
        Endpoint::get(
            "/products",
            products::list,
            Doc::new(PRODUCTS, "List products by id (without their features)")
                .paging()
                .answers::<ProductList>(200, "The page of products"),
        ),
        Endpoint::get(
            "/products/{product_id}",
            products::one,
            Doc::new(PRODUCTS, "A product with its features")
                .path_id("product_id", "The product.")
                .answers::<WireProduct>(200, "The product")
                .error(404, "No such product"),
        ),
        Endpoint::get(
            "/products/{product_id}/styles",
            products::styles,
            Doc::new(PRODUCTS, "A product's styles with their photos and skus")
                .path_id("product_id", "The product.")
                .answers::<StyleList>(200, "The product's styles")
                .error(404, "No such product"),
        ),
        Endpoint::get(
            "/products/{product_id}/related",
            products::related,
            Doc::new(PRODUCTS, "The ids of a product's related products")
                .path_id("product_id", "The product.")
                .answers::<RelatedIds>(200, "The related products' ids, in file order")
                .error(404, "No such product"),
        ),
        Endpoint::get(
            "/cart",
            cart::list,
            Doc::new(PRODUCTS, "The caller's cart (by Authorization header, else session cookie)")
                .answers::<CartLines>(200, "The cart's lines by sku"),
        ),
        Endpoint::post(
            "/cart",
            cart::add,
            Doc::new(PRODUCTS, "Add one of a sku to the caller's cart")
                .body::<PostCart>()
                .created_empty("Added")
                .error(404, "No such sku"),
        ),
        Endpoint::post(
            "/interactions",
            cart::interaction,
            Doc::new(PRODUCTS, "Record a click on a widget's element")
                .body::<PostInteraction>()
                .created_empty("Recorded")
                .error(422, "A field is missing or empty"),
        ),
        Endpoint::get("/health", health, Doc::new(SERVICE, "Liveness").text("`ok`")),
        Endpoint::get(
            "/healthz",
            metrics::healthz,
            Doc::new(SERVICE, "Liveness: the process serves HTTP").text("`ok`"),
        ),
        Endpoint::get(
            "/readyz",
            metrics::readyz,
            Doc::new(SERVICE, "Readiness: the store answers within two seconds")
                .text("`ready`")
                .error(503, "The store does not answer"),
        ),
        // The 2020 edition's routes: the same handlers, the product or row in the path.
        Endpoint::get(
            "/reviews/{product_id}/list",
            reviews::list,
            review_list(Doc::new(LEGACY, "List a product's reviews").path_id("product_id", "The product.")),
        ),
        Endpoint::get(
            "/reviews/{product_id}/meta",
            reviews::meta,
            review_meta(Doc::new(LEGACY, "A product's rating summary").path_id("product_id", "The product.")),
        ),
        Endpoint::post(
            "/reviews/{product_id}",
            reviews::create,
            new_review(Doc::new(LEGACY, "Add a review").path_id("product_id", "The product reviewed.")),
        ),
        Endpoint::flag(
            "/reviews/helpful/{review_id}",
            Row::Review,
            Flag::Helpful,
            flag_doc(Doc::new(LEGACY, "Mark a review helpful"), "review_id", "The review."),
        ),
        Endpoint::flag(
            "/reviews/report/{review_id}",
            Row::Review,
            Flag::Report,
            flag_doc(Doc::new(LEGACY, "Report a review"), "review_id", "The review."),
        ),
        Endpoint::get(
            "/qa/{product_id}",
            qa::list_questions,
            question_list(
                Doc::new(LEGACY, "List a product's questions").path_id("product_id", "The product."),
            ),
        ),
        Endpoint::get(
            "/qa/{question_id}/answers",
            qa::list_answers,
            answer_list(Doc::new(LEGACY, "List answers")),
        ),
        Endpoint::post(
            "/qa/{question_id}/answers",
            qa::create_answer,
            new_answer(Doc::new(LEGACY, "Answer a question")),
        ),
    ]
}
