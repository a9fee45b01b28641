//! Census trade data read as flows, as it comes: the international trade API's JSON (an array of
//! arrays, the first the header) or a tidy CSV of HS10 x country x month, with the columns
//! `I_COMMODITY`, `CTY_CODE`, `CON_VAL_MO` (or `GEN_VAL_MO`), `CON_QY1_MO` (or `GEN_QY1_MO`),
//! `UNIT_QY1`, and `YEAR` and `MONTH` (or the API's `time`, `YYYY-MM`).
//!
//! Each row becomes one flow record ([`FLOW_HEADER`]): `hts` the commodity code, `origin` the ISO
//! 3166-1 alpha-2 code of the Schedule C country code (the table in
//! `data/assumptions/census-to-iso.csv`, embedded), `entry_date` the month's day given by
//! `--census-day` (the 15th by default; a day past the month's end is its last day), `customs_value`
//! the month's value (imports for consumption, `CON_VAL_MO`, when the data has it: duties are owed
//! on entries for consumption; else general imports, `GEN_VAL_MO`), `quantity` and `quantity_unit`
//! the first quantity with its unit in the tool's spelling ([`unit()`]; `X`, no quantity collected,
//! leaves both empty). The Census columns pass on as `cty_code` and `census_month`.
//!
//! A row whose country code is an aggregate (a continent, a group such as the European Union
//! `0003`, the total for all countries `-`) is refused with that reason: it is not one origin.
//!
//! **Rows.** In a CSV file, the line; in JSON, the row's place in the outer array, the header
//! being row 1 (the API writes one row per line, so it is the line there too).

use super::reader::{CHUNK_BYTES, Chunk, ChunkSource, FieldSplitter, ReadError, RecordKind, RecordReader, Span};
use super::{FieldSource, Reject};
use crate::codes::Country;
use crate::date::Date;
use csv::ByteRecord;
use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

/// The flow columns of the records made from Census rows, in order.
pub const FLOW_HEADER: [&str; 8] =
    ["hts", "origin", "entry_date", "customs_value", "quantity", "quantity_unit", "cty_code", "census_month"];

/// The Census Schedule C codes and their ISO 3166-1 alpha-2 codes (`cty_code,iso2,name`), derived
/// from the Census list by name (provenance in `data/assumptions/README.md`).
const COUNTRY_TABLE: &str = include_str!("../../data/assumptions/census-to-iso.csv");

/// The Schedule C code (4 digits) to country table, sorted by code.
fn countries() -> &'static [(u16, Country, &'static str)] {
    static TABLE: OnceLock<Vec<(u16, Country, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<(u16, Country, &'static str)> = COUNTRY_TABLE
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut f = l.splitn(3, ',');
                let code = f.next()?.trim().parse().ok()?;
                let iso = Country::parse(f.next()?.trim()).ok()?;
                Some((code, iso, f.next().unwrap_or("").trim_matches('"')))
            })
            .collect();
        v.sort_by_key(|e| e.0);
        v
    })
}

/// The country of a Schedule C code (`5880` -> `JP`), or why it is not one.
pub fn country(code: &str) -> Result<Country, String> {
    let c = code.trim();
    if c.is_empty() {
        return Err("is empty; every row needs its Census country code (CTY_CODE, e.g. 5880 Japan)".into());
    }
    if c == "-" {
        return Err("`-` is the total for all countries, not a country: select the countries' rows (4-digit codes such as 5880 Japan)".into());
    }
    let aggregate = |what: &str| {
        format!(
            "`{c}` is a Census aggregate ({what}), not a country: duties depend on the country of origin; select the countries' rows (4-digit codes such as 5880 Japan)"
        )
    };
    if c.len() == 4 && c.ends_with("XXX") {
        return Err(aggregate("a continent's total"));
    }
    if !(c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("`{c}` is not a Census Schedule C country code (4 digits, e.g. 5880 Japan)"));
    }
    if c.starts_with('0') {
        return Err(aggregate("a group of countries, such as 0003 the European Union"));
    }
    let n: u16 = c.parse().unwrap_or(0);
    if n == 4803 {
        return Err("`4803` is Kosovo, which has no ISO 3166-1 alpha-2 code: give its rows as flows with the origin the scenario names".into());
    }
    let table = countries();
    match table.binary_search_by_key(&n, |e| e.0) {
        Ok(i) => Ok(table[i].1),
        Err(_) => {
            Err(format!("`{c}` is not in the Census Schedule C country list (data/assumptions/census-to-iso.csv)"))
        }
    }
}

/// A Census unit of quantity (`UNIT_QY1`) in the tool's spelling, when it has one; `None` for `X`
/// (no quantity collected) and an empty unit. A unit the tool does not know is kept as written
/// (refused only where a specific rate needs it).
pub fn unit(code: &str) -> Option<&str> {
    let c = code.trim();
    Some(match c.to_ascii_uppercase().as_str() {
        "" | "X" => return None,
        "NO" | "PCS" => "No.",
        "KG" => "kg",
        "GM" => "g",
        "T" => "t",
        "L" => "liters",
        "PFL" => "pf.liters",
        "DOZ" | "DPC" => "doz.",
        "PRS" => "prs.",
        "DPR" => "doz. prs.",
        // Gross (144), not grams: the tool reads `gr` as grams.
        "GR" => "gross",
        "M" | "LNM" => "m",
        "M2" => "m2",
        "M3" => "m3",
        "BBL" => "bbl",
        "HUN" => "hundred",
        "THS" => "thousand",
        _ => c,
    })
}

/// True when a header (names lower-cased and trimmed) is Census trade data's: it has the
/// commodity and country code columns.
pub fn is_census_header(names: &[String]) -> bool {
    names.iter().any(|n| n == "i_commodity") && names.iter().any(|n| n == "cty_code")
}

/// Where the Census columns are, with their names as written.
#[derive(Clone, Debug)]
pub struct CensusColumns {
    hts: usize,
    country: usize,
    value: usize,
    quantity: Option<usize>,
    unit: Option<usize>,
    /// `YEAR` and `MONTH`, or `time` (`YYYY-MM`).
    when: When,
    written: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
enum When {
    YearMonth(usize, usize),
    Time(usize),
}

impl CensusColumns {
    /// Maps a header (names as written). Fails when a column read is missing.
    pub fn from_header(header: &[String]) -> Result<CensusColumns, String> {
        let written: Vec<String> = header.iter().map(|n| n.trim().trim_start_matches('\u{feff}').to_string()).collect();
        let find = |name: &str| written.iter().position(|n| n.eq_ignore_ascii_case(name));
        let mut missing = Vec::new();
        let hts = find("I_COMMODITY");
        let country = find("CTY_CODE");
        let (value, prefix) = match (find("CON_VAL_MO"), find("GEN_VAL_MO")) {
            (Some(v), _) => (Some(v), "CON"),
            (None, Some(v)) => (Some(v), "GEN"),
            (None, None) => (None, "CON"),
        };
        let other = if prefix == "CON" { "GEN" } else { "CON" };
        let quantity = find(&format!("{prefix}_QY1_MO")).or_else(|| find(&format!("{other}_QY1_MO")));
        let unit = find("UNIT_QY1");
        let when = match (find("YEAR"), find("MONTH"), find("time")) {
            (Some(y), Some(m), _) => Some(When::YearMonth(y, m)),
            (_, _, Some(t)) => Some(When::Time(t)),
            _ => None,
        };
        for (col, name) in [
            (hts.is_some(), "I_COMMODITY"),
            (country.is_some(), "CTY_CODE"),
            (value.is_some(), "CON_VAL_MO (or GEN_VAL_MO)"),
            (when.is_some(), "YEAR and MONTH (or time)"),
        ] {
            if !col {
                missing.push(name);
            }
        }
        if quantity.is_some() != unit.is_some() {
            missing.push(if unit.is_none() {
                "UNIT_QY1 (the unit of the quantity)"
            } else {
                "CON_QY1_MO (the quantity of UNIT_QY1)"
            });
        }
        match (hts, country, value, when) {
            (Some(hts), Some(country), Some(value), Some(when)) if missing.is_empty() => {
                Ok(CensusColumns { hts, country, value, quantity, unit, when, written })
            }
            _ => Err(format!(
                "the Census data lacks the column{} {}: ask the API for it (get=...) or add it",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            )),
        }
    }

    /// The number of columns.
    pub fn width(&self) -> usize {
        self.written.len()
    }

    /// The Census column (as written) each flow column of the records comes from, for reject reports.
    pub fn original_columns(&self) -> Vec<(&'static str, String)> {
        let w = |i: usize| self.written[i].clone();
        let when = match self.when {
            When::YearMonth(y, _) => w(y),
            When::Time(t) => w(t),
        };
        let mut v = vec![
            ("hts", w(self.hts)),
            ("origin", w(self.country)),
            ("entry_date", when.clone()),
            ("customs_value", w(self.value)),
            ("cty_code", w(self.country)),
            ("census_month", when),
        ];
        for (flow, col) in [("quantity", self.quantity), ("quantity_unit", self.unit)] {
            if let Some(i) = col {
                v.push((flow, w(i)));
            }
        }
        v
    }
}

/// Turns Census rows into flow records (or rejects).
pub struct Converter {
    cols: CensusColumns,
    /// The day of the month flows are entered on.
    day: u32,
}

impl Converter {
    /// A converter for rows under `cols`, entering each month's flows on `day` (1-31; past the
    /// month's end, its last day).
    pub fn new(cols: CensusColumns, day: u32) -> Converter {
        Converter { cols, day: day.clamp(1, 31) }
    }

    /// Converts one row (on `row`): its record to `out`, or its reject.
    pub fn push<F: FieldSource + ?Sized>(&self, row: u64, fields: &F, out: &mut Chunk) {
        match self.record(fields, &mut out.bytes) {
            Ok(start) => {
                let end = out.bytes.len();
                let quoted = out.bytes[start..end].contains(&b'"');
                out.bytes.push(b'\n');
                let kind = if quoted { RecordKind::Quoted } else { RecordKind::Plain };
                out.spans.push(Span { start, end, line: row, kind });
            }
            Err((column, value, reason)) => {
                let column = column.map(|c| self.cols.written[c].clone()).unwrap_or_default();
                out.rejected.push(Reject { line: row, column, value, reason });
            }
        }
    }

    /// Appends the record of a row; its start, or (column, value, reason) of its fault (nothing
    /// appended).
    fn record<F: FieldSource + ?Sized>(
        &self,
        fields: &F,
        b: &mut Vec<u8>,
    ) -> Result<usize, (Option<usize>, String, String)> {
        let cols = &self.cols;
        let text = |i: usize| String::from_utf8_lossy(fields.field(i)).trim().to_string();
        if fields.len() != cols.width() {
            return Err((
                None,
                String::new(),
                format!("the row has {} fields; the header has {}", fields.len(), cols.width()),
            ));
        }
        let code = text(cols.country);
        let origin = country(&code).map_err(|e| (Some(cols.country), code.clone(), e))?;
        let (year, month, month_col) = match cols.when {
            When::YearMonth(y, m) => (text(y), text(m), m),
            When::Time(t) => {
                let v = text(t);
                match v.split_once('-') {
                    Some((y, m)) => (y.to_string(), m.to_string(), t),
                    None => {
                        return Err((
                            Some(t),
                            v.clone(),
                            format!("`{v}` is not a month as the API writes it (YYYY-MM)"),
                        ));
                    }
                }
            }
        };
        let num = |s: &str| {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let (Some(y), Some(m)) = (num(&year), num(&month)) else {
            let (col, v) = match cols.when {
                When::YearMonth(yc, _) if num(&year).is_none() => (yc, year.clone()),
                _ => (month_col, month.clone()),
            };
            return Err((Some(col), v.clone(), format!("`{v}` is not a year and month (YEAR 4 digits, MONTH 1-12)")));
        };
        if !(1..=12).contains(&m) || !(1..=9999).contains(&y) {
            return Err((Some(month_col), month.clone(), format!("`{year}-{month}` is not a month of the calendar")));
        }
        let date = (1..=self.day)
            .rev()
            .find_map(|d| Date::from_ymd(y as i32, m, d).ok())
            .ok_or_else(|| (Some(month_col), month.clone(), "no such month".to_string()))?;
        let value = text(cols.value);
        let (quantity, unit_text) = match (cols.quantity, cols.unit) {
            (Some(q), Some(u)) => (text(q), text(u)),
            _ => (String::new(), String::new()),
        };
        let unit = unit(&unit_text);
        let start = b.len();
        crate::text::push_csv_field(b, text(cols.hts).as_bytes());
        b.push(b',');
        b.extend_from_slice(origin.as_str().as_bytes());
        b.push(b',');
        b.extend_from_slice(date.to_string().as_bytes());
        b.push(b',');
        crate::text::push_csv_field(b, value.as_bytes());
        b.push(b',');
        if let Some(u) = unit {
            crate::text::push_csv_field(b, quantity.as_bytes());
            b.push(b',');
            crate::text::push_csv_field(b, u.as_bytes());
        } else {
            b.push(b',');
        }
        b.push(b',');
        crate::text::push_csv_field(b, code.as_bytes());
        b.push(b',');
        b.extend_from_slice(format!("{y:04}-{m:02}").as_bytes());
        Ok(start)
    }
}

/// A Census CSV file read as flow records, streaming.
pub struct CensusCsv {
    reader: RecordReader,
    chunk: Chunk,
    fields: FieldSplitter,
    converter: Converter,
}

impl CensusCsv {
    /// The file read by `reader` (its header already read), under `cols`.
    pub fn new(reader: RecordReader, cols: CensusColumns, day: u32) -> CensusCsv {
        let fields = FieldSplitter::with_delimiter(reader.delimiter);
        CensusCsv { reader, chunk: Chunk::default(), fields, converter: Converter::new(cols, day) }
    }
}

impl ChunkSource for CensusCsv {
    fn fill(&mut self, out: &mut Chunk) -> Result<bool, ReadError> {
        out.clear();
        while out.bytes.len() < CHUNK_BYTES && out.rejected.len() < 4096 {
            if !self.reader.fill(&mut self.chunk)? {
                break;
            }
            for span in &self.chunk.spans {
                if let RecordKind::UnclosedQuote { last_line } = span.kind {
                    let reason = format!(
                        "the row opens a quote that is never closed: the rest of the file (lines {} to {last_line}) was read as this one row; close the quote",
                        span.line
                    );
                    out.rejected.push(Reject { line: span.line, column: String::new(), value: String::new(), reason });
                    continue;
                }
                let fields = self.fields.split(&self.chunk, span);
                self.converter.push(span.line, &fields, out);
            }
        }
        Ok(!out.spans.is_empty() || !out.rejected.is_empty())
    }
}

/// The longest string read in Census JSON (a cell); longer is refused as not Census data.
const MAX_JSON_STRING: usize = 1 << 20;

/// The Census API's JSON (an array of arrays of strings), read a row at a time: only the row being
/// read is held.
pub struct CensusJson {
    json: JsonRows,
    converter: Converter,
    record: ByteRecord,
}

impl CensusJson {
    /// Reads the header row of `source`.
    pub fn open(source: Box<dyn Read + Send>, name: &str) -> Result<(JsonRows, Vec<String>), ReadError> {
        let mut json = JsonRows {
            r: BufReader::with_capacity(1 << 16, source),
            row: 0,
            name: name.to_string(),
            started: false,
            done: false,
            inside: false,
        };
        let mut header = ByteRecord::new();
        if !json.next_row(&mut header)? {
            return Err(ReadError(format!("{name}: the JSON array is empty: no header row")));
        }
        Ok((json, header.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect()))
    }

    /// The rows after the header, under `cols`.
    pub fn new(json: JsonRows, cols: CensusColumns, day: u32) -> CensusJson {
        CensusJson { json, converter: Converter::new(cols, day), record: ByteRecord::new() }
    }
}

impl ChunkSource for CensusJson {
    fn fill(&mut self, out: &mut Chunk) -> Result<bool, ReadError> {
        out.clear();
        while out.bytes.len() < CHUNK_BYTES && out.rejected.len() < 4096 && out.spans.len() < 8192 {
            if !self.json.next_row(&mut self.record)? {
                break;
            }
            self.converter.push(self.json.row, &self.record, out);
        }
        Ok(!out.spans.is_empty() || !out.rejected.is_empty())
    }
}

/// The rows of a JSON array of arrays, one at a time.
pub struct JsonRows {
    r: BufReader<Box<dyn Read + Send>>,
    /// The row last read (1: the first, the header).
    row: u64,
    name: String,
    started: bool,
    done: bool,
    /// Inside a row (else between rows).
    inside: bool,
}

impl JsonRows {
    fn err(&self, what: &str) -> ReadError {
        ReadError(format!(
            "{}: row {}: {what}: Census JSON is an array of arrays of strings ([[\"I_COMMODITY\",...],[...],...])",
            self.name,
            if self.inside { self.row } else { self.row + 1 }
        ))
    }

    fn byte(&mut self) -> Result<Option<u8>, ReadError> {
        let buf = self.r.fill_buf().map_err(|e| ReadError(format!("cannot read {}: {e}", self.name)))?;
        let Some(&b) = buf.first() else { return Ok(None) };
        self.r.consume(1);
        Ok(Some(b))
    }

    /// The next byte that is not white space.
    fn token(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            match self.byte()? {
                Some(b' ' | b'\t' | b'\n' | b'\r') => {}
                other => return Ok(other),
            }
        }
    }

    /// Reads the next row into `record`; false after the last.
    fn next_row(&mut self, record: &mut ByteRecord) -> Result<bool, ReadError> {
        record.clear();
        if self.done {
            return Ok(false);
        }
        if !self.started {
            self.started = true;
            // A UTF-8 byte-order mark, then `[`.
            let mut t = self.token()?;
            if t == Some(0xEF) {
                let (a, b) = (self.byte()?, self.byte()?);
                if (a, b) != (Some(0xBB), Some(0xBF)) {
                    return Err(self.err("not JSON"));
                }
                t = self.token()?;
            }
            if t != Some(b'[') {
                return Err(self.err("does not start with `[`"));
            }
            match self.token()? {
                Some(b'[') => {}
                Some(b']') => {
                    self.done = true;
                    return Ok(false);
                }
                _ => return Err(self.err("expected a row (`[`)")),
            }
        } else {
            match self.token()? {
                Some(b',') => {}
                Some(b']') => {
                    self.done = true;
                    if let Some(b) = self.token()? {
                        return Err(self.err(&format!("`{}` after the end of the array", b as char)));
                    }
                    return Ok(false);
                }
                None => return Err(self.err("the array is not closed (the file is cut short?)")),
                Some(b) => return Err(self.err(&format!("expected `,` or `]`, found `{}`", b as char))),
            }
            if self.token()? != Some(b'[') {
                return Err(self.err("expected a row (`[`)"));
            }
        }
        self.row += 1;
        self.inside = true;
        let mut cell = Vec::new();
        // Cells, separated by commas, up to `]`.
        let mut first = true;
        loop {
            let t = self.token()?;
            if first && t == Some(b']') {
                self.inside = false;
                return Ok(true);
            }
            first = false;
            cell.clear();
            match t {
                Some(b'"') => self.string(&mut cell)?,
                Some(b'n') => self.word(b"ull")?,
                Some(b't') => {
                    self.word(b"rue")?;
                    cell.extend_from_slice(b"true");
                }
                Some(b'f') => {
                    self.word(b"alse")?;
                    cell.extend_from_slice(b"false");
                }
                Some(b) if b == b'-' || b.is_ascii_digit() => {
                    cell.push(b);
                    loop {
                        let buf =
                            self.r.fill_buf().map_err(|e| ReadError(format!("cannot read {}: {e}", self.name)))?;
                        match buf.first() {
                            Some(&c) if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-') => {
                                cell.push(c);
                                self.r.consume(1);
                                if cell.len() > 400 {
                                    return Err(self.err("a number too long"));
                                }
                            }
                            _ => break,
                        }
                    }
                }
                Some(b) => return Err(self.err(&format!("unexpected `{}` in a row", b as char))),
                None => return Err(self.err("the file ends inside a row")),
            }
            record.push_field(&cell);
            match self.token()? {
                Some(b',') => {}
                Some(b']') => {
                    self.inside = false;
                    return Ok(true);
                }
                Some(b) => return Err(self.err(&format!("expected `,` or `]` in a row, found `{}`", b as char))),
                None => return Err(self.err("the file ends inside a row")),
            }
        }
    }

    fn word(&mut self, rest: &[u8]) -> Result<(), ReadError> {
        for &want in rest {
            if self.byte()? != Some(want) {
                return Err(self.err("a value that is not a string, number, true, false or null"));
            }
        }
        Ok(())
    }

    /// A string's contents (the opening quote read), unescaped.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), ReadError> {
        loop {
            let Some(b) = self.byte()? else { return Err(self.err("the file ends inside a string")) };
            if out.len() > MAX_JSON_STRING {
                return Err(self.err("a string longer than 1 MB"));
            }
            match b {
                b'"' => return Ok(()),
                b'\\' => {
                    let Some(e) = self.byte()? else { return Err(self.err("the file ends inside a string")) };
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                if self.byte()? != Some(b'\\') || self.byte()? != Some(b'u') {
                                    return Err(self.err("a lone surrogate in a string"));
                                }
                                let low = self.hex4()?;
                                code = 0x10000 + ((code - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            let c = char::from_u32(code).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(self.err("a bad escape in a string")),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ReadError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self.byte()?.and_then(|b| (b as char).to_digit(16));
            let Some(d) = d else { return Err(self.err("a bad \\u escape in a string")) };
            v = v * 16 + d;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_c_codes_map_to_iso() {
        let iso = |c: &str| country(c).map(|c| c.as_str().to_string());
        assert_eq!(iso("5880").unwrap(), "JP");
        assert_eq!(iso("5700").unwrap(), "CN");
        assert_eq!(iso("1220").unwrap(), "CA");
        assert_eq!(iso("2010").unwrap(), "MX");
        assert_eq!(iso("4280").unwrap(), "DE");
        assert_eq!(iso("4120").unwrap(), "GB");
        assert_eq!(iso("5800").unwrap(), "KR");
        assert_eq!(iso("5830").unwrap(), "TW");
        assert_eq!(iso("4099").unwrap(), "DK");
        assert_eq!(iso("1010").unwrap(), "GL");
        assert_eq!(iso("7660").unwrap(), "CD");
        assert_eq!(iso("5520").unwrap(), "VN");
        assert_eq!(countries().len(), 239);
        assert!(iso("0003").unwrap_err().contains("aggregate"));
        assert!(iso("4XXX").unwrap_err().contains("continent"));
        assert!(iso("-").unwrap_err().contains("total for all countries"));
        assert!(iso("4803").unwrap_err().contains("Kosovo"));
        assert!(iso("9999").unwrap_err().contains("not in the Census"));
        assert!(iso("JP").unwrap_err().contains("4 digits"));
    }

    #[test]
    fn census_units() {
        assert_eq!(unit("KG"), Some("kg"));
        assert_eq!(unit("NO"), Some("No."));
        assert_eq!(unit("DOZ"), Some("doz."));
        assert_eq!(unit("GR"), Some("gross"));
        assert_eq!(unit("X"), None);
        assert_eq!(unit("CKG"), Some("CKG"));
        // Every mapped unit is one the tool knows.
        for c in ["NO", "KG", "GM", "T", "L", "PFL", "DOZ", "PRS", "DPR", "GR", "M", "M2", "M3", "BBL", "HUN", "THS"] {
            let u = crate::units::Unit::parse(unit(c).unwrap());
            assert!(u.is_some_and(|u| u != crate::units::Unit::Other), "{c}: {u:?}");
        }
    }

    #[test]
    fn json_rows() {
        let text =
            "\u{feff}[[\"I_COMMODITY\",\"CTY_CODE\"],\n[\"0101\",\"5880\"], [\"a\\\"b\\u00e9\", null],[1.5e3,true]]";
        let (mut json, header) =
            CensusJson::open(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())), "t").unwrap();
        assert_eq!(header, ["I_COMMODITY", "CTY_CODE"]);
        let mut r = ByteRecord::new();
        assert!(json.next_row(&mut r).unwrap());
        assert_eq!(r, ByteRecord::from(vec!["0101", "5880"]));
        assert_eq!(json.row, 2);
        assert!(json.next_row(&mut r).unwrap());
        assert_eq!(r, ByteRecord::from(vec!["a\"bé", ""]));
        assert!(json.next_row(&mut r).unwrap());
        assert_eq!(r, ByteRecord::from(vec!["1.5e3", "true"]));
        assert!(!json.next_row(&mut r).unwrap());
        for bad in ["[[\"a\"],[\"b\"", "[[\"a\"]] x", "{\"a\":1}", "[[\"a\"],[{}]]"] {
            let r = CensusJson::open(Box::new(std::io::Cursor::new(bad.as_bytes().to_vec())), "t").and_then(
                |(mut j, _)| {
                    let mut rec = ByteRecord::new();
                    while j.next_row(&mut rec)? {}
                    Ok(())
                },
            );
            assert!(r.is_err(), "{bad}");
        }
    }
}
