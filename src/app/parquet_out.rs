//! `run`'s output as Parquet: the rows the CSV path writes (input record, then the result columns)
//! as typed Arrow columns, made by the worker that priced the chunk ([`ChunkColumns`]): the input
//! columns of a Parquet file taken as read, the result columns filled from the priced values (the
//! writers of the CSV fields write into them, a [`ResultSink`]); the columns are encoded in
//! parallel and written in input order ([`ParquetSink`]).
//!
//! Columns: the input's as they came from a Parquet file (strings, integers, floats, booleans,
//! decimals and `date32` keep their type; other types, and every column of a CSV input, are text);
//! the money result columns as `DECIMAL(18,2)`, `effective_rate` as `DECIMAL(18,6)` (64-bit
//! integers in the file: [`RESULT_PRECISION`]), the others as UTF-8 text. An empty field (an empty
//! text, as the CSV output would read back) is null. The file is written to a temporary name and
//! renamed into place (an [`Output`]), in row groups of [`ROW_GROUP_ROWS`] rows.
//!
//! Encoding: text, dates and integers dictionary-encoded and Snappy-compressed; decimals of up to
//! 18 digits (the results, and such input columns) `DELTA_BINARY_PACKED` and not compressed: the
//! pages are smaller than plain Snappy-compressed ones (on the benchmark's 300,000 rows, 7.0 MB
//! against 8.3 MB for the whole file) and take a tenth of the work to write; wider decimals and
//! floats plain (no dictionary) and Snappy-compressed. Tested readers: pyarrow, pandas, Polars,
//! DuckDB and Spark 4.3 (Spark reads the delta-encoded decimals from 3.3 on; before it, with its
//! vectorized reader off). An input with two columns of the same name gets the default encodings
//! for both (the writer's settings go by column name).

use super::AppError;
use super::io::Output;
use crate::flow::reader::{ArrowRows, Chunk};
use crate::result_columns::ResultSink;
use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, BooleanArray, Decimal128Array, Int32Array, Int32DictionaryArray, StringArray};
use arrow_buffer::{Buffer, NullBuffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, Encoding};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Rows per row group written (memory: one row group's encoded pages are held until it is full).
pub(crate) const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Digits of the decimal result columns. Up to 18 digits a Parquet decimal is stored as a 64-bit
/// integer, which the writer copies as it is; past 18 it is a 16-byte fixed-length binary, encoded
/// value by value with an allocation each (about 60% of the encoding's time with 38 digits). 18
/// digits hold an amount below 10^16 dollars and an effective rate below 10^12, where values and
/// quantities priced are at most 10^15; a value past that (a duty of ten times the largest value,
/// a specific duty on an absurd quantity, or a rate on a value of cents) fails the run with its
/// line and column, and a regular output file is not created; the CSV output holds it.
pub(crate) const RESULT_PRECISION: u8 = 18;

/// The largest magnitude, in units of the last place, of a decimal result column.
const MAX_UNITS: i128 = 10i128.pow(RESULT_PRECISION as u32) - 1;

/// The result columns written as money (2 places).
const MONEY: [&str; 7] =
    ["mfn_duty", "additional_duty", "total_duty", "total_duty_low", "total_duty_high", "mpf_ad_valorem", "hmf"];

/// True when `path` asks for Parquet (`.parquet`, `.pq`).
pub(crate) fn is_parquet_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// The type a column of a Parquet input is written as: its own for the types kept (booleans,
/// integers, floats, `date32`, decimals of up to 128 bits, UTF-8 text), else UTF-8 text (its cells
/// as the CSV output writes them).
fn output_type(t: &DataType) -> DataType {
    use DataType::*;
    match t {
        Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float32 | Float64 | Date32
        | Decimal32(..) | Decimal64(..) | Decimal128(..) | Utf8 => t.clone(),
        _ => Utf8,
    }
}

/// One result column of a chunk being filled, row by row, from the priced values.
enum ResultColumn {
    Text(TextColumn),
    /// A decimal with `places` places: the values in units of 10^-`places`.
    Decimal {
        values: Vec<i128>,
        nulls: NullBufferBuilder,
        places: u32,
        data_type: DataType,
    },
}

/// The most distinct values a worker's text column keeps in its dictionary; past it, the next
/// chunk starts a new one (memory stays flat whatever the rows).
const DICTIONARY_VALUES: usize = 4096;

/// A text result column as a dictionary: its distinct values (few: the scenario, the measures and
/// the citations of the pricings met) and each row's key. The Parquet writer takes an Arrow
/// dictionary for a UTF-8 column as it is and hashes each distinct value once per chunk, not once
/// per row; the pages and the schema are those of the same text written plainly.
struct TextColumn {
    /// The distinct values, end to end, and where each ends (after a first 0).
    values: Vec<u8>,
    offsets: Vec<i32>,
    /// The key of each distinct value.
    keys_of: HashMap<Box<[u8]>, i32, BuildHasherDefault<TextHasher>>,
    /// The distinct values as an array, kept while none is added (the writer knows a dictionary by
    /// its array).
    dictionary: Option<ArrayRef>,
    /// Each row's key (0 for a null), and which rows are not null (not empty).
    keys: Vec<i32>,
    nulls: NullBufferBuilder,
    /// The field being written, and the key of the last one.
    field: Vec<u8>,
    last: Option<i32>,
    /// The key (`None`: null) of the field written for a [`crate::result_columns::list_key`].
    by_list_key: HashMap<u128, Option<i32>, BuildHasherDefault<TextHasher>>,
}

impl TextColumn {
    fn new() -> TextColumn {
        TextColumn {
            values: Vec::new(),
            offsets: vec![0],
            keys_of: HashMap::default(),
            dictionary: None,
            keys: Vec::new(),
            nulls: NullBufferBuilder::new(0),
            field: Vec::new(),
            last: None,
            by_list_key: HashMap::default(),
        }
    }

    /// Appends the field `write` writes, known by `list_key` when it is `Some`: the key of the
    /// same list met before is taken without writing the field.
    #[inline]
    fn push_keyed(&mut self, list_key: Option<u128>, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), &'static str> {
        let Some(list_key) = list_key else { return self.push(write) };
        let key = match self.by_list_key.get(&list_key) {
            Some(&key) => {
                self.keys.push(key.unwrap_or(0));
                self.nulls.append(key.is_some());
                key
            }
            None => {
                self.push(write)?;
                let key = (!self.field.is_empty()).then(|| self.keys.last().copied().unwrap_or(0));
                self.by_list_key.insert(list_key, key);
                key
            }
        };
        if key.is_some() {
            self.last = key;
        }
        Ok(())
    }

    /// Appends the field `write` writes (empty: null).
    #[inline]
    fn push(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), &'static str> {
        self.field.clear();
        write(&mut self.field);
        if self.field.is_empty() {
            self.keys.push(0);
            self.nulls.append_null();
            return Ok(());
        }
        let key = match self.last {
            Some(k) if self.value(k) == self.field.as_slice() => k,
            _ => match self.keys_of.get(self.field.as_slice()) {
                Some(k) => *k,
                None => self.insert()?,
            },
        };
        self.last = Some(key);
        self.keys.push(key);
        self.nulls.append_non_null();
        Ok(())
    }

    fn value(&self, k: i32) -> &[u8] {
        &self.values[self.offsets[k as usize] as usize..self.offsets[k as usize + 1] as usize]
    }

    /// Adds the field to the distinct values; its key.
    fn insert(&mut self) -> Result<i32, &'static str> {
        let key = i32::try_from(self.offsets.len() - 1).map_err(|_| "too many distinct values")?;
        self.values.extend_from_slice(&self.field);
        self.offsets.push(i32::try_from(self.values.len()).map_err(|_| "more than 2 GiB of text")?);
        self.keys_of.insert(self.field.as_slice().into(), key);
        self.dictionary = None;
        Ok(key)
    }

    /// The chunk's column; empties it, keeping room for `capacity` rows (the dictionary is kept,
    /// unless it has grown past [`DICTIONARY_VALUES`]).
    fn finish(&mut self, capacity: usize) -> Result<ArrayRef, String> {
        let dictionary = match &self.dictionary {
            Some(d) => d.clone(),
            None => {
                let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets.clone()));
                let values = StringArray::try_new(offsets, Buffer::from(self.values.as_slice()), None);
                let d: ArrayRef = Arc::new(values.map_err(|e| e.to_string())?);
                self.dictionary = Some(d.clone());
                d
            }
        };

        let keys = Int32Array::new(
            ScalarBuffer::from(std::mem::replace(&mut self.keys, Vec::with_capacity(capacity))),
            self.nulls.finish(),
        );
        let array = Int32DictionaryArray::try_new(keys, dictionary).map_err(|e| e.to_string())?;
        if self.keys_of.len() > DICTIONARY_VALUES {
            *self = TextColumn::new();
        }
        Ok(Arc::new(array))
    }
}

/// The hasher of the distinct values of a [`TextColumn`]: eight bytes at a time, a multiply and a
/// rotation (the values are the tool's own texts, not adversarial input).
#[derive(Default, Clone, Copy)]
struct TextHasher(u64);

impl Hasher for TextHasher {
    fn finish(&self) -> u64 {
        // A multiply carries only upward: the high bits are folded into the low ones, which choose
        // the bucket (else texts that differ only in their last word's high bytes would collide).
        self.0 ^ (self.0 >> 32)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        let mut last = [0u8; 8];
        let rest = words.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.0 = (self.0.rotate_left(5) ^ v as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl ResultColumn {
    fn for_type(t: &DataType) -> ResultColumn {
        match t {
            DataType::Decimal128(_, s) if *s >= 0 => ResultColumn::Decimal {
                values: Vec::new(),
                nulls: NullBufferBuilder::new(0),
                places: *s as u32,
                data_type: t.clone(),
            },
            _ => ResultColumn::Text(TextColumn::new()),
        }
    }

    /// The column's array; empties the column, keeping room for `capacity` rows.
    fn finish(&mut self, capacity: usize) -> Result<ArrayRef, String> {
        Ok(match self {
            ResultColumn::Text(t) => t.finish(capacity)?,
            ResultColumn::Decimal { values, nulls, data_type, .. } => {
                let values = ScalarBuffer::from(std::mem::replace(values, Vec::with_capacity(capacity)));
                let array = Decimal128Array::try_new(values, nulls.finish()).map_err(|e| e.to_string())?;
                Arc::new(array.with_data_type(data_type.clone()))
            }
        })
    }
}

/// `v` in units of 10^-`places`, as [`crate::money::push_fixed_bytes`] writes it (rounded half away
/// from zero past `places` places).
fn decimal_units(v: Decimal, places: u32) -> i128 {
    if v.scale() == places {
        // The usual case: an amount already rounded to its places.
        return v.mantissa();
    }
    let r = if v.scale() < places {
        v
    } else {
        v.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    // After rounding the scale is at most `places`; a 96-bit mantissa times 10^28 fits 128 bits.
    r.mantissa() * 10i128.pow(places.saturating_sub(r.scale()))
}

/// The output columns of one chunk's rows, filled on the worker that priced them: the input's
/// columns (a Parquet input's rows taken as read; the records of any other input, as the CSV
/// output holds them, read into text columns) and the result columns, appended as each row is
/// priced (a [`ResultSink`]), so that no row is written as text and read back.
pub(crate) struct ChunkColumns {
    schema: SchemaRef,
    input: InputRows,
    results: Vec<ResultColumn>,
    /// The result column the next field of the row goes to.
    next: usize,
    /// Rows written, and the most rows of a chunk so far (the room kept for the next).
    rows: usize,
    most_rows: usize,
    /// A field that did not match its column (an internal error, reported by `convert`).
    mismatch: Option<String>,
    /// The line of the row being written, and the first value past [`RESULT_PRECISION`] digits.
    line: u64,
    too_large: Option<String>,
}

/// Why a chunk's columns could not be made ([`ChunkColumns::convert`]).
#[derive(Debug)]
pub(crate) enum ColumnsError {
    /// A value past the decimal result columns' digits: a data error, said with its line.
    TooLarge(String),
    /// A field that did not match its column, or columns of unequal lengths: a bug.
    Internal(String),
}

impl From<String> for ColumnsError {
    fn from(what: String) -> ColumnsError {
        ColumnsError::Internal(what)
    }
}

impl From<&str> for ColumnsError {
    fn from(what: &str) -> ColumnsError {
        ColumnsError::Internal(what.to_string())
    }
}

/// The input side of a chunk's rows.
enum InputRows {
    /// A Parquet input: the lines of the rows priced (the others were rejected).
    Parquet { lines: Vec<u64> },
    /// Any other input: the records as the CSV output holds them (each ended by LF), read into
    /// text columns at the end of the chunk.
    Text { lines: Vec<u8>, columns: Vec<StringBuilder>, record: csv::ByteRecord },
}

impl ChunkColumns {
    /// Empty columns of the output `schema` (a [`ParquetSink::schema`]), whose first `inputs`
    /// columns are the input's: taken from its rows when `parquet_input`.
    pub(crate) fn new(schema: &SchemaRef, inputs: usize, parquet_input: bool) -> ChunkColumns {
        let input = if parquet_input {
            InputRows::Parquet { lines: Vec::new() }
        } else {
            let columns = (0..inputs).map(|_| StringBuilder::new()).collect();
            InputRows::Text { lines: Vec::new(), columns, record: csv::ByteRecord::new() }
        };
        let results = schema.fields()[inputs..].iter().map(|f| ResultColumn::for_type(f.data_type())).collect();
        ChunkColumns {
            schema: schema.clone(),
            input,
            results,
            next: 0,
            rows: 0,
            most_rows: 0,
            mismatch: None,
            line: 0,
            too_large: None,
        }
    }

    /// Starts a row: its input record (`line`, and `raw` as the CSV output writes it). The result
    /// fields follow, then [`ChunkColumns::end_row`].
    pub(crate) fn start_row(&mut self, line: u64, raw: &[u8]) {
        self.line = line;
        match &mut self.input {
            InputRows::Parquet { lines } => lines.push(line),
            InputRows::Text { lines, .. } => {
                lines.extend_from_slice(raw);
                lines.push(b'\n');
            }
        }
        self.next = 0;
    }

    /// Ends a row: every result column has its field.
    pub(crate) fn end_row(&mut self) {
        if self.next != self.results.len() && self.mismatch.is_none() {
            self.mismatch = Some(format!("a row of {} result fields for {} columns", self.next, self.results.len()));
        }
        self.rows += 1;
    }

    /// The name of the result column the next field goes to.
    fn next_name(&self) -> &str {
        let name = self.schema.fields().get(self.schema.fields().len() - self.results.len() + self.next);
        name.map_or("?", |f| f.name())
    }

    fn mismatched(&mut self, what: &str) {
        if self.mismatch.is_none() {
            self.mismatch = Some(format!("{what} for column `{}`", self.next_name()));
        }
        self.next += 1;
    }

    /// Notes a value too large for its column (the chunk's first such value is reported).
    #[cold]
    fn too_large(&mut self, v: Decimal, places: u32) {
        if self.too_large.is_none() {
            let max = Decimal::from_i128_with_scale(MAX_UNITS, places);
            self.too_large = Some(format!(
                "line {}: `{}` is {v}, past the {RESULT_PRECISION} digits of the Parquet column DECIMAL({RESULT_PRECISION},{places}) (at most {max}); check the row's customs value and quantity, or write CSV (`-o FILE.csv`), which holds any amount",
                self.line,
                self.next_name()
            ));
        }
    }

    /// The chunk's columns, in the order of the schema (`chunk`: the chunk the rows were read
    /// from); empties them for the next chunk. `Err` says what did not fit: a value past the
    /// decimal columns' digits (its line and column), or a field of the wrong kind (a bug).
    pub(crate) fn convert(&mut self, chunk: &Chunk) -> Result<Vec<ArrayRef>, ColumnsError> {
        let rows = std::mem::take(&mut self.rows);
        self.most_rows = self.most_rows.max(rows);
        if let Some(m) = self.mismatch.take() {
            return Err(ColumnsError::Internal(m));
        }
        if let Some(m) = self.too_large.take() {
            return Err(ColumnsError::TooLarge(m));
        }
        let inputs = self.schema.fields().len() - self.results.len();
        let mut arrays = match &mut self.input {
            InputRows::Parquet { lines } => {
                let rows = chunk.arrow.as_ref().ok_or("a Parquet chunk without its rows")?;
                let arrays = input_arrays(&self.schema, inputs, rows, lines);
                lines.clear();
                arrays?
            }
            InputRows::Text { lines, columns, record } => {
                let read = read_text(lines, columns, record);
                lines.clear();
                read?;
                columns.iter_mut().map(|c| Arc::new(c.finish()) as ArrayRef).collect()
            }
        };
        for c in &mut self.results {
            arrays.push(c.finish(self.most_rows)?);
        }
        if let Some(a) = arrays.iter().find(|a| a.len() != rows) {
            return Err(format!("a column of {} rows for {rows} rows", a.len()).into());
        }
        Ok(arrays)
    }
}

impl ResultSink for ChunkColumns {
    #[inline]
    fn text(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let Some(ResultColumn::Text(column)) = self.results.get_mut(self.next) else {
            return self.mismatched("text");
        };
        if let Err(what) = column.push(write) {
            return self.mismatched(what);
        }
        self.next += 1;
    }

    #[inline]
    fn quoted_text(&mut self, value: &[u8], _csv: &[u8]) {
        self.text(|out| out.extend_from_slice(value));
    }

    #[inline]
    fn keyed_text(&mut self, key: Option<u128>, write: impl FnOnce(&mut Vec<u8>)) {
        let Some(ResultColumn::Text(column)) = self.results.get_mut(self.next) else {
            return self.mismatched("text");
        };
        if let Err(what) = column.push_keyed(key, write) {
            return self.mismatched(what);
        }
        self.next += 1;
    }

    #[inline]
    fn fixed(&mut self, v: Option<Decimal>, places: u32) {
        // The usual case, kept small enough to inline: an amount already at its places that fits.
        if let (Some(v), Some(ResultColumn::Decimal { values, nulls, places: p, .. })) =
            (v, self.results.get_mut(self.next))
        {
            let units = v.mantissa();
            if *p == places && v.scale() == places && units.unsigned_abs() <= MAX_UNITS as u128 {
                values.push(units);
                nulls.append_non_null();
                self.next += 1;
                return;
            }
        }
        self.fixed_slow(v, places);
    }
}

impl ChunkColumns {
    /// [`ResultSink::fixed`] for a null, a value to round or rescale, one too large, or a field
    /// that does not match its column.
    #[cold]
    #[inline(never)]
    fn fixed_slow(&mut self, v: Option<Decimal>, places: u32) {
        match self.results.get_mut(self.next) {
            Some(ResultColumn::Decimal { values, nulls, places: p, .. }) if *p == places => {
                let units = v.map_or(0, |v| decimal_units(v, places));
                values.push(units);
                nulls.append(v.is_some());
                if units.unsigned_abs() > MAX_UNITS as u128 {
                    self.too_large(v.unwrap_or_default(), places);
                }
                self.next += 1;
            }
            _ => self.mismatched("a decimal"),
        }
    }
}

/// The input columns of the priced rows (`lines`, in order) of `rows`: each column as read when
/// its type is kept (text with its empty values made null, as the CSV output reads back), else
/// its cells as text.
fn input_arrays(schema: &Schema, inputs: usize, rows: &ArrowRows, lines: &[u64]) -> Result<Vec<ArrayRef>, String> {
    let batch = &rows.batch;
    if batch.num_columns() != inputs {
        return Err(format!("{} input columns for {inputs}", batch.num_columns()));
    }
    // The rows priced: all of them (nearly always), or those kept by a mask.
    let mask = (lines.len() != batch.num_rows()).then(|| {
        let mut keep = vec![false; batch.num_rows()];
        for l in lines {
            if let Some(k) = l.checked_sub(rows.first_line).and_then(|i| keep.get_mut(i as usize)) {
                *k = true;
            }
        }
        BooleanArray::from(keep)
    });
    let mut arrays = Vec::with_capacity(schema.fields().len());
    for (i, col) in batch.columns().iter().enumerate() {
        let col = match &mask {
            Some(m) => arrow_select::filter::filter(col, m).map_err(|e| e.to_string())?,
            None => col.clone(),
        };
        let want = schema.field(i).data_type();
        let text_dictionary = matches!(col.data_type(), DataType::Dictionary(k, v)
            if **k == DataType::Int32 && **v == DataType::Utf8);
        let array = if col.data_type() == want {
            if *want == DataType::Utf8 { empty_text_as_null(col) } else { col }
        } else if *want == DataType::Utf8 && text_dictionary {
            // A text column read as a dictionary: written from it, as the same text.
            empty_dictionary_text_as_null(col)?
        } else if *want == DataType::Utf8 {
            let mut b = StringBuilder::with_capacity(col.len(), 0);
            let mut text = String::new();
            for r in 0..col.len() {
                text.clear();
                crate::flow::parquet::cell_text_plain(&col, r, &mut text);
                if text.is_empty() { b.append_null() } else { b.append_value(&text) }
            }
            Arc::new(b.finish())
        } else {
            return Err(format!("column `{}` of type {} for {want}", schema.field(i).name(), col.data_type()));
        };
        arrays.push(array);
    }
    Ok(arrays)
}

/// A UTF-8 column with its empty values null (an empty CSV field reads back as null).
fn empty_text_as_null(col: ArrayRef) -> ArrayRef {
    let text = col.as_string::<i32>();
    let offsets = text.value_offsets();
    let empty = |r: usize| offsets[r + 1] == offsets[r] && text.is_valid(r);
    if !(0..text.len()).any(empty) {
        return col;
    }
    let valid: NullBuffer = (0..text.len()).map(|r| text.is_valid(r) && offsets[r + 1] != offsets[r]).collect();
    let (offsets, values, _) = text.clone().into_parts();
    Arc::new(StringArray::new(offsets, values, Some(valid)))
}

/// A dictionary of UTF-8 values with its rows whose value is empty (or null) made null.
fn empty_dictionary_text_as_null(col: ArrayRef) -> Result<ArrayRef, String> {
    let d = col.as_dictionary::<Int32Type>();
    let values = d.values().as_string::<i32>();
    let empty = |k: usize| values.is_null(k) || values.value_length(k) == 0;
    if !(0..values.len()).any(empty) {
        return Ok(col);
    }
    let keys = d.keys();
    let valid: NullBuffer = (0..keys.len())
        .map(|r| keys.is_valid(r) && usize::try_from(keys.value(r)).is_ok_and(|k| k < values.len() && !empty(k)))
        .collect();
    let keys = Int32Array::new(keys.values().clone(), Some(valid));
    let array = Int32DictionaryArray::try_new(keys, d.values().clone()).map_err(|e| e.to_string())?;
    Ok(Arc::new(array))
}

/// Reads the records of `lines` (CSV lines, as the CSV output holds them) into the text `columns`.
fn read_text(lines: &[u8], columns: &mut [StringBuilder], record: &mut csv::ByteRecord) -> Result<(), String> {
    // Lines without quotes or CR (nearly all) are split at commas and line ends, as the `csv`
    // crate reads them, once known to be UTF-8; any other chunk is read by the `csv` crate.
    let plain = lines.last() == Some(&b'\n') && memchr::memchr2(b'"', b'\r', lines).is_none();
    let n = columns.len();
    let push = |col: &mut StringBuilder, text: &str| {
        if text.is_empty() { col.append_null() } else { col.append_value(text) }
    };
    if let (true, Ok(text)) = (plain, std::str::from_utf8(lines)) {
        let (mut start, mut field) = (0, 0);
        for at in memchr::memchr2_iter(b',', b'\n', text.as_bytes()) {
            let line_end = text.as_bytes()[at] == b'\n';
            if !(line_end && field == 0 && at == start) {
                let col = columns.get_mut(field).ok_or_else(|| format!("a row of more than {n} fields"))?;
                push(col, &text[start..at]);
                field += 1;
            }
            start = at + 1;
            if line_end {
                if field != 0 && field != n {
                    return Err(format!("a row of {field} fields for {n} columns"));
                }
                field = 0;
            }
        }
        return Ok(());
    }
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(lines);
    while rdr.read_byte_record(record).map_err(|e| e.to_string())? {
        if record.len() != n {
            return Err(format!("a row of {} fields for {n} columns", record.len()));
        }
        for (col, field) in columns.iter_mut().zip(record.iter()) {
            // Input fields that are not UTF-8 (a Latin-1 CSV file) are written with U+FFFD.
            push(col, &String::from_utf8_lossy(field));
        }
    }
    Ok(())
}

/// What an encoding thread is asked to do, in order.
enum Job {
    /// Start a row group with these column writers (column index, writer).
    Begin(Vec<(usize, ArrowColumnWriter)>),
    /// Encode these rows (every column's array; the thread encodes those it has writers for).
    Write(Arc<[ArrayRef]>),
    /// Close the row group's column chunks and send them back.
    Close,
}

/// The column chunks one encoding thread closed, by column index.
type Closed = Result<Vec<(usize, ArrowColumnChunk)>, ParquetError>;

/// A thread encoding some of the columns of each row group.
struct Encoder {
    jobs: SyncSender<Job>,
    closed: Receiver<Closed>,
    thread: std::thread::JoinHandle<()>,
}

impl Encoder {
    fn spawn(schema: SchemaRef) -> Encoder {
        let (jobs, job_rx) = sync_channel::<Job>(ENCODER_QUEUE);
        let (closed_tx, closed) = sync_channel::<Closed>(2);
        let thread = std::thread::spawn(move || {
            let mut writers: Vec<(usize, ArrowColumnWriter)> = Vec::new();
            let mut failed: Option<ParquetError> = None;
            for job in job_rx {
                match job {
                    Job::Begin(w) => writers = w,
                    Job::Write(arrays) if failed.is_none() => {
                        let written = writers.iter_mut().try_for_each(|(i, w)| {
                            compute_leaves(schema.field(*i), &arrays[*i])?.iter().try_for_each(|leaf| w.write(leaf))
                        });
                        failed = written.err();
                    }
                    Job::Write(_) => {}
                    Job::Close => {
                        let chunks = match failed.take() {
                            Some(e) => Err(e),
                            None => writers.drain(..).map(|(i, w)| w.close().map(|c| (i, c))).collect(),
                        };
                        if closed_tx.send(chunks).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Encoder { jobs, closed, thread }
    }
}

/// Arrays waiting per encoding thread (memory: a few chunks' rows).
const ENCODER_QUEUE: usize = 4;

/// The Parquet file `run` writes: the chunks' columns (made on the workers, [`ChunkColumns`])
/// arrive in input order; each row group's column chunks are encoded (dictionaries, statistics,
/// Snappy) on one thread per core, each thread taking every n-th column, then appended in order.
pub(crate) struct ParquetSink {
    file: SerializedFileWriter<Output>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    encoders: Vec<Encoder>,
    /// Row groups begun so far.
    row_groups: usize,
    /// Rows in the row group being encoded.
    buffered: usize,
    /// A row group closed whose column chunks are still to be appended.
    closing: bool,
    path: PathBuf,
}

impl ParquetSink {
    /// Opens the output at `path` for rows whose CSV header is `header` (the input's columns, then
    /// `inputs`.. the result columns); `schema` the input's Arrow schema when it is a Parquet file.
    pub(crate) fn create(
        path: &Path,
        header: &[u8],
        inputs: usize,
        schema: Option<&SchemaRef>,
    ) -> Result<ParquetSink, AppError> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(header);
        let mut names = csv::StringRecord::new();
        let _ = rdr.read_record(&mut names);
        let typed = schema.filter(|s| s.fields().len() == inputs);
        let mut fields = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let t = if i < inputs {
                typed.map_or(DataType::Utf8, |s| s.field(i).data_type().clone())
            } else if MONEY.contains(&name) {
                DataType::Decimal128(RESULT_PRECISION, 2)
            } else if name == "effective_rate" {
                DataType::Decimal128(RESULT_PRECISION, 6)
            } else {
                DataType::Utf8
            };
            let t = output_type(&t);
            fields.push(Field::new(name.trim_start_matches('\u{feff}'), t, true));
        }
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            // Min/max per column chunk, not per page: the pages' cost the writing time for little.
            .set_statistics_enabled(EnabledStatistics::Chunk);
        // A list of measures or citations has no useful least and greatest value to skip a row
        // group by; comparing each row's list costs the writing time.
        for f in &fields[inputs.min(fields.len())..] {
            if super::run::LIST_COLUMNS.contains(&f.name().as_str()) {
                props =
                    props.set_column_statistics_enabled(ColumnPath::from(f.name().as_str()), EnabledStatistics::None);
            }
        }
        // Amounts are nearly all distinct: a dictionary would only be built to be dropped. The
        // settings go by column name: a name two columns share keeps the defaults (a delta encoding
        // set for one would be refused for the other, a text column).
        let shared = |name: &str| fields.iter().filter(|g| g.name() == name).count() > 1;
        for f in fields.iter().filter(|f| !shared(f.name())) {
            let column = ColumnPath::from(f.name().as_str());
            match f.data_type() {
                // Decimals held as 64- or 32-bit integers: delta-encoded, not compressed (smaller
                // than plain Snappy-compressed pages, for a tenth of the work; see the module).
                DataType::Decimal128(p, _) | DataType::Decimal64(p, _) | DataType::Decimal32(p, _)
                    if *p <= RESULT_PRECISION =>
                {
                    props = props
                        .set_column_dictionary_enabled(column.clone(), false)
                        .set_column_encoding(column.clone(), Encoding::DELTA_BINARY_PACKED)
                        .set_column_compression(column, Compression::UNCOMPRESSED);
                }
                DataType::Decimal128(..)
                | DataType::Decimal64(..)
                | DataType::Decimal32(..)
                | DataType::Float64
                | DataType::Float32 => {
                    props = props.set_column_dictionary_enabled(column, false);
                }
                _ => {}
            }
        }
        let props = props.build();
        let schema = Arc::new(Schema::new(fields));
        let out = Output::file(path)?;
        let fail = |e: ParquetError| AppError::fatal(format!("cannot write {}: {e}", path.display()));
        // The Arrow writer sets the file up (Parquet schema, the Arrow schema in the metadata);
        // the row groups are then written column by column.
        let (file, factory) = ArrowWriter::try_new(out, schema.clone(), Some(props))
            .and_then(ArrowWriter::into_serialized_writer)
            .map_err(fail)?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, schema.fields().len());
        let encoders = (0..threads).map(|_| Encoder::spawn(schema.clone())).collect();
        Ok(ParquetSink {
            file,
            factory,
            schema,
            encoders,
            row_groups: 0,
            buffered: 0,
            closing: false,
            path: path.to_path_buf(),
        })
    }

    /// The Arrow schema of the rows written.
    pub(crate) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Writes the rows of one chunk, as [`ChunkColumns::convert`] made them.
    pub(crate) fn write(&mut self, arrays: Result<Vec<ArrayRef>, ColumnsError>) -> Result<(), AppError> {
        let arrays = arrays.map_err(|e| match e {
            ColumnsError::TooLarge(what) => AppError::fatal(format!("cannot write {}: {what}", self.path.display())),
            ColumnsError::Internal(what) => AppError::fatal(format!("internal error writing Parquet: {what}")),
        })?;
        let rows = arrays.first().map_or(0, |a| a.len());
        let mut done = 0;
        while done < rows {
            if self.buffered == 0 {
                self.begin_row_group()?;
            }
            let n = (ROW_GROUP_ROWS - self.buffered).min(rows - done);
            let part: Arc<[ArrayRef]> =
                if n == rows { arrays.clone().into() } else { arrays.iter().map(|a| a.slice(done, n)).collect() };
            for e in &self.encoders {
                self.send(e, Job::Write(part.clone()))?;
            }
            self.buffered += n;
            done += n;
            if self.buffered == ROW_GROUP_ROWS {
                self.close_row_group()?;
            }
        }
        Ok(())
    }

    fn send(&self, e: &Encoder, job: Job) -> Result<(), AppError> {
        e.jobs.send(job).map_err(|_| self.internal("an encoding thread stopped"))
    }

    fn internal(&self, what: &str) -> AppError {
        AppError::fatal(format!("cannot write {}: internal error: {what}", self.path.display()))
    }

    fn fail(&self, e: ParquetError) -> AppError {
        AppError::fatal(format!("cannot write {}: {e}", self.path.display()))
    }

    /// Hands each encoding thread the column writers of a new row group (every n-th column).
    fn begin_row_group(&mut self) -> Result<(), AppError> {
        let writers = self.factory.create_column_writers(self.row_groups).map_err(|e| self.fail(e))?;
        self.row_groups += 1;
        let n = self.encoders.len();
        let mut shares: Vec<Vec<(usize, ArrowColumnWriter)>> = (0..n).map(|_| Vec::new()).collect();
        for (i, w) in writers.into_iter().enumerate() {
            shares[i % n].push((i, w));
        }
        for (e, share) in self.encoders.iter().zip(shares) {
            self.send(e, Job::Begin(share))?;
        }
        Ok(())
    }

    /// Asks for the row group's column chunks; those of the row group closed before are appended
    /// first, so that encoding the next row group does not wait for the file.
    fn close_row_group(&mut self) -> Result<(), AppError> {
        self.append_closed()?;
        for e in &self.encoders {
            self.send(e, Job::Close)?;
        }
        self.closing = true;
        self.buffered = 0;
        Ok(())
    }

    /// Appends the column chunks of the row group closed last, in column order.
    fn append_closed(&mut self) -> Result<(), AppError> {
        if !std::mem::take(&mut self.closing) {
            return Ok(());
        }
        let mut chunks = Vec::with_capacity(self.schema.fields().len());
        for e in &self.encoders {
            let closed = e.closed.recv().map_err(|_| self.internal("an encoding thread stopped"))?;
            chunks.extend(closed.map_err(|e| self.fail(e))?);
        }
        chunks.sort_by_key(|(i, _)| *i);
        let path = &self.path;
        let fail = |e: ParquetError| AppError::fatal(format!("cannot write {}: {e}", path.display()));
        let mut group = self.file.next_row_group().map_err(fail)?;
        let appended = chunks.into_iter().try_for_each(|(_, c)| c.append_to_row_group(&mut group));
        appended.and_then(|()| group.close().map(drop)).map_err(fail)
    }

    /// Writes the last row group and the footer, and renames the file into place.
    pub(crate) fn commit(mut self) -> Result<(), AppError> {
        if self.buffered > 0 {
            self.close_row_group()?;
        }
        self.append_closed()?;
        let ParquetSink { file, encoders, path, .. } = self;
        for e in encoders {
            drop(e.jobs);
            let _ = e.thread.join();
        }
        let out = file.into_inner().map_err(|e| AppError::fatal(format!("cannot write {}: {e}", path.display())))?;
        out.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_units_as_the_csv_output_writes_them() {
        let d = |t: &str| t.parse::<Decimal>().unwrap();
        assert_eq!(decimal_units(d("12.50"), 2), 1250);
        assert_eq!(decimal_units(d("12.5"), 2), 1250);
        assert_eq!(decimal_units(d("7"), 2), 700);
        assert_eq!(decimal_units(d("-0.005"), 2), -1);
        assert_eq!(decimal_units(d("0.005"), 2), 1);
        assert_eq!(decimal_units(d("0.0049999"), 2), 0);
        assert_eq!(decimal_units(d("0.2750004"), 6), 275_000);
        assert_eq!(decimal_units(d("0.2750005"), 6), 275_001);
        assert_eq!(decimal_units(Decimal::MAX, 2), Decimal::MAX.mantissa() * 100);
        for (v, places) in [("1234.5678", 2), ("-0.125", 2), ("0.1234565", 6), ("99999999999.99", 2), ("0", 6)] {
            let mut text = Vec::new();
            crate::money::push_fixed_bytes(&mut text, d(v), places);
            let back: Decimal = std::str::from_utf8(&text).unwrap().parse().unwrap();
            assert_eq!(decimal_units(d(v), places), back.mantissa() * 10i128.pow(places - back.scale()), "{v}");
        }
    }

    #[test]
    fn text_columns_are_dictionaries_of_the_values_written() {
        let mut col = TextColumn::new();
        let texts = |a: &ArrayRef| -> Vec<Option<String>> {
            let d = a.as_any_dictionary();
            let v = d.values().as_string::<i32>();
            let keys = d.normalized_keys();
            (0..a.len()).map(|r| a.is_valid(r).then(|| v.value(keys[r]).to_string())).collect()
        };
        for chunk in 0..3 {
            for t in ["mfn;a", "", "mfn", "mfn;a", "mfn;b"] {
                col.push(|out| out.extend_from_slice(t.as_bytes())).unwrap();
            }
            let a = col.finish(8).unwrap();
            let want = [Some("mfn;a"), None, Some("mfn"), Some("mfn;a"), Some("mfn;b")];
            assert_eq!(texts(&a), want.map(|t| t.map(String::from)), "chunk {chunk}");
            // Three distinct values, kept from chunk to chunk.
            assert_eq!(a.as_any_dictionary().values().len(), 3);
        }
        // Past DICTIONARY_VALUES distinct values, the next chunk starts a new dictionary.
        for i in 0..=DICTIONARY_VALUES {
            col.push(|out| out.extend_from_slice(format!("v{i}").as_bytes())).unwrap();
        }
        let a = col.finish(8).unwrap();
        assert_eq!(texts(&a)[DICTIONARY_VALUES], Some(format!("v{DICTIONARY_VALUES}")));
        col.push(|out| out.extend_from_slice(b"mfn")).unwrap();
        let a = col.finish(8).unwrap();
        assert_eq!(a.as_any_dictionary().values().len(), 1);
        assert_eq!(texts(&a), [Some("mfn".to_string())]);

        // Fields known by a list key: the field of a key met before is not written again, and the
        // column is the one the texts make (an empty one null), across chunks.
        let mut col = TextColumn::new();
        let mut writes = 0;
        for chunk in 0..2 {
            for (key, t) in [(Some(1), "mfn;a"), (Some(2), ""), (None, "mfn;b"), (Some(1), "mfn;a"), (Some(2), "")] {
                col.push_keyed(key, |out| {
                    writes += 1;
                    out.extend_from_slice(t.as_bytes())
                })
                .unwrap();
            }
            let a = col.finish(8).unwrap();
            let want = [Some("mfn;a"), None, Some("mfn;b"), Some("mfn;a"), None];
            assert_eq!(texts(&a), want.map(|t| t.map(String::from)), "chunk {chunk}");
        }
        // Keys 1 and 2 written once each; the unkeyed field every time.
        assert_eq!(writes, 4);
    }
}
