//! The generator of demo and benchmark catalogues, in the original dataset's proportions.

mod catalogue;
mod text;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use atelier_core::tables::{
    AnswerPhotoRow, AnswerRow, Batch, CharacteristicReviewRow, CharacteristicRow, Counts, QuestionRow,
    ReviewPhotoRow, ReviewRow, Table,
};
use atelier_core::{Store, StoreError};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

use crate::files;

/// Products per chunk: the unit of determinism and of parallel work.
pub const CHUNK_PRODUCTS: i64 = 1000;

/// The six characteristic names of the original data, in a fixed order.
pub const CHARACTERISTICS: [&str; 6] = ["Fit", "Length", "Comfort", "Quality", "Size", "Width"];

/// The first and last instants of generated dates: a fixed window rather than "now", so the
/// output depends only on the seed.
const FIRST_DATE_MS: i64 = 1_640_995_200_000; // 2022-01-01
const LAST_DATE_MS: i64 = 1_790_812_800_000; // 2026-10-01

/// Rows per product and per parent, as averages. The defaults are the original dataset's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportions {
    /// Reviews per product (original: 5.77).
    pub reviews_per_product: f64,
    /// Photos per review (original: 0.475).
    pub photos_per_review: f64,
    /// Characteristics per product, from 1 to 6 (original: 3.35). Every review rates each.
    pub characteristics_per_product: f64,
    /// Questions per product (original: 3.52).
    pub questions_per_product: f64,
    /// Answers per question (original: 1.95).
    pub answers_per_question: f64,
    /// Photos per answer (original: 0.3).
    pub photos_per_answer: f64,
    /// One review, question or answer in this many is reported (original: about 30).
    pub reported_one_in: u32,
    /// Features per product (original: 2.22).
    pub features_per_product: f64,
    /// Styles per product (original: 1.96).
    pub styles_per_product: f64,
    /// Skus per style (original: 5.78).
    pub skus_per_style: f64,
    /// Photos per style (original: 2.89).
    pub photos_per_style: f64,
    /// Related products per product (original: 4.51).
    pub related_per_product: f64,
}

impl Default for Proportions {
    fn default() -> Self {
        Self {
            reviews_per_product: 5.77,
            photos_per_review: 0.475,
            characteristics_per_product: 3.35,
            questions_per_product: 3.52,
            answers_per_question: 1.95,
            photos_per_answer: 0.3,
            reported_one_in: 30,
            features_per_product: 2.22,
            styles_per_product: 1.96,
            skus_per_style: 5.78,
            photos_per_style: 2.89,
            related_per_product: 4.51,
        }
    }
}

/// Produces the rows of one chunk of products, ids numbered from 1 within the chunk (product
/// ids are already global). `IdCursor::rebase` makes them global.
pub fn chunk(
    seed: u64,
    proportions: &Proportions,
    chunk_index: u64,
    first_product: i64,
    products: i64,
) -> Batch {
    let stream = seed ^ chunk_index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut draw = Draw(Xoshiro256PlusPlus::seed_from_u64(stream));
    // The styles, features and related products draw from a stream of their own, so adding them
    // left every review and question of a seed as it was.
    let mut catalogue_draw = Draw(Xoshiro256PlusPlus::seed_from_u64(stream ^ 0x5DEE_CE66_D1CE_5EED));
    let products_in_chunk = first_product..first_product + products;
    let mut batch = Batch::default();
    for product_id in products_in_chunk.clone() {
        product(&mut draw, proportions, product_id, &mut batch);
        catalogue::product(
            &mut catalogue_draw,
            proportions,
            product_id,
            products_in_chunk.clone(),
            &mut batch,
        );
    }
    batch
}

/// One product and everything about it.
fn product(draw: &mut Draw, p: &Proportions, product_id: i64, batch: &mut Batch) {
    batch.products.push(text::product(draw, product_id));
    let characteristics = characteristics(draw, p, product_id, batch);
    for _ in 0..draw.geometric(p.reviews_per_product) {
        review(draw, p, product_id, characteristics.clone(), batch);
    }
    for _ in 0..draw.geometric(p.questions_per_product) {
        question(draw, p, product_id, batch);
    }
}

/// The product's characteristics, a random subset of the six in their fixed order; returns
/// where they are in `batch.characteristics`.
fn characteristics(
    draw: &mut Draw,
    p: &Proportions,
    product_id: i64,
    batch: &mut Batch,
) -> std::ops::Range<usize> {
    let first = batch.characteristics.len();
    let extra = (p.characteristics_per_product.clamp(1.0, 6.0) - 1.0) / 5.0;
    let wanted = 1 + (0..5).filter(|_| draw.chance(extra)).count();
    let mut names: Vec<&str> = CHARACTERISTICS.to_vec();
    while names.len() > wanted {
        names.remove(draw.below(names.len() as u64) as usize);
    }
    for name in names {
        let id = batch.characteristics.len() as i64 + 1;
        batch.characteristics.push(CharacteristicRow { id, product_id, name: name.to_owned() });
    }
    first..batch.characteristics.len()
}

/// One review with its photos and a score for each of the product's `characteristics`, close
/// to its rating.
fn review(
    draw: &mut Draw,
    p: &Proportions,
    product_id: i64,
    characteristics: std::ops::Range<usize>,
    batch: &mut Batch,
) {
    let review_id = batch.reviews.len() as i64 + 1;
    let rating = draw.weighted(&[5, 8, 17, 30, 40]) as i16 + 1;
    let recommend = draw.chance([0.1, 0.25, 0.6, 0.9, 0.97][rating as usize - 1]);
    let (summary, body) = text::review(draw, rating);
    let name = text::username(draw);
    batch.reviews.push(ReviewRow {
        id: review_id,
        product_id,
        rating,
        date_ms: draw.between(FIRST_DATE_MS, LAST_DATE_MS),
        summary,
        body,
        recommend,
        reported: draw.one_in(p.reported_one_in),
        reviewer_email: text::email(draw, &name),
        reviewer_name: name,
        response: draw.chance(0.1).then(|| text::response(draw)),
        helpfulness: draw.helpfulness(),
    });
    for _ in 0..draw.geometric(p.photos_per_review).min(5) {
        let id = batch.review_photos.len() as i64 + 1;
        batch.review_photos.push(ReviewPhotoRow { id, review_id, url: text::photo_url(draw) });
    }
    for index in characteristics {
        let id = batch.characteristic_reviews.len() as i64 + 1;
        let value = (rating + draw.weighted(&[1, 3, 1]) as i16 - 1).clamp(1, 5);
        let characteristic_id = batch.characteristics[index].id;
        batch.characteristic_reviews.push(CharacteristicReviewRow {
            id,
            characteristic_id,
            review_id,
            value,
        });
    }
}

/// One question with its answers and their photos; about one answer in ten is the seller's.
fn question(draw: &mut Draw, p: &Proportions, product_id: i64, batch: &mut Batch) {
    let question_id = batch.questions.len() as i64 + 1;
    let asked = draw.between(FIRST_DATE_MS, LAST_DATE_MS - 86_400_000);
    let name = text::username(draw);
    batch.questions.push(QuestionRow {
        id: question_id,
        product_id,
        body: text::question(draw),
        date_ms: asked,
        asker_email: text::email(draw, &name),
        asker_name: name,
        reported: draw.one_in(p.reported_one_in),
        helpfulness: draw.helpfulness(),
    });
    for _ in 0..draw.geometric(p.answers_per_question) {
        let answer_id = batch.answers.len() as i64 + 1;
        let name = if draw.chance(0.1) { "Seller".to_owned() } else { text::username(draw) };
        batch.answers.push(AnswerRow {
            id: answer_id,
            question_id,
            body: text::answer(draw),
            date_ms: draw.between(asked, LAST_DATE_MS),
            answerer_email: text::email(draw, &name),
            answerer_name: name,
            reported: draw.one_in(p.reported_one_in),
            helpfulness: draw.helpfulness(),
        });
        for _ in 0..draw.geometric(p.photos_per_answer).min(5) {
            let id = batch.answer_photos.len() as i64 + 1;
            batch.answer_photos.push(AnswerPhotoRow { id, answer_id, url: text::photo_url(draw) });
        }
    }
}

/// The running id offsets of every generated table: chunk after chunk, in order, it shifts a
/// chunk's local ids (from 1) past the ids already handed out. Product ids are global from the
/// start, so the products' offset stays 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdCursor(Counts);

impl IdCursor {
    /// Makes `batch`'s ids global and advances past them.
    pub fn rebase(&mut self, batch: &mut Batch) {
        for rows in batch.tables_mut() {
            rows.shift_keys(&self.0);
        }
        self.0.add(batch);
        self.0[Table::Products] = 0;
    }
}

/// How generation runs: how many products, from which seed, in what proportions, on how many
/// threads. The output depends on everything here but `threads`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// How many products.
    pub products: i64,
    /// The seed.
    pub seed: u64,
    /// Rows per parent.
    pub proportions: Proportions,
    /// Worker threads (at least 1).
    pub threads: usize,
}

impl Plan {
    fn chunks(&self) -> u64 {
        ((self.products + CHUNK_PRODUCTS - 1) / CHUNK_PRODUCTS) as u64
    }

    /// Generates the catalogue window by window: each window's chunks are drawn in parallel,
    /// then made global in chunk order and handed to `sink` in that order, so the result is the
    /// same on any number of threads. Memory holds one window of a few chunks per thread. The
    /// sink may use the same threads for its own parallel work; a progress bar counts products.
    pub fn run(
        &self,
        mut sink: impl FnMut(&rayon::ThreadPool, Vec<Batch>) -> std::io::Result<()>,
    ) -> std::io::Result<Counts> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.max(1))
            .build()
            .map_err(|e| std::io::Error::other(format!("failed to start the generator's threads: {e}")))?;
        let progress = super::progress::bar(self.products as u64, "products");
        let window = (self.threads.max(1) * 4) as u64;
        let mut cursor = IdCursor::default();
        let mut counts = Counts::default();
        let mut next = 0;
        while next < self.chunks() {
            let indices = next..(next + window).min(self.chunks());
            next = indices.end;
            let mut batches: Vec<Batch> = pool.install(|| {
                use rayon::prelude::*;
                indices
                    .into_par_iter()
                    .map(|i| {
                        let first = i as i64 * CHUNK_PRODUCTS + 1;
                        let size = CHUNK_PRODUCTS.min(self.products - i as i64 * CHUNK_PRODUCTS);
                        chunk(self.seed, &self.proportions, i, first, size)
                    })
                    .collect()
            });
            let products_before = counts[Table::Products];
            for batch in &mut batches {
                cursor.rebase(batch);
                counts.add(batch);
            }
            sink(&pool, batches)?;
            progress.inc(counts[Table::Products] - products_before);
        }
        progress.finish_and_clear();
        Ok(counts)
    }
}

/// Generates a catalogue straight into `store`, replacing what it holds when `replace` is set,
/// then computes the meta summaries. Generation runs on its own threads while the store loads.
pub async fn into_store(store: &dyn Store, plan: Plan, replace: bool) -> Result<Counts, StoreError> {
    let mut loader = store.bulk_loader(replace).await?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Batch>>(2);
    let producer = tokio::task::spawn_blocking(move || {
        plan.run(|_, batches| {
            // A closed channel means the loader failed; its error is the one reported.
            sender.blocking_send(batches).map_err(|_| std::io::Error::other("the loader stopped"))
        })
    });
    while let Some(batches) = receiver.recv().await {
        for batch in batches {
            loader.load(batch).await?;
        }
    }
    let counts = producer
        .await
        .map_err(|e| StoreError::Internal(format!("the generator panicked: {e}")))?
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    loader.finish().await?;
    Ok(counts)
}

/// Writes the catalogue as the CSV files of the original dataset into `dir`. Each
/// window's chunks are encoded in parallel and written in order.
pub fn to_csv(dir: &Path, plan: &Plan) -> std::io::Result<Counts> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::with_capacity(Table::ALL.len());
    for table in Table::ALL {
        let mut file = BufWriter::with_capacity(1 << 20, File::create(dir.join(table.describe().file()))?);
        let mut header = Vec::new();
        files::write_header(&mut header, table);
        file.write_all(&header)?;
        files.push(file);
    }
    let counts = plan.run(|pool, batches| {
        let encoded: Vec<Vec<Vec<u8>>> = pool.install(|| {
            use rayon::prelude::*;
            batches.par_iter().map(encode).collect()
        });
        for tables in encoded {
            for (file, bytes) in files.iter_mut().zip(tables) {
                file.write_all(&bytes)?;
            }
        }
        Ok(())
    })?;
    for mut file in files {
        file.flush()?;
    }
    Ok(counts)
}

/// One batch as the bytes of each file, in [`Table::ALL`] order.
fn encode(batch: &Batch) -> Vec<Vec<u8>> {
    batch
        .tables()
        .iter()
        .map(|rows| {
            let mut out = Vec::with_capacity(rows.len() * 128);
            files::write_rows(&mut out, *rows);
            out
        })
        .collect()
}

/// Draws from one chunk's random stream.
pub(crate) struct Draw(Xoshiro256PlusPlus);

impl Draw {
    /// A uniform float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1_u64 << 53) as f64)
    }

    /// A uniform integer in [0, n).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform integer in [low, high].
    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// True once in `n` (never when `n` is 0).
    fn one_in(&mut self, n: u32) -> bool {
        n > 0 && self.below(u64::from(n)) == 0
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let mut pick = self.below(weights.iter().map(|&w| u64::from(w)).sum());
        for (i, &w) in weights.iter().enumerate() {
            match pick.checked_sub(u64::from(w)) {
                Some(rest) => pick = rest,
                None => return i,
            }
        }
        weights.len() - 1
    }

    /// A count with the given mean from a geometric distribution: many zeros and ones, a long
    /// tail, like the original data's reviews and questions per product.
    fn geometric(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        let fail = mean / (mean + 1.0);
        let u = 1.0 - self.unit(); // in (0, 1]
        (u.ln() / fail.ln()).floor() as u64
    }

    /// Helpful votes: usually a few, now and then many.
    fn helpfulness(&mut self) -> i32 {
        let votes = self.geometric(2.5) as i32;
        if self.chance(0.05) { votes * 8 + 10 } else { votes }
    }

    /// One of `items`.
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_files_come_in_the_original_proportions_with_their_quirks() {
        let p = Proportions::default();
        let batch = chunk(42, &p, 0, 1, 1000);
        let per = |rows: usize, parents: usize| rows as f64 / parents as f64;
        let close = |what: &str, got: f64, want: f64| {
            assert!(
                (got - want).abs() <= want * 0.15,
                "{what}: {got:.2} per parent, the original has {want}"
            );
        };
        close("features", per(batch.features.len(), 1000), p.features_per_product);
        close("styles", per(batch.styles.len(), 1000), p.styles_per_product);
        close("skus", per(batch.skus.len(), batch.styles.len()), p.skus_per_style);
        close("photos", per(batch.style_photos.len(), batch.styles.len()), p.photos_per_style);
        close("related", per(batch.related.len(), 1000), p.related_per_product);
        let styled: std::collections::HashSet<i64> = batch.styles.iter().map(|s| s.product_id).collect();
        assert!(styled.len() < 1000, "some product has no style");
        let defaults = batch.styles.iter().filter(|s| s.default_style).count();
        assert!(defaults < styled.len(), "some product has no default style");
        assert!(
            batch.styles.iter().any(|s| s.sale_price.is_none())
                && batch.styles.iter().any(|s| s.sale_price.is_some())
        );
        assert!(batch.features.iter().any(|f| f.value.is_none()));
        assert!(batch.related.iter().any(|r| r.related_product_id == r.current_product_id));
        assert!(batch.related.iter().all(|r| (1..=1000).contains(&r.related_product_id)));
        let photographed: std::collections::HashSet<i64> =
            batch.style_photos.iter().map(|p| p.style_id).collect();
        assert!(photographed.len() < batch.styles.len(), "some style has no photo");
        let out_of_order = |ids: Vec<i64>| ids.windows(2).any(|pair| pair[1] < pair[0]);
        assert!(out_of_order(batch.style_photos.iter().map(|p| p.id).collect()), "photos out of id order");
        assert!(out_of_order(batch.skus.iter().map(|k| k.id).collect()), "skus out of id order");
        let sizes: std::collections::HashSet<(i64, &str)> =
            batch.skus.iter().map(|k| (k.style_id, k.size.as_str())).collect();
        assert!(sizes.len() < batch.skus.len(), "some style has a size twice");
    }

    fn catalogue(seed: u64, products: i64) -> Vec<Batch> {
        let mut cursor = IdCursor::default();
        (0..(products + CHUNK_PRODUCTS - 1) / CHUNK_PRODUCTS)
            .map(|i| {
                let size = CHUNK_PRODUCTS.min(products - i * CHUNK_PRODUCTS);
                let mut batch = chunk(seed, &Proportions::default(), i as u64, i * CHUNK_PRODUCTS + 1, size);
                cursor.rebase(&mut batch);
                batch
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_catalogue() {
        assert_eq!(catalogue(7, 1500), catalogue(7, 1500));
    }

    #[test]
    fn another_seed_gives_another_catalogue() {
        assert_ne!(catalogue(7, 200), catalogue(8, 200));
    }

    #[test]
    fn ids_are_contiguous_across_chunks_and_children_point_at_parents() {
        let batches = catalogue(3, 2500);
        let reviews: Vec<i64> = batches.iter().flat_map(|b| b.reviews.iter().map(|r| r.id)).collect();
        assert_eq!(reviews, (1..=reviews.len() as i64).collect::<Vec<_>>());
        // Rows keep their place in the file across chunks, whatever their ids.
        let places: Vec<i64> =
            batches.iter().flat_map(|b| b.style_photos.iter().map(|p| p.position)).collect();
        assert_eq!(places, (1..=places.len() as i64).collect::<Vec<_>>());
        let mut photo_ids: Vec<i64> =
            batches.iter().flat_map(|b| b.style_photos.iter().map(|p| p.id)).collect();
        photo_ids.sort_unstable();
        assert_eq!(photo_ids, places);
        for batch in &batches {
            for photo in &batch.review_photos {
                assert!(batch.reviews.iter().any(|r| r.id == photo.review_id));
            }
            for score in &batch.characteristic_reviews {
                let review = batch.reviews.iter().find(|r| r.id == score.review_id).unwrap();
                let characteristic =
                    batch.characteristics.iter().find(|c| c.id == score.characteristic_id).unwrap();
                assert_eq!(review.product_id, characteristic.product_id);
            }
            for answer in &batch.answers {
                assert!(batch.questions.iter().any(|q| q.id == answer.question_id));
            }
        }
    }

    #[test]
    fn proportions_follow_the_original_data() {
        let mut counts = Counts::default();
        catalogue(11, 20_000).iter().for_each(|b| counts.add(b));
        use Table::*;
        let per = |n: Table, d: Table| counts[n] as f64 / counts[d] as f64;
        let cases = [
            ("reviews per product", per(Reviews, Products), 5.77),
            ("photos per review", per(ReviewPhotos, Reviews), 0.475),
            ("characteristics per product", per(Characteristics, Products), 3.35),
            ("ratings per review", per(CharacteristicReviews, Reviews), 3.35),
            ("questions per product", per(Questions, Products), 3.52),
            ("answers per question", per(Answers, Questions), 1.95),
            ("photos per answer", per(AnswerPhotos, Answers), 0.3),
        ];
        for (name, actual, expected) in cases {
            assert!((actual - expected).abs() / expected < 0.05, "{name}: {actual:.3}, expected {expected}");
        }
    }

    #[test]
    fn about_one_review_in_thirty_is_reported() {
        let reviews: Vec<ReviewRow> = catalogue(5, 10_000).into_iter().flat_map(|b| b.reviews).collect();
        let reported = reviews.iter().filter(|r| r.reported).count() as f64 / reviews.len() as f64;
        assert!((reported - 1.0 / 30.0).abs() < 0.005, "{reported}");
    }
}
