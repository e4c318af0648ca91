//! The eight CSV files of the original dataset: names, headers, and how each row is written
//! and read.
//!
//! Writing reproduces the 2021+ files exactly: text always quoted with `""` for a quote,
//! 13-digit epoch-millisecond dates, `true/false` in reviews.csv and `0/1` in questions.csv and
//! answers.csv, and the bare token `null` for a review without a response.
//!
//! Reading is lenient where the real files vary and strict where a value would be wrong: it
//! accepts both editions (the 2020 one has `"YYYY-MM-DD"` dates, `1/0` or `true/false`
//! booleans and empty or `null` responses) and rejects, with a reason, any value that does not
//! parse or is out of range.

use atelier_core::MAX_HELPFULNESS;
use atelier_core::load::{
    CharacteristicReviewRow, CharacteristicRow, PhotoRow, PostRow, ProductRow, ReviewRow,
};

/// One of the eight files, in load order: every file's parents come before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// `product.csv`.
    Products,
    /// `characteristics.csv`.
    Characteristics,
    /// `reviews.csv`.
    Reviews,
    /// `reviews_photos.csv`.
    ReviewPhotos,
    /// `characteristic_reviews.csv` (`characteristics_reviews.csv` in the 2020 edition).
    CharacteristicReviews,
    /// `questions.csv`.
    Questions,
    /// `answers.csv`.
    Answers,
    /// `answers_photos.csv`.
    AnswerPhotos,
}

impl Table {
    /// Every table in load order.
    pub const ALL: [Self; 8] = [
        Self::Products,
        Self::Characteristics,
        Self::Reviews,
        Self::ReviewPhotos,
        Self::CharacteristicReviews,
        Self::Questions,
        Self::Answers,
        Self::AnswerPhotos,
    ];

    /// The file name written, and the first one looked for when reading.
    pub const fn file_name(self) -> &'static str {
        match self {
            Self::Products => "product.csv",
            Self::Characteristics => "characteristics.csv",
            Self::Reviews => "reviews.csv",
            Self::ReviewPhotos => "reviews_photos.csv",
            Self::CharacteristicReviews => "characteristic_reviews.csv",
            Self::Questions => "questions.csv",
            Self::Answers => "answers.csv",
            Self::AnswerPhotos => "answers_photos.csv",
        }
    }

    /// Other names the file has had.
    pub const fn other_names(self) -> &'static [&'static str] {
        match self {
            Self::CharacteristicReviews => &["characteristics_reviews.csv"],
            Self::Products => &["products.csv"],
            _ => &[],
        }
    }

    /// The header line's columns.
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Products => &["id", "name", "slogan", "description", "category", "default_price"],
            Self::Characteristics => &["id", "product_id", "name"],
            Self::Reviews => &[
                "id",
                "product_id",
                "rating",
                "date",
                "summary",
                "body",
                "recommend",
                "reported",
                "reviewer_name",
                "reviewer_email",
                "response",
                "helpfulness",
            ],
            Self::ReviewPhotos => &["id", "review_id", "url"],
            Self::CharacteristicReviews => &["id", "characteristic_id", "review_id", "value"],
            Self::Questions => &[
                "id",
                "product_id",
                "body",
                "date_written",
                "asker_name",
                "asker_email",
                "reported",
                "helpful",
            ],
            Self::Answers => &[
                "id",
                "question_id",
                "body",
                "date_written",
                "answerer_name",
                "answerer_email",
                "reported",
                "helpful",
            ],
            Self::AnswerPhotos => &["id", "answer_id", "url"],
        }
    }
}

// ----------------------------------------------------------------------------------------
// Writing

fn int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

fn text(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    for &byte in value.as_bytes() {
        if byte == b'"' {
            out.push(b'"');
        }
        out.push(byte);
    }
    out.push(b'"');
}

fn sep(out: &mut Vec<u8>) {
    out.push(b',');
}

/// Appends the header line of `table`.
pub fn write_header(out: &mut Vec<u8>, table: Table) {
    out.extend_from_slice(table.columns().join(",").as_bytes());
    out.push(b'\n');
}

/// Appends a `product.csv` line.
pub fn write_product(out: &mut Vec<u8>, r: &ProductRow) {
    int(out, r.id);
    for field in [&r.name, &r.slogan, &r.description, &r.category] {
        sep(out);
        text(out, field);
    }
    sep(out);
    out.extend_from_slice(r.default_price.as_bytes());
    out.push(b'\n');
}

/// Appends a `characteristics.csv` line.
pub fn write_characteristic(out: &mut Vec<u8>, r: &CharacteristicRow) {
    int(out, r.id);
    sep(out);
    int(out, r.product_id);
    sep(out);
    text(out, &r.name);
    out.push(b'\n');
}

/// Appends a `reviews.csv` line.
pub fn write_review(out: &mut Vec<u8>, r: &ReviewRow) {
    for value in [r.id, r.product_id, i64::from(r.rating), r.date_ms] {
        int(out, value);
        sep(out);
    }
    text(out, &r.summary);
    sep(out);
    text(out, &r.body);
    sep(out);
    out.extend_from_slice(if r.recommend { b"true," } else { b"false," });
    out.extend_from_slice(if r.reported { b"true," } else { b"false," });
    text(out, &r.reviewer_name);
    sep(out);
    text(out, &r.reviewer_email);
    sep(out);
    match &r.response {
        Some(response) => text(out, response),
        None => out.extend_from_slice(b"null"),
    }
    sep(out);
    int(out, i64::from(r.helpfulness));
    out.push(b'\n');
}

/// Appends a `reviews_photos.csv` or `answers_photos.csv` line.
pub fn write_photo(out: &mut Vec<u8>, r: &PhotoRow) {
    int(out, r.id);
    sep(out);
    int(out, r.owner_id);
    sep(out);
    text(out, &r.url);
    out.push(b'\n');
}

/// Appends a `characteristic_reviews.csv` line.
pub fn write_characteristic_review(out: &mut Vec<u8>, r: &CharacteristicReviewRow) {
    int(out, r.id);
    sep(out);
    int(out, r.characteristic_id);
    sep(out);
    int(out, r.review_id);
    sep(out);
    int(out, i64::from(r.value));
    out.push(b'\n');
}

/// Appends a `questions.csv` or `answers.csv` line.
pub fn write_post(out: &mut Vec<u8>, r: &PostRow) {
    int(out, r.id);
    sep(out);
    int(out, r.parent_id);
    sep(out);
    text(out, &r.body);
    sep(out);
    int(out, r.date_ms);
    sep(out);
    text(out, &r.author_name);
    sep(out);
    text(out, &r.author_email);
    sep(out);
    out.extend_from_slice(if r.reported { b"1," } else { b"0," });
    int(out, i64::from(r.helpfulness));
    out.push(b'\n');
}

// ----------------------------------------------------------------------------------------
// Reading

/// Why a row was rejected.
pub type Reason = String;

/// The fields of one CSV record, with the column names for messages.
pub struct Fields<'r> {
    record: &'r csv::ByteRecord,
    columns: &'static [&'static str],
}

impl<'r> Fields<'r> {
    /// Wraps `record`, checking that it has exactly the columns of `table`.
    pub fn new(record: &'r csv::ByteRecord, table: Table) -> Result<Self, Reason> {
        let columns = table.columns();
        if record.len() == columns.len() {
            Ok(Self { record, columns })
        } else {
            Err(format!("expected {} columns, found {}", columns.len(), record.len()))
        }
    }

    fn raw(&self, i: usize) -> &'r [u8] {
        self.record.get(i).unwrap_or_default()
    }

    fn str(&self, i: usize) -> Result<&'r str, Reason> {
        let text = std::str::from_utf8(self.raw(i))
            .map_err(|_| format!("{} is not valid UTF-8", self.columns[i]))?;
        // PostgreSQL cannot store NUL in text, and the API refuses it: one rule for every path in.
        if text.contains('\0') {
            return Err(format!("{} contains the NUL character", self.columns[i]));
        }
        Ok(text)
    }

    /// A positive integer id.
    pub fn id(&self, i: usize) -> Result<i64, Reason> {
        let raw = self.str(i)?.trim();
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            _ => Err(format!("{} is not a positive integer id: {raw:?}", self.columns[i])),
        }
    }

    /// An integer in `range`.
    pub fn int_in(&self, i: usize, range: std::ops::RangeInclusive<i64>) -> Result<i64, Reason> {
        let raw = self.str(i)?.trim();
        match raw.parse::<i64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            Ok(value) => Err(format!(
                "{} is out of range {}..={}: {value}",
                self.columns[i],
                range.start(),
                range.end()
            )),
            Err(_) => Err(format!("{} is not an integer: {raw:?}", self.columns[i])),
        }
    }

    /// `true`/`false` or `1`/`0` (either edition), in any case.
    pub fn boolean(&self, i: usize) -> Result<bool, Reason> {
        let raw = self.str(i)?.trim();
        if raw.eq_ignore_ascii_case("true") || raw == "1" {
            Ok(true)
        } else if raw.eq_ignore_ascii_case("false") || raw == "0" {
            Ok(false)
        } else {
            Err(format!("{} is not a boolean: {raw:?}", self.columns[i]))
        }
    }

    /// Epoch milliseconds, or a `YYYY-MM-DD` date (the 2020 edition) at midnight UTC.
    pub fn date(&self, i: usize) -> Result<i64, Reason> {
        let raw = self.str(i)?.trim();
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return raw.parse().map_err(|_| format!("{} is too large: {raw}", self.columns[i]));
        }
        parse_day(raw).ok_or_else(|| {
            format!("{} is neither epoch milliseconds nor YYYY-MM-DD: {raw:?}", self.columns[i])
        })
    }

    /// Text, as written.
    pub fn text(&self, i: usize) -> Result<String, Reason> {
        self.str(i).map(str::to_owned)
    }

    /// Text where the bare `null` (or an empty field) means none.
    pub fn nullable_text(&self, i: usize) -> Result<Option<String>, Reason> {
        let raw = self.str(i)?;
        Ok((!raw.is_empty() && raw != "null").then(|| raw.to_owned()))
    }

    /// An email: never returned, so `null` is kept as an empty address rather than refused.
    pub fn email(&self, i: usize) -> Result<String, Reason> {
        Ok(self.nullable_text(i)?.unwrap_or_default())
    }
}

/// `YYYY-MM-DD` (optionally followed by a time, which is ignored) as epoch milliseconds.
fn parse_day(raw: &str) -> Option<i64> {
    let date = raw.get(..10)?;
    let mut parts = date.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (i64, i64, i64) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// Parses a `product.csv` record.
pub fn read_product(f: &Fields<'_>) -> Result<ProductRow, Reason> {
    let price = f.str(5)?.trim();
    if price.parse::<f64>().map_or(true, |p| !p.is_finite() || p < 0.0) {
        return Err(format!("default_price is not a price: {price:?}"));
    }
    Ok(ProductRow {
        id: f.id(0)?,
        name: f.text(1)?,
        slogan: f.text(2)?,
        description: f.text(3)?,
        category: f.text(4)?,
        default_price: price.to_owned(),
    })
}

/// Parses a `characteristics.csv` record.
pub fn read_characteristic(f: &Fields<'_>) -> Result<CharacteristicRow, Reason> {
    Ok(CharacteristicRow { id: f.id(0)?, product_id: f.id(1)?, name: f.text(2)? })
}

/// Parses a `reviews.csv` record.
pub fn read_review(f: &Fields<'_>) -> Result<ReviewRow, Reason> {
    Ok(ReviewRow {
        id: f.id(0)?,
        product_id: f.id(1)?,
        rating: f.int_in(2, 1..=5)? as i16,
        date_ms: f.date(3)?,
        summary: f.text(4)?,
        body: f.text(5)?,
        recommend: f.boolean(6)?,
        reported: f.boolean(7)?,
        reviewer_name: f.text(8)?,
        reviewer_email: f.email(9)?,
        response: f.nullable_text(10)?,
        helpfulness: f.int_in(11, 0..=MAX_HELPFULNESS)? as i32,
    })
}

/// Parses a `reviews_photos.csv` or `answers_photos.csv` record.
pub fn read_photo(f: &Fields<'_>) -> Result<PhotoRow, Reason> {
    Ok(PhotoRow { id: f.id(0)?, owner_id: f.id(1)?, url: f.text(2)? })
}

/// Parses a `characteristic_reviews.csv` record.
pub fn read_characteristic_review(f: &Fields<'_>) -> Result<CharacteristicReviewRow, Reason> {
    Ok(CharacteristicReviewRow {
        id: f.id(0)?,
        characteristic_id: f.id(1)?,
        review_id: f.id(2)?,
        value: f.int_in(3, 1..=5)? as i16,
    })
}

/// Parses a `questions.csv` or `answers.csv` record.
pub fn read_post(f: &Fields<'_>) -> Result<PostRow, Reason> {
    Ok(PostRow {
        id: f.id(0)?,
        parent_id: f.id(1)?,
        body: f.text(2)?,
        date_ms: f.date(3)?,
        author_name: f.text(4)?,
        author_email: f.email(5)?,
        reported: f.boolean(6)?,
        helpfulness: f.int_in(7, 0..=MAX_HELPFULNESS)? as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> csv::ByteRecord {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        reader.byte_records().next().unwrap().unwrap()
    }

    fn review(line: &str) -> Result<ReviewRow, Reason> {
        let record = record(line);
        read_review(&Fields::new(&record, Table::Reviews)?)
    }

    #[test]
    fn a_written_review_reads_back_identically() {
        let row = ReviewRow {
            id: 5,
            product_id: 2,
            rating: 3,
            date_ms: 1_596_080_481_467,
            summary: "He said \"wow\", twice".into(),
            body: "Line one\nline two".into(),
            recommend: false,
            reported: true,
            reviewer_name: "shortandsweeet".into(),
            reviewer_email: "first.last@gmail.com".into(),
            response: None,
            helpfulness: 5,
        };
        let mut out = Vec::new();
        write_review(&mut out, &row);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "5,2,3,1596080481467,\"He said \"\"wow\"\", twice\",\"Line one\nline two\",false,true,\
             \"shortandsweeet\",\"first.last@gmail.com\",null,5\n"
        );
        assert_eq!(review(std::str::from_utf8(&out).unwrap()).unwrap(), row);
    }

    #[test]
    fn the_2020_edition_reads_too() {
        let row =
            review(r#"1,1,5,"2019-01-01","Great!","Body",1,0,"funtime","first.last@gmail.com",,8"#).unwrap();
        assert_eq!(row.date_ms, 1_546_300_800_000);
        assert!(row.recommend && !row.reported);
        assert_eq!(row.response, None);
    }

    #[test]
    fn a_rating_out_of_range_is_rejected() {
        let err = review(r#"1,1,6,1596080481467,"s","b",true,false,"n","e",null,0"#).unwrap_err();
        assert!(err.contains("rating"), "{err}");
    }

    #[test]
    fn a_nul_character_in_text_is_rejected() {
        let err = review("1,1,5,1596080481467,\"s\",\"b\0dy\",true,false,\"n\",\"e\",null,0").unwrap_err();
        assert!(err.contains("body contains the NUL character"), "{err}");
    }

    #[test]
    fn a_helpfulness_beyond_32_bits_is_rejected() {
        let max = review(r#"1,1,5,1596080481467,"s","b",true,false,"n","e",null,2147483647"#).unwrap();
        assert_eq!(i64::from(max.helpfulness), MAX_HELPFULNESS);
        let err = review(r#"1,1,5,1596080481467,"s","b",true,false,"n","e",null,2147483648"#).unwrap_err();
        assert!(err.contains("helpfulness"), "{err}");
    }

    #[test]
    fn a_wrong_column_count_is_rejected() {
        let err = review("1,1,5,1596080481467").unwrap_err();
        assert!(err.contains("expected 12 columns, found 4"), "{err}");
    }

    #[test]
    fn an_unparsable_date_is_rejected() {
        let err = review(r#"1,1,5,"yesterday","s","b",true,false,"n","e",null,0"#).unwrap_err();
        assert!(err.contains("date"), "{err}");
    }

    #[test]
    fn a_written_post_uses_zero_and_one() {
        let row = PostRow {
            id: 1,
            parent_id: 1,
            body: "What fabric is the top made of?".into(),
            date_ms: 1_595_884_714_409,
            author_name: "yankeelover".into(),
            author_email: "first.last@gmail.com".into(),
            reported: false,
            helpfulness: 1,
        };
        let mut out = Vec::new();
        write_post(&mut out, &row);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1,1,\"What fabric is the top made of?\",1595884714409,\"yankeelover\",\"first.last@gmail.com\",0,1\n"
        );
    }

    #[test]
    fn days_convert_to_epoch_milliseconds() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_day("2024-13-01"), None);
    }
}
