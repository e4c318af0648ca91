//! The meta summaries of a bulk load, counted from its batches as they stream past.
//!
//! A loader sees every review and characteristic rating on its way into the store, so it can
//! count them then, for the price of an array increment, rather than read every row back with
//! a `GROUP BY` at the end (23 s of a 1-million-product import). The counts are exactly what
//! the `GROUP BY` gave, reported reviews included; both stores keep meta as one row per product
//! (every product, with its characteristics and their totals), built from [`Summaries::meta_rows`].

use std::collections::HashMap;

use crate::tables::Batch;

/// Ids below this are counted in a vector indexed by id (catalogues number their rows densely
/// from 1); any larger id, in a map, so a stray huge id costs an entry, not gigabytes.
const DENSE_IDS: i64 = 1 << 26;

/// Counters per id: dense where ids are small, sparse beyond.
#[derive(Debug, Default)]
struct Counters<const N: usize> {
    dense: Vec<[u64; N]>,
    sparse: HashMap<i64, [u64; N]>,
}

impl<const N: usize> Counters<N> {
    fn of(&mut self, id: i64) -> &mut [u64; N] {
        match usize::try_from(id) {
            Ok(index) if id < DENSE_IDS => {
                if index >= self.dense.len() {
                    self.dense.resize(index + 1, [0; N]);
                }
                &mut self.dense[index]
            }
            _ => self.sparse.entry(id).or_insert([0; N]),
        }
    }

    /// The counters of `id`: zeros if nothing was added to them.
    fn get(&self, id: i64) -> [u64; N] {
        match usize::try_from(id) {
            Ok(index) if id < DENSE_IDS => self.dense.get(index).copied().unwrap_or([0; N]),
            _ => self.sparse.get(&id).copied().unwrap_or([0; N]),
        }
    }
}

/// The columns of `review_meta` that hold a product's counts, in the order of
/// [`MetaRow::counts`], after `product_id`.
pub const REVIEW_META_COLUMNS: [&str; 8] = [
    "product_id",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "recommended_false",
    "recommended_true",
];

/// One product's meta counts: ratings 1 to 5, then not recommended and recommended.
pub type ReviewCounts = [u64; 7];

/// The meta of everything loaded so far: the counts, and the products and characteristics the
/// meta rows list. Each characteristic is kept as `(product, id, name)` with its name kept once
/// per distinct name (a catalogue has a handful: Fit, Length, ...), so 3.3 million
/// characteristics take 24 bytes each rather than a string each.
#[derive(Debug, Default)]
pub struct Summaries {
    products: Counters<7>,
    characteristics: Counters<2>,
    listed: Vec<i64>,
    listed_characteristics: Vec<(i64, i64, usize)>,
    names: Vec<String>,
    numbered: HashMap<String, usize>,
}

/// One product's meta row: its counts, then its characteristics in id order.
#[derive(Debug, PartialEq, Eq)]
pub struct MetaRow<'s> {
    /// The product's id.
    pub product: i64,
    /// Its reviews' counts, zeros for none.
    pub counts: ReviewCounts,
    /// Its characteristics, ids ascending.
    pub characteristics: Vec<CharacteristicMeta<'s>>,
}

/// A characteristic of a meta row, with its rating sum and count.
#[derive(Debug, PartialEq, Eq)]
pub struct CharacteristicMeta<'s> {
    /// The characteristic's id.
    pub id: i64,
    /// Its name.
    pub name: &'s str,
    /// The sum of its ratings.
    pub sum: u64,
    /// How many ratings it has.
    pub count: u64,
}

impl Summaries {
    /// Counts the reviews and characteristic ratings of `batch`, and lists its products and
    /// characteristics.
    pub fn add(&mut self, batch: &Batch) {
        for review in &batch.reviews {
            let counts = self.products.of(review.product_id);
            let star = usize::try_from(review.rating).unwrap_or(1).clamp(1, 5) - 1;
            counts[star] += 1;
            counts[5 + usize::from(review.recommend)] += 1;
        }
        for rating in &batch.characteristic_reviews {
            let counts = self.characteristics.of(rating.characteristic_id);
            counts[0] += u64::try_from(rating.value).unwrap_or(0);
            counts[1] += 1;
        }
        self.listed.extend(batch.products.iter().map(|product| product.id));
        for characteristic in &batch.characteristics {
            let name = match self.numbered.get(&characteristic.name) {
                Some(&number) => number,
                None => {
                    let number = self.names.len();
                    self.names.push(characteristic.name.clone());
                    self.numbered.insert(characteristic.name.clone(), number);
                    number
                }
            };
            self.listed_characteristics.push((characteristic.product_id, characteristic.id, name));
        }
    }

    /// One meta row per product listed, in id order: a product without reviews has zero
    /// counts, a characteristic without ratings a zero sum and count. (A duplicate product, or
    /// one a characteristic names but the load lacks, fails the load on the staged tables'
    /// keys, so neither needs a case here.)
    pub fn meta_rows(&mut self) -> impl Iterator<Item = MetaRow<'_>> + '_ {
        self.listed.sort_unstable();
        self.listed_characteristics.sort_unstable_by_key(|&(product, id, _)| (product, id));
        // Both sorted by product: each product's characteristics are the next run of the list.
        let mut characteristics = self.listed_characteristics.iter().peekable();
        let (products, ratings, names) = (&self.products, &self.characteristics, &self.names);
        self.listed.iter().map(move |&product| {
            let mut listed = Vec::new();
            while let Some(&(_, id, name)) = characteristics.next_if(|(owner, _, _)| *owner == product) {
                let [sum, count] = ratings.get(id);
                listed.push(CharacteristicMeta { id, name: &names[name], sum, count });
            }
            MetaRow { product, counts: products.get(product), characteristics: listed }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{CharacteristicReviewRow, CharacteristicRow, ProductRow, ReviewRow};

    fn review(product_id: i64, rating: i16, recommend: bool) -> ReviewRow {
        ReviewRow { product_id, rating, recommend, ..ReviewRow::default() }
    }

    fn products(ids: &[i64]) -> Vec<ProductRow> {
        ids.iter().map(|&id| ProductRow { id, ..ProductRow::default() }).collect()
    }

    fn counts(summaries: &mut Summaries) -> Vec<(i64, ReviewCounts)> {
        summaries.meta_rows().map(|row| (row.product, row.counts)).collect()
    }

    #[test]
    fn meta_counts_each_products_stars_and_recommendations_across_batches() {
        let mut summaries = Summaries::default();
        summaries.add(&Batch {
            products: products(&[7, 2]),
            reviews: vec![review(2, 5, true), review(2, 1, false)],
            ..Batch::default()
        });
        summaries.add(&Batch { reviews: vec![review(2, 5, true), review(7, 3, false)], ..Batch::default() });
        assert_eq!(counts(&mut summaries), [(2, [1, 0, 0, 0, 2, 1, 2]), (7, [0, 0, 1, 0, 0, 1, 0])]);
    }

    #[test]
    fn every_product_listed_has_a_meta_row_with_zeros_if_it_has_no_reviews() {
        let mut summaries = Summaries::default();
        summaries.add(&Batch {
            products: products(&[3, 9, 1 << 40]),
            reviews: vec![review(9, 4, true), review(1 << 40, 5, false)],
            ..Batch::default()
        });
        assert_eq!(
            counts(&mut summaries),
            [(3, [0; 7]), (9, [0, 0, 0, 1, 0, 0, 1]), (1 << 40, [0, 0, 0, 0, 1, 1, 0])]
        );
    }

    #[test]
    fn each_meta_row_lists_its_products_characteristics_in_id_order_with_their_ratings() {
        let rating = |characteristic_id, value| CharacteristicReviewRow {
            characteristic_id,
            value,
            ..Default::default()
        };
        let characteristic =
            |id, product_id, name: &str| CharacteristicRow { id, product_id, name: name.to_owned() };
        let mut summaries = Summaries::default();
        summaries.add(&Batch {
            products: products(&[2, 1]),
            characteristics: vec![characteristic(3, 1, "Fit"), characteristic(1, 1, "Length")],
            characteristic_reviews: vec![rating(3, 4), rating(3, 5), rating(1, 2)],
            ..Batch::default()
        });
        summaries.add(&Batch { characteristics: vec![characteristic(4, 2, "Fit")], ..Batch::default() });
        let rows: Vec<_> = summaries.meta_rows().collect();
        let meta = |id, name, sum, count| CharacteristicMeta { id, name, sum, count };
        assert_eq!(
            rows,
            [
                MetaRow {
                    product: 1,
                    counts: [0; 7],
                    characteristics: vec![meta(1, "Length", 2, 1), meta(3, "Fit", 9, 2)]
                },
                MetaRow { product: 2, counts: [0; 7], characteristics: vec![meta(4, "Fit", 0, 0)] },
            ]
        );
        assert_eq!(summaries.names, ["Fit", "Length"], "a name is kept once");
    }

    #[test]
    fn a_huge_id_is_counted_without_a_huge_vector() {
        let mut summaries = Summaries::default();
        summaries.add(&Batch {
            products: products(&[1 << 40]),
            reviews: vec![review(1 << 40, 2, true)],
            ..Batch::default()
        });
        assert!(summaries.products.dense.is_empty());
        assert_eq!(counts(&mut summaries), [(1 << 40, [0, 1, 0, 0, 0, 0, 1])]);
    }
}
