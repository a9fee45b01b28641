//! Parquet files read as flows: each row group decoded in batches, and each chunk of rows handed on
//! with its Arrow columns ([`Chunk::arrow`]). The flows are read from the columns (`flow::arrow_row`:
//! text cells as they are, decimal, integer and date cells as numbers), through the same checks as
//! a CSV record's fields; the rows are also written out as the comma-separated records a CSV file
//! would hold, for the outputs that echo them, unless the command says it never does
//! ([`ChunkSource::fields_only`]: Parquet output, `compare`).
//!
//! **Exact.** A value is converted to the text a CSV file would hold, never through a float (and a
//! cell read as a number is one whose text reads as that number):
//! decimal columns (`Decimal32/64/128/256`) keep their scale (`DECIMAL(18,2)` 1234.5 is `1234.50`),
//! integers are written in full, `date32`/`date64` as `YYYY-MM-DD`, a timestamp at midnight as its
//! date (else as `YYYY-MM-DDTHH:MM:SS[.f]`, which the date checks refuse), strings as they are,
//! dictionary-encoded strings as their values, booleans as `true`/`false`, null as an empty field.
//! A floating-point column is refused when the tool reads an amount from it (`customs_value`,
//! `quantity`, the content values, `ieepa_paid`): a binary double is not an amount to the cent; in
//! any other column it passes through as the shortest text that reads back as the same double. An
//! integer `hts` column gets the leading zero of chapters 01-09 back (a 9- or 7-digit number).
//!
//! **Rows.** Rows are numbered from 1, the first data row (there is no header line): that number
//! is the `line` of a reject.
//!
//! **Memory.** The file is read a row group at a time, in batches of [`BATCH_ROWS`] rows; nothing
//! else is held, whatever its length. Parquet is read from a file (the reader starts from its
//! footer): standard input is refused.

use super::reader::{ArrowRows, CHUNK_BYTES, Chunk, ChunkSource, ReadError, RecordKind, Span};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type, Float16Type, Float32Type,
    Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, Date32Array, Decimal128Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Schema, SchemaRef, TimeUnit};
use csv::ByteRecord;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Rows decoded at a time.
pub const BATCH_ROWS: usize = 8192;

/// The flow columns (lower case) an amount is read from: a floating-point column there is refused.
const AMOUNT_COLUMNS: [&str; 7] = [
    "customs_value",
    "quantity",
    "us_content_value",
    "steel_content_value",
    "aluminum_content_value",
    "copper_content_value",
    "ieepa_paid",
];

/// True when `path` names a Parquet file: its extension (`.parquet`, `.pq`), or its first four
/// bytes, the Parquet magic `PAR1`.
pub fn is_parquet(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("parquet" | "pq")) {
        return true;
    }
    let mut magic = [0u8; 4];
    File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)).is_ok() && &magic == b"PAR1"
}

/// A Parquet file read as flow records.
pub struct ParquetSource {
    reader: ParquetRecordBatchReader,
    /// The file's name, for messages.
    name: String,
    /// The batch being written out, and the next row of it.
    batch: Option<RecordBatch>,
    next: usize,
    /// Rows given out so far (the next row's number is this plus one).
    rows: u64,
    /// For each column, how its cells become text.
    kinds: Vec<CellKind>,
    /// The last date written (dates repeat from row to row).
    date: DateCache,
    /// For each column read as a dictionary, which of its values need quotes (or are null).
    quotes: Vec<QuoteCache>,
    /// Rows are written as records (else the chunks carry their columns only: see
    /// [`ChunkSource::fields_only`]).
    records: bool,
}

/// Which values of a text dictionary need more than a copy (quotes, or a null value), found once
/// per dictionary (a row group's) rather than for each cell.
#[derive(Default)]
struct QuoteCache {
    /// The dictionary's values the flags are of.
    values: Option<ArrayRef>,
    slow: Vec<bool>,
}

impl QuoteCache {
    /// The flags of `values`, found again when they are another dictionary's.
    fn of(&mut self, values: &ArrayRef, text: &StringArray) -> &[bool] {
        if !self.values.as_ref().is_some_and(|v| Arc::ptr_eq(v, values)) {
            self.slow.clear();
            self.slow.extend(text.iter().map(|v| v.is_none_or(|v| crate::text::csv_needs_quotes(v.as_bytes()))));
            self.values = Some(values.clone());
        }
        &self.slow
    }
}

/// The text of the last day number written.
#[derive(Default)]
struct DateCache {
    days: Option<i64>,
    text: [u8; 10],
}

/// What the file holds, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParquetInfo {
    /// Rows in the file.
    pub rows: u64,
    /// Row groups.
    pub row_groups: usize,
}

/// How a column's cells are written as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CellKind {
    /// As they are.
    Plain,
    /// An integer HTS number: the leading zero of chapters 01-09 put back.
    Hts,
    /// As they are, but a float NaN is a missing value (how pandas holds one).
    NanIsMissing,
}

impl ParquetSource {
    /// Opens the file at `path`: its schema gives the header (the column names, as flow columns).
    pub fn open(path: &Path) -> Result<(ParquetSource, ByteRecord, SchemaRef, ParquetInfo), ReadError> {
        let name = path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| ReadError(format!("cannot read {name} as Parquet: {e}"));
        let file = File::open(path).map_err(|e| ReadError(format!("cannot open {name}: {e}")))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| fail(&e))?;
        let meta = metadata.metadata().file_metadata();
        let info =
            ParquetInfo { rows: meta.num_rows().max(0) as u64, row_groups: metadata.metadata().num_row_groups() };
        let schema = metadata.schema().clone();
        // Text columns are read as dictionaries (as Parquet writers store them): the reader hands
        // on each row group's distinct values and the rows' keys instead of copying every value,
        // and Parquet output encodes them from the dictionary. The schema given to the rest of the
        // tool stays the file's.
        let read_as = Schema::new_with_metadata(
            schema
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    // Large and view text too (Polars' strings): each row is a key into the
                    // row group's values, not a copy.
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                        Arc::new(f.as_ref().clone().with_data_type(text_dictionary()))
                    }
                    _ => f.clone(),
                })
                .collect::<Vec<_>>(),
            schema.metadata().clone(),
        );
        let options = ArrowReaderOptions::new().with_schema(Arc::new(read_as));
        let metadata = ArrowReaderMetadata::try_new(metadata.metadata().clone(), options).map_err(|e| fail(&e))?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
        let mut kinds = Vec::new();
        for field in schema.fields() {
            let lower = field.name().trim().to_ascii_lowercase();
            let t = field.data_type();
            if !readable(t) {
                return Err(ReadError(format!(
                    "{name}: column `{}` is of type {t}, which tariffstack does not read: drop it, or store it as text",
                    field.name()
                )));
            }
            if AMOUNT_COLUMNS.contains(&lower.as_str()) && is_float(t) {
                return Err(ReadError(format!(
                    "{name}: column `{}` is floating-point ({t}): an amount is read exactly, to the cent, and a binary double is not; store it as a decimal (e.g. DECIMAL(18,2)) or as text",
                    field.name()
                )));
            }
            kinds.push(cell_kind(field.name(), t));
        }
        let header: ByteRecord = schema.fields().iter().map(|f| f.name().as_bytes()).collect();
        let reader = builder.with_batch_size(BATCH_ROWS).build().map_err(|e| fail(&e))?;
        Ok((
            ParquetSource {
                reader,
                name,
                batch: None,
                next: 0,
                rows: 0,
                quotes: kinds.iter().map(|_| QuoteCache::default()).collect(),
                kinds,
                date: DateCache::default(),
                records: true,
            },
            header,
            schema,
            info,
        ))
    }
}

/// How the cells of the column named `name`, of type `t`, are written as text: an integer `hts`
/// column gets its leading zero back.
pub(super) fn cell_kind(name: &str, t: &DataType) -> CellKind {
    if name.trim().eq_ignore_ascii_case("hts") && is_integer(t) { CellKind::Hts } else { CellKind::Plain }
}

/// The type text columns are read as: a dictionary of UTF-8 values with 32-bit keys.
fn text_dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn is_float(t: &DataType) -> bool {
    match t {
        DataType::Float16 | DataType::Float32 | DataType::Float64 => true,
        DataType::Dictionary(_, v) => is_float(v),
        _ => false,
    }
}

fn is_integer(t: &DataType) -> bool {
    t.is_integer()
}

/// The types whose cells can be written as text.
fn readable(t: &DataType) -> bool {
    use DataType::*;
    match t {
        Null | Boolean | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16 | Float32
        | Float64 | Utf8 | LargeUtf8 | Utf8View | Date32 | Date64 | Timestamp(..) | Decimal32(..) | Decimal64(..)
        | Decimal128(..) | Decimal256(..) => true,
        Dictionary(k, v) => {
            k.is_dictionary_key_type() && matches!(**v, Utf8 | LargeUtf8) || readable(v) && !v.is_nested()
        }
        _ => false,
    }
}

impl ChunkSource for ParquetSource {
    fn fields_only(&mut self) {
        self.records = false;
    }

    fn fill(&mut self, out: &mut Chunk) -> Result<bool, ReadError> {
        out.clear();
        let mut text = String::new();
        // The chunk's rows lie in one batch, from this row of it.
        let mut first: Option<usize> = None;
        while out.bytes.len() < CHUNK_BYTES {
            let batch = match &self.batch {
                Some(b) if self.next < b.num_rows() => b,
                // A chunk ends with its batch.
                _ if !out.spans.is_empty() => break,
                _ => match self.reader.next() {
                    Some(Ok(b)) => {
                        self.batch = Some(b);
                        self.next = 0;
                        continue;
                    }
                    Some(Err(e)) => {
                        return Err(ReadError(format!(
                            "{}: row {}: cannot read the file: {e}",
                            self.name,
                            self.rows + 1
                        )));
                    }
                    None => break,
                },
            };
            first.get_or_insert(self.next);
            if !self.records {
                // The rest of the batch, as spans on their lines and no bytes.
                for _ in self.next..batch.num_rows() {
                    self.rows += 1;
                    out.spans.push(Span { start: 0, end: 0, line: self.rows, kind: RecordKind::Plain });
                }
                self.next = batch.num_rows();
                continue;
            }
            let columns = batch.columns();
            let fast: Vec<FastColumn<'_>> = columns
                .iter()
                .zip(&self.kinds)
                .zip(&mut self.quotes)
                .map(|((c, k), q)| FastColumn::of(c, *k, q))
                .collect();
            let end = (self.next + 1024).min(batch.num_rows());
            for r in self.next..end {
                let start = out.bytes.len();
                let mut quoted = false;
                for (c, col) in columns.iter().enumerate() {
                    if c > 0 {
                        out.bytes.push(b',');
                    }
                    if !fast[c].push(r, &mut out.bytes, &mut self.date) {
                        text.clear();
                        cell_text(col, r, self.kinds[c], &mut text);
                        quoted |= crate::text::push_csv_field(&mut out.bytes, text.as_bytes());
                    }
                }
                let end = out.bytes.len();
                out.bytes.push(b'\n');
                self.rows += 1;
                let kind = if quoted { RecordKind::Quoted } else { RecordKind::Plain };
                out.spans.push(Span { start, end, line: self.rows, kind });
            }
            self.next = end;
        }
        if let (Some(batch), Some(span), Some(first)) = (&self.batch, out.spans.first(), first) {
            out.arrow = Some(ArrowRows { first_line: span.line, batch: batch.slice(first, out.spans.len()) });
        }
        Ok(!out.spans.is_empty())
    }
}

/// A column of the common types (text, integers, decimals that fit 64 bits, `date32`), downcast
/// once for a block of rows so that each cell is appended straight from its typed array; `Other`
/// for the rest (written by [`cell_text`]).
enum FastColumn<'a> {
    Utf8(&'a StringArray),
    /// A text column read as a dictionary: the rows' keys, the values, and which values need
    /// more than a copy.
    Dictionary(&'a Int32Array, &'a StringArray, &'a [bool]),
    Int64(&'a Int64Array),
    Int32(&'a Int32Array),
    /// With its scale.
    Decimal128(&'a Decimal128Array, usize),
    Date32(&'a Date32Array),
    Other,
}

impl<'a> FastColumn<'a> {
    fn of(col: &'a ArrayRef, kind: CellKind, quotes: &'a mut QuoteCache) -> FastColumn<'a> {
        match col.data_type() {
            DataType::Utf8 => FastColumn::Utf8(col.as_string::<i32>()),
            DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
                let d = col.as_dictionary::<Int32Type>();
                match d.values().as_string_opt::<i32>() {
                    Some(values) => FastColumn::Dictionary(d.keys(), values, quotes.of(d.values(), values)),
                    None => FastColumn::Other,
                }
            }
            DataType::Int64 if kind == CellKind::Plain => FastColumn::Int64(col.as_primitive()),
            DataType::Int32 if kind == CellKind::Plain => FastColumn::Int32(col.as_primitive()),
            DataType::Decimal128(_, s) if *s >= 0 => FastColumn::Decimal128(col.as_primitive(), *s as usize),
            DataType::Date32 => FastColumn::Date32(col.as_primitive()),
            _ => FastColumn::Other,
        }
    }

    /// Appends the cell at row `r` to `out` (nothing for a null); false, with nothing appended,
    /// when it is not of the common types or needs more (quotes, a decimal past 64 bits, a date
    /// out of the calendar).
    #[inline]
    fn push(&self, r: usize, out: &mut Vec<u8>, date: &mut DateCache) -> bool {
        match self {
            FastColumn::Utf8(a) if a.is_valid(r) => {
                let v = a.value(r).as_bytes();
                if crate::text::csv_needs_quotes(v) {
                    return false;
                }
                out.extend_from_slice(v);
            }
            FastColumn::Dictionary(keys, values, slow) if keys.is_valid(r) => {
                let key = usize::try_from(keys.value(r)).unwrap_or(usize::MAX);
                if slow.get(key) != Some(&false) {
                    return false;
                }
                out.extend_from_slice(values.value(key).as_bytes());
            }
            FastColumn::Int64(a) if a.is_valid(r) => push_i64(out, a.value(r)),
            FastColumn::Int32(a) if a.is_valid(r) => push_i64(out, a.value(r).into()),
            FastColumn::Decimal128(a, scale) if a.is_valid(r) => {
                let v = a.value(r);
                let Ok(abs) = u64::try_from(v.unsigned_abs()) else { return false };
                if *scale <= 18 {
                    crate::money::push_scaled_integer(out, abs, *scale, v < 0);
                } else {
                    if v < 0 {
                        out.push(b'-');
                    }
                    push_scaled_u64(out, abs, *scale);
                }
            }
            FastColumn::Date32(a) if a.is_valid(r) => {
                let d = i64::from(a.value(r));
                if date.days != Some(d) {
                    let Some(day) = date_from_days(d) else { return false };
                    let (y, m, dd) = day.ymd();
                    let mut t = [b'0'; 10];
                    for (i, v) in [(0usize, y as u64 / 100), (2, y as u64 % 100), (5, u64::from(m)), (8, u64::from(dd))]
                    {
                        t[i] = b'0' + (v / 10) as u8;
                        t[i + 1] = b'0' + (v % 10) as u8;
                    }
                    t[4] = b'-';
                    t[7] = b'-';
                    *date = DateCache { days: Some(d), text: t };
                }
                out.extend_from_slice(&date.text);
            }
            FastColumn::Other => return false,
            // A null: an empty field.
            _ => {}
        }
        true
    }
}

fn push_i64(out: &mut Vec<u8>, v: i64) {
    crate::money::push_scaled_integer(out, v.unsigned_abs(), 0, v < 0);
}

/// Appends `v` / 10^`scale` with exactly `scale` places.
fn push_scaled_u64(out: &mut Vec<u8>, mut v: u64, scale: usize) {
    let mut buf = [b'0'; 64];
    let mut i = buf.len();
    let mut written = 0;
    while v > 0 || written <= scale {
        if written == scale && scale > 0 {
            i -= 1;
            buf[i] = b'.';
        }
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        written += 1;
        if i < 2 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Writes the cell at row `r` of `col` as the text a record of the file holds (nothing for a
/// null), before any CSV quoting.
pub(crate) fn cell_text_plain(col: &ArrayRef, r: usize, out: &mut String) {
    cell_text(col, r, CellKind::Plain, out);
}

/// Writes the cell at row `r` of `col` of a data frame's Arrow table as text, as a Parquet file's
/// cell is read (see the module's conversions), except that a float NaN is a missing value
/// (nothing written), as pandas has it. The Python package reads its tables' columns with it.
pub fn frame_cell_text(col: &ArrayRef, r: usize, out: &mut String) {
    cell_text(col, r, CellKind::NanIsMissing, out);
}

/// Writes the cell at row `r` of `col` as text (nothing for a null).
pub(super) fn cell_text(col: &ArrayRef, r: usize, kind: CellKind, out: &mut String) {
    use std::fmt::Write;
    if col.is_null(r) {
        return;
    }
    macro_rules! int {
        ($t:ty) => {{
            let v = col.as_primitive::<$t>().value(r);
            if kind == CellKind::Hts {
                let digits = v.to_string();
                if v > 0 && (digits.len() == 9 || digits.len() == 7) {
                    out.push('0');
                }
                out.push_str(&digits);
            } else {
                let _ = write!(out, "{v}");
            }
        }};
    }
    match col.data_type() {
        DataType::Utf8 => out.push_str(col.as_string::<i32>().value(r)),
        DataType::LargeUtf8 => out.push_str(col.as_string::<i64>().value(r)),
        DataType::Utf8View => out.push_str(col.as_string_view().value(r)),
        DataType::Boolean => out.push_str(if col.as_boolean().value(r) { "true" } else { "false" }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float16 => {
            let v = col.as_primitive::<Float16Type>().value(r);
            if !(v.is_nan() && kind == CellKind::NanIsMissing) {
                let _ = write!(out, "{v}");
            }
        }
        DataType::Float32 => {
            let v = col.as_primitive::<Float32Type>().value(r);
            if !(v.is_nan() && kind == CellKind::NanIsMissing) {
                let _ = write!(out, "{v}");
            }
        }
        DataType::Float64 => {
            let v = col.as_primitive::<Float64Type>().value(r);
            if !(v.is_nan() && kind == CellKind::NanIsMissing) {
                let _ = write!(out, "{v}");
            }
        }
        DataType::Decimal32(_, s) => push_decimal(out, i128::from(col.as_primitive::<Decimal32Type>().value(r)), *s),
        DataType::Decimal64(_, s) => push_decimal(out, i128::from(col.as_primitive::<Decimal64Type>().value(r)), *s),
        DataType::Decimal128(_, s) => push_decimal(out, col.as_primitive::<Decimal128Type>().value(r), *s),
        DataType::Decimal256(_, s) => scaled(out, &col.as_primitive::<Decimal256Type>().value(r).to_string(), *s),
        DataType::Date32 => push_days(out, i64::from(col.as_primitive::<Date32Type>().value(r))),
        DataType::Date64 => push_days(out, col.as_primitive::<Date64Type>().value(r).div_euclid(86_400_000)),
        DataType::Timestamp(unit, _) => {
            let (v, per_sec) = match unit {
                TimeUnit::Second => (col.as_primitive::<TimestampSecondType>().value(r), 1),
                TimeUnit::Millisecond => (col.as_primitive::<TimestampMillisecondType>().value(r), 1_000),
                TimeUnit::Microsecond => (col.as_primitive::<TimestampMicrosecondType>().value(r), 1_000_000),
                TimeUnit::Nanosecond => (col.as_primitive::<TimestampNanosecondType>().value(r), 1_000_000_000),
            };
            let per_day = 86_400 * per_sec;
            push_days(out, v.div_euclid(per_day));
            let rest = v.rem_euclid(per_day);
            if rest != 0 {
                let secs = rest / per_sec;
                let _ = write!(out, "T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
                let frac = rest % per_sec;
                if frac != 0 {
                    let width = per_sec.ilog10() as usize;
                    let _ = write!(out, ".{frac:0width$}");
                }
            }
        }
        DataType::Dictionary(_, _) => {
            let dict = col.as_any_dictionary();
            if let Some(key) = dictionary_key(dict.keys(), r) {
                cell_text(dict.values(), key, kind, out);
            }
        }
        _ => {}
    }
}

/// The key at row `r` of a dictionary's `keys` (one cell, where `normalized_keys` converts them all).
fn dictionary_key(keys: &dyn Array, r: usize) -> Option<usize> {
    macro_rules! key {
        ($t:ty) => {
            usize::try_from(keys.as_primitive::<$t>().value(r)).ok()
        };
    }
    match keys.data_type() {
        DataType::Int8 => key!(Int8Type),
        DataType::Int16 => key!(Int16Type),
        DataType::Int32 => key!(Int32Type),
        DataType::Int64 => key!(Int64Type),
        DataType::UInt8 => key!(UInt8Type),
        DataType::UInt16 => key!(UInt16Type),
        DataType::UInt32 => key!(UInt32Type),
        DataType::UInt64 => key!(UInt64Type),
        _ => None,
    }
}

/// Writes the date `days` after 1970-01-01 as `YYYY-MM-DD`.
fn push_days(out: &mut String, days: i64) {
    use std::fmt::Write;
    match date_from_days(days) {
        Some(d) => {
            let _ = write!(out, "{d}");
        }
        // Out of the calendar the dates checks know (years 1 to 9999): written as a day count,
        // which they refuse.
        None => {
            let _ = write!(out, "day {days} after 1970-01-01");
        }
    }
}

/// Writes an unscaled decimal `v` with `scale` places (a negative scale: that many zeros).
pub(crate) fn push_decimal(out: &mut String, v: i128, scale: i8) {
    scaled(out, &v.to_string(), scale);
}

/// Writes the decimal whose unscaled digits are `digits` (a sign first, maybe) with `scale` places.
fn scaled(out: &mut String, digits: &str, scale: i8) {
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, digits),
    };
    if negative {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(digits);
        if digits != "0" {
            out.extend(std::iter::repeat_n('0', usize::from(scale.unsigned_abs())));
        }
        return;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(digits);
    } else {
        let point = digits.len() - scale;
        out.push_str(&digits[..point]);
        out.push('.');
        out.push_str(&digits[point..]);
    }
}

/// The date `days` after 1970-01-01, within years 1 to 9999.
pub(crate) fn date_from_days(days: i64) -> Option<crate::date::Date> {
    crate::date::Date::from_days(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_scale() {
        let d = |v: i128, s: i8| {
            let mut out = String::new();
            push_decimal(&mut out, v, s);
            out
        };
        assert_eq!(d(123450, 2), "1234.50");
        assert_eq!(d(5, 2), "0.05");
        assert_eq!(d(-5, 3), "-0.005");
        assert_eq!(d(-123, 1), "-12.3");
        assert_eq!(d(0, 2), "0.00");
        assert_eq!(d(12, 0), "12");
        assert_eq!(d(12, -2), "1200");
        assert_eq!(d(0, -2), "0");
        let f = |v: u64, s: usize| {
            let mut out = Vec::new();
            push_scaled_u64(&mut out, v, s);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(f(123450, 2), "1234.50");
        assert_eq!(f(5, 2), "0.05");
        assert_eq!(f(0, 2), "0.00");
        assert_eq!(f(0, 0), "0");
        assert_eq!(f(7, 0), "7");
        assert_eq!(f(u64::MAX, 0), u64::MAX.to_string());
        assert_eq!(f(u64::MAX, 30), "0.000000000018446744073709551615");
        // The money formatter writes the same digits up to 18 places.
        for v in [0, 1, 5, 99, 100, 123450, 9_999_999_999, u64::MAX] {
            for scale in [0, 1, 2, 6, 18] {
                let mut out = Vec::new();
                crate::money::push_scaled_integer(&mut out, v, scale, false);
                assert_eq!(String::from_utf8(out).unwrap(), f(v, scale), "{v} {scale}");
            }
        }
        let mut out = Vec::new();
        push_i64(&mut out, i64::MIN);
        assert_eq!(String::from_utf8(out).unwrap(), i64::MIN.to_string());
    }

    #[test]
    fn days_to_dates() {
        for text in ["1970-01-01", "2025-04-08", "2024-02-29", "0001-01-01", "9999-12-31", "1969-12-31"] {
            let d = crate::date::Date::parse(text).unwrap();
            assert_eq!(date_from_days(i64::from(d.days())).unwrap(), d, "{text}");
        }
        assert!(date_from_days(2_932_897).is_none());
        assert!(date_from_days(-719_163).is_none());
        // Every day of the range is the date its year, month and day make.
        for days in (-719_162..=2_932_896).step_by(97).chain([-719_162, 0, 2_932_896]) {
            let d = date_from_days(days).unwrap();
            let (y, m, dd) = d.ymd();
            assert_eq!(crate::date::Date::from_ymd(y, m, dd), Ok(d), "{days}");
            assert_eq!(i64::from(d.days()), days);
        }
    }
}
