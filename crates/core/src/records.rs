//! What the stores return: plain records, with no wire formatting (dates stay epoch
//! milliseconds, counts stay integers). The HTTP layer decides how they look on the wire.

use crate::{AnswerId, CharacteristicId, QuestionId, ReviewId};

/// A photo attached to a review or an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// The photo row's id.
    pub id: i64,
    /// Where the image lives.
    pub url: String,
}

/// One review as listed (reported reviews are never listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The review's id.
    pub id: ReviewId,
    /// 1 to 5 stars.
    pub rating: i16,
    /// The one-line summary.
    pub summary: String,
    /// Whether the reviewer recommends the product.
    pub recommend: bool,
    /// The seller's response, if any.
    pub response: Option<String>,
    /// The review text.
    pub body: String,
    /// When it was written, in epoch milliseconds.
    pub date_ms: i64,
    /// The reviewer's display name.
    pub reviewer_name: String,
    /// How many shoppers marked it helpful.
    pub helpfulness: i64,
    /// Its photos in id order.
    pub photos: Vec<Photo>,
}

/// The precomputed rating summary of a product: a primary-key read, never an aggregation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewMeta {
    /// How many reviews gave 1, 2, 3, 4 and 5 stars (index 0 is one star). Reported reviews
    /// count too.
    pub ratings: [i64; 5],
    /// How many reviews do not recommend the product.
    pub recommended_false: i64,
    /// How many reviews recommend it.
    pub recommended_true: i64,
    /// Every characteristic of the product, in id order, with or without ratings.
    pub characteristics: Vec<CharacteristicSummary>,
}

/// The running total of one characteristic's ratings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacteristicSummary {
    /// The characteristic's id.
    pub id: CharacteristicId,
    /// Its name: Fit, Length, Comfort, Quality, Size or Width in the original data.
    pub name: String,
    /// The sum of its ratings.
    pub rating_sum: i64,
    /// How many ratings it has.
    pub rating_count: i64,
}

impl CharacteristicSummary {
    /// The average rating as a decimal with exactly 16 places (rounded half up), as the
    /// original service sent it, or `None` before the first rating. Integer arithmetic, so the
    /// digits are exact rather than a float's approximation.
    pub fn average_text(&self) -> Option<String> {
        if self.rating_count <= 0 {
            return None;
        }
        const SCALE: i128 = 10_i128.pow(16);
        let (sum, count) = (i128::from(self.rating_sum), i128::from(self.rating_count));
        let scaled = (2 * sum * SCALE + count) / (2 * count);
        Some(format!("{}.{:016}", scaled / SCALE, scaled % SCALE))
    }
}

/// One question as listed, with its visible answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The question's id.
    pub id: QuestionId,
    /// The question text.
    pub body: String,
    /// When it was asked, in epoch milliseconds.
    pub date_ms: i64,
    /// The asker's display name.
    pub asker_name: String,
    /// How many shoppers marked it helpful.
    pub helpfulness: i64,
    /// Its answers that are not reported, most helpful first.
    pub answers: Vec<Answer>,
}

/// One answer as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer's id.
    pub id: AnswerId,
    /// The answer text.
    pub body: String,
    /// When it was written, in epoch milliseconds.
    pub date_ms: i64,
    /// The answerer's display name ("Seller" for the seller).
    pub answerer_name: String,
    /// How many shoppers marked it helpful.
    pub helpfulness: i64,
    /// Its photos in id order.
    pub photos: Vec<Photo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(sum: i64, count: i64) -> CharacteristicSummary {
        CharacteristicSummary {
            id: CharacteristicId::new_unchecked(1),
            name: "Fit".into(),
            rating_sum: sum,
            rating_count: count,
        }
    }

    #[test]
    fn an_average_has_sixteen_decimal_places() {
        assert_eq!(summary(8, 2).average_text().unwrap(), "4.0000000000000000");
        assert_eq!(summary(7, 2).average_text().unwrap(), "3.5000000000000000");
    }

    #[test]
    fn an_average_is_rounded_half_up_at_the_sixteenth_place() {
        assert_eq!(summary(10, 3).average_text().unwrap(), "3.3333333333333333");
        assert_eq!(summary(11, 3).average_text().unwrap(), "3.6666666666666667");
    }

    #[test]
    fn a_characteristic_without_ratings_has_no_average() {
        assert_eq!(summary(0, 0).average_text(), None);
    }
}

/// A product of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// The product's id.
    pub id: crate::ProductId,
    /// Display name.
    pub name: String,
    /// One-line slogan.
    pub slogan: String,
    /// Long description.
    pub description: String,
    /// Category, e.g. "Jackets".
    pub category: String,
    /// The price as written in the files (e.g. `140`).
    pub default_price: String,
    /// Its features in file order; empty in a list of products, which does not show them.
    pub features: Vec<Feature>,
}

/// One feature of a product: `Fabric`: `Canvas`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// What it is.
    pub feature: String,
    /// Its value, when the data has one.
    pub value: Option<String>,
}

/// One style a product is sold in, with its photos and skus in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// The style's id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// The price as written.
    pub original_price: String,
    /// The sale price as written; `None` when there is no sale.
    pub sale_price: Option<String>,
    /// Whether it is the product's default style.
    pub default: bool,
    /// Its photos.
    pub photos: Vec<StylePhoto>,
    /// Its skus.
    pub skus: Vec<Sku>,
}

/// A photo of a style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StylePhoto {
    /// The image.
    pub url: String,
    /// Its thumbnail.
    pub thumbnail_url: String,
}

/// A size of a style and its stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku {
    /// The sku's id.
    pub id: i64,
    /// Size, e.g. "XS".
    pub size: String,
    /// In stock.
    pub quantity: i64,
}

/// A line of a caller's cart: a sku and how many of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    /// The sku.
    pub sku_id: i64,
    /// How many.
    pub count: i64,
}
