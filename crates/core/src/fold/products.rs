//! The folds of the catalogue's reads: products, a product with its features, its styles with
//! their photos and skus, its related products.

use super::{Cells, Fold, required};
use crate::records::{Feature, Product, Sku, Style, StylePhoto};
use crate::{ProductId, StoreError};

/// The column names of the catalogue's read statements.
pub mod columns {
    /// A product's id.
    pub const PRODUCT_ID: &str = "product_id";
    /// Its name.
    pub const PRODUCT_NAME: &str = "product_name";
    /// Its slogan.
    pub const SLOGAN: &str = "slogan";
    /// Its description.
    pub const DESCRIPTION: &str = "description";
    /// Its category.
    pub const CATEGORY: &str = "category";
    /// Its price.
    pub const DEFAULT_PRICE: &str = "default_price";
    /// A feature's name (NULL on the row of a product without features).
    pub const FEATURE: &str = "feature";
    /// A feature's value.
    pub const FEATURE_VALUE: &str = "feature_value";

    /// Which part of a style a styles row carries: [`PART_PRODUCT`], [`PART_STYLE`],
    /// [`PART_PHOTO`] or [`PART_SKU`].
    pub const PART: &str = "part";
    /// The row that says the product exists.
    pub const PART_PRODUCT: i64 = 0;
    /// A style's own row.
    pub const PART_STYLE: i64 = 1;
    /// A photo of the style.
    pub const PART_PHOTO: i64 = 2;
    /// A sku of the style.
    pub const PART_SKU: i64 = 3;
    /// The style the row belongs to.
    pub const STYLE_ID: &str = "style_id";
    /// The style's name.
    pub const STYLE_NAME: &str = "style_name";
    /// Its price.
    pub const ORIGINAL_PRICE: &str = "original_price";
    /// Its sale price (NULL for none).
    pub const SALE_PRICE: &str = "sale_price";
    /// Whether it is the default style.
    pub const DEFAULT_STYLE: &str = "default_style";
    /// A photo's image.
    pub const PHOTO_URL: &str = "photo_url";
    /// A photo's thumbnail.
    pub const THUMBNAIL_URL: &str = "thumbnail_url";
    /// A sku's id.
    pub const SKU_ID: &str = "sku_id";
    /// A sku's size.
    pub const SIZE: &str = "size";
    /// A sku's stock.
    pub const QUANTITY: &str = "quantity";

    /// A related product's id (NULL on the row of a product without any).
    pub const RELATED_PRODUCT_ID: &str = "related_product_id";
}

use columns as c;

fn product_of(row: &impl Cells) -> Result<Product, StoreError> {
    Ok(Product {
        id: ProductId::new_unchecked(required(row.int(c::PRODUCT_ID)?, c::PRODUCT_ID)?),
        name: required(row.text(c::PRODUCT_NAME)?, c::PRODUCT_NAME)?,
        slogan: required(row.text(c::SLOGAN)?, c::SLOGAN)?,
        description: required(row.text(c::DESCRIPTION)?, c::DESCRIPTION)?,
        category: required(row.text(c::CATEGORY)?, c::CATEGORY)?,
        default_price: required(row.text(c::DEFAULT_PRICE)?, c::DEFAULT_PRICE)?,
        features: Vec::new(),
    })
}

/// A page of products, one row each, without their features.
#[derive(Default)]
pub struct ProductList(Vec<Product>);

impl Fold for ProductList {
    type Output = Vec<Product>;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        self.0.push(product_of(row)?);
        Ok(())
    }

    fn finish(self) -> Result<Vec<Product>, StoreError> {
        Ok(self.0)
    }
}

/// A product with its features: one row per feature, in order, or one row with a NULL
/// feature; no row for no such product.
#[derive(Default)]
pub struct ProductRows(Option<Product>);

impl Fold for ProductRows {
    type Output = Product;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        if self.0.is_none() {
            self.0 = Some(product_of(row)?);
        }
        if let (Some(product), Some(feature)) = (&mut self.0, row.text(c::FEATURE)?) {
            product.features.push(Feature { feature, value: row.text(c::FEATURE_VALUE)? });
        }
        Ok(())
    }

    fn finish(self) -> Result<Product, StoreError> {
        self.0.ok_or(StoreError::NotFound("product"))
    }
}

/// A product's styles: first the row that says the product exists, then each style's own row
/// followed by its photos' and its skus' rows, each in id order; no row for no such product.
#[derive(Default)]
pub struct StyleRows {
    found: bool,
    styles: Vec<Style>,
}

impl Fold for StyleRows {
    type Output = Vec<Style>;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        let part = required(row.int(c::PART)?, c::PART)?;
        if part == c::PART_PRODUCT {
            self.found = true;
            return Ok(());
        }
        let style_id = required(row.int(c::STYLE_ID)?, c::STYLE_ID)?;
        if part == c::PART_STYLE {
            self.styles.push(Style {
                id: style_id,
                name: required(row.text(c::STYLE_NAME)?, c::STYLE_NAME)?,
                original_price: required(row.text(c::ORIGINAL_PRICE)?, c::ORIGINAL_PRICE)?,
                sale_price: row.text(c::SALE_PRICE)?,
                default: required(row.flag(c::DEFAULT_STYLE)?, c::DEFAULT_STYLE)?,
                photos: Vec::new(),
                skus: Vec::new(),
            });
            return Ok(());
        }
        let Some(style) = self.styles.last_mut().filter(|style| style.id == style_id) else {
            return Err(StoreError::Internal(format!("a part of style {style_id} came before the style")));
        };
        match part {
            c::PART_PHOTO => style.photos.push(StylePhoto {
                url: required(row.text(c::PHOTO_URL)?, c::PHOTO_URL)?,
                thumbnail_url: required(row.text(c::THUMBNAIL_URL)?, c::THUMBNAIL_URL)?,
            }),
            c::PART_SKU => style.skus.push(Sku {
                id: required(row.int(c::SKU_ID)?, c::SKU_ID)?,
                size: required(row.text(c::SIZE)?, c::SIZE)?,
                quantity: required(row.int(c::QUANTITY)?, c::QUANTITY)?,
            }),
            other => return Err(StoreError::Internal(format!("no style part {other}"))),
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<Style>, StoreError> {
        if self.found { Ok(self.styles) } else { Err(StoreError::NotFound("product")) }
    }
}

/// A product's related products: one row each in file order, or one row with a NULL id; no
/// row for no such product.
#[derive(Default)]
pub struct RelatedRows {
    found: bool,
    ids: Vec<i64>,
}

impl Fold for RelatedRows {
    type Output = Vec<i64>;

    fn row(&mut self, row: &impl Cells) -> Result<(), StoreError> {
        self.found = true;
        self.ids.extend(row.int(c::RELATED_PRODUCT_ID)?);
        Ok(())
    }

    fn finish(self) -> Result<Vec<i64>, StoreError> {
        if self.found { Ok(self.ids) } else { Err(StoreError::NotFound("product")) }
    }
}
