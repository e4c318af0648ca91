//! The CSV files of the original dataset: how each row is written and read. Their names,
//! headers and column rules come from the table descriptions (`atelier_core::tables`).
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
use atelier_core::tables::{Column, FlagStyle, Kind, Row, Rows, Table, Value};

/// The most columns a table has; a test checks every description against it.
const MAX_COLUMNS: usize = 16;

// ----------------------------------------------------------------------------------------
// Writing

fn int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Quoted, each `"` doubled. Copied in runs between quotes rather than byte by byte: this was
/// a fifth of the generator's time.
fn text(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    let mut runs = value.as_bytes().split(|&byte| byte == b'"');
    out.extend_from_slice(runs.next().unwrap_or_default());
    for run in runs {
        out.extend_from_slice(b"\"\"");
        out.extend_from_slice(run);
    }
    out.push(b'"');
}

/// Appends the header line of `table`.
pub fn write_header(out: &mut Vec<u8>, table: Table) {
    for (i, header) in table.describe().headers().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(header.as_bytes());
    }
    out.push(b'\n');
}

/// Appends every row of `rows` as a line of its table's file.
pub fn write_rows(out: &mut Vec<u8>, rows: &dyn Rows) {
    let columns = rows.table().describe().columns;
    let mut values = Vec::with_capacity(columns.len());
    for index in 0..rows.len() {
        values.clear();
        rows.push_values(index, &mut values);
        write_line(out, columns, &values);
    }
}

/// One line: integers bare, text quoted, booleans in the file's style, a price bare, and the
/// bare token `null` for an absent value. A row's place in the file is the line's place, not a
/// field.
fn write_line(out: &mut Vec<u8>, columns: &[Column], values: &[Value<'_>]) {
    let fields = columns.iter().zip(values).filter(|(column, _)| column.kind.in_file());
    for (i, (column, value)) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match (*value, column.kind) {
            (Value::Int(value), _) => int(out, value),
            (Value::Bool(value), Kind::Flag(FlagStyle::Digits)) => out.push(if value { b'1' } else { b'0' }),
            (Value::Bool(value), _) => out.extend_from_slice(if value { b"true" } else { b"false" }),
            (Value::Text(value), Kind::Price | Kind::OptionalPrice) => {
                out.extend_from_slice(value.as_bytes())
            }
            (Value::Text(value), _) => text(out, value),
            (Value::Null, _) => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'\n');
}

// ----------------------------------------------------------------------------------------
// Reading

/// Why a row was rejected.
pub type Reason = String;

/// How many of a table's `columns` a file with the header `found` holds: all of them, or the
/// first ones when every column after them is one the file may lack (it was written before
/// those columns existed). `None` when the header is not one of those.
pub fn columns_in_header(columns: &[Column], found: &[String]) -> Option<usize> {
    let mut in_file = columns.iter().filter(|column| column.kind.in_file());
    let known = found
        .iter()
        .all(|name| in_file.next().is_some_and(|column| name.eq_ignore_ascii_case(column.header)))
        && in_file.all(|column| column.absent.is_some());
    known.then_some(found.len())
}

/// Parses one record of `R`'s file, the `position`th (from 1), whose header holds `present` of
/// its fields (see [`columns_in_header`]), checking every value against its column's rule; a
/// column the file lacks takes its `absent` value, and a [`Kind::Position`] column `position`.
pub fn read_row<R: Row>(record: &csv::ByteRecord, present: usize, position: u64) -> Result<R, Reason> {
    let columns = R::TABLE.describe().columns;
    if record.len() != present {
        return Err(format!("expected {present} columns, found {}", record.len()));
    }
    let mut values = [Value::Null; MAX_COLUMNS];
    let mut fields = record.iter();
    for (i, column) in columns.iter().enumerate() {
        values[i] = if column.kind == Kind::Position {
            Value::Int(position as i64)
        } else {
            match fields.next() {
                Some(raw) => read_value(column, raw)?,
                None => column.absent.unwrap_or(Value::Null),
            }
        };
    }
    R::from_values(&values[..columns.len()])
        .ok_or_else(|| format!("the values do not fit a {} row", R::TABLE.describe().noun))
}

/// One field as the value its column holds.
fn read_value<'r>(column: &Column, raw: &'r [u8]) -> Result<Value<'r>, Reason> {
    let name = column.header;
    let text = std::str::from_utf8(raw).map_err(|_| format!("{name} is not valid UTF-8"))?;
    // PostgreSQL cannot store NUL in text, and the API refuses it: one rule for every path in.
    if text.contains('\0') {
        return Err(format!("{name} contains the NUL character"));
    }
    let trimmed = text.trim();
    let int_in = |range: std::ops::RangeInclusive<i64>| match trimmed.parse::<i64>() {
        Ok(value) if range.contains(&value) => Ok(Value::Int(value)),
        Ok(value) => Err(format!("{name} is out of range {}..={}: {value}", range.start(), range.end())),
        Err(_) => Err(format!("{name} is not an integer: {trimmed:?}")),
    };
    match column.kind {
        Kind::Id | Kind::Parent(_) => match trimmed.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Value::Int(id)),
            _ => Err(format!("{name} is not a positive integer id: {trimmed:?}")),
        },
        Kind::Stars => int_in(1..=5),
        Kind::Votes => int_in(0..=MAX_HELPFULNESS),
        Kind::Date => read_date(trimmed)
            .map(Value::Int)
            .ok_or_else(|| format!("{name} is neither epoch milliseconds nor YYYY-MM-DD: {trimmed:?}")),
        // `true`/`false` or `1`/`0` (either edition), in any case.
        Kind::Flag(_) if trimmed.eq_ignore_ascii_case("true") || trimmed == "1" => Ok(Value::Bool(true)),
        Kind::Flag(_) if trimmed.eq_ignore_ascii_case("false") || trimmed == "0" => Ok(Value::Bool(false)),
        Kind::Flag(_) => Err(format!("{name} is not a boolean: {trimmed:?}")),
        Kind::Text => Ok(Value::Text(text)),
        // The bare `null` (or an empty field) means none.
        Kind::OptionalText if text.is_empty() || text == "null" => Ok(Value::Null),
        Kind::OptionalText => Ok(Value::Text(text)),
        // Never returned, so `null` is kept as an empty address rather than refused.
        Kind::Email if text == "null" => Ok(Value::Text("")),
        Kind::Email => Ok(Value::Text(text)),
        Kind::Price | Kind::OptionalPrice if is_price(trimmed) => Ok(Value::Text(trimmed)),
        Kind::OptionalPrice if trimmed.is_empty() || trimmed == "null" => Ok(Value::Null),
        Kind::Price | Kind::OptionalPrice => Err(format!("{name} is not a price: {trimmed:?}")),
        // The original skus.csv has a space before some quantities: trimmed like every number.
        Kind::Quantity => int_in(0..=i64::from(i32::MAX)),
        // Never read from a field (`read_row` numbers the rows); refused rather than trusted.
        Kind::Position => Err(format!("{name} is a row's place in its file, not a field")),
    }
}

/// A non-negative amount of at most two decimals, as the files write prices (`140`, `99.5`).
fn is_price(text: &str) -> bool {
    let (units, cents) = text.split_once('.').unwrap_or((text, ""));
    !units.is_empty()
        && units.len() <= 12
        && cents.len() <= 2
        && units.bytes().chain(cents.bytes()).all(|b| b.is_ascii_digit())
        && cents.is_empty() != text.contains('.')
}

/// Epoch milliseconds, or a `YYYY-MM-DD` date (the 2020 edition) at midnight UTC.
fn read_date(raw: &str) -> Option<i64> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().ok();
    }
    parse_day(raw)
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

#[cfg(test)]
mod tests {
    use atelier_core::tables::{QuestionRow, ReviewRow};

    use super::*;

    #[test]
    fn a_price_is_digits_with_at_most_two_decimals() {
        for good in ["140", "0", "99.5", "99.50", "1000000"] {
            assert!(is_price(good), "{good}");
        }
        for bad in ["", "-1", "1e3", "1.", ".5", "1.234", "1,50", "free", "NaN", "1 0"] {
            assert!(!is_price(bad), "{bad}");
        }
    }

    fn record(line: &str) -> csv::ByteRecord {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        reader.byte_records().next().unwrap().unwrap()
    }

    /// One row as a line of its table's file, as `write_rows` writes it.
    fn write_row<R: Row>(out: &mut Vec<u8>, row: &R) {
        write_rows(out, &vec![row.clone()]);
    }

    /// Reads `line` as a row of the original reviews.csv, whatever columns were added since.
    fn review(line: &str) -> Result<ReviewRow, Reason> {
        let original = "id,product_id,rating,date,summary,body,recommend,reported,reviewer_name,reviewer_email,response,helpfulness";
        let header: Vec<String> = original.split(',').map(str::to_owned).collect();
        let present =
            columns_in_header(Table::Reviews.describe().columns, &header).expect("the original header");
        read_row(&record(line), present, 1)
    }

    #[test]
    fn headers_are_the_original_files_headers() {
        let lines: Vec<String> = Table::ALL
            .iter()
            .map(|&table| {
                let mut out = Vec::new();
                write_header(&mut out, table);
                String::from_utf8(out).unwrap()
            })
            .collect();
        assert_eq!(
            lines,
            [
                "id,name,slogan,description,category,default_price\n",
                "id,product_id,feature,value\n",
                "id,productId,name,sale_price,original_price,default_style\n",
                "id,styleId,size,quantity\n",
                "id,styleId,url,thumbnail_url\n",
                "id,current_product_id,related_product_id\n",
                "id,product_id,name\n",
                "id,product_id,rating,date,summary,body,recommend,reported,reviewer_name,reviewer_email,response,helpfulness\n",
                "id,review_id,url\n",
                "id,characteristic_id,review_id,value\n",
                "id,product_id,body,date_written,asker_name,asker_email,reported,helpful\n",
                "id,question_id,body,date_written,answerer_name,answerer_email,reported,helpful\n",
                "id,answer_id,url\n",
            ]
        );
    }

    #[test]
    fn a_header_may_lack_only_columns_added_after_the_files_were_written() {
        let column = |name, absent| Column { name, header: name, kind: Kind::Text, absent };
        let columns = [column("id", None), column("body", None), column("added", Some(Value::Text("")))];
        let header = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        assert_eq!(columns_in_header(&columns, &header(&["id", "body", "added"])), Some(3));
        assert_eq!(columns_in_header(&columns, &header(&["id", "body"])), Some(2));
        assert_eq!(columns_in_header(&columns, &header(&["id"])), None, "body is in every file");
        assert_eq!(columns_in_header(&columns, &header(&["id", "added", "body"])), None);
        assert_eq!(columns_in_header(&columns, &header(&["id", "body", "added", "more"])), None);
    }

    #[test]
    fn no_table_has_more_columns_than_a_record_can_hold() {
        for table in Table::ALL {
            assert!(table.describe().columns.len() <= MAX_COLUMNS, "{table:?}");
        }
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
        write_row(&mut out, &row);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "5,2,3,1596080481467,\"He said \"\"wow\"\", twice\",\"Line one\nline two\",false,true,\
             \"shortandsweeet\",\"first.last@gmail.com\",null,5\n"
        );
        let all = Table::Reviews.describe().columns.len();
        assert_eq!(read_row::<ReviewRow>(&record(std::str::from_utf8(&out).unwrap()), all, 1).unwrap(), row);
    }

    #[test]
    fn a_written_product_keeps_its_price_bare() {
        let row = atelier_core::tables::ProductRow {
            id: 1,
            name: "Camo Onesie".into(),
            slogan: "Blend in".into(),
            description: "The So Fatigues".into(),
            category: "Jackets".into(),
            default_price: "140".into(),
        };
        let mut out = Vec::new();
        write_row(&mut out, &row);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1,\"Camo Onesie\",\"Blend in\",\"The So Fatigues\",\"Jackets\",140\n"
        );
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
    fn a_null_email_reads_as_an_empty_address() {
        let row = review(r#"1,1,5,1596080481467,"s","b",true,false,"n",null,null,0"#).unwrap();
        assert_eq!(row.reviewer_email, "");
    }

    #[test]
    fn a_written_question_uses_zero_and_one() {
        let row = QuestionRow {
            id: 1,
            product_id: 1,
            body: "What fabric is the top made of?".into(),
            date_ms: 1_595_884_714_409,
            asker_name: "yankeelover".into(),
            asker_email: "first.last@gmail.com".into(),
            reported: false,
            helpfulness: 1,
        };
        let mut out = Vec::new();
        write_row(&mut out, &row);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "1,1,\"What fabric is the top made of?\",1595884714409,\"yankeelover\",\"first.last@gmail.com\",0,1\n"
        );
        let columns = Table::Questions.describe().columns.len();
        assert_eq!(
            read_row::<QuestionRow>(&record(std::str::from_utf8(&out).unwrap()), columns, 1).unwrap(),
            row
        );
    }

    #[test]
    fn days_convert_to_epoch_milliseconds() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_day("2024-13-01"), None);
    }
}
