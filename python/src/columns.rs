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

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
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
    scratch: Vec<String>,
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
        let scratch = vec![String::new(); cols.len()];
        RowColumns { cols, scratch, formatted }
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
        RowFields { cols: &self.cols, scratch: &self.scratch, row }
    }
}

/// One row's fields, as the core crate's CSV checks read them.
pub(crate) struct RowFields<'r, 'a> {
    cols: &'r [Col<'a>],
    scratch: &'r [String],
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
            Some(Col::Skip) | None => b"",
        }
    }

    fn len(&self) -> usize {
        self.cols.len()
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
}
