//! A product's features, styles (with their skus and photos) and related products, in the
//! original data's proportions and with its quirks at a small rate: a product with no styles or
//! no default style, a style with no photos or no skus, a feature without a value, a related
//! product that is the product itself or given twice, photos and skus whose ids are out of file
//! order, a size given twice in a style.

use std::ops::Range;

use atelier_core::tables::{Batch, FeatureRow, RelatedRow, SkuRow, StylePhotoRow, StyleRow};

use super::{Draw, Proportions};

const FEATURES: &[(&str, &[&str])] = &[
    (
        "Fabric",
        &["Canvas", "100% Cotton", "Organic Cotton", "Recycled Polyester", "Merino Wool", "Linen Blend"],
    ),
    ("Buttons", &["Brass", "Wooden", "Horn", "Snap"]),
    ("Sole", &["Rubber", "Foam", "Vibram\u{00ae}"]),
    ("Lenses", &["Ultrasheen", "Polarized", "Mirrored"]),
    ("Frame", &["LightCompose", "Acetate", "Titanium"]),
    ("Lining", &["Fleece", "Quilted", "Mesh"]),
    ("Closure", &["Zipper", "Drawstring", "Velcro", "Laces"]),
    ("Green Leaf Certified", &[]),
    ("Cut", &["Skinny", "Relaxed", "Straight", "\"Loose\""]),
    ("Water Resistant", &[]),
];

const COLORS: &[&str] = &[
    "Black",
    "White",
    "Forest Green",
    "Navy",
    "Heather Grey",
    "Ocean Blue",
    "Desert Brown",
    "Crimson",
    "Cream",
    "Olive",
    "Goldenrod",
    "Charcoal",
    "Dark Grey",
    "Sky Blue",
    "Burgundy",
    "Sand",
];

const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
const SHOE_SIZES: &[&str] = &["7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"];

/// Unsplash photo ids of clothes, shoes and accessories.
const PHOTOS: &[&str] = &[
    "1501088430049-71c79fa3283e",
    "1534011546717-407bced4d25c",
    "1549831243-a69a0b3d39e0",
    "1527522883525-97119bfce82d",
    "1556648202-80e751c133da",
    "1532543491484-63e29b3c1f5d",
    "1470116892389-0de5d9770b2c",
    "1562542096-218d8f9760bb",
    "1544441892-794166f1e3be",
    "1514590734052-344a18719611",
    "1542280756-74b2f55e73ab",
    "1556304653-cba65c59b3c5",
];

/// Everything about product `product_id` besides its reviews and questions; related products
/// are drawn from `chunk` (the products generated with it), so they always exist.
pub(super) fn product(
    draw: &mut Draw,
    p: &Proportions,
    product_id: i64,
    chunk: Range<i64>,
    batch: &mut Batch,
) {
    features(draw, p, product_id, batch);
    let price = batch.products.last().map_or_else(|| "100".to_owned(), |row| row.default_price.clone());
    let styles = some(draw, p.styles_per_product);
    // Now and then no style is the default (the original data has such products).
    let default = (!draw.one_in(20)).then(|| draw.below(styles.max(1)));
    let shoes = draw.one_in(4);
    for index in 0..styles {
        style(draw, p, product_id, &price, default == Some(index), shoes, batch);
    }
    for _ in 0..draw.geometric(p.related_per_product) {
        let related_product_id = if draw.one_in(50) {
            product_id
        } else {
            chunk.start + draw.below((chunk.end - chunk.start) as u64) as i64
        };
        let times = if draw.one_in(50) { 2 } else { 1 };
        for _ in 0..times {
            let id = batch.related.len() as i64 + 1;
            batch.related.push(RelatedRow {
                id,
                current_product_id: product_id,
                related_product_id,
                position: id,
            });
        }
    }
}

/// Now and then (one time in `one_in`) swaps the ids of the last two rows of `rows` when they
/// belong to the style just generated, so that the file lists them out of id order, as the
/// original photos.csv and skus.csv do; each row keeps its place in the file.
fn now_and_then_out_of_order<R>(
    draw: &mut Draw,
    one_in: u32,
    first: usize,
    rows: &mut [R],
    id: fn(&mut R) -> &mut i64,
) {
    if rows.len() >= first + 2 && draw.one_in(one_in) {
        let (head, last) = rows.split_at_mut(rows.len() - 1);
        std::mem::swap(id(&mut head[head.len() - 1]), id(&mut last[0]));
    }
}

/// A count with about the given mean that is rarely zero (one time in 40): most products have
/// styles and most styles have photos and skus, unlike the reviews' long tail of none.
fn some(draw: &mut Draw, mean: f64) -> u64 {
    if mean <= 0.0 || draw.one_in(40) { 0 } else { 1 + draw.geometric(mean - 1.0) }
}

fn features(draw: &mut Draw, p: &Proportions, product_id: i64, batch: &mut Batch) {
    let mut names: Vec<usize> = (0..FEATURES.len()).collect();
    for _ in 0..draw.geometric(p.features_per_product).min(FEATURES.len() as u64) {
        let (feature, values) = FEATURES[names.remove(draw.below(names.len() as u64) as usize)];
        let value = (!values.is_empty() && !draw.one_in(20)).then(|| draw.pick(values).to_owned());
        let id = batch.features.len() as i64 + 1;
        batch.features.push(FeatureRow { id, product_id, feature: feature.to_owned(), value });
    }
}

fn style(
    draw: &mut Draw,
    p: &Proportions,
    product_id: i64,
    price: &str,
    default_style: bool,
    shoes: bool,
    batch: &mut Batch,
) {
    let style_id = batch.styles.len() as i64 + 1;
    let name = if draw.chance(0.3) {
        format!("{} & {}", draw.pick(COLORS), draw.pick(COLORS))
    } else {
        draw.pick(COLORS).to_owned()
    };
    // One style in four is on sale, at 60 to 90 % of its price.
    let sale_price = draw.one_in(4).then(|| {
        let full: i64 = price.parse().unwrap_or(100);
        (full * (6 + draw.below(4) as i64) / 10).max(1).to_string()
    });
    batch.styles.push(StyleRow {
        id: style_id,
        product_id,
        name,
        sale_price,
        original_price: price.to_owned(),
        default_style,
    });
    let first_photo = batch.style_photos.len();
    for _ in 0..some(draw, p.photos_per_style) {
        let id = batch.style_photos.len() as i64 + 1;
        let photo = draw.pick(PHOTOS);
        batch.style_photos.push(StylePhotoRow {
            id,
            style_id,
            url: format!("https://images.unsplash.com/photo-{photo}?auto=format&fit=crop&w=1200&q=80"),
            thumbnail_url: format!(
                "https://images.unsplash.com/photo-{photo}?auto=format&fit=crop&w=300&q=80"
            ),
            position: id,
        });
    }
    now_and_then_out_of_order(draw, 20, first_photo, &mut batch.style_photos, |row| &mut row.id);
    let sizes = if shoes { SHOE_SIZES } else { SIZES };
    // Usually every size of the run (six), a few missing now and then: the original averages
    // 5.78 skus a style.
    let full = 6.0_f64.min(sizes.len() as f64);
    let missing = draw.geometric((full - p.skus_per_style).max(0.0)) as usize;
    let count = if draw.one_in(40) { 0 } else { (full as usize).saturating_sub(missing).max(1) };
    let first = draw.below((sizes.len() - count + 1) as u64) as usize;
    let first_sku = batch.skus.len();
    for size in &sizes[first..first + count] {
        let id = batch.skus.len() as i64 + 1;
        batch.skus.push(SkuRow { id, style_id, size: (*size).to_owned(), quantity: draw.below(60) as i32 });
    }
    if count > 0 && draw.one_in(100) {
        let id = batch.skus.len() as i64 + 1;
        let size = batch.skus[batch.skus.len() - 1].size.clone();
        batch.skus.push(SkuRow { id, style_id, size, quantity: draw.below(60) as i32 });
    }
    now_and_then_out_of_order(draw, 20, first_sku, &mut batch.skus, |row| &mut row.id);
}
