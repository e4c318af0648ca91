//! The catalogue's tables, each described once: its name, its CSV file, and its columns with
//! their types and references, in the one [`tables!`] list at the end of this file.
//!
//! Everything that walks every table or every column is derived from that list: the row
//! structs, the [`Batch`] a loader takes, the [`Counts`] a load reports, the CSV headers,
//! readers and writers (`atelier-etl`), the generator's id shifting, the importer's reference
//! checks, and both stores' bulk `COPY` and `INSERT` statements and table lists. Adding a
//! column is one line here (with `absent VALUE` when files written before it lack it) and one
//! migration per store. Only the read side's SQL is written by
//! hand per store, because the dialects really differ.

use std::ops::{Index, IndexMut};

use self::Kind::{
    Date, Email, Flag, Id, OptionalPrice, OptionalText, Parent, Position, Price, Quantity, Stars, Text, Votes,
};

/// What a column holds: the type it is stored as and the rule its values follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The row's own id: a positive 64-bit integer, unique in its table. Always the first
    /// column, named `id`.
    Id,
    /// The id of a row of another table, which must exist.
    Parent(Table),
    /// 1 to 5 stars, stored in 16 bits.
    Stars,
    /// Helpful votes, 0 to [`MAX_HELPFULNESS`](crate::MAX_HELPFULNESS), stored in 32 bits.
    Votes,
    /// An instant in epoch milliseconds, stored in 64 bits.
    Date,
    /// A boolean; the style says how the CSV file writes it.
    Flag(FlagStyle),
    /// Text.
    Text,
    /// Text that may be absent (the files' bare `null`), stored as NULL.
    OptionalText,
    /// An email address: text that is never returned.
    Email,
    /// A price kept as written (e.g. `140`): text in the store, a bare number in the file.
    Price,
    /// A price that may be absent (the files' bare `null`, e.g. no sale), stored as NULL.
    OptionalPrice,
    /// How many of a sku are in stock: 0 to 2,147,483,647, stored in 32 bits.
    Quantity,
    /// The row's place in its file, from 1, stored in 64 bits: not a field of the file (the
    /// reader numbers the rows as it reads them, the writer writes them in this order and leaves
    /// it out). Reads that keep file order sort by it, because the original files' ids are not
    /// always in order (photos.csv).
    Position,
}

/// How a CSV file writes a boolean: the files disagree, and the writer reproduces each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagStyle {
    /// `true` and `false` (reviews.csv).
    Words,
    /// `1` and `0` (questions.csv, answers.csv).
    Digits,
}

/// The database type a column is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// `smallint`.
    Int16,
    /// `integer`.
    Int32,
    /// `bigint`.
    Int64,
    /// `boolean` (an integer 0 or 1 in SQLite).
    Bool,
    /// `text`.
    Text,
}

impl Kind {
    /// The database type of a column of this kind.
    pub const fn storage(self) -> Storage {
        match self {
            Id | Parent(_) | Date | Position => Storage::Int64,
            Stars => Storage::Int16,
            Votes | Quantity => Storage::Int32,
            Flag(_) => Storage::Bool,
            Text | OptionalText | Email | Price | OptionalPrice => Storage::Text,
        }
    }

    /// Whether the column is a row's id or a reference to one: the ids a load must check and
    /// the generator must shift.
    pub const fn is_key(self) -> bool {
        matches!(self, Id | Parent(_))
    }

    /// Whether a CSV file holds the column as a field (all but [`Position`]).
    pub const fn in_file(self) -> bool {
        !matches!(self, Position)
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name in both stores and in the row struct.
    pub name: &'static str,
    /// Its name in the CSV file's header, where the original files chose another.
    pub header: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// For a column added after the original files were written: the value of every row read
    /// from a file without it. `None` for a column every file has.
    pub absent: Option<Value<'static>>,
}

/// One table: where its rows live in the stores and in the CSV files, and its columns.
#[derive(Debug, PartialEq, Eq)]
pub struct Description {
    /// Which table.
    pub table: Table,
    /// Its name in both stores.
    pub name: &'static str,
    /// What one of its rows is called in messages ("review", "answer photo").
    pub noun: &'static str,
    /// The CSV file's name as written, then the other names it has had.
    pub files: &'static [&'static str],
    /// Its columns in order, the id first.
    pub columns: &'static [Column],
}

impl Description {
    /// The file name written, and the first one looked for when reading.
    pub fn file(&self) -> &'static str {
        self.files[0]
    }

    /// The columns a CSV file holds as fields, in their order.
    pub fn file_columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.columns.iter().filter(|c| c.kind.in_file())
    }

    /// The CSV header's column names.
    pub fn headers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.file_columns().map(|c| c.header)
    }

    /// The tables this table's rows point at, with the column that points.
    pub fn parents(&self) -> impl Iterator<Item = (usize, Table)> + '_ {
        self.columns.iter().enumerate().filter_map(|(i, c)| match c.kind {
            Parent(table) => Some((i, table)),
            _ => None,
        })
    }

    /// Whether `column` points at the table stored as `parent`: a reference the importer checks.
    pub fn has_parent(&self, column: &str, parent: &str) -> bool {
        self.parents().any(|(i, table)| self.columns[i].name == column && table.describe().name == parent)
    }
}

impl Table {
    /// The table stored under `name`, if a load fills it.
    pub fn named(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.describe().name == name)
    }
}

/// One value of a row, borrowed from it: what the CSV writer and the loaders' statements take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'r> {
    /// Any integer column; the column's [`Storage`] says how wide it is stored.
    Int(i64),
    /// A boolean column.
    Bool(bool),
    /// A text column.
    Text(&'r str),
    /// An absent optional value.
    Null,
}

/// A row of one table, as the CSV files, the generator and the loaders handle it.
pub trait Row: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The table the row belongs to.
    const TABLE: Table;

    /// The row's id.
    fn id(&self) -> i64;

    /// Appends the row's values to `out`, in column order.
    fn push_values<'r>(&'r self, out: &mut Vec<Value<'r>>);

    /// Builds a row from values in column order; `None` if one is missing or of the wrong
    /// type for its field.
    fn from_values(values: &[Value<'_>]) -> Option<Self>;

    /// The integer in column `column`, if that column holds an `i64`.
    fn key(&self, column: usize) -> Option<i64>;

    /// Adds `shifts[i]` to the integer in column `i`, for every column holding an `i64`.
    fn shift(&mut self, shifts: &[i64]);

    /// The rows of this table in `batch`.
    fn rows_mut(batch: &mut Batch) -> &mut Vec<Self>;
}

/// Work generic over the row type, for a table chosen at run time ([`Table::with_row`]).
pub trait WithRow {
    /// What the work returns.
    type Output;

    /// Does the work for rows of type `R`.
    fn run<R: Row>(self) -> Self::Output;
}

/// The rows of one table in a [`Batch`], whatever their type: what generic code walks.
pub trait Rows: Send + Sync {
    /// The table.
    fn table(&self) -> Table;

    /// How many rows there are.
    fn len(&self) -> usize;

    /// Whether there is none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the values of row `index` to `out`, in column order.
    fn push_values<'r>(&'r self, index: usize, out: &mut Vec<Value<'r>>);

    /// Adds to every id and reference the offset of the table it names (`offsets[table]`).
    fn shift_keys(&mut self, offsets: &Counts);
}

impl<R: Row> Rows for Vec<R> {
    fn table(&self) -> Table {
        R::TABLE
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn push_values<'r>(&'r self, index: usize, out: &mut Vec<Value<'r>>) {
        self[index].push_values(out);
    }

    fn shift_keys(&mut self, offsets: &Counts) {
        let shifts: Vec<i64> = R::TABLE
            .describe()
            .columns
            .iter()
            .map(|column| match column.kind {
                Id | Position => offsets[R::TABLE] as i64,
                Parent(parent) => offsets[parent] as i64,
                _ => 0,
            })
            .collect();
        if shifts.iter().all(|&shift| shift == 0) {
            return;
        }
        for row in self.iter_mut() {
            row.shift(&shifts);
        }
    }
}

/// A number per table, such as the rows of each in a load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts([u64; Table::ALL.len()]);

impl Counts {
    /// Adds the rows of each table of `batch`.
    pub fn add(&mut self, batch: &Batch) {
        for rows in batch.tables() {
            self[rows.table()] += rows.len() as u64;
        }
    }

    /// All tables together.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Index<Table> for Counts {
    type Output = u64;

    fn index(&self, table: Table) -> &u64 {
        &self.0[table as usize]
    }
}

impl IndexMut<Table> for Counts {
    fn index_mut(&mut self, table: Table) -> &mut u64 {
        &mut self.0[table as usize]
    }
}

impl Batch {
    /// Rows in the batch, all tables together.
    pub fn len(&self) -> usize {
        self.tables().iter().map(|rows| rows.len()).sum()
    }

    /// Whether the batch has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A field's type as a [`Value`]: what lets the row structs be read and written generically.
trait Cell: Sized {
    fn value(&self) -> Value<'_>;
    fn from_value(value: Value<'_>) -> Option<Self>;
    fn key(&self) -> Option<i64> {
        None
    }
    fn shift(&mut self, _by: i64) {}
}

impl Cell for i64 {
    fn value(&self) -> Value<'_> {
        Value::Int(*self)
    }
    fn from_value(value: Value<'_>) -> Option<Self> {
        if let Value::Int(v) = value { Some(v) } else { None }
    }
    fn key(&self) -> Option<i64> {
        Some(*self)
    }
    fn shift(&mut self, by: i64) {
        *self += by;
    }
}

impl Cell for i32 {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
    fn from_value(value: Value<'_>) -> Option<Self> {
        if let Value::Int(v) = value { v.try_into().ok() } else { None }
    }
}

impl Cell for i16 {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
    fn from_value(value: Value<'_>) -> Option<Self> {
        if let Value::Int(v) = value { v.try_into().ok() } else { None }
    }
}

impl Cell for bool {
    fn value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
    fn from_value(value: Value<'_>) -> Option<Self> {
        if let Value::Bool(v) = value { Some(v) } else { None }
    }
}

impl Cell for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
    fn from_value(value: Value<'_>) -> Option<Self> {
        if let Value::Text(v) = value { Some(v.to_owned()) } else { None }
    }
}

impl Cell for Option<String> {
    fn value(&self) -> Value<'_> {
        self.as_deref().map_or(Value::Null, Value::Text)
    }
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Text(v) => Some(Some(v.to_owned())),
            Value::Null => Some(None),
            _ => None,
        }
    }
}

/// A column's header: its name unless the files chose another.
macro_rules! header {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $header:literal) => {
        $header
    };
}

/// A column's value in files without it: none unless given.
macro_rules! absent {
    () => {
        None
    };
    ($absent:expr) => {
        Some($absent)
    };
}

/// Declares every table from one list: the [`Table`] enum and its [`Description`]s, a row
/// struct per table with its [`Row`] implementation, and the [`Batch`] holding rows of each.
macro_rules! tables {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident: $row:ident in $batch:ident, $name:literal, $noun:literal, [$($file:literal),+] {
            $(
                $(#[doc = $field_doc:literal])*
                $field:ident: $ty:ty = $kind:expr $(, header $header:literal)? $(, absent $absent:expr)?;
            )+
        }
    )+) => {
        /// One of the tables a load fills, in load order: every table's parents come before it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Table {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl Table {
            /// Every table in load order.
            pub const ALL: [Table; [$(stringify!($variant)),+].len()] = [$(Table::$variant),+];

            /// The table's description.
            pub fn describe(self) -> &'static Description {
                &DESCRIPTIONS[self as usize]
            }

            /// Runs `work` with the row type of this table.
            pub fn with_row<W: WithRow>(self, work: W) -> W::Output {
                match self {
                    $( Table::$variant => work.run::<$row>(), )+
                }
            }
        }

        /// The description of each table, in [`Table::ALL`] order.
        static DESCRIPTIONS: [Description; Table::ALL.len()] = [$(
            Description {
                table: Table::$variant,
                name: $name,
                noun: $noun,
                files: &[$($file),+],
                columns: &[$(
                    Column {
                        name: stringify!($field),
                        header: header!($field $($header)?),
                        kind: $kind,
                        absent: absent!($($absent)?),
                    }
                ),+],
            }
        ),+];

        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Default, PartialEq, Eq)]
            pub struct $row {
                $( $(#[doc = $field_doc])* pub $field: $ty, )+
            }

            impl Row for $row {
                const TABLE: Table = Table::$variant;

                fn id(&self) -> i64 {
                    self.id
                }

                fn push_values<'r>(&'r self, out: &mut Vec<Value<'r>>) {
                    $( out.push(Cell::value(&self.$field)); )+
                }

                fn from_values(values: &[Value<'_>]) -> Option<Self> {
                    let mut values = values.iter().copied();
                    Some(Self { $( $field: Cell::from_value(values.next()?)?, )+ })
                }

                fn key(&self, column: usize) -> Option<i64> {
                    let mut index = 0;
                    $(
                        if index == column {
                            return Cell::key(&self.$field);
                        }
                        index += 1;
                    )+
                    let _ = index;
                    None
                }

                fn shift(&mut self, shifts: &[i64]) {
                    let mut shifts = shifts.iter().copied();
                    $( Cell::shift(&mut self.$field, shifts.next().unwrap_or(0)); )+
                }

                fn rows_mut(batch: &mut Batch) -> &mut Vec<Self> {
                    &mut batch.$batch
                }
            }
        )+

        /// Rows of every table, loaded in [`Table::ALL`] order (parents before children).
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Batch {
            $( #[doc = concat!("Rows of `", $name, "`.")] pub $batch: Vec<$row>, )+
        }

        impl Batch {
            /// The rows of each table, in [`Table::ALL`] order.
            pub fn tables(&self) -> [&dyn Rows; Table::ALL.len()] {
                [$(&self.$batch),+]
            }

            /// The rows of each table, to change them, in [`Table::ALL`] order.
            pub fn tables_mut(&mut self) -> [&mut dyn Rows; Table::ALL.len()] {
                [$(&mut self.$batch),+]
            }
        }
    };
}

tables! {
    /// `product.csv`: the catalogue.
    Products: ProductRow in products, "products", "product", ["product.csv", "products.csv"] {
        /// Product id.
        id: i64 = Id;
        /// Display name.
        name: String = Text;
        /// One-line slogan.
        slogan: String = Text;
        /// Long description.
        description: String = Text;
        /// Category, e.g. "Jackets".
        category: String = Text;
        /// The price as written in the file (e.g. `140`), kept as text.
        default_price: String = Price;
    }

    /// `features.csv`: a product's features (`Fabric`: `Canvas`), in file order.
    Features: FeatureRow in features, "features", "feature", ["features.csv"] {
        /// Feature id.
        id: i64 = Id;
        /// The product it describes.
        product_id: i64 = Parent(Table::Products);
        /// What the feature is, e.g. "Fabric".
        feature: String = Text;
        /// Its value, e.g. "Canvas"; `None` for the file's bare `null`.
        value: Option<String> = OptionalText;
    }

    /// `styles.csv`: the styles a product is sold in.
    Styles: StyleRow in styles, "styles", "style", ["styles.csv"] {
        /// Style id.
        id: i64 = Id;
        /// The product.
        product_id: i64 = Parent(Table::Products), header "productId";
        /// Display name, e.g. "Forest Green & Black".
        name: String = Text;
        /// The sale price as written; `None` when there is no sale (the bare `null`).
        sale_price: Option<String> = OptionalPrice;
        /// The price as written.
        original_price: String = Price;
        /// Whether it is the product's default style (a product may have none).
        default_style: bool = Flag(FlagStyle::Digits);
    }

    /// `skus.csv`: a style's sizes and their stock.
    Skus: SkuRow in skus, "skus", "sku", ["skus.csv"] {
        /// Sku id.
        id: i64 = Id;
        /// The style.
        style_id: i64 = Parent(Table::Styles), header "styleId";
        /// Size, e.g. "XS" or "7.5".
        size: String = Text;
        /// In stock.
        quantity: i32 = Quantity;
    }

    /// `photos.csv`: a style's photos, served in file order (the file's ids are not in order).
    StylePhotos: StylePhotoRow in style_photos, "style_photos", "style photo", ["photos.csv"] {
        /// Photo id.
        id: i64 = Id;
        /// The style.
        style_id: i64 = Parent(Table::Styles), header "styleId";
        /// Image URL.
        url: String = Text;
        /// Thumbnail URL.
        thumbnail_url: String = Text;
        /// The row's place in the file.
        position: i64 = Position;
    }

    /// `related.csv`: the products shown beside a product, in file order (self-references and
    /// repeats included, as the original data has them).
    Related: RelatedRow in related, "related", "related product", ["related.csv"] {
        /// Row id.
        id: i64 = Id;
        /// The product shown.
        current_product_id: i64 = Parent(Table::Products);
        /// The product shown beside it.
        related_product_id: i64 = Parent(Table::Products);
        /// The row's place in the file.
        position: i64 = Position;
    }

    /// `characteristics.csv`: what a product's reviews rate (Fit, Length, ...).
    Characteristics: CharacteristicRow in characteristics, "characteristics", "characteristic",
        ["characteristics.csv"] {
        /// Characteristic id.
        id: i64 = Id;
        /// The product it describes.
        product_id: i64 = Parent(Table::Products);
        /// Fit, Length, Comfort, Quality, Size or Width.
        name: String = Text;
    }

    /// `reviews.csv`.
    Reviews: ReviewRow in reviews, "reviews", "review", ["reviews.csv"] {
        /// Review id.
        id: i64 = Id;
        /// The product reviewed.
        product_id: i64 = Parent(Table::Products);
        /// 1 to 5.
        rating: i16 = Stars;
        /// Epoch milliseconds.
        date_ms: i64 = Date, header "date";
        /// Summary line.
        summary: String = Text;
        /// Review text.
        body: String = Text;
        /// Recommends the product.
        recommend: bool = Flag(FlagStyle::Words);
        /// Hidden from lists.
        reported: bool = Flag(FlagStyle::Words);
        /// Display name.
        reviewer_name: String = Text;
        /// Email, never returned.
        reviewer_email: String = Email;
        /// Seller's response; `None` for the file's bare `null`.
        response: Option<String> = OptionalText;
        /// Helpful votes.
        helpfulness: i32 = Votes;
    }

    /// `reviews_photos.csv`.
    ReviewPhotos: ReviewPhotoRow in review_photos, "review_photos", "review photo",
        ["reviews_photos.csv"] {
        /// Photo id.
        id: i64 = Id;
        /// The review.
        review_id: i64 = Parent(Table::Reviews);
        /// Image URL.
        url: String = Text;
    }

    /// `characteristic_reviews.csv` (`characteristics_reviews.csv` in the 2020 edition): one
    /// review's score for one characteristic of the same product.
    CharacteristicReviews: CharacteristicReviewRow in characteristic_reviews, "characteristic_reviews",
        "characteristic rating", ["characteristic_reviews.csv", "characteristics_reviews.csv"] {
        /// Row id.
        id: i64 = Id;
        /// The characteristic scored.
        characteristic_id: i64 = Parent(Table::Characteristics);
        /// The review that scored it.
        review_id: i64 = Parent(Table::Reviews);
        /// 1 to 5.
        value: i16 = Stars;
    }

    /// `questions.csv`.
    Questions: QuestionRow in questions, "questions", "question", ["questions.csv"] {
        /// Question id.
        id: i64 = Id;
        /// The product asked about.
        product_id: i64 = Parent(Table::Products);
        /// Text.
        body: String = Text;
        /// Epoch milliseconds.
        date_ms: i64 = Date, header "date_written";
        /// Display name.
        asker_name: String = Text;
        /// Email, never returned.
        asker_email: String = Email;
        /// Hidden from lists.
        reported: bool = Flag(FlagStyle::Digits);
        /// Helpful votes.
        helpfulness: i32 = Votes, header "helpful";
    }

    /// `answers.csv`.
    Answers: AnswerRow in answers, "answers", "answer", ["answers.csv"] {
        /// Answer id.
        id: i64 = Id;
        /// The question answered.
        question_id: i64 = Parent(Table::Questions);
        /// Text.
        body: String = Text;
        /// Epoch milliseconds.
        date_ms: i64 = Date, header "date_written";
        /// Display name ("Seller" for the seller).
        answerer_name: String = Text;
        /// Email, never returned.
        answerer_email: String = Email;
        /// Hidden from lists.
        reported: bool = Flag(FlagStyle::Digits);
        /// Helpful votes.
        helpfulness: i32 = Votes, header "helpful";
    }

    /// `answers_photos.csv`.
    AnswerPhotos: AnswerPhotoRow in answer_photos, "answer_photos", "answer photo",
        ["answers_photos.csv"] {
        /// Photo id.
        id: i64 = Id;
        /// The answer.
        answer_id: i64 = Parent(Table::Answers);
        /// Image URL.
        url: String = Text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> Batch {
        Batch {
            products: vec![ProductRow { id: 1, default_price: "140".into(), ..Default::default() }],
            features: vec![FeatureRow { id: 1, product_id: 1, feature: "Fabric".into(), value: None }],
            styles: vec![StyleRow {
                id: 1,
                product_id: 1,
                original_price: "140".into(),
                sale_price: Some("100".into()),
                ..Default::default()
            }],
            skus: vec![SkuRow { id: 1, style_id: 1, size: "XS".into(), quantity: 8 }],
            style_photos: vec![StylePhotoRow { id: 1, style_id: 1, position: 1, ..Default::default() }],
            related: vec![RelatedRow { id: 1, current_product_id: 1, related_product_id: 1, position: 1 }],
            characteristics: vec![CharacteristicRow { id: 1, product_id: 1, name: "Fit".into() }],
            reviews: vec![ReviewRow {
                id: 1,
                product_id: 1,
                rating: 5,
                helpfulness: 7,
                ..Default::default()
            }],
            review_photos: vec![ReviewPhotoRow { id: 1, review_id: 1, url: "u".into() }],
            characteristic_reviews: vec![CharacteristicReviewRow {
                id: 1,
                characteristic_id: 1,
                review_id: 1,
                value: 4,
            }],
            questions: vec![QuestionRow { id: 1, product_id: 1, ..Default::default() }],
            answers: vec![AnswerRow { id: 1, question_id: 1, reported: true, ..Default::default() }],
            answer_photos: vec![AnswerPhotoRow { id: 1, answer_id: 1, url: "u".into() }],
        }
    }

    #[test]
    fn every_table_starts_with_its_id_and_its_parents_come_before_it() {
        for table in Table::ALL {
            let description = table.describe();
            assert_eq!(description.table, table);
            assert_eq!((description.columns[0].name, description.columns[0].kind), ("id", Id));
            for (_, parent) in description.parents() {
                assert!(parent < table, "{} points at {parent:?}, loaded after it", description.name);
            }
        }
    }

    #[test]
    fn every_row_gives_one_value_per_column_and_reads_back_from_them() {
        let batch = filled();
        for rows in batch.tables() {
            let mut values = Vec::new();
            rows.push_values(0, &mut values);
            let columns = rows.table().describe().columns;
            assert_eq!(values.len(), columns.len(), "{:?}", rows.table());
            for (value, column) in values.iter().zip(columns) {
                let fits = match (value, column.kind.storage()) {
                    (Value::Int(_), Storage::Int16 | Storage::Int32 | Storage::Int64) => true,
                    (Value::Bool(_), Storage::Bool) => true,
                    (Value::Text(_), Storage::Text) => true,
                    (Value::Null, _) => matches!(column.kind, OptionalText | OptionalPrice),
                    _ => false,
                };
                assert!(fits, "{}.{} holds {value:?}", rows.table().describe().name, column.name);
            }
        }
        let mut values = Vec::new();
        batch.reviews[0].push_values(&mut values);
        assert_eq!(ReviewRow::from_values(&values).as_ref(), Some(&batch.reviews[0]));
        assert_eq!(ReviewRow::from_values(&values[1..]), None);
    }

    #[test]
    fn shifting_keys_moves_ids_and_references_by_their_own_tables_offsets() {
        let mut batch = filled();
        let mut offsets = Counts::default();
        offsets[Table::Characteristics] = 10;
        offsets[Table::Reviews] = 100;
        offsets[Table::CharacteristicReviews] = 1000;
        for rows in batch.tables_mut() {
            rows.shift_keys(&offsets);
        }
        let score = &batch.characteristic_reviews[0];
        assert_eq!((score.id, score.characteristic_id, score.review_id, score.value), (1001, 11, 101, 4));
        assert_eq!(
            (batch.reviews[0].id, batch.reviews[0].product_id, batch.reviews[0].helpfulness),
            (101, 1, 7)
        );
        assert_eq!(batch.review_photos[0].review_id, 101);
        offsets[Table::StylePhotos] = 7;
        let mut photos = filled().style_photos;
        photos.shift_keys(&offsets);
        assert_eq!((photos[0].id, photos[0].position), (8, 8), "a place in the file moves with the id");
    }

    #[test]
    fn counts_add_up_per_table() {
        let mut counts = Counts::default();
        counts.add(&filled());
        counts.add(&filled());
        assert_eq!((counts[Table::Reviews], counts.total()), (2, 26));
        assert_eq!(filled().len(), 13);
    }
}
