//! Arrow columns read as CSV fields: each flow column of a row becomes the text a CSV file would
//! hold, and the core crate checks it exactly as it checks `run`'s rows (`FlowColumns`).
//!
//! Conversions (exact; a value never passes through a float unless it is one):
//! - strings (utf8, large, view) and dictionaries of strings: as they are; binary as bytes;
//! - integers: their decimal digits; decimals (128 and 256 bit): their exact digits at their scale;
//! - floats: the shortest text that reads back as the same float (Rust's `{}`, never an exponent:
//!   `0.1` is `0.1`, `1e16` is `10000000000000000`); NaN is a missing value, as pandas has it;
//! - dates (date32, date64) and timestamps without a time zone at midnight: `YYYY-MM-DD`; a
//!   timestamp with a time of day is written with it, and the date check refuses the row;
//! - booleans: `true` / `false` (which no flow column accepts: the row is refused, not guessed);
//! - null: an empty field (a missing optional value; a missing required value refuses the row).
//!
//! An `hts` column of numbers is refused: a number has lost the code's leading zero.
//!
//! Only the flow columns (and `entry_number`) are read; every other column passes through.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema, TimeUnit};
use std::io::Write as _;
use tariffstack::flow::FieldSource;

/// How a column of the schema is read.
#[derive(Clone, Debug)]
pub(crate) enum Reader {
    /// Not a flow column: never read.
    Skip,
    /// A flow column of this type.
    Read(DataType),
}

/// Which columns are read and how; a flow column of a type that has no CSV text is refused.
pub(crate) fn plan(schema: &Schema) -> Result<Vec<Reader>, String> {
    schema
        .fields()
        .iter()
        .map(|f| {
            if !tariffstack::api::is_read_column(f.name()) {
                return Ok(Reader::Skip);
            }
            let t = f.data_type();
            let name = f.name().trim().to_ascii_lowercase();
            if name == "hts" && (t.is_numeric() || t.is_floating()) {
                // 0101210010 read as a number is 101210010: another code (chapter 10), silently.
                return Err(format!(
                    "column `{}` has Arrow type {t}: HTS codes read as numbers lose their leading zeros (0101.21.00 would become chapter 10); give them as strings (pandas: dtype={{\"hts\": str}}; Polars: schema_overrides={{\"hts\": pl.String}})",
                    f.name()
                ));
            }
            if supported(t) {
                Ok(Reader::Read(t.clone()))
            } else {
                Err(format!(
                    "column `{}` has Arrow type {t}, which has no text form here: give strings, numbers, decimals or dates",
                    f.name()
                ))
            }
        })
        .collect()
}

fn supported(t: &DataType) -> bool {
    match t {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, None)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        DataType::Dictionary(_, v) => matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        _ => false,
    }
}

/// One column of a batch, ready to give a row's field.
enum Col<'a> {
    Skip,
    /// Bytes straight from the array (its nulls kept apart: no virtual call per field).
    Direct(Option<&'a arrow_buffer::NullBuffer>, Direct<'a>),
    /// A dictionary of strings: the keys (normalised) and the values.
    Dict {
        array: &'a ArrayRef,
        keys: Vec<usize>,
        values: Direct<'a>,
    },
    /// Formatted into the row's scratch buffer.
    Formatted(&'a ArrayRef),
}

#[derive(Clone, Copy)]
enum Direct<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    Binary(&'a arrow_array::BinaryArray),
    LargeBinary(&'a arrow_array::LargeBinaryArray),
    BinaryView(&'a arrow_array::BinaryViewArray),
}

impl<'a> Direct<'a> {
    fn of(a: &'a dyn Array) -> Option<Direct<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Direct::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Direct::LargeUtf8(a.as_string::<i64>()),
            DataType::Utf8View => Direct::Utf8View(a.as_string_view()),
            DataType::Binary => Direct::Binary(a.as_binary::<i32>()),
            DataType::LargeBinary => Direct::LargeBinary(a.as_binary::<i64>()),
            DataType::BinaryView => Direct::BinaryView(a.as_binary_view()),
            _ => return None,
        })
    }

    /// Value `i` (the caller checked it is not null).
    #[inline]
    fn value(self, i: usize) -> &'a [u8] {
        match self {
            Direct::Utf8(a) => a.value(i).as_bytes(),
            Direct::LargeUtf8(a) => a.value(i).as_bytes(),
            Direct::Utf8View(a) => a.value(i).as_bytes(),
            Direct::Binary(a) => a.value(i),
            Direct::LargeBinary(a) => a.value(i),
            Direct::BinaryView(a) => a.value(i),
        }
    }

    fn array(self) -> &'a dyn Array {
        match self {
            Direct::Utf8(a) => a,
            Direct::LargeUtf8(a) => a,
            Direct::Utf8View(a) => a,
            Direct::Binary(a) => a,
            Direct::LargeBinary(a) => a,
            Direct::BinaryView(a) => a,
        }
    }
}

/// The read columns of one batch, with a scratch buffer per formatted column.
pub(crate) struct RowColumns<'a> {
    cols: Vec<Col<'a>>,
    scratch: Vec<Vec<u8>>,
    formatted: Vec<usize>,
}

impl<'a> RowColumns<'a> {
    /// The columns of `batch` under `plan` (from [`plan`] over the batch's schema).
    pub(crate) fn new(batch: &'a RecordBatch, plan: &[Reader]) -> RowColumns<'a> {
        let mut formatted = Vec::new();
        let cols = batch
            .columns()
            .iter()
            .zip(plan)
            .enumerate()
            .map(|(i, (a, p))| match p {
                Reader::Skip => Col::Skip,
                Reader::Read(DataType::Dictionary(..)) => {
                    let d = a.as_any_dictionary();
                    match Direct::of(d.values().as_ref()) {
                        Some(values) => Col::Dict { array: a, keys: d.normalized_keys(), values },
                        None => Col::Skip,
                    }
                }
                Reader::Read(_) => match Direct::of(a.as_ref()) {
                    Some(d) => Col::Direct(a.nulls(), d),
                    None => {
                        formatted.push(i);
                        Col::Formatted(a)
                    }
                },
            })
            .collect::<Vec<_>>();
        let scratch = vec![Vec::new(); cols.len()];
        RowColumns { cols, scratch, formatted }
    }

    /// Row `row`'s fields (formatting the columns that need it).
    pub(crate) fn row(&mut self, row: usize) -> RowFields<'_, 'a> {
        for &i in &self.formatted {
            let buf = &mut self.scratch[i];
            buf.clear();
            if let Col::Formatted(a) = &self.cols[i] {
                format_value(a, row, buf);
            }
        }
        RowFields { cols: &self.cols, scratch: &self.scratch, row }
    }
}

/// One row's fields, as the core crate's CSV checks read them.
pub(crate) struct RowFields<'r, 'a> {
    cols: &'r [Col<'a>],
    scratch: &'r [Vec<u8>],
    row: usize,
}

impl FieldSource for RowFields<'_, '_> {
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        let row = self.row;
        match self.cols.get(i) {
            Some(Col::Direct(nulls, d)) => {
                if nulls.is_some_and(|n| n.is_null(row)) {
                    b""
                } else {
                    d.value(row)
                }
            }
            Some(Col::Dict { array, keys, values }) => {
                let k = keys[row];
                if array.is_null(row) || values.array().is_null(k) { b"" } else { values.value(k) }
            }
            Some(Col::Formatted(_)) => &self.scratch[i],
            Some(Col::Skip) | None => b"",
        }
    }

    fn len(&self) -> usize {
        self.cols.len()
    }
}

/// Writes value `row` of `a` as CSV text into `out` (nothing for a null).
fn format_value(a: &ArrayRef, row: usize, out: &mut Vec<u8>) {
    if a.is_null(row) {
        return;
    }
    macro_rules! int {
        ($t:ty) => {{
            let mut digits = [0u8; 40];
            out.extend_from_slice(i128_text(i128::from(a.as_primitive::<$t>().value(row)), &mut digits).as_bytes());
        }};
    }
    match a.data_type() {
        DataType::Boolean => out.extend_from_slice(if a.as_boolean().value(row) { b"true" } else { b"false" }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(row);
            if !v.is_nan() {
                let _ = write!(out, "{v}");
            }
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(row);
            if !v.is_nan() {
                let _ = write!(out, "{v}");
            }
        }
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().value(row);
            let mut digits = [0u8; 40];
            push_scaled(out, i128_text(v, &mut digits), *scale);
        }
        DataType::Decimal256(_, scale) => {
            let v = a.as_primitive::<Decimal256Type>().value(row);
            push_scaled(out, &v.to_string(), *scale);
        }
        DataType::Date32 => push_date(out, i64::from(a.as_primitive::<Date32Type>().value(row)), 0, 1),
        DataType::Date64 => {
            let ms = a.as_primitive::<Date64Type>().value(row);
            push_date(out, ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000), 1000);
        }
        DataType::Timestamp(unit, None) => {
            let per_second: i64 = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(row),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(row),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(row),
            };
            let per_day = 86_400 * per_second;
            push_date(out, v.div_euclid(per_day), v.rem_euclid(per_day), per_second);
        }
        _ => {}
    }
}

/// The decimal digits of `v` (with a `-`), written at the end of `buf`.
fn i128_text(v: i128, buf: &mut [u8; 40]) -> &str {
    let mut n = v.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

/// The decimal whose unscaled digits are `digits` (with a sign) at `scale`.
fn push_scaled(out: &mut Vec<u8>, digits: &str, scale: i8) {
    let (sign, d) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
    out.extend_from_slice(sign.as_bytes());
    if scale <= 0 {
        out.extend_from_slice(d.as_bytes());
        out.extend(std::iter::repeat_n(b'0', usize::from(scale.unsigned_abs())));
        return;
    }
    let scale = scale as usize;
    if d.len() > scale {
        out.extend_from_slice(&d.as_bytes()[..d.len() - scale]);
        out.push(b'.');
        out.extend_from_slice(&d.as_bytes()[d.len() - scale..]);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - d.len()));
        out.extend_from_slice(d.as_bytes());
    }
}

/// `YYYY-MM-DD` of `days` since 1970-01-01; with a time of day (`rest` units of 1/`per_second`
/// s after midnight, not zero) ` HH:MM:SS` follows, which the date check refuses.
fn push_date(out: &mut Vec<u8>, days: i64, rest: i64, per_second: i64) {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if (0..=9999).contains(&y) {
        let (y, m, d) = (y as u32, m as u32, d as u32);
        out.extend_from_slice(&[
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (d / 10) as u8,
            b'0' + (d % 10) as u8,
        ]);
    } else {
        let _ = write!(out, "{y:04}-{m:02}-{d:02}");
    }
    if rest != 0 {
        let s = rest / per_second;
        let _ = write!(out, " {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_their_digits() {
        for v in [0i128, 7, -7, 1234567890123, i128::MAX, i128::MIN] {
            assert_eq!(i128_text(v, &mut [0u8; 40]), v.to_string());
        }
    }

    #[test]
    fn decimals_keep_their_digits() {
        let cases = [("12345", 2, "123.45"), ("-5", 3, "-0.005"), ("7", 0, "7"), ("7", -2, "700"), ("100", 2, "1.00")];
        for (digits, scale, want) in cases {
            let mut out = Vec::new();
            push_scaled(&mut out, digits, scale);
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    #[test]
    fn dates_are_civil() {
        for (days, want) in [(0, "1970-01-01"), (20_188, "2025-04-10"), (-1, "1969-12-31"), (11_016, "2000-02-29")] {
            let mut out = Vec::new();
            push_date(&mut out, days, 0, 1);
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
        let mut out = Vec::new();
        push_date(&mut out, 0, 3661, 1);
        assert_eq!(String::from_utf8(out).unwrap(), "1970-01-01 01:01:01");
    }

    #[test]
    fn floats_use_their_shortest_text() {
        assert_eq!(format!("{}", 0.1f64), "0.1");
        assert_eq!(format!("{}", 1e16f64), "10000000000000000");
        assert_eq!(format!("{}", 30000.0f64), "30000");
        assert_eq!(format!("{}", 1234.56f32), "1234.56");
    }
}
