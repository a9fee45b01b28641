//! ACE ES-003 reports ("Entry Summary Line Tariff Details", from the ACE Reports folder Entry
//! Summary) read as flows, so that `run`, `compare` and `refund` take the file an importer already
//! has, CSV or Excel, unchanged.
//!
//! The report has one row per tariff ordinal of an entry summary line: the goods row (a chapter
//! 1-97 HTS number with the line's entered value, country of origin and dates) and, beside it, the
//! Chapter 99 rows of the duties declared on the line (`9903.01.25` ...) with their duty amounts.
//! The rows of one line (same `Entry Summary Number` and `Entry Summary Line Number`, next to each
//! other, in any order) become one flow: its HTS number, origin, entry date and customs value are
//! the goods row's; `declared` holds the Chapter 99 headings of the other rows (what ACE reports is
//! what was declared); `entry_number` the entry; `ieepa_paid` the sum of the duty amounts of its
//! IEEPA headings (9903.01.xx and 9903.02.xx, the subchapter of the IEEPA duties; a test checks that
//! the bundled scenarios' IEEPA measures cite only these and no other measure does).
//!
//! **Counting.** One entry line is one row read, however many tariff ordinals it has: it is either
//! assessed or rejected once (at the row and column at fault, named as in the report), so that
//! `rows read = assessed + rejected` counts entry lines.
//!
//! **Memory.** Rows are converted as they are read (a CSV report streams like a flow file); only the
//! line being grouped is held, with the line numbers of the current entry and the last
//! [`RECENT_ENTRIES`] entries (to refuse the rows of a line or entry that turn up again after
//! others: the report must be sorted by entry and line, as ACE exports it; further back a repeat is
//! not seen).
//!
//! The column names are those of the ACE export as third-party ES-003 readers and importers' guides
//! spell them (no CBP data dictionary of ES-003 was found): see `docs/contracts.md`.

use super::reader::{CHUNK_BYTES, Chunk, ChunkSource, FieldSplitter, ReadError, RecordKind, RecordReader, Span};
use super::{FieldSource, Reject};
use crate::codes::{Country, Declared, Heading, HtsCode};
use crate::date::Date;
use crate::money::parse_amount;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};

/// How many closed entries are remembered to refuse an entry whose rows turn up again.
pub const RECENT_ENTRIES: usize = 4096;

/// The flow columns of the records made from a report, in order.
pub const FLOW_HEADER: [&str; 11] = [
    "entry_number",
    "entry_line",
    "hts",
    "origin",
    "entry_date",
    "customs_value",
    "quantity",
    "quantity_unit",
    "spi",
    "declared",
    "ieepa_paid",
];

/// The report columns read (names matched case-insensitively after trimming; the first name of
/// each is the one ACE exports, the others spellings seen in re-saved reports).
mod names {
    pub(super) const ENTRY: &[&str] = &["entry summary number"];
    pub(super) const LINE: &[&str] = &["entry summary line number"];
    pub(super) const HTS: &[&str] = &["hts number - full", "hts number full", "hts number"];
    pub(super) const ORIGIN: &[&str] = &["country of origin code"];
    pub(super) const ENTRY_DATE: &[&str] = &["entry date"];
    pub(super) const SUMMARY_DATE: &[&str] = &["entry summary date"];
    pub(super) const VALUE: &[&str] = &["line tariff goods value amount", "line goods value amount"];
    pub(super) const DUTY: &[&str] = &["line tariff duty amount"];
    pub(super) const QUANTITY: &[&str] = &["line tariff quantity (1)", "line tariff quantity"];
    pub(super) const UNIT: &[&str] = &["line tariff uom (1) code", "line tariff uom code"];
    pub(super) const SPI: &[&str] = &["line spi code"];
}

/// True when a header (names lower-cased and trimmed) is an ES-003 report's: it has the entry
/// summary number and the HTS number columns.
pub fn is_es003_header(names: &[String]) -> bool {
    let has = |options: &[&str]| names.iter().any(|n| options.contains(&n.as_str()));
    has(names::ENTRY) && has(names::HTS)
}

/// What a column holds, for reading spreadsheet cells (a number in a money column is read to the
/// cent, in a date column as a date serial, in the HTS column as a code whose leading zero a
/// number loses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellRole {
    /// An amount in USD.
    Money,
    /// A date.
    Date,
    /// An HTS number.
    Hts,
    /// Anything else.
    Text,
}

/// Where the report's columns are, with their names as written in the header.
#[derive(Clone, Debug)]
pub struct Es003Columns {
    entry: usize,
    line: usize,
    hts: usize,
    origin: usize,
    date: usize,
    value: usize,
    duty: usize,
    quantity: Option<usize>,
    unit: Option<usize>,
    spi: Option<usize>,
    /// The header's names as written (trimmed).
    written: Vec<String>,
}

impl Es003Columns {
    /// Maps a header (names as written). Fails when a column read is missing.
    pub fn from_header(header: &[String]) -> Result<Es003Columns, String> {
        let lower: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let n = if i == 0 { n.trim_start_matches('\u{feff}') } else { n };
                n.trim().to_ascii_lowercase()
            })
            .collect();
        let find = |options: &[&str]| lower.iter().position(|n| options.contains(&n.as_str()));
        let mut missing = Vec::new();
        let mut need = |options: &[&'static str]| {
            find(options).unwrap_or_else(|| {
                missing.push(options[0]);
                0
            })
        };
        let entry = need(names::ENTRY);
        let line = need(names::LINE);
        let hts = need(names::HTS);
        let origin = need(names::ORIGIN);
        let value = need(names::VALUE);
        let duty = need(names::DUTY);
        // The date of entry; a report without that column is read at its entry summary date.
        let date = match find(names::ENTRY_DATE).or_else(|| find(names::SUMMARY_DATE)) {
            Some(d) => d,
            None => need(names::ENTRY_DATE),
        };
        if !missing.is_empty() {
            return Err(format!(
                "the ES-003 report lacks the column{} {}: add {} to the report's fields in ACE and export it again",
                if missing.len() > 1 { "s" } else { "" },
                missing.iter().map(|m| format!("`{}`", title(m))).collect::<Vec<_>>().join(", "),
                if missing.len() > 1 { "them" } else { "it" }
            ));
        }
        Ok(Es003Columns {
            entry,
            line,
            hts,
            origin,
            date,
            value,
            duty,
            quantity: find(names::QUANTITY),
            unit: find(names::UNIT),
            spi: find(names::SPI),
            written: header.iter().map(|n| n.trim().trim_start_matches('\u{feff}').to_string()).collect(),
        })
    }

    /// The role of column `i`, for reading spreadsheet cells.
    pub fn role(&self, i: usize) -> CellRole {
        if i == self.value || i == self.duty {
            CellRole::Money
        } else if i == self.date {
            CellRole::Date
        } else if i == self.hts {
            CellRole::Hts
        } else {
            CellRole::Text
        }
    }

    /// The number of columns.
    pub fn width(&self) -> usize {
        self.written.len()
    }

    /// The report's column (as written in its header) that a flow column of the converted records
    /// comes from, for reject reports.
    pub fn original_columns(&self) -> Vec<(&'static str, String)> {
        let w = |i: usize| self.written[i].clone();
        let mut v = vec![
            ("entry_number", w(self.entry)),
            ("entry_line", w(self.line)),
            ("hts", w(self.hts)),
            ("origin", w(self.origin)),
            ("entry_date", w(self.date)),
            ("customs_value", w(self.value)),
            ("declared", w(self.hts)),
            ("ieepa_paid", w(self.duty)),
        ];
        for (flow, col) in [("quantity", self.quantity), ("quantity_unit", self.unit), ("spi", self.spi)] {
            if let Some(i) = col {
                v.push((flow, w(i)));
            }
        }
        v
    }
}

/// `entry summary number` -> `Entry Summary Number`, for messages.
fn title(lower: &str) -> String {
    lower
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) if w != "-" => f.to_uppercase().chain(c).collect(),
                _ => w.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace("Hts", "HTS")
        .replace("Uom", "UOM")
        .replace("Spi", "SPI")
}

/// True for the headings of the IEEPA duties: 9903.01.xx and 9903.02.xx (HTS chapter 99,
/// subchapter III, the headings the IEEPA executive orders added).
pub fn is_ieepa_heading(h: Heading) -> bool {
    let s = h.to_string();
    s.starts_with("9903.01.") || s.starts_with("9903.02.")
}

/// An amount as ACE exports it: `$1,234.56`, `1234.56`, `(12.00)` or `-12.00` (negative). Exact:
/// the text is read as a decimal, never through a float.
pub fn parse_money(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty; an amount is required".into());
    }
    let (negative, body) = match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => match t.strip_prefix('-') {
            Some(r) => (true, r.trim_start()),
            None => (false, t),
        },
    };
    let body = body.strip_prefix('$').unwrap_or(body).trim_start();
    let body = body.strip_prefix('-').map_or(body, |_| "");
    let plain: String;
    let digits = if body.contains(',') {
        if !super::hints::thousands_grouped(body, ',', '.') {
            return Err(format!("`{t}` is not an amount (digits, `.` and thousands separators grouped by three)"));
        }
        plain = body.replace(',', "");
        &plain
    } else {
        body
    };
    let v = parse_amount(digits).map_err(|e| format!("`{t}` {e}"))?;
    Ok(if negative { -v } else { v })
}

/// A date as ACE exports it: `MM/DD/YYYY` (`M/D/YYYY` too, a time after a space ignored), or
/// `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let t = text.trim();
    let day = t.split_once(' ').map_or(t, |(d, _)| d);
    if let Ok(d) = Date::parse(day) {
        return Ok(d);
    }
    let parts: Vec<&str> = day.split('/').collect();
    let num = |p: &str, max_len: usize| -> Option<u32> {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok()).flatten()
    };
    if let [m, d, y] = parts.as_slice()
        && y.len() == 4
        && let (Some(m), Some(d), Some(y)) = (num(m, 2), num(d, 2), num(y, 4))
    {
        return Date::from_ymd(y as i32, m, d).map_err(|_| format!("`{t}`: no such day in the calendar"));
    }
    if t.is_empty() {
        return Err("is empty; a date is required".into());
    }
    Err(format!("`{t}` is not a date as ACE exports it (MM/DD/YYYY) or YYYY-MM-DD"))
}

/// The line of a report being grouped.
#[derive(Default)]
struct Group {
    entry: String,
    line: String,
    /// The row the line starts on.
    first_row: u64,
    goods: Option<Goods>,
    declared: Declared,
    ieepa_paid: Decimal,
    /// The first fault found in its rows.
    failed: Option<Reject>,
}

/// The goods row of a line, checked.
struct Goods {
    row: u64,
    hts: HtsCode,
    origin: Country,
    date: Date,
    value: Decimal,
    quantity: Option<Decimal>,
    unit: String,
    spi: String,
}

/// Groups the rows of a report into flow records (comma-separated, [`FLOW_HEADER`]), each span
/// on the line of its goods row, and files a line that cannot be converted in
/// [`Chunk::rejected`], at the row and column at fault.
pub struct Converter {
    cols: Es003Columns,
    group: Option<Group>,
    /// Line numbers of the current entry met so far (bounded, see [`RECENT_ENTRIES`]).
    entry_lines: HashSet<String>,
    /// Entries closed lately, oldest first, and as a set.
    recent: VecDeque<String>,
    recent_set: HashSet<String>,
}

impl Converter {
    /// A converter for rows under these columns.
    pub fn new(cols: Es003Columns) -> Converter {
        Converter {
            cols,
            group: None,
            entry_lines: HashSet::new(),
            recent: VecDeque::new(),
            recent_set: HashSet::new(),
        }
    }

    /// The columns.
    pub fn columns(&self) -> &Es003Columns {
        &self.cols
    }

    /// The line number of a row as a key (`001` and `1` are one line).
    fn line_key(text: &str) -> Cow<'_, str> {
        let t = text.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            let s = t.trim_start_matches('0');
            Cow::Borrowed(if s.is_empty() { "0" } else { s })
        } else {
            Cow::Borrowed(t)
        }
    }

    /// Adds one report row (on `row`, its line in the file or its row in the sheet); a line whose
    /// rows are all in goes to `out`.
    pub fn push<F: FieldSource + ?Sized>(&mut self, row: u64, fields: &F, out: &mut Chunk) {
        // Fields as trimmed text, borrowed from the row (copied only when not UTF-8).
        let text = |i: usize| -> Cow<'_, str> {
            match String::from_utf8_lossy(fields.field(i)) {
                Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
                Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
            }
        };
        let entry = text(self.cols.entry);
        let line_text = text(self.cols.line);
        let line = Self::line_key(&line_text);
        let same = self.group.as_ref().is_some_and(|g| g.entry == *entry && g.line == *line);
        if !same {
            self.close(out);
            let mut g = Group { entry: entry.to_string(), line: line.to_string(), first_row: row, ..Group::default() };
            self.open_checks(&mut g, row);
            self.group = Some(g);
        }
        let cols = &self.cols;
        let Some(g) = self.group.as_mut() else { return };
        if g.failed.is_some() {
            return;
        }
        let fail = |g: &mut Group, column: usize, value: &str, reason: String| {
            g.failed =
                Some(Reject { line: row, column: cols.written[column].clone(), value: value.to_string(), reason });
        };
        if fields.len() != cols.width() {
            g.failed = Some(Reject {
                line: row,
                column: String::new(),
                value: String::new(),
                reason: format!("the row has {} fields; the header has {}", fields.len(), cols.width()),
            });
            return;
        }
        if entry.is_empty() {
            return fail(g, cols.entry, &entry, "is empty; every row needs its entry summary number".into());
        }
        if line.is_empty() {
            return fail(g, cols.line, &line, "is empty; every row needs its entry summary line number".into());
        }
        let hts_text = text(cols.hts);
        // Its digits (dots and spaces dropped), on the stack: an HTS number has at most 10.
        let mut buf = [0u8; 16];
        let mut n = 0;
        for b in hts_text.bytes().filter(|b| *b != b'.' && *b != b' ') {
            if n < buf.len() {
                buf[n] = b;
            }
            n += 1;
        }
        let digits = if n <= buf.len() { std::str::from_utf8(&buf[..n]).unwrap_or("") } else { "" };
        if digits.starts_with("9903") && (digits.len() == 8 || (digits.len() == 10 && digits.ends_with("00"))) {
            let Ok(h) = Heading::parse(&digits[..8]) else {
                return fail(g, cols.hts, &hts_text, format!("`{hts_text}` is not a Chapter 99 heading"));
            };
            if let Err(e) = g.declared.insert(h) {
                return fail(g, cols.hts, &hts_text, format!("{e} (entry {} line {})", g.entry, g.line));
            }
            if is_ieepa_heading(h) {
                let duty_text = text(cols.duty);
                match parse_money(&duty_text) {
                    Ok(v) => g.ieepa_paid += v,
                    Err(e) => return fail(g, cols.duty, &duty_text, format!("IEEPA duty amount of {h} {e}")),
                }
            }
            return;
        }
        if digits.starts_with("98") || digits.starts_with("99") {
            return fail(
                g,
                cols.hts,
                &hts_text,
                format!(
                    "`{hts_text}` is a chapter 98/99 provision other than a 9903 heading (goods returned, assembled abroad, a temporary reduction ...): tariffstack does not price it; give this line as a flow with its `mfn_rate`"
                ),
            );
        }
        if let Some(other) = &g.goods {
            let first = other.row;
            return fail(
                g,
                cols.hts,
                &hts_text,
                format!(
                    "a second goods HTS number on entry {} line {} (the first on row {first}): one line has one",
                    g.entry, g.line
                ),
            );
        }
        let hts = match HtsCode::parse(&hts_text) {
            Ok(h) => h,
            Err(e) => return fail(g, cols.hts, &hts_text, e),
        };
        let origin_text = text(cols.origin);
        let origin = match Country::parse(&origin_text) {
            Ok(c) => c,
            Err(e) => {
                let reason = super::hints::country(&origin_text).unwrap_or(e);
                return fail(g, cols.origin, &origin_text, reason);
            }
        };
        let date_text = text(cols.date);
        let date = match parse_date(&date_text) {
            Ok(d) => d,
            Err(e) => return fail(g, cols.date, &date_text, e),
        };
        let value_text = text(cols.value);
        let value = match parse_money(&value_text) {
            Ok(v) if v.is_sign_negative() && !v.is_zero() => {
                return fail(
                    g,
                    cols.value,
                    &value_text,
                    "is negative; the entered value of a goods line is 0 or more".into(),
                );
            }
            Ok(v) => v,
            Err(e) => return fail(g, cols.value, &value_text, format!("entered value {e}")),
        };
        let mut quantity = None;
        if let Some(q) = cols.quantity {
            let t = text(q);
            if !t.is_empty() {
                match parse_money(&t) {
                    Ok(v) if !v.is_sign_negative() || v.is_zero() => quantity = Some(v),
                    Ok(_) => return fail(g, q, &t, "is negative; a quantity is 0 or more".into()),
                    Err(e) => return fail(g, q, &t, format!("quantity {e}")),
                }
            }
        }
        let unit = cols.unit.map(|i| text(i).into_owned()).unwrap_or_default();
        let spi = cols.spi.map(|i| text(i).into_owned()).unwrap_or_default();
        g.goods = Some(Goods { row, hts, origin, date, value, quantity, unit, spi });
    }

    /// A row that could not be read at all (a quote never closed): its line is refused.
    pub fn push_broken(&mut self, reject: Reject, out: &mut Chunk) {
        self.close(out);
        out.rejected.push(reject);
    }

    /// Refuses a line whose rows come after other lines' (the report is not sorted by entry and
    /// line): its first rows were already read as a line of their own.
    fn open_checks(&mut self, g: &mut Group, row: u64) {
        let entry_changed = self.recent.back().is_none_or(|last| *last != g.entry);
        if entry_changed {
            if self.recent_set.contains(&g.entry) {
                g.failed = Some(Reject {
                    line: row,
                    column: self.cols.written[self.cols.entry].clone(),
                    value: g.entry.clone(),
                    reason: format!(
                        "entry {} turns up again after other entries: the rows of one entry must be together; sort the report by Entry Summary Number and Entry Summary Line Number (its earlier rows were read without these)",
                        g.entry
                    ),
                });
            }
            self.entry_lines.clear();
            if self.recent.len() == RECENT_ENTRIES
                && let Some(old) = self.recent.pop_front()
            {
                self.recent_set.remove(&old);
            }
            self.recent.push_back(g.entry.clone());
            self.recent_set.insert(g.entry.clone());
        }
        if g.failed.is_none() && !self.entry_lines.insert(g.line.clone()) {
            g.failed = Some(Reject {
                line: row,
                column: self.cols.written[self.cols.line].clone(),
                value: g.line.clone(),
                reason: format!(
                    "entry {} line {} turns up again after other lines: the rows of one line must be together; sort the report by Entry Summary Number and Entry Summary Line Number (its earlier rows were read without these)",
                    g.entry, g.line
                ),
            });
        }
        if self.entry_lines.len() > 100_000 {
            self.entry_lines.clear();
        }
    }

    /// Closes the line being grouped: its flow record to `out`, or its reject.
    pub fn close(&mut self, out: &mut Chunk) {
        let Some(g) = self.group.take() else { return };
        if let Some(r) = g.failed {
            out.rejected.push(r);
            return;
        }
        let Some(goods) = g.goods else {
            out.rejected.push(Reject {
                line: g.first_row,
                column: self.cols.written[self.cols.hts].clone(),
                value: String::new(),
                reason: format!(
                    "entry {} line {} has only Chapter 99 rows: its goods row (a chapter 1-97 HTS number with the entered value) is missing",
                    g.entry, g.line
                ),
            });
            return;
        };
        let start = out.bytes.len();
        let b = &mut out.bytes;
        crate::text::push_csv_field(b, g.entry.as_bytes());
        b.push(b',');
        crate::text::push_csv_field(b, g.line.as_bytes());
        b.push(b',');
        b.extend_from_slice(goods.hts.dotted().as_bytes());
        b.push(b',');
        b.extend_from_slice(goods.origin.as_str().as_bytes());
        b.push(b',');
        b.extend_from_slice(goods.date.to_string().as_bytes());
        b.push(b',');
        b.extend_from_slice(goods.value.to_string().as_bytes());
        b.push(b',');
        if let Some(q) = goods.quantity {
            b.extend_from_slice(q.to_string().as_bytes());
        }
        b.push(b',');
        crate::text::push_csv_field(b, goods.unit.as_bytes());
        b.push(b',');
        crate::text::push_csv_field(b, goods.spi.as_bytes());
        b.push(b',');
        let declared: Vec<String> = g.declared.iter().map(|h| h.to_string()).collect();
        b.extend_from_slice(declared.join(";").as_bytes());
        b.push(b',');
        b.extend_from_slice(format!("{:.2}", g.ieepa_paid).as_bytes());
        let end = b.len();
        let kind = if b[start..end].contains(&b'"') { RecordKind::Quoted } else { RecordKind::Plain };
        b.push(b'\n');
        out.spans.push(Span { start, end, line: goods.row, kind });
    }
}

/// A CSV ES-003 report read as flow records, streaming.
pub struct Es003Csv {
    reader: RecordReader,
    chunk: Chunk,
    fields: FieldSplitter,
    converter: Converter,
    done: bool,
}

impl Es003Csv {
    /// The report read by `reader` (its header already read), under `cols`.
    pub fn new(reader: RecordReader, cols: Es003Columns) -> Es003Csv {
        let fields = FieldSplitter::with_delimiter(reader.delimiter);
        Es003Csv { reader, chunk: Chunk::default(), fields, converter: Converter::new(cols), done: false }
    }
}

impl ChunkSource for Es003Csv {
    fn fill(&mut self, out: &mut Chunk) -> Result<bool, ReadError> {
        out.clear();
        while !self.done && out.bytes.len() < CHUNK_BYTES && out.rejected.len() < 4096 {
            if !self.reader.fill(&mut self.chunk)? {
                self.converter.close(out);
                self.done = true;
                break;
            }
            for span in &self.chunk.spans {
                if let RecordKind::UnclosedQuote { last_line } = span.kind {
                    let reason = format!(
                        "the row opens a quote that is never closed: the rest of the file (lines {} to {last_line}) was read as this one row; close the quote",
                        span.line
                    );
                    let r = Reject { line: span.line, column: String::new(), value: String::new(), reason };
                    self.converter.push_broken(r, out);
                    continue;
                }
                let fields = self.fields.split(&self.chunk, span);
                self.converter.push(span.line, &fields, out);
            }
        }
        Ok(!out.spans.is_empty() || !out.rejected.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_as_exported() {
        let d = |s: &str| parse_money(s).map(|v| v.to_string());
        assert_eq!(d("$850.00").unwrap(), "850.00");
        assert_eq!(d("1,234.56").unwrap(), "1234.56");
        assert_eq!(d("$10,000.00").unwrap(), "10000.00");
        assert_eq!(d("(12.00)").unwrap(), "-12.00");
        assert_eq!(d("-$3.10").unwrap(), "-3.10");
        assert!(d("12,34.00").is_err());
        assert!(d("1e3").is_err());
        assert!(d("").is_err());
        assert!(d("--1").is_err());
    }

    #[test]
    fn dates_as_exported() {
        assert_eq!(parse_date("04/08/2025").unwrap().to_string(), "2025-04-08");
        assert_eq!(parse_date("4/8/2025").unwrap().to_string(), "2025-04-08");
        assert_eq!(parse_date("04/08/2025 12:00:00 AM").unwrap().to_string(), "2025-04-08");
        assert_eq!(parse_date("2025-04-08").unwrap().to_string(), "2025-04-08");
        assert!(parse_date("02/30/2025").unwrap_err().contains("no such day"));
        assert!(parse_date("08.04.2025").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, ..Default::default() })]

        /// Any rows, good or bad, in any order: every entry line (a run of rows with one key) comes
        /// out once, as a record or a reject, and nothing panics.
        #[test]
        fn every_line_comes_out_once(rows in proptest::collection::vec((
            proptest::sample::select(vec!["E1", "E2", "E3", ""]),
            proptest::sample::select(vec!["1", "2", "01", ""]),
            proptest::sample::select(vec!["9903.01.25", "9903.88.15", "3923900080", "9802.00.80", "99", "x", ""]),
            proptest::sample::select(vec!["$1,000.00", "(5.00)", "0", "1,00", "", "$"]),
            proptest::sample::select(vec!["IN", "UK", ""]),
            proptest::sample::select(vec!["04/08/2025", "2025-04-08", "13/45/2025", ""]),
        ), 0..40)) {
            let header: Vec<String> = ["Entry Summary Number", "Entry Summary Line Number", "HTS Number - Full",
                "Line Tariff Goods Value Amount", "Line Tariff Duty Amount", "Country of Origin Code", "Entry Date"]
                .iter().map(|s| s.to_string()).collect();
            let mut conv = Converter::new(Es003Columns::from_header(&header).unwrap());
            let mut out = Chunk::default();
            let mut lines = 0;
            let mut last: Option<(String, String)> = None;
            for (k, (e, l, h, v, o, d)) in rows.iter().enumerate() {
                let key = (e.to_string(), Converter::line_key(l).into_owned());
                if last.as_ref() != Some(&key) {
                    lines += 1;
                    last = Some(key);
                }
                let rec = csv::ByteRecord::from(vec![*e, *l, *h, *v, *v, *o, *d]);
                conv.push(k as u64 + 2, &rec, &mut out);
            }
            conv.close(&mut out);
            proptest::prop_assert_eq!(out.spans.len() + out.rejected.len(), lines);
            // Every record made reads back as a flow, on the line of a row given.
            let mut parser = crate::flow::RowParser::new(&FLOW_HEADER.iter().collect()).unwrap();
            for s in &out.spans {
                proptest::prop_assert!(s.line >= 2 && s.line < rows.len() as u64 + 2);
                let parsed = parser.parse(&out, s);
                proptest::prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
            }
        }
    }

    #[test]
    fn ieepa_headings() {
        let h = |s: &str| Heading::parse(s).unwrap();
        assert!(is_ieepa_heading(h("9903.01.25")));
        assert!(is_ieepa_heading(h("9903.02.72")));
        assert!(!is_ieepa_heading(h("9903.03.01")));
        assert!(!is_ieepa_heading(h("9903.88.15")));
    }
}
