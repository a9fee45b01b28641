//! `run`'s output as Parquet: the rows the CSV path writes (input record, then the result columns)
//! read back into typed Arrow columns by the worker that priced the chunk ([`ChunkColumns`]), so
//! that the pricing loop is the same for both; the columns are encoded in parallel and written in
//! input order ([`ParquetSink`]).
//!
//! Columns: the input's as they came from a Parquet file (strings, integers, floats, booleans,
//! decimals and `date32` keep their type; other types, and every column of a CSV input, are text);
//! the money result columns as `DECIMAL(38,2)`, `effective_rate` as `DECIMAL(38,6)`, the others as
//! UTF-8 text. An empty field is null. The file is written to a temporary name and renamed into
//! place (an [`Output`]), in row groups of [`ROW_GROUP_ROWS`] rows, Snappy-compressed.

use super::AppError;
use super::io::Output;
use arrow_array::ArrayRef;
use arrow_array::builder::{BooleanBuilder, PrimitiveBuilder, StringBuilder};
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Decimal32Type, Decimal64Type, Decimal128Type, Float32Type, Float64Type, Int8Type,
    Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Rows per row group written (memory: one row group's encoded pages are held until it is full).
pub(crate) const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The result columns written as money (2 places).
const MONEY: [&str; 7] =
    ["mfn_duty", "additional_duty", "total_duty", "total_duty_low", "total_duty_high", "mpf_ad_valorem", "hmf"];

/// True when `path` asks for Parquet (`.parquet`, `.pq`).
pub(crate) fn is_parquet_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// One output column being filled.
enum Column {
    Text(StringBuilder),
    Bool(BooleanBuilder),
    I8(PrimitiveBuilder<Int8Type>),
    I16(PrimitiveBuilder<Int16Type>),
    I32(PrimitiveBuilder<Int32Type>),
    I64(PrimitiveBuilder<Int64Type>),
    U8(PrimitiveBuilder<UInt8Type>),
    U16(PrimitiveBuilder<UInt16Type>),
    U32(PrimitiveBuilder<UInt32Type>),
    U64(PrimitiveBuilder<UInt64Type>),
    F32(PrimitiveBuilder<Float32Type>),
    F64(PrimitiveBuilder<Float64Type>),
    /// With the last date read (text, day number): dates repeat from row to row.
    Date(PrimitiveBuilder<Date32Type>, Option<([u8; 10], i32)>),
    D32(PrimitiveBuilder<Decimal32Type>, i8),
    D64(PrimitiveBuilder<Decimal64Type>, i8),
    D128(PrimitiveBuilder<Decimal128Type>, i8),
}

impl Column {
    /// The column for a field of type `t` (its type as written), and that type.
    fn for_type(t: &DataType) -> (Column, DataType) {
        fn p<T: ArrowPrimitiveType>() -> PrimitiveBuilder<T> {
            PrimitiveBuilder::<T>::new()
        }
        let col = match t {
            DataType::Boolean => Column::Bool(BooleanBuilder::new()),
            DataType::Int8 => Column::I8(p()),
            DataType::Int16 => Column::I16(p()),
            DataType::Int32 => Column::I32(p()),
            DataType::Int64 => Column::I64(p()),
            DataType::UInt8 => Column::U8(p()),
            DataType::UInt16 => Column::U16(p()),
            DataType::UInt32 => Column::U32(p()),
            DataType::UInt64 => Column::U64(p()),
            DataType::Float32 => Column::F32(p()),
            DataType::Float64 => Column::F64(p()),
            DataType::Date32 => Column::Date(p(), None),
            DataType::Decimal32(_, s) => Column::D32(p::<Decimal32Type>().with_data_type(t.clone()), *s),
            DataType::Decimal64(_, s) => Column::D64(p::<Decimal64Type>().with_data_type(t.clone()), *s),
            DataType::Decimal128(_, s) => Column::D128(p::<Decimal128Type>().with_data_type(t.clone()), *s),
            _ => return (Column::Text(StringBuilder::new()), DataType::Utf8),
        };
        (col, t.clone())
    }

    /// Appends a field's text (empty: null); `Err` with the expected kind when it does not read.
    fn push(&mut self, text: &str) -> Result<(), &'static str> {
        fn num<T: ArrowPrimitiveType>(b: &mut PrimitiveBuilder<T>, text: &str) -> Result<(), &'static str>
        where
            T::Native: std::str::FromStr,
        {
            b.append_value(text.parse().map_err(|_| "a number of the column's type")?);
            Ok(())
        }
        if text.is_empty() {
            match self {
                Column::Text(b) => b.append_null(),
                Column::Bool(b) => b.append_null(),
                Column::I8(b) => b.append_null(),
                Column::I16(b) => b.append_null(),
                Column::I32(b) => b.append_null(),
                Column::I64(b) => b.append_null(),
                Column::U8(b) => b.append_null(),
                Column::U16(b) => b.append_null(),
                Column::U32(b) => b.append_null(),
                Column::U64(b) => b.append_null(),
                Column::F32(b) => b.append_null(),
                Column::F64(b) => b.append_null(),
                Column::Date(b, _) => b.append_null(),
                Column::D32(b, _) => b.append_null(),
                Column::D64(b, _) => b.append_null(),
                Column::D128(b, _) => b.append_null(),
            }
            return Ok(());
        }
        match self {
            Column::Text(b) => b.append_value(text),
            Column::Bool(b) => b.append_value(match text {
                "true" => true,
                "false" => false,
                _ => return Err("true or false"),
            }),
            Column::I8(b) => num(b, text)?,
            Column::I16(b) => num(b, text)?,
            Column::I32(b) => num(b, text)?,
            Column::I64(b) => num(b, text)?,
            Column::U8(b) => num(b, text)?,
            Column::U16(b) => num(b, text)?,
            Column::U32(b) => num(b, text)?,
            Column::U64(b) => num(b, text)?,
            Column::F32(b) => num(b, text)?,
            Column::F64(b) => num(b, text)?,
            Column::Date(b, last) => {
                let days = match last {
                    Some((t, days)) if t.as_slice() == text.as_bytes() => *days,
                    _ => {
                        let days = crate::date::Date::parse(text).map_err(|_| "a date YYYY-MM-DD")?.days();
                        *last = <[u8; 10]>::try_from(text.as_bytes()).ok().map(|t| (t, days));
                        days
                    }
                };
                b.append_value(days);
            }
            Column::D32(b, s) => {
                let v = scaled(text, *s).ok_or("a decimal of the column's scale")?;
                b.append_value(i32::try_from(v).map_err(|_| "a decimal of the column's precision")?);
            }
            Column::D64(b, s) => {
                let v = scaled(text, *s).ok_or("a decimal of the column's scale")?;
                b.append_value(i64::try_from(v).map_err(|_| "a decimal of the column's precision")?);
            }
            Column::D128(b, s) => b.append_value(scaled(text, *s).ok_or("a decimal of the column's scale")?),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::I8(b) => Arc::new(b.finish()),
            Column::I16(b) => Arc::new(b.finish()),
            Column::I32(b) => Arc::new(b.finish()),
            Column::I64(b) => Arc::new(b.finish()),
            Column::U8(b) => Arc::new(b.finish()),
            Column::U16(b) => Arc::new(b.finish()),
            Column::U32(b) => Arc::new(b.finish()),
            Column::U64(b) => Arc::new(b.finish()),
            Column::F32(b) => Arc::new(b.finish()),
            Column::F64(b) => Arc::new(b.finish()),
            Column::Date(b, _) => Arc::new(b.finish()),
            Column::D32(b, _) => Arc::new(b.finish()),
            Column::D64(b, _) => Arc::new(b.finish()),
            Column::D128(b, _) => Arc::new(b.finish()),
        }
    }
}

/// A plain decimal (`-12.5`, `1200`) as an integer scaled by 10^`scale`, exactly: `None` when it
/// has more places than the scale (it would be rounded) or is not a plain decimal.
pub(crate) fn scaled(text: &str, scale: i8) -> Option<i128> {
    scaled_short(text.as_bytes(), scale).or_else(|| scaled_long(text, scale))
}

/// [`scaled`] for any length and scale.
fn scaled_long(text: &str, scale: i8) -> Option<i128> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i128 = 0;
    for b in int.bytes() {
        v = v.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    if scale >= 0 {
        let s = scale as usize;
        let frac = frac.trim_end_matches('0');
        if frac.len() > s {
            return None;
        }
        for k in 0..s {
            let d = frac.as_bytes().get(k).map_or(0, |b| b - b'0');
            v = v.checked_mul(10)?.checked_add(i128::from(d))?;
        }
    } else {
        if !frac.trim_end_matches('0').is_empty() {
            return None;
        }
        let div = 10i128.checked_pow(u32::from(scale.unsigned_abs()))?;
        if v % div != 0 {
            return None;
        }
        v /= div;
    }
    Some(if negative { -v } else { v })
}

/// The output columns of one chunk's rows, built on the worker that priced them from the CSV lines
/// it wrote (the lines the CSV output would hold), so that the conversion runs in parallel.
pub(crate) struct ChunkColumns {
    schema: SchemaRef,
    columns: Vec<Column>,
    record: csv::ByteRecord,
}

impl ChunkColumns {
    /// Empty columns of the output `schema` (a [`ParquetSink::schema`]).
    pub(crate) fn new(schema: &SchemaRef) -> ChunkColumns {
        let columns = schema.fields().iter().map(|f| Column::for_type(f.data_type()).0).collect();
        ChunkColumns { schema: schema.clone(), columns, record: csv::ByteRecord::new() }
    }

    /// Reads the rows of `lines` (CSV lines, as the CSV output would hold them) into the chunk's
    /// columns, in the order of the schema; `Err` says why a field does not read (an internal error).
    pub(crate) fn convert(&mut self, lines: &[u8]) -> Result<Vec<ArrayRef>, String> {
        // Lines without quotes or CR (nearly all) are split at commas and line ends, as the `csv`
        // crate reads them, once known to be UTF-8; any other chunk is read by the `csv` crate.
        let plain = lines.last() == Some(&b'\n') && memchr::memchr2(b'"', b'\r', lines).is_none();
        match std::str::from_utf8(lines) {
            Ok(text) if plain => self.read_plain(text)?,
            _ => self.read_csv(lines)?,
        }
        Ok(self.columns.iter_mut().map(Column::finish).collect())
    }

    /// Reads lines that hold no quote and no CR, each ended by LF: fields end at commas and lines
    /// at LF (found in one vectorised pass); an empty line is skipped, as the `csv` crate does.
    fn read_plain(&mut self, text: &str) -> Result<(), String> {
        let n = self.columns.len();
        let (mut start, mut field) = (0, 0);
        for at in memchr::memchr2_iter(b',', b'\n', text.as_bytes()) {
            let line_end = text.as_bytes()[at] == b'\n';
            if !(line_end && field == 0 && at == start) {
                let value = &text[start..at];
                let col = self.columns.get_mut(field).ok_or_else(|| format!("a row of more than {n} fields"))?;
                col.push(value).map_err(|want| bad_field(&self.schema, field, value, want))?;
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
        Ok(())
    }

    fn read_csv(&mut self, lines: &[u8]) -> Result<(), String> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(lines);
        while rdr.read_byte_record(&mut self.record).map_err(|e| e.to_string())? {
            if self.record.len() != self.columns.len() {
                return Err(format!("a row of {} fields for {} columns", self.record.len(), self.columns.len()));
            }
            for (i, (col, field)) in self.columns.iter_mut().zip(self.record.iter()).enumerate() {
                // Input fields that are not UTF-8 (a Latin-1 CSV file) are written with U+FFFD.
                let text = String::from_utf8_lossy(field);
                col.push(&text).map_err(|want| bad_field(&self.schema, i, &text, want))?;
            }
        }
        Ok(())
    }
}

fn bad_field(schema: &Schema, i: usize, text: &str, want: &str) -> String {
    format!("column `{}`: `{text}` is not {want}", schema.field(i).name())
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

/// [`scaled`] for the usual amounts, in one pass over the bytes and in 64 bits: `[-]digits[.digits]`
/// of at most 18 digits once scaled, with no more places than `scale` (0 to 18); `None` for any
/// other text (which [`scaled`] then reads, or refuses).
fn scaled_short(text: &[u8], scale: i8) -> Option<i128> {
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if !(0..=18).contains(&scale) {
        return None;
    }
    let (mut v, mut digits, mut places) = (0u64, 0usize, None::<usize>);
    for &c in body {
        if c == b'.' && places.is_none() {
            places = Some(0);
            continue;
        }
        let d = c.wrapping_sub(b'0');
        if d > 9 || digits == 18 {
            return None;
        }
        v = v * 10 + u64::from(d);
        digits += 1;
        if let Some(p) = &mut places {
            *p += 1;
        }
    }
    let (places, scale) = (places.unwrap_or(0), scale as usize);
    if digits == 0 || places > scale || digits - places + scale > 18 {
        return None;
    }
    let v = v * 10u64.pow((scale - places) as u32);
    Some(if negative { -i128::from(v) } else { i128::from(v) })
}

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
                DataType::Decimal128(38, 2)
            } else if name == "effective_rate" {
                DataType::Decimal128(38, 6)
            } else {
                DataType::Utf8
            };
            let (_, t) = Column::for_type(&t);
            fields.push(Field::new(name.trim_start_matches('\u{feff}'), t, true));
        }
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            // Min/max per column chunk, not per page: the pages' cost the writing time for little.
            .set_statistics_enabled(EnabledStatistics::Chunk);
        // Amounts are nearly all distinct: a dictionary would only be built to be dropped.
        for f in &fields {
            if matches!(
                f.data_type(),
                DataType::Decimal128(..)
                    | DataType::Decimal64(..)
                    | DataType::Decimal32(..)
                    | DataType::Float64
                    | DataType::Float32
            ) {
                props = props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), false);
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
    pub(crate) fn write(&mut self, arrays: Result<Vec<ArrayRef>, String>) -> Result<(), AppError> {
        let arrays = arrays.map_err(|what| AppError::fatal(format!("internal error writing Parquet: {what}")))?;
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
    fn decimals_read_exactly() {
        assert_eq!(scaled("12.50", 2), Some(1250));
        assert_eq!(scaled("-0.005", 3), Some(-5));
        assert_eq!(scaled("7", 2), Some(700));
        assert_eq!(scaled("0.123456", 6), Some(123456));
        assert_eq!(scaled("1.005", 2), None);
        assert_eq!(scaled("1200", -2), Some(12));
        assert_eq!(scaled("1250", -2), None);
        assert_eq!(scaled("1e3", 2), None);
        assert_eq!(scaled("", 2), None);
        assert_eq!(scaled("-", 2), None);
        assert_eq!(scaled(".5", 1), Some(5));
        assert_eq!(scaled("5.", 1), Some(50));
        assert_eq!(scaled("-0", 2), Some(0));
        assert_eq!(scaled("+5", 2), None);
        assert_eq!(scaled("1.2.3", 2), None);
        assert_eq!(scaled(".", 2), None);
        assert_eq!(scaled("1.50", 1), Some(15));
        assert_eq!(scaled("999999999999999999", 0), Some(999_999_999_999_999_999));
        assert_eq!(scaled("12345678901234567.89", 2), Some(1_234_567_890_123_456_789));
        assert_eq!(scaled("-123456789012345678901234.5", 1), Some(-1_234_567_890_123_456_789_012_345));
        // The short path agrees with the full one wherever it answers.
        for text in ["0", "0.1", "-7.25", "12.500", "003.10", "99999999.999999", "-0.000001"] {
            for scale in 0..=8 {
                if let Some(v) = scaled_short(text.as_bytes(), scale) {
                    assert_eq!(Some(v), scaled_long(text, scale), "{text} {scale}");
                }
            }
        }
    }
}
