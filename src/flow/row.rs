//! One flow row out of a chunk: split, checked, and either a [`Flow`] or a [`Reject`].

use super::arrow_row::{ArrowColumns, ArrowFields};
use super::reader::{Chunk, FieldSplitter, RecordFields, RecordKind, Span};
use super::{FieldError, FieldSource, Flow, FlowColumns};
use crate::date::Date;
use csv::ByteRecord;
use rust_decimal::Decimal;

/// A row that could not be read or priced: where, which column, the value found and why.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Reject {
    /// 1-based line where the record starts (the header is line 1).
    pub line: u64,
    /// The column at fault (empty when the whole row is).
    pub column: String,
    /// The value found.
    pub value: String,
    /// Why.
    pub reason: String,
}

impl Reject {
    /// The reject of the row starting on `line` for a field error (of the reader or the engine).
    pub fn at(line: u64, e: FieldError) -> Reject {
        Reject { line, column: e.column.into(), value: e.value, reason: e.reason }
    }
}

/// A row read and checked: its flow (in the parser's buffer, reused from row to row) and its
/// fields (for the columns a command reads beyond the flow's).
pub struct ParsedRow<'a> {
    /// The checked flow.
    pub flow: &'a mut Flow,
    /// The record's fields.
    pub fields: RowFields<'a>,
}

/// The fields of a row: split from its text record, or read from a Parquet file's columns.
pub enum RowFields<'a> {
    /// A record's fields.
    Record(RecordFields<'a>),
    /// A Parquet row's cells.
    Arrow(ArrowFields<'a>),
}

impl FieldSource for RowFields<'_> {
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        match self {
            RowFields::Record(f) => f.field(i),
            RowFields::Arrow(f) => f.field(i),
        }
    }
    #[inline]
    fn field_str(&self, i: usize) -> Option<&str> {
        match self {
            RowFields::Record(f) => f.field_str(i),
            RowFields::Arrow(f) => f.field_str(i),
        }
    }
    #[inline]
    fn len(&self) -> usize {
        match self {
            RowFields::Record(f) => f.len(),
            RowFields::Arrow(f) => f.len(),
        }
    }
    #[inline]
    fn amount(&self, i: usize) -> Option<Decimal> {
        match self {
            RowFields::Record(_) => None,
            RowFields::Arrow(f) => f.amount(i),
        }
    }
    #[inline]
    fn date(&self, i: usize) -> Option<Date> {
        match self {
            RowFields::Record(_) => None,
            RowFields::Arrow(f) => f.date(i),
        }
    }
}

/// Reads the flow rows of records, reusing buffers: the per-worker half of the reading.
#[derive(Debug, Clone)]
pub struct RowParser {
    cols: FlowColumns,
    fields: FieldSplitter,
    flow: Flow,
    /// The columns of the chunk of Parquet rows being read.
    arrow: ArrowColumns,
}

impl RowParser {
    /// A parser for comma-separated records under `header`; fails when required columns are
    /// missing.
    pub fn new(header: &ByteRecord) -> Result<RowParser, String> {
        Self::with_delimiter(header, b',')
    }

    /// A parser for records whose fields are separated by `delimiter`.
    pub fn with_delimiter(header: &ByteRecord, delimiter: u8) -> Result<RowParser, String> {
        Ok(RowParser {
            cols: FlowColumns::from_header_split(header, delimiter)?,
            fields: FieldSplitter::with_delimiter(delimiter),
            flow: Flow::placeholder(),
            arrow: ArrowColumns::default(),
        })
    }

    /// The checked flow of a record (in a buffer reused from row to row) with its fields, or why
    /// it is rejected.
    pub fn parse<'a>(&'a mut self, chunk: &'a Chunk, span: &Span) -> Result<ParsedRow<'a>, Reject> {
        if let Some(rows) = &chunk.arrow {
            // A Parquet row: read from its columns (its record, if written, is for the output).
            let fields = self.arrow.row(rows, span.line);
            return match self.cols.parse_into(&fields, &mut self.flow) {
                Ok(()) => Ok(ParsedRow { flow: &mut self.flow, fields: RowFields::Arrow(fields) }),
                Err(e) => Err(Reject::at(span.line, e)),
            };
        }
        let whole = |reason: String| Reject { line: span.line, column: String::new(), value: String::new(), reason };
        if let RecordKind::UnclosedQuote { last_line } = span.kind {
            // The CSV rules close such a quote silently at the end of the input, which would price a
            // truncated row or swallow the rows after it into one field.
            let line = span.line;
            return Err(whole(format!(
                "the row opens a quote that is never closed: the rest of the file (lines {line} to {last_line}) was read as this one row; close the quote"
            )));
        }
        let fields = self.fields.split(chunk, span);
        // When a quoted field ran over line ends, a bad row is likely a quote closed too late (or
        // never where it should): the reason says where it opened and how far it ran.
        let quote_span = || {
            let spanned = if span.kind == RecordKind::Quoted { super::reader::line_ends(chunk.raw(span)) } else { 0 };
            if spanned > 0 {
                format!(
                    "; a quote opened on line {} runs to line {}: check where it closes",
                    span.line,
                    span.line + spanned
                )
            } else {
                String::new()
            }
        };
        if fields.len() != self.cols.width {
            // A short or long row is refused, never padded or truncated silently.
            let (n, width) = (fields.len(), self.cols.width);
            return Err(whole(format!("the row has {n} fields; the header has {width}{}", quote_span())));
        }
        match self.cols.parse_into(&fields, &mut self.flow) {
            Ok(()) => Ok(ParsedRow { flow: &mut self.flow, fields: RowFields::Record(fields) }),
            Err(mut e) => {
                e.reason.push_str(&quote_span());
                Err(Reject::at(span.line, e))
            }
        }
    }
}
