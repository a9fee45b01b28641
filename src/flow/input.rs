//! Opening a batch command's input: a flow CSV (any of `,`, `;`, tab as delimiter, found from the
//! header or given), a Parquet file, an ACE ES-003 report (CSV, or an Excel workbook) or Census
//! trade data (the API's JSON, or CSV) converted to flow records on the way in. Whatever the file, what comes out is the same: chunks of flow records, the flow
//! header, and a parser for them; the commands do not know which file it was, except for the
//! names of the columns in reject reports, which are those of the file.

use super::RowParser;
use super::census::{CensusColumns, CensusCsv, CensusJson, is_census_header};
use super::es003::{Es003Columns, Es003Csv, FLOW_HEADER, is_es003_header};
use super::parquet::{ParquetInfo, ParquetSource, is_parquet};
use super::reader::{ChunkSource, Delimiter, ReadError, RecordReader, delimiter_name};
use super::xlsx::{Sheet, Want, is_workbook};
use csv::ByteRecord;
use std::path::Path;

/// What the input file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// A workbook (by its extension) holds an ES-003 report or a flow table (the first sheet with
    /// either header); a CSV file is an ES-003 report when its header has the ES-003 columns, else a
    /// flow file.
    #[default]
    Auto,
    /// A flow file.
    Flows,
    /// An ACE ES-003 report.
    Es003,
    /// A Parquet file of flows.
    Parquet,
    /// Census trade data: the API's JSON or a CSV file with its columns.
    Census,
}

/// How to read the input.
#[derive(Clone, Copy, Debug, Default)]
pub struct InputOptions {
    /// What the file is.
    pub format: InputFormat,
    /// The delimiter of a CSV file.
    pub delimiter: Delimiter,
    /// The day of the month Census monthly flows are entered on (1-31, a day past the month's end
    /// being its last day; 0 for the default, the 15th).
    pub census_day: u32,
}

/// The day of the month Census flows are entered on when none is given.
pub const DEFAULT_CENSUS_DAY: u32 = 15;

/// What was found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A flow file with this delimiter.
    Flows {
        /// The delimiter.
        delimiter: u8,
        /// It was found from the header (not given).
        detected: bool,
    },
    /// An ES-003 report, CSV.
    Es003Csv,
    /// An ES-003 report, the sheet of a workbook.
    Es003Sheet {
        /// The sheet's name.
        sheet: String,
    },
    /// A flow table, the sheet of a workbook.
    FlowsSheet {
        /// The sheet's name.
        sheet: String,
    },
    /// A Parquet file of flows.
    Parquet(ParquetInfo),
    /// Census trade data, CSV.
    CensusCsv {
        /// The day of the month the flows are entered on.
        day: u32,
    },
    /// Census trade data, the API's JSON.
    CensusJson {
        /// The day of the month the flows are entered on.
        day: u32,
    },
}

/// An input opened: its chunks of flow records and what is needed to read them.
pub struct Input {
    /// The chunks.
    pub source: Box<dyn ChunkSource>,
    /// The file's name for messages (`flows.csv`, `<stdin>`).
    pub name: String,
    /// The flow header of the records (for an ES-003 report, [`FLOW_HEADER`]).
    pub header: ByteRecord,
    /// The header as a comma-separated line (the file's own, when it is a comma-separated flow
    /// file; else written anew): `run` and `refund --lines` start their output with it.
    pub header_raw: Vec<u8>,
    /// The delimiter of the records in the chunks.
    pub delimiter: u8,
    /// What the file is.
    pub kind: InputKind,
    /// The parser of the records.
    pub parser: RowParser,
    /// For each flow column that comes from a column of another name in the file, that name (an
    /// ES-003 report's `Country of Origin Code` for `origin` ...).
    pub columns: Vec<(&'static str, String)>,
    /// The Arrow schema of a Parquet input (its columns' types, kept in a Parquet output).
    pub schema: Option<arrow_schema::SchemaRef>,
}

impl Input {
    /// Opens `path` (`None` or `-`: standard input).
    pub fn open(path: Option<&Path>, opts: InputOptions) -> Result<Input, ReadError> {
        let file = path.filter(|p| p.as_os_str() != "-");
        let census_day = if opts.census_day == 0 { DEFAULT_CENSUS_DAY } else { opts.census_day };
        let parquet = match (opts.format, file) {
            (InputFormat::Parquet, _) => true,
            (InputFormat::Auto, Some(p)) => is_parquet(p),
            _ => false,
        };
        if parquet {
            let Some(p) = file else {
                return Err(ReadError(
                    "Parquet is read from a file (its reader starts from the file's end), not from standard input: give the path".into(),
                ));
            };
            let (source, header, schema, info) = ParquetSource::open(p)?;
            let name = p.display().to_string();
            let parser = RowParser::new(&header).map_err(|e| ReadError(format!("{name}: {e}")))?;
            return Ok(Input {
                name,
                header_raw: comma_line(&header),
                header,
                delimiter: b',',
                kind: InputKind::Parquet(info),
                parser,
                columns: Vec::new(),
                schema: Some(schema),
                source: Box::new(source),
            });
        }
        let mut stdin = None;
        if matches!(opts.format, InputFormat::Auto | InputFormat::Census) {
            match json_start(file)? {
                Ok((source, name)) => return Self::census_json(source, name, census_day),
                Err(peeked) => stdin = peeked,
            }
        }
        if let Some(p) = file
            && is_workbook(p)
        {
            let name = p.display().to_string();
            let want = match opts.format {
                InputFormat::Auto => Want::Any,
                InputFormat::Es003 => Want::Es003,
                InputFormat::Flows | InputFormat::Parquet | InputFormat::Census => Want::Flows,
            };
            let sheet = Sheet::open(p, &name, want)?;
            let sheet_name = sheet.sheet.clone();
            if let Some(cols) = sheet.es003_columns() {
                let columns = cols.original_columns();
                let kind = InputKind::Es003Sheet { sheet: sheet_name };
                return Ok(Self::converted(Box::new(sheet), name, kind, columns));
            }
            let header: ByteRecord = sheet.header.iter().map(|h| h.trim()).collect();
            let row = sheet.header_row();
            let parser = RowParser::new(&header)
                .map_err(|e| ReadError(format!("{name}: sheet `{sheet_name}` row {row}: {e}")))?;
            return Ok(Input {
                name,
                header_raw: comma_line(&header),
                header,
                delimiter: b',',
                kind: InputKind::FlowsSheet { sheet: sheet_name },
                parser,
                columns: Vec::new(),
                schema: None,
                source: Box::new(sheet),
            });
        }
        let reader = match stdin {
            Some(source) => RecordReader::from_reader_with(source, "<stdin>".into(), opts.delimiter)?,
            None => RecordReader::open_with(path, opts.delimiter)?,
        };
        let name = reader.name.clone();
        let header: Vec<String> = reader.header.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        let lower: Vec<String> =
            header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
        let census = match opts.format {
            InputFormat::Census => true,
            InputFormat::Auto => is_census_header(&lower),
            _ => false,
        };
        if census {
            let cols = CensusColumns::from_header(&header).map_err(|e| ReadError(format!("{name}:1: {e}")))?;
            let columns = cols.original_columns();
            let source = Box::new(CensusCsv::new(reader, cols, census_day));
            let kind = InputKind::CensusCsv { day: census_day };
            return Ok(Self::converted_with(source, name, kind, columns, &super::census::FLOW_HEADER));
        }
        let es003 = match opts.format {
            InputFormat::Es003 => true,
            InputFormat::Auto => is_es003_header(&lower),
            _ => false,
        };
        if es003 {
            let cols = Es003Columns::from_header(&header).map_err(|e| ReadError(format!("{name}:1: {e}")))?;
            let columns = cols.original_columns();
            return Ok(Self::converted(Box::new(Es003Csv::new(reader, cols)), name, InputKind::Es003Csv, columns));
        }
        let delimiter = reader.delimiter;
        let parser = RowParser::with_delimiter(&reader.header, delimiter).map_err(|e| {
            ReadError(format!("{name}:1: {e}{}", separator_note(&reader.header_raw, delimiter, opts.delimiter, &e)))
        })?;
        let header_raw = if delimiter == b',' { reader.header_raw.clone() } else { comma_line(&reader.header) };
        let kind = InputKind::Flows { delimiter, detected: opts.delimiter == Delimiter::Auto };
        Ok(Input {
            name,
            header: reader.header.clone(),
            header_raw,
            delimiter,
            kind,
            parser,
            columns: Vec::new(),
            schema: None,
            source: Box::new(reader),
        })
    }

    fn census_json(source: Peeked, name: String, census_day: u32) -> Result<Input, ReadError> {
        let (json, header) = CensusJson::open(source, &name)?;
        let cols = CensusColumns::from_header(&header).map_err(|e| ReadError(format!("{name}: row 1: {e}")))?;
        let columns = cols.original_columns();
        let source = Box::new(CensusJson::new(json, cols, census_day));
        let kind = InputKind::CensusJson { day: census_day };
        Ok(Self::converted_with(source, name, kind, columns, &super::census::FLOW_HEADER))
    }

    fn converted(
        source: Box<dyn ChunkSource>,
        name: String,
        kind: InputKind,
        columns: Vec<(&'static str, String)>,
    ) -> Input {
        Self::converted_with(source, name, kind, columns, &FLOW_HEADER)
    }

    fn converted_with(
        source: Box<dyn ChunkSource>,
        name: String,
        kind: InputKind,
        columns: Vec<(&'static str, String)>,
        flow_header: &[&str],
    ) -> Input {
        let header: ByteRecord = flow_header.iter().collect();
        let parser = match RowParser::new(&header) {
            Ok(p) => p,
            // The header is ours and has every required column.
            Err(e) => unreachable!("the converted flow header is refused: {e}"),
        };
        Input {
            source,
            name,
            header_raw: flow_header.join(",").into_bytes(),
            header,
            delimiter: b',',
            kind,
            parser,
            columns,
            schema: None,
        }
    }

    /// The name in the file of a flow column (for reject reports): the file's own for a converted
    /// input, else `column` itself.
    pub fn original_column<'a>(&'a self, column: &'a str) -> &'a str {
        self.columns.iter().find(|(flow, _)| *flow == column).map_or(column, |(_, name)| name.as_str())
    }

    /// A line for standard error that says how the file was read, when it is not a plain
    /// comma-separated flow file.
    pub fn note(&self) -> Option<String> {
        match &self.kind {
            InputKind::Flows { delimiter: b',', .. } => None,
            InputKind::Flows { delimiter, detected } => Some(format!(
                "{}: fields separated by {}{}",
                self.name,
                delimiter_name(*delimiter),
                if *detected { " (found from the header)" } else { "" }
            )),
            InputKind::Es003Csv => Some(format!(
                "{}: read as an ACE ES-003 report, one row read per entry line (Entry Summary Number and Line Number)",
                self.name
            )),
            InputKind::Es003Sheet { sheet } => Some(format!(
                "{}: read as an ACE ES-003 report from sheet `{sheet}`, one row read per entry line; lines in messages are the sheet's row numbers",
                self.name
            )),
            InputKind::FlowsSheet { sheet } => Some(format!(
                "{}: flows read from sheet `{sheet}`; lines in messages are the sheet's row numbers",
                self.name
            )),
            InputKind::Parquet(info) => Some(format!(
                "{}: read as Parquet ({} rows in {} row groups); lines in messages are the file's data rows, the first being 1",
                self.name, info.rows, info.row_groups
            )),
            InputKind::CensusCsv { day } => Some(format!(
                "{}: read as Census trade data (CSV), each month's flows entered on day {day} of the month (--census-day, or --as-of)",
                self.name
            )),
            InputKind::CensusJson { day } => Some(format!(
                "{}: read as Census trade data (the API's JSON), each month's flows entered on day {day} of the month (--census-day, or --as-of); lines in messages are the rows of the array, the header being 1",
                self.name
            )),
        }
    }
}

/// Standard input, with its first bytes read (to tell JSON from CSV) and put back.
type Peeked = Box<dyn std::io::Read + Send>;

/// When the input (a file, or standard input) starts with `[` (after blanks and a byte-order mark),
/// it is JSON: `Ok(Ok((source, name)))`. Otherwise, for standard input, its bytes with those peeked
/// put back (`Ok(Err(Some(..)))`); for a file, `Ok(Err(None))`.
fn json_start(file: Option<&Path>) -> Result<Result<(Peeked, String), Option<Peeked>>, ReadError> {
    use std::io::Read;
    match file {
        Some(p) => {
            let name = p.display().to_string();
            let mut f = std::fs::File::open(p).map_err(|e| ReadError(format!("cannot open {name}: {e}")))?;
            let mut head = [0u8; 64];
            let n = f.read(&mut head).unwrap_or(0);
            if !starts_json(&head[..n]) {
                return Ok(Err(None));
            }
            let f = std::fs::File::open(p).map_err(|e| ReadError(format!("cannot open {name}: {e}")))?;
            Ok(Ok((Box::new(f), name)))
        }
        None => {
            let mut stdin = std::io::stdin();
            let mut head = Vec::new();
            let mut buf = [0u8; 64];
            // Up to the first byte that is not blank or part of a byte-order mark, 4 KB, or the end.
            while head.len() < 4096
                && head.iter().all(|b: &u8| b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF))
            {
                let n = stdin.read(&mut buf).map_err(|e| ReadError(format!("cannot read <stdin>: {e}")))?;
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let json = starts_json(&head);
            let source: Peeked = Box::new(std::io::Cursor::new(head).chain(stdin));
            Ok(if json { Ok((source, "<stdin>".into())) } else { Err(Some(source)) })
        }
    }
}

fn starts_json(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// What a header that lacks required columns says about its separators: the delimiter it was
/// split at and, when it holds another separator, that one (nothing for a comma-separated header
/// with no other).
fn separator_note(header: &[u8], used: u8, asked: Delimiter, error: &str) -> String {
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    let other = [b',', b';', b'\t', b'|'].into_iter().any(|d| d != used && count(d) > 0);
    if !error.starts_with("missing required") || (used == b',' && !other) {
        return String::new();
    }
    let others: Vec<String> = [b',', b';', b'\t', b'|']
        .into_iter()
        .filter(|&d| d != used && count(d) > 0)
        .map(|d| format!("{} {}", count(d), delimiter_name(d)))
        .collect();
    let how = if asked == Delimiter::Auto { "found from the header" } else { "as given by --delimiter" };
    let mut note = format!(" (the header was split at {}, {how}", delimiter_name(used));
    if !others.is_empty() {
        let best = [b';', b'\t', b',', b'|'].into_iter().find(|&d| d != used && count(d) > 0).unwrap_or(b',');
        let flag = if best == b'\t' { "tab".to_string() } else { format!("'{}'", best as char) };
        note.push_str(&format!(
            "; it also holds {}: if that separates the fields, give --delimiter {flag}",
            others.join(" and ")
        ));
    }
    note.push(')');
    note
}

/// A record's fields as one comma-separated line (quoted where needed).
pub fn comma_line(record: &ByteRecord) -> Vec<u8> {
    let mut out = Vec::new();
    push_comma_record(&mut out, record.iter());
    out
}

/// Appends fields as one comma-separated record (quoted where needed), without a line end.
pub fn push_comma_record<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = &'a [u8]>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        crate::text::push_csv_field(out, f);
    }
}
