//! `run`'s output as Parquet: the rows the CSV path writes (input record, then the result columns)
//! read back chunk by chunk into typed Arrow columns and written a batch per chunk, so that the
//! pricing loop is the same for both.
//!
//! Columns: the input's as they came from a Parquet file (strings, integers, floats, booleans,
//! decimals and `date32` keep their type; other types, and every column of a CSV input, are text);
//! the money result columns as `DECIMAL(38,2)`, `effective_rate` as `DECIMAL(38,6)`, the others as
//! UTF-8 text. An empty field is null. The file is written to a temporary name and renamed into
//! place (an [`Output`]), in row groups of [`ROW_GROUP_ROWS`] rows, Snappy-compressed.

use super::AppError;
use super::io::Output;
use arrow_array::builder::{ArrayBuilder, BooleanBuilder, PrimitiveBuilder, StringBuilder};
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Decimal32Type, Decimal64Type, Decimal128Type, Float32Type, Float64Type, Int8Type,
    Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    Date(PrimitiveBuilder<Date32Type>),
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
            DataType::Date32 => Column::Date(p()),
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
                Column::Date(b) => b.append_null(),
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
            Column::Date(b) => {
                let d = crate::date::Date::parse(text).map_err(|_| "a date YYYY-MM-DD")?;
                b.append_value(d.days());
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
            Column::Date(b) => Arc::new(b.finish()),
            Column::D32(b, _) => Arc::new(b.finish()),
            Column::D64(b, _) => Arc::new(b.finish()),
            Column::D128(b, _) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Text(b) => b.len(),
            Column::Bool(b) => b.len(),
            Column::I8(b) => b.len(),
            Column::I16(b) => b.len(),
            Column::I32(b) => b.len(),
            Column::I64(b) => b.len(),
            Column::U8(b) => b.len(),
            Column::U16(b) => b.len(),
            Column::U32(b) => b.len(),
            Column::U64(b) => b.len(),
            Column::F32(b) => b.len(),
            Column::F64(b) => b.len(),
            Column::Date(b) => b.len(),
            Column::D32(b, _) => b.len(),
            Column::D64(b, _) => b.len(),
            Column::D128(b, _) => b.len(),
        }
    }
}

/// A plain decimal (`-12.5`, `1200`) as an integer scaled by 10^`scale`, exactly: `None` when it
/// has more places than the scale (it would be rounded) or is not a plain decimal.
pub(crate) fn scaled(text: &str, scale: i8) -> Option<i128> {
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

/// The Parquet file `run` writes.
pub(crate) struct ParquetSink {
    writer: ArrowWriter<Output>,
    schema: SchemaRef,
    columns: Vec<Column>,
    path: PathBuf,
    record: csv::ByteRecord,
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
        let mut columns = Vec::new();
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
            let (col, t) = Column::for_type(&t);
            fields.push(Field::new(name.trim_start_matches('\u{feff}'), t, true));
            columns.push(col);
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
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))
            .map_err(|e| AppError::fatal(format!("cannot write {}: {e}", path.display())))?;
        Ok(ParquetSink { writer, schema, columns, path: path.to_path_buf(), record: csv::ByteRecord::new() })
    }

    /// Writes the rows of one chunk (CSV lines, as the CSV output would hold them).
    pub(crate) fn write(&mut self, lines: &[u8]) -> Result<(), AppError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(lines);
        let internal = |what: String| AppError::fatal(format!("internal error writing Parquet: {what}"));
        loop {
            match rdr.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(internal(e.to_string())),
            }
            if self.record.len() != self.columns.len() {
                return Err(internal(format!(
                    "a row of {} fields for {} columns",
                    self.record.len(),
                    self.columns.len()
                )));
            }
            for (i, (col, field)) in self.columns.iter_mut().zip(self.record.iter()).enumerate() {
                // Input fields that are not UTF-8 (a Latin-1 CSV file) are written with U+FFFD.
                let text = String::from_utf8_lossy(field);
                col.push(&text).map_err(|want| {
                    internal(format!("column `{}`: `{text}` is not {want}", self.schema.field(i).name()))
                })?;
            }
        }
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| internal(e.to_string()))?;
        self.writer.write(&batch).map_err(|e| self.fail(e))
    }

    fn fail(&self, e: parquet::errors::ParquetError) -> AppError {
        AppError::fatal(format!("cannot write {}: {e}", self.path.display()))
    }

    /// Writes the footer and renames the file into place.
    pub(crate) fn commit(self) -> Result<(), AppError> {
        debug_assert!(self.columns.iter().all(|c| c.len() == 0));
        let path = self.path.clone();
        let out =
            self.writer.into_inner().map_err(|e| AppError::fatal(format!("cannot write {}: {e}", path.display())))?;
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
    }
}
