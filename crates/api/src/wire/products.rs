//! The catalogue's wire types: products, styles and related ids, with the original API's value
//! types (string prices with two decimals, the literal `default?` key, null sale prices, the
//! placeholder photo and sku of a style without any, the product id as a string in styles).

use atelier_core::records::{CartLine, Product, Sku, Style};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::Schema;

use super::{Ordered, map_of};

/// The dates the original host served for every product; the files have none, so Atelier
/// serves one fixed instant for both.
pub(crate) const CATALOGUE_DATE: &str = "2021-08-13T14:38:44.509Z";

/// A price as the original API wrote it: `140` is `"140.00"`, `99.5` is `"99.50"`.
pub(crate) fn price(written: &str) -> String {
    match written.split_once('.') {
        None => format!("{written}.00"),
        Some((units, cents)) => format!("{units}.{cents:0<2}"),
    }
}

/// `GET /products` (each without `features`) and `GET /products/{product_id}` (with them).
#[derive(Serialize, ToSchema)]
#[schema(as = Product)]
pub(crate) struct WireProduct {
    id: i64,
    /// The campus of the `/api/fec2/{campus}` prefix the request came under; null without one.
    campus: Option<String>,
    name: String,
    slogan: String,
    description: String,
    category: String,
    /// Two decimals: `"140.00"`.
    #[schema(pattern = r"^[0-9]+\.[0-9]{2}$")]
    default_price: String,
    #[schema(value_type = String, format = DateTime)]
    created_at: &'static str,
    #[schema(value_type = String, format = DateTime)]
    updated_at: &'static str,
    /// Only in `GET /products/{product_id}`, in file order.
    #[serde(skip_serializing_if = "Option::is_none")]
    features: Option<Vec<WireFeature>>,
}

/// One feature; `value` is null where the data has none.
#[derive(Serialize, ToSchema)]
#[schema(as = Feature)]
pub(crate) struct WireFeature {
    feature: String,
    value: Option<String>,
}

impl WireProduct {
    /// The product, with its features when `with_features`.
    pub(crate) fn new(product: &Product, campus: Option<&str>, with_features: bool) -> Self {
        Self {
            id: product.id.get(),
            campus: campus.map(str::to_owned),
            name: product.name.clone(),
            slogan: product.slogan.clone(),
            description: product.description.clone(),
            category: product.category.clone(),
            default_price: price(&product.default_price),
            created_at: CATALOGUE_DATE,
            updated_at: CATALOGUE_DATE,
            features: with_features.then(|| {
                product
                    .features
                    .iter()
                    .map(|f| WireFeature { feature: f.feature.clone(), value: f.value.clone() })
                    .collect()
            }),
        }
    }
}

/// `GET /products/{product_id}/styles`.
#[derive(Serialize, ToSchema)]
#[schema(as = StyleList)]
pub(crate) struct StyleList {
    /// The product's id, as a string.
    product_id: String,
    /// Its styles by id.
    results: Vec<WireStyle>,
}

/// One style.
#[derive(Serialize, ToSchema)]
#[schema(as = Style)]
pub(crate) struct WireStyle {
    style_id: i64,
    name: String,
    #[schema(pattern = r"^[0-9]+\.[0-9]{2}$")]
    original_price: String,
    /// Null when there is no sale.
    sale_price: Option<String>,
    /// The product's default style; a product may have none.
    #[serde(rename = "default?")]
    #[schema(rename = "default?")]
    default: bool,
    /// In file order; one photo of nulls when the style has none.
    photos: Vec<WirePhoto>,
    /// Keyed by sku id, in file order; `{"null": {"quantity": null, "size": null}}` when the style
    /// has none.
    #[schema(schema_with = sku_map)]
    skus: Ordered<WireSku>,
}

/// A style's photo.
#[derive(Serialize, ToSchema)]
#[schema(as = StylePhoto)]
pub(crate) struct WirePhoto {
    thumbnail_url: Option<String>,
    url: Option<String>,
}

/// A sku: its stock and size.
#[derive(Serialize, ToSchema)]
#[schema(as = Sku)]
pub(crate) struct WireSku {
    quantity: Option<i64>,
    size: Option<String>,
}

fn sku_map() -> Schema {
    map_of(&<WireSku as utoipa::ToSchema>::name())
}

impl StyleList {
    pub(crate) fn new(product_id: String, styles: &[Style]) -> Self {
        Self { product_id, results: styles.iter().map(WireStyle::from).collect() }
    }
}

impl From<&Style> for WireStyle {
    fn from(style: &Style) -> Self {
        let photos = if style.photos.is_empty() {
            vec![WirePhoto { thumbnail_url: None, url: None }]
        } else {
            style
                .photos
                .iter()
                .map(|p| WirePhoto { thumbnail_url: Some(p.thumbnail_url.clone()), url: Some(p.url.clone()) })
                .collect()
        };
        Self {
            style_id: style.id,
            name: style.name.clone(),
            original_price: price(&style.original_price),
            sale_price: style.sale_price.as_deref().map(price),
            default: style.default,
            photos,
            skus: skus(&style.skus),
        }
    }
}

fn skus(skus: &[Sku]) -> Ordered<WireSku> {
    if skus.is_empty() {
        return Ordered(vec![("null".to_owned(), WireSku { quantity: None, size: None })]);
    }
    Ordered(
        skus.iter()
            .map(|sku| {
                (sku.id.to_string(), WireSku { quantity: Some(sku.quantity), size: Some(sku.size.clone()) })
            })
            .collect(),
    )
}

/// `GET /products`: a bare array of products, without their features.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(as = ProductList)]
pub(crate) struct ProductList(pub(crate) Vec<WireProduct>);

/// `GET /products/{product_id}/related`: a bare array of product ids in file order.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(as = RelatedProducts)]
pub(crate) struct RelatedIds(pub(crate) Vec<i64>);

/// `GET /cart`: the caller's cart lines by sku, each count a string.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(as = Cart)]
pub(crate) struct CartLines(Vec<WireCartLine>);

/// One line of a cart.
#[derive(Serialize, ToSchema)]
#[schema(as = CartLine)]
pub(crate) struct WireCartLine {
    sku_id: i64,
    /// How many, as a string.
    count: String,
}

impl CartLines {
    pub(crate) fn new(lines: &[CartLine]) -> Self {
        Self(lines.iter().map(|l| WireCartLine { sku_id: l.sku_id, count: l.count.to_string() }).collect())
    }
}

/// `POST /cart`: the sku to add one of (other fields are ignored).
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the body; the handler reads it field by field")]
pub(crate) struct PostCart {
    sku_id: i64,
}

/// `POST /interactions`: which element of which widget was clicked, and when (any format).
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the body; the handler reads it field by field")]
pub(crate) struct PostInteraction {
    element: String,
    widget: String,
    time: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_is_written_with_two_decimals() {
        assert_eq!(price("140"), "140.00");
        assert_eq!(price("99.5"), "99.50");
        assert_eq!(price("99.50"), "99.50");
        assert_eq!(price("0"), "0.00");
    }
}
