-- Questions, answers and answer photos.

CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    body TEXT NOT NULL,
    date_ms INTEGER NOT NULL,
    asker_name TEXT NOT NULL,
    asker_email TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
    helpfulness INTEGER NOT NULL DEFAULT 0
);
-- Serves GET /qa/questions: a product's visible questions, most helpful first, id DESC as the
-- tie-break. Partial because reported questions are never listed.
CREATE INDEX questions_product ON questions (product_id, helpfulness DESC, id DESC) WHERE reported = 0;

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    body TEXT NOT NULL,
    date_ms INTEGER NOT NULL,
    answerer_name TEXT NOT NULL,
    answerer_email TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
    helpfulness INTEGER NOT NULL DEFAULT 0
);
-- Serves the answers embedded in GET /qa/questions and GET /qa/questions/{id}/answers.
CREATE INDEX answers_question ON answers (question_id, helpfulness DESC, id DESC) WHERE reported = 0;

CREATE TABLE answer_photos (
    id INTEGER PRIMARY KEY,
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    url TEXT NOT NULL
);
-- Serves the photos of each listed answer, in id order.
CREATE INDEX answer_photos_answer ON answer_photos (answer_id, id);
