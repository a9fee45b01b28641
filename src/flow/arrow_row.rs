//! A Parquet row's fields read where they lie, in the chunk's Arrow columns, rather than from the
//! text record the row is written as: text cells are taken as they are, and the amounts and dates
//! the flow checks read (`decimal128` of scale 0 to 17, `int64` and `int32` cells, non-negative and
//! below 10^18 units, see [`typed_amount`]; `date32` cells) are taken as numbers, skipping the
//! round trip through text and back.
//!
//! **The same answer as the text.** A cell is given typed ([`FieldSource::amount`],
//! [`FieldSource::date`]) only when its text (the text `flow::parquet` writes for it, see there)
//! would be read without error as that very value: a non-negative decimal or integer of at most 18
//! digits, a date in years 1 to 9999. Any other cell (a negative amount, a null, a timestamp, an
//! integer HTS number, a float in a pass-through column) is written as that same text when it is
//! asked for, so its checks and messages are those of the CSV path. The unit tests hold the typed
//! value of each kind of cell against the text read back.

use super::FieldSource;
use super::parquet::{CellKind, cell_kind, cell_text, date_from_days};
use super::reader::ArrowRows;
use crate::date::Date;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, Date32Array, Decimal128Array, Int32Array, Int64Array, StringArray};
use arrow_schema::DataType;
use rust_decimal::Decimal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Amounts read typed are below this (at most 18 digits): the text of such a value is read by the
/// amount parser's exact 64-bit path, as the same mantissa and scale.
const TYPED_AMOUNT_LIMIT: i64 = 1_000_000_000_000_000_000;

/// The amount a typed cell of `units` x 10^-`scale` hands over as [`FieldSource::amount`]: the value
/// its text (a decimal of scale `scale`, 0 to 17, or an integer for 0) reads as, when that text is
/// read without error (from 0 to below 10^18 units); `None` to read the text instead. Shared with
/// the Python package, which hands its tables' cells over by the same rule.
#[inline]
pub fn typed_amount(units: i64, scale: u32) -> Option<Decimal> {
    (scale <= 17 && (0..TYPED_AMOUNT_LIMIT).contains(&units))
        .then(|| Decimal::from_i128_with_scale(i128::from(units), scale))
}

/// A column as its cells are read: straight from its typed array, or written as text.
#[derive(Debug)]
enum Column {
    Text(StringArray),
    /// A text column read as a dictionary: the rows' keys and the values.
    Dictionary(Int32Array, StringArray),
    /// With its scale (0 to 17).
    Decimal(Decimal128Array, u32),
    Int64(Int64Array),
    Int32(Int32Array),
    Date32(Date32Array),
    /// Written as text when asked for.
    Other,
}

/// The columns of one chunk of Parquet rows, prepared once per chunk, and the text of the current
/// row's cells that were asked for as text (a worker's own: the sync types only let the parser it
/// is part of be shared as a template).
#[derive(Debug, Default)]
pub(crate) struct ArrowColumns {
    /// The first line of the chunk the columns are of.
    chunk: Option<u64>,
    arrays: Vec<ArrayRef>,
    kinds: Vec<CellKind>,
    columns: Vec<Column>,
    /// The current row's cells written as text, when asked for.
    texts: Vec<OnceLock<Box<[u8]>>>,
    /// Some cell of `texts` is written.
    written: AtomicBool,
}

impl Clone for ArrowColumns {
    /// A new, empty set (a worker's parser is cloned before its first chunk).
    fn clone(&self) -> ArrowColumns {
        ArrowColumns::default()
    }
}

impl ArrowColumns {
    /// The fields of row `line` of `rows`, with the columns prepared for its chunk.
    pub(crate) fn row<'a>(&'a mut self, rows: &ArrowRows, line: u64) -> ArrowFields<'a> {
        if self.chunk != Some(rows.first_line) {
            self.prepare(rows);
        }
        if *self.written.get_mut() {
            self.texts.iter_mut().for_each(|t| drop(t.take()));
            *self.written.get_mut() = false;
        }
        let row = usize::try_from(line.saturating_sub(rows.first_line)).unwrap_or(usize::MAX);
        ArrowFields { columns: self, row }
    }

    fn prepare(&mut self, rows: &ArrowRows) {
        let schema = rows.batch.schema();
        self.arrays = rows.batch.columns().to_vec();
        self.kinds = schema.fields().iter().map(|f| cell_kind(f.name(), f.data_type())).collect();
        self.columns = self.arrays.iter().zip(&self.kinds).map(|(a, k)| Column::of(a, *k)).collect();
        self.texts = self.arrays.iter().map(|_| OnceLock::new()).collect();
        *self.written.get_mut() = false;
        self.chunk = Some(rows.first_line);
    }
}

impl Column {
    fn of(array: &ArrayRef, kind: CellKind) -> Column {
        match array.data_type() {
            DataType::Utf8 => Column::Text(array.as_string::<i32>().clone()),
            DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                let d = array.as_dictionary::<Int32Type>();
                match d.values().as_string_opt::<i32>() {
                    Some(values) => Column::Dictionary(d.keys().clone(), values.clone()),
                    None => Column::Other,
                }
            }
            DataType::Decimal128(_, s) if (0..=17).contains(s) => {
                Column::Decimal(array.as_primitive().clone(), u32::from(s.unsigned_abs()))
            }
            DataType::Int64 if kind == CellKind::Plain => Column::Int64(array.as_primitive().clone()),
            DataType::Int32 if kind == CellKind::Plain => Column::Int32(array.as_primitive().clone()),
            DataType::Date32 => Column::Date32(array.as_primitive().clone()),
            _ => Column::Other,
        }
    }
}

/// One row's fields, read from its chunk's columns.
#[derive(Debug)]
pub struct ArrowFields<'a> {
    columns: &'a ArrowColumns,
    row: usize,
}

impl ArrowFields<'_> {
    /// Cell `i` as text: as it is, for a text cell.
    #[inline]
    fn text(&self, i: usize) -> Option<&str> {
        let r = self.row;
        match self.columns.columns.get(i)? {
            Column::Text(a) => Some(if a.is_valid(r) { a.value(r) } else { "" }),
            Column::Dictionary(keys, values) => {
                if keys.is_null(r) {
                    return Some("");
                }
                let key = usize::try_from(keys.value(r)).ok().filter(|&k| k < values.len())?;
                Some(if values.is_valid(key) { values.value(key) } else { "" })
            }
            _ => None,
        }
    }

    /// Cell `i` written as text (nothing for a null), kept for the rest of the row.
    #[cold]
    fn written(&self, i: usize) -> &[u8] {
        let (Some(array), Some(slot)) = (self.columns.arrays.get(i), self.columns.texts.get(i)) else {
            return b"";
        };
        if array.is_null(self.row) {
            return b"";
        }
        slot.get_or_init(|| {
            let mut text = String::new();
            cell_text(array, self.row, self.columns.kinds[i], &mut text);
            self.columns.written.store(true, Ordering::Relaxed);
            text.into_bytes().into_boxed_slice()
        })
    }
}

impl FieldSource for ArrowFields<'_> {
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        match self.text(i) {
            Some(t) => t.as_bytes(),
            None => self.written(i),
        }
    }

    #[inline]
    fn field_str(&self, i: usize) -> Option<&str> {
        match self.text(i) {
            Some(t) => Some(t),
            None => std::str::from_utf8(self.written(i)).ok(),
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.columns.columns.len()
    }

    #[inline]
    fn amount(&self, i: usize) -> Option<Decimal> {
        let r = self.row;
        let (v, scale) = match self.columns.columns.get(i)? {
            Column::Decimal(a, s) if a.is_valid(r) => (i64::try_from(a.value(r)).ok()?, *s),
            Column::Int64(a) if a.is_valid(r) => (a.value(r), 0),
            Column::Int32(a) if a.is_valid(r) => (i64::from(a.value(r)), 0),
            _ => return None,
        };
        typed_amount(v, scale)
    }

    #[inline]
    fn date(&self, i: usize) -> Option<Date> {
        match self.columns.columns.get(i)? {
            Column::Date32(a) if a.is_valid(self.row) => date_from_days(i64::from(a.value(self.row))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parquet::ParquetSource;
    use super::super::reader::{Chunk, ChunkSource};
    use super::super::{FieldSource, RowParser};
    use arrow_array::builder::{Decimal128Builder, StringDictionaryBuilder};
    use arrow_array::types::Int32Type;
    use arrow_array::{
        ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
    };
    use std::sync::Arc;

    /// Writes `columns` as a Parquet file and reads it back as chunks: each row parsed from its
    /// columns and from its text record gives the same flow, or the same reject. Returns the rows
    /// read and those accepted.
    fn same_as_text(columns: Vec<(&str, ArrayRef)>) -> (usize, usize) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.parquet");
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let mut w =
            parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let (mut source, header, _, _) = ParquetSource::open(&path).unwrap();
        let template = RowParser::new(&header).unwrap();
        let (mut typed, mut text) = (template.clone(), template);
        let mut chunk = Chunk::default();
        let (mut rows, mut accepted) = (0, 0);
        while source.fill(&mut chunk).unwrap() {
            let mut records = Chunk { bytes: chunk.bytes.clone(), spans: chunk.spans.clone(), ..Chunk::default() };
            records.arrow = None;
            for span in &chunk.spans {
                let a = typed.parse(&chunk, span).map(|p| (format!("{:?}", p.flow), fields(&p.fields)));
                let b = text.parse(&records, span).map(|p| (format!("{:?}", p.flow), fields(&p.fields)));
                assert_eq!(a, b, "line {}", span.line);
                rows += 1;
                accepted += usize::from(a.is_ok());
            }
        }
        (rows, accepted)
    }

    fn fields(f: &dyn FieldSource) -> Vec<String> {
        (0..f.len()).map(|i| String::from_utf8_lossy(f.field(i)).into_owned()).collect()
    }

    #[test]
    fn typed_cells_read_as_their_text_does() {
        // Amounts at every scale the typed path takes and past it, at the limits of 18 digits,
        // negative, zero and null; dates at the calendar's ends and past them; text plain, with
        // quotes and commas, and null.
        let mut amounts: Vec<(i128, i8)> = Vec::new();
        for scale in [0i8, 1, 2, 6, 17, 18, 20] {
            for v in [0i128, 1, 5, 99, 123_450, 999_999_999_999_999_999, 1_000_000_000_000_000_000, -1, -123_450] {
                amounts.push((v, scale));
            }
        }
        let n = amounts.len();
        let scales: Vec<i8> = amounts.iter().map(|a| a.1).collect();
        let mut by_scale: Vec<(&str, ArrayRef)> = Vec::new();
        let names = ["v0", "v1", "v2", "v6", "v17", "v18", "v20"];
        for (name, scale) in names.iter().zip([0i8, 1, 2, 6, 17, 18, 20]) {
            let mut b = Decimal128Builder::new();
            for (i, (v, s)) in amounts.iter().enumerate() {
                if i % 11 == 10 {
                    b.append_null();
                } else {
                    b.append_value(if *s == scale { *v } else { 123_456 * 10i128.pow(scale as u32) });
                }
            }
            by_scale.push((name, Arc::new(b.finish().with_precision_and_scale(38, scale).unwrap())));
        }
        let days = [0, 20_188, -719_162, 2_932_896, 2_932_897, -719_163, 20_000];
        let date = |i: usize| (i % 9 != 8).then(|| days[i % days.len()]);
        let hts = ["8703.23.01", "0101.21.00", "9401.61.60.11", "bad", "  8703.23.01", "8471.30"];
        let mut units = StringDictionaryBuilder::<Int32Type>::new();
        for i in 0..n {
            match i % 5 {
                0 => units.append_null(),
                1 => units.append_value("kg"),
                2 => units.append_value("No."),
                3 => units.append_value("a, \"quoted\" unit"),
                _ => units.append_value(""),
            }
        }
        for (name, col) in by_scale {
            let columns: Vec<(&str, ArrayRef)> = vec![
                ("hts", Arc::new(StringArray::from_iter((0..n).map(|i| Some(hts[i % hts.len()]))))),
                ("origin", Arc::new(StringArray::from_iter((0..n).map(|i| (i % 13 != 12).then_some("JP"))))),
                ("entry_date", Arc::new(Date32Array::from_iter((0..n).map(date)))),
                ("customs_value", col.clone()),
                ("quantity", Arc::new(Int64Array::from_iter((0..n).map(|i| (i % 4 != 0).then_some(i as i64 - 3))))),
                ("quantity_unit", Arc::new(units.finish_cloned())),
                ("us_content_value", Arc::new(Int32Array::from_iter((0..n).map(|i| (i % 3 == 0).then_some(i as i32))))),
                (
                    "loaded_date",
                    Arc::new(TimestampSecondArray::from_iter((0..n).map(|i| {
                        // At midnight (a date), in the day (refused), or after the entry.
                        (i % 6 == 0).then_some(i as i64 * 86_400 * [1, 7_000, 30_000][i % 3] + (i % 4 == 2) as i64)
                    }))),
                ),
                ("note", Arc::new(Float64Array::from_iter((0..n).map(|i| Some(i as f64 / 3.0))))),
            ];
            let (rows, accepted) = same_as_text(columns);
            assert_eq!(rows, n, "{name} {scales:?}");
            // Both paths meet rows kept and rows refused.
            assert!(accepted > 5 && accepted < n - 5, "{name}: {accepted} of {n} accepted");
        }
    }

    #[test]
    fn an_integer_hts_column_and_dictionary_text_read_as_their_text_does() {
        let hts: ArrayRef = Arc::new(Int64Array::from(vec![Some(101_210_000), Some(8_703_230_190), None, Some(-5)]));
        let mut origin = StringDictionaryBuilder::<Int32Type>::new();
        for o in [Some("CN"), Some("UK"), None, Some("CN")] {
            match o {
                Some(o) => origin.append_value(o),
                None => origin.append_null(),
            }
        }
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("hts", hts),
            ("origin", Arc::new(origin.finish())),
            ("entry_date", Arc::new(StringArray::from(vec!["2025-04-10", "04/10/2025", "2025-04-10", ""]))),
            ("customs_value", Arc::new(StringArray::from(vec!["100", "1,000", "-3", "0.004"]))),
        ];
        assert_eq!(same_as_text(columns), (4, 1));
    }
}
