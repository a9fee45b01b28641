//! Arrow columns read as CSV fields: each flow column of a row becomes the text a CSV file would
//! hold, and the core crate checks it exactly as it checks `run`'s rows (`FlowColumns`).
//!
//! Conversions (exact; a value never passes through a float unless it is one):
//! - strings (utf8, large, view) and dictionaries of strings: as they are; binary as bytes;
//! - integers: their decimal digits; decimals (128 and 256 bit): their exact digits at their scale;
//! - floats: the shortest text that reads back as the same float (Rust's `{}`, never an exponent:
//!   `0.1` is `0.1`, `1e16` is `10000000000000000`); NaN is a missing value, as pandas has it;
//! - dates (date32, date64) and timestamps without a time zone at midnight: `YYYY-MM-DD` (a date64
//!   holds whole days, as Arrow defines it: a time of day in one is not read); a timestamp with a
//!   time of day is written with it (`YYYY-MM-DDTHH:MM:SS`), and the date check refuses the row;
//! - booleans: `true` / `false` (which no flow column accepts: the row is refused, not guessed);
//! - null: an empty field (a missing optional value; a missing required value refuses the row).
//!
//! An `hts` column of numbers is refused: a number has lost the code's leading zero.
//!
//! Only the flow columns (and `entry_number`) are read; every other column passes through. The
//! numbers, dates and booleans are written by the core crate's reader of Parquet cells
//! (`tariffstack::flow::parquet::frame_cell_text`), so both read a value alike.
//!
//! `Decimal128` cells of scale 0 to 17 and `int64`/`int32` cells (non-negative, below 10^18 units:
//! `tariffstack::flow::typed_amount`), and `date32` cells, are handed to the core crate as numbers
//! and dates (`FieldSource::amount` and `FieldSource::date`), as a Parquet file's are: the values
//! their text reads as. Their text is written only when a check asks for it (a message), so a
//! typed table is not formatted and parsed back row by row.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use arrow_schema::{DataType, Schema};
use rust_decimal::Decimal;
use std::cell::OnceCell;
use tariffstack::date::Date;
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
    /// A number or a date handed over as it is; its text is formatted only when asked for.
    Typed(&'a ArrayRef, Typed<'a>),
}

/// The cells the core crate takes as numbers or dates.
enum Typed<'a> {
    /// A decimal and its (non-negative) scale.
    Decimal(&'a PrimitiveArray<Decimal128Type>, u32),
    Int64(&'a PrimitiveArray<Int64Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
    Date32(&'a PrimitiveArray<Date32Type>),
}

impl<'a> Typed<'a> {
    fn of(a: &'a ArrayRef) -> Option<Typed<'a>> {
        Some(match a.data_type() {
            // A scale `typed_amount` does not take (negative, past 17) is read from its text.
            DataType::Decimal128(_, s) if *s >= 0 => Typed::Decimal(a.as_primitive(), u32::from(s.unsigned_abs())),
            DataType::Int64 => Typed::Int64(a.as_primitive()),
            DataType::Int32 => Typed::Int32(a.as_primitive()),
            DataType::Date32 => Typed::Date32(a.as_primitive()),
            _ => return None,
        })
    }
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

/// The read columns of one batch, with a scratch buffer per formatted column and the text of a
/// typed cell once asked for.
pub(crate) struct RowColumns<'a> {
    cols: Vec<Col<'a>>,
    scratch: Vec<String>,
    formatted: Vec<usize>,
    typed_text: Vec<OnceCell<String>>,
    typed: Vec<usize>,
}

impl<'a> RowColumns<'a> {
    /// The columns of `batch` under `plan` (from [`plan`] over the batch's schema).
    pub(crate) fn new(batch: &'a RecordBatch, plan: &[Reader]) -> RowColumns<'a> {
        let mut formatted = Vec::new();
        let mut typed = Vec::new();
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
                Reader::Read(_) => match (Direct::of(a.as_ref()), Typed::of(a)) {
                    (Some(d), _) => Col::Direct(a.nulls(), d),
                    (None, Some(t)) => {
                        typed.push(i);
                        Col::Typed(a, t)
                    }
                    (None, None) => {
                        formatted.push(i);
                        Col::Formatted(a)
                    }
                },
            })
            .collect::<Vec<_>>();
        let scratch = vec![String::new(); cols.len()];
        let typed_text = (0..cols.len()).map(|_| OnceCell::new()).collect();
        RowColumns { cols, scratch, formatted, typed_text, typed }
    }

    /// Row `row`'s fields (formatting the columns that need it).
    pub(crate) fn row(&mut self, row: usize) -> RowFields<'_, 'a> {
        for &i in &self.formatted {
            let buf = &mut self.scratch[i];
            buf.clear();
            if let Col::Formatted(a) = &self.cols[i] {
                tariffstack::flow::parquet::frame_cell_text(a, row, buf);
            }
        }
        for &i in &self.typed {
            self.typed_text[i].take();
        }
        RowFields { cols: &self.cols, scratch: &self.scratch, typed_text: &self.typed_text, row }
    }
}

/// One row's fields, as the core crate's CSV checks read them.
pub(crate) struct RowFields<'r, 'a> {
    cols: &'r [Col<'a>],
    scratch: &'r [String],
    typed_text: &'r [OnceCell<String>],
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
            Some(Col::Formatted(_)) => self.scratch[i].as_bytes(),
            Some(Col::Typed(a, _)) => self.typed_text[i]
                .get_or_init(|| {
                    let mut text = String::new();
                    tariffstack::flow::parquet::frame_cell_text(a, row, &mut text);
                    text
                })
                .as_bytes(),
            Some(Col::Skip) | None => b"",
        }
    }

    fn len(&self) -> usize {
        self.cols.len()
    }

    /// A typed cell whose text `parse_amount` reads as this value: a decimal of scale 0 to 17 or
    /// an integer, from 0 to below 10^18 (others are read from their text, with its message).
    #[inline]
    fn amount(&self, i: usize) -> Option<Decimal> {
        let r = self.row;
        let (v, scale) = match self.cols.get(i)? {
            Col::Typed(_, Typed::Decimal(a, s)) if a.is_valid(r) => (i64::try_from(a.value(r)).ok()?, *s),
            Col::Typed(_, Typed::Int64(a)) if a.is_valid(r) => (a.value(r), 0),
            Col::Typed(_, Typed::Int32(a)) if a.is_valid(r) => (i64::from(a.value(r)), 0),
            _ => return None,
        };
        tariffstack::flow::typed_amount(v, scale)
    }

    /// A `date32` cell, as the date its text reads as.
    #[inline]
    fn date(&self, i: usize) -> Option<Date> {
        match self.cols.get(i)? {
            Col::Typed(_, Typed::Date32(a)) if a.is_valid(self.row) => Date::from_days(i64::from(a.value(self.row))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, TimestampSecondArray, UInt8Array,
    };
    use std::sync::Arc;

    /// The text of each cell of `a`, as a row's field gives it.
    fn texts(a: ArrayRef) -> Vec<String> {
        (0..a.len())
            .map(|r| {
                let mut out = String::new();
                tariffstack::flow::parquet::frame_cell_text(&a, r, &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn cells_read_as_their_exact_text_and_nan_is_missing() {
        let ints = Arc::new(Int64Array::from(vec![Some(0), Some(-7), Some(1_234_567_890_123), None]));
        assert_eq!(texts(ints), ["0", "-7", "1234567890123", ""]);
        assert_eq!(texts(Arc::new(UInt8Array::from(vec![255]))), ["255"]);
        let decimals = Decimal128Array::from(vec![12345, -5, 100]).with_precision_and_scale(18, 2).unwrap();
        assert_eq!(texts(Arc::new(decimals)), ["123.45", "-0.05", "1.00"]);
        // Floats: the shortest text that reads back as the same float, never an exponent; NaN missing.
        let floats = Float64Array::from(vec![0.1, 1e16, 30000.0, f64::NAN]);
        assert_eq!(texts(Arc::new(floats)), ["0.1", "10000000000000000", "30000", ""]);
        let days = Date32Array::from(vec![0, 20_188, -1, 11_016]);
        assert_eq!(texts(Arc::new(days)), ["1970-01-01", "2025-04-10", "1969-12-31", "2000-02-29"]);
        // A timestamp at midnight is its date; with a time of day the date check refuses the row.
        let stamps = TimestampSecondArray::from(vec![20_188 * 86_400, 3661]);
        assert_eq!(texts(Arc::new(stamps)), ["2025-04-10", "1970-01-01T01:01:01"]);
        assert_eq!(texts(Arc::new(BooleanArray::from(vec![true, false]))), ["true", "false"]);
    }

    /// A typed cell handed over as a number or a date is the value its text reads as, scale
    /// included; the others (negative, too large, null, another scale) are read from their text,
    /// which stays what a field gives.
    #[test]
    fn typed_cells_are_the_values_their_text_reads_as() {
        use arrow_array::Int32Array;
        use arrow_schema::Field;
        let money = |scale: i8| {
            Decimal128Array::from(vec![
                Some(0),
                Some(12_345),
                Some(-5),
                None,
                Some(999_999_999_999_999_999),
                Some(1_000_000_000_000_000_000),
                Some(i128::MAX),
            ])
            .with_precision_and_scale(38, scale)
            .unwrap()
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(money(2)),
            Arc::new(money(0)),
            Arc::new(money(17)),
            Arc::new(money(18)),
            Arc::new(Int64Array::from(vec![Some(0), Some(7), Some(-1), None, Some(i64::MAX), Some(10), Some(3)])),
            Arc::new(Int32Array::from(vec![Some(0), Some(7), Some(-1), None, Some(i32::MAX), Some(10), Some(3)])),
            Arc::new(Date32Array::from(vec![
                Some(0),
                Some(20_188),
                Some(-719_162),
                None,
                Some(2_932_896),
                Some(2_932_897),
                Some(i32::MIN),
            ])),
        ];
        let fields: Vec<Field> =
            columns.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.clone()).unwrap();
        let plan: Vec<Reader> = columns.iter().map(|c| Reader::Read(c.data_type().clone())).collect();
        let mut cols = RowColumns::new(&batch, &plan);
        let (mut amounts, mut dates) = (0, 0);
        for row in 0..batch.num_rows() {
            let fields = cols.row(row);
            for (i, c) in columns.iter().enumerate() {
                let mut text = String::new();
                tariffstack::flow::parquet::frame_cell_text(c, row, &mut text);
                if let Some(v) = fields.amount(i) {
                    let read = tariffstack::money::parse_amount(&text).unwrap();
                    assert_eq!((v, v.scale()), (read, read.scale()), "column {i} row {row}: `{text}`");
                    amounts += 1;
                }
                if let Some(d) = fields.date(i) {
                    assert_eq!(Ok(d), Date::parse(&text), "column {i} row {row}");
                    dates += 1;
                }
                assert_eq!(fields.field(i), text.as_bytes(), "column {i} row {row}");
            }
        }
        // Scale 18 is read from its text; scales 2, 0 and 17 hand over 0, 12345 units and the
        // largest value below 10^18; the 64-bit integers 0, 7, 10 and 3 (not `i64::MAX`), the
        // 32-bit ones those and `i32::MAX`.
        assert_eq!(amounts, 3 * 3 + 4 + 5);
        assert_eq!(dates, 4);
    }
}
