//! Excel workbooks (`.xlsx`, `.xls`), read with the `calamine` crate (pure Rust): an ES-003 report
//! as exported from ACE, or a flow table (a sheet whose header has the flow columns) saved as Excel.
//!
//! **Memory.** calamine reads a whole sheet into memory before its first row is given: a workbook
//! is not streamed as a CSV file is (an ES-003 sheet of a million rows takes a few hundred MB). For
//! a report larger than that, export it from ACE as CSV.
//!
//! **Cells.** Each cell is read as text, then checked exactly as the CSV report's fields are:
//! - a number in an ES-003 money column (entered value, duty amount) is the shortest decimal that the
//!   stored double round-trips to, rounded half away from zero to the cent: Excel keeps amounts as
//!   binary doubles, an ACE amount has cents, so this gives back exactly the amount Excel shows with
//!   a currency format (`850`, `1234.56`);
//! - a date cell (or a plain number in the date column, as a serial of the 1900 date system) is its
//!   calendar date (the time of day is dropped; 1904 workbooks are read as such);
//! - a number in the HTS column is its digits, with the leading zero a number loses put back
//!   (9 digits -> 10, 7 -> 8: chapters 01-09);
//! - any other number (a flow table's `customs_value` too) is written as Excel shows it at full
//!   precision, 15 significant digits (`1`, not `1.0`; `1234.56`; a formula's `0.1 + 0.2` is `0.3`).
//!
//! A reject names the file and the sheet's row number (as Excel shows it) in place of a line.

use super::FieldSource;
use super::es003::{CellRole, Converter, Es003Columns, is_es003_header};
use super::reader::{CHUNK_BYTES, Chunk, ChunkSource, ReadError, RecordKind, Span};
use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Range, Reader, open_workbook_auto};
use rust_decimal::{Decimal, RoundingStrategy};
use std::path::Path;

/// The rows searched for the header at the top of each sheet (ACE puts a title above it in some
/// exports).
pub const HEADER_SEARCH_ROWS: usize = 20;

/// True for a path that names a workbook read with calamine (by its extension).
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xls", "xlsb"].contains(&e.to_ascii_lowercase().as_str()))
}

/// What a sheet holds.
enum Layout {
    /// An ES-003 report, converted to flow records.
    Es003(Box<Converter>),
    /// A flow table: each row is a flow record as it is; the role of each column.
    Flows(Vec<CellRole>),
}

/// Which sheets to take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// The first sheet with an ES-003 header or a flow header.
    Any,
    /// An ES-003 report only.
    Es003,
    /// A flow table only.
    Flows,
}

/// The sheet of a workbook read: its rows and where the header is.
pub struct Sheet {
    /// The sheet's name.
    pub sheet: String,
    /// The header's cells as text.
    pub header: Vec<String>,
    range: Range<Data>,
    /// The header's row in `range` (0-based).
    header_at: usize,
    /// The next row to read (0-based, in `range`).
    next: usize,
    layout: Layout,
    cells: Cells,
}

/// A row's cells as text.
#[derive(Default)]
struct Cells(Vec<String>);

impl FieldSource for Cells {
    fn field(&self, i: usize) -> &[u8] {
        self.0.get(i).map_or(b"", |s| s.as_bytes())
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A cell as a person reads it (for headers and text columns).
fn plain_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => excel_number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(d) => date_text(d),
        Data::Error(e) => e.to_string(),
    }
}

/// A number cell as Excel shows it at full precision: 15 significant digits (the precision Excel
/// keeps), without trailing zeros or an exponent. A typed `1234.56` is `1234.56`; a formula's
/// `0.1 + 0.2` is `0.3`, not the double's `0.30000000000000004`.
fn excel_number(f: f64) -> String {
    if !f.is_finite() {
        return format!("{f}");
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Rust writes an integral double without a point or an exponent.
        return format!("{f}");
    }
    match Decimal::from_scientific(&format!("{f:.14e}")) {
        Ok(d) => d.normalize().to_string(),
        // Beyond a decimal's range: the shortest round-trip text (refused where an amount is read).
        Err(_) => format!("{f}"),
    }
}

fn date_text(d: &ExcelDateTime) -> String {
    let (y, m, day, ..) = d.to_ymd_hms_milli();
    format!("{y:04}-{m:02}-{day:02}")
}

/// A cell as text for its column's role (see the module's notes).
fn cell_text(cell: &Data, role: CellRole) -> String {
    match (role, cell) {
        (CellRole::Money, Data::Float(f)) if f.is_finite() => {
            // The shortest decimal that round-trips (Rust's `{}` for a double, never an exponent).
            let shortest = format!("{f}");
            match Decimal::from_str_exact(&shortest) {
                Ok(d) => format!("{:.2}", d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)),
                Err(_) => shortest,
            }
        }
        (CellRole::Date, Data::Float(f)) if f.is_finite() && *f >= 1.0 => {
            date_text(&ExcelDateTime::new(*f, ExcelDateTimeType::DateTime, false))
        }
        (CellRole::Date, Data::DateTimeIso(s)) => s.chars().take(10).collect(),
        (CellRole::Hts, Data::Float(f)) if f.fract() == 0.0 && *f >= 1.0 && *f < 1e10 => pad_hts(format!("{f}")),
        (CellRole::Hts, Data::Int(i)) if *i > 0 => pad_hts(i.to_string()),
        _ => plain_text(cell),
    }
}

/// Puts back the leading zero of an HTS number of chapters 01-09 read from a number.
fn pad_hts(digits: String) -> String {
    if digits.len() == 9 || digits.len() == 7 { format!("0{digits}") } else { digits }
}

impl Sheet {
    /// Opens the workbook at `path` and finds the first sheet with a header of the kind wanted (an
    /// ES-003 report's, or a flow file's: `hts`, `origin`, `entry_date`, `customs_value`) in its top
    /// [`HEADER_SEARCH_ROWS`] rows.
    pub fn open(path: &Path, name: &str, want: Want) -> Result<Sheet, ReadError> {
        let mut wb = open_workbook_auto(path).map_err(|e| ReadError(format!("cannot open {name}: {e}")))?;
        let mut seen = Vec::new();
        for sheet in wb.sheet_names() {
            let range = wb
                .worksheet_range(&sheet)
                .map_err(|e| ReadError(format!("{name}: cannot read sheet `{sheet}`: {e}")))?;
            for (i, row) in range.rows().take(HEADER_SEARCH_ROWS).enumerate() {
                let mut header: Vec<String> = row.iter().map(plain_text).collect();
                // The range is as wide as its widest row: the header ends at its last name.
                while header.last().is_some_and(|h| h.trim().is_empty()) {
                    header.pop();
                }
                let lower: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
                let layout = if want != Want::Flows && is_es003_header(&lower) {
                    let cols = Es003Columns::from_header(&header)
                        .map_err(|e| ReadError(format!("{name}: sheet `{sheet}` row {}: {e}", sheet_row(&range, i))))?;
                    Layout::Es003(Box::new(Converter::new(cols)))
                } else if want != Want::Es003 && super::REQUIRED.iter().all(|r| lower.iter().any(|n| n == r)) {
                    let roles = lower
                        .iter()
                        .map(|n| match n.as_str() {
                            "hts" => CellRole::Hts,
                            "entry_date" | "loaded_date" => CellRole::Date,
                            _ => CellRole::Text,
                        })
                        .collect();
                    Layout::Flows(roles)
                } else {
                    continue;
                };
                return Ok(Sheet { sheet, header, range, header_at: i, next: i + 1, layout, cells: Cells::default() });
            }
            seen.push(format!("`{sheet}`"));
        }
        let what = match want {
            Want::Any => {
                "an ES-003 header (`Entry Summary Number`, `HTS Number - Full` ...) or a flow header (`hts`, `origin`, `entry_date`, `customs_value`)"
            }
            Want::Es003 => "an ES-003 header (`Entry Summary Number`, `HTS Number - Full` ...)",
            Want::Flows => "a flow header (`hts`, `origin`, `entry_date`, `customs_value`)",
        };
        Err(ReadError(format!(
            "{name}: no sheet has {what} in its first {HEADER_SEARCH_ROWS} rows (sheets: {})",
            if seen.is_empty() { "none".to_string() } else { seen.join(", ") }
        )))
    }

    /// The report's columns, when the sheet is an ES-003 report.
    pub fn es003_columns(&self) -> Option<&Es003Columns> {
        match &self.layout {
            Layout::Es003(c) => Some(c.columns()),
            Layout::Flows(_) => None,
        }
    }

    /// The sheet row (1-based, as Excel numbers it) of the header.
    pub fn header_row(&self) -> u64 {
        sheet_row(&self.range, self.header_at)
    }

    /// The number of columns of the header.
    fn width(&self) -> usize {
        match &self.layout {
            Layout::Es003(c) => c.columns().width(),
            Layout::Flows(roles) => roles.len(),
        }
    }

    fn role(&self, c: usize) -> CellRole {
        match &self.layout {
            Layout::Es003(conv) => conv.columns().role(c),
            Layout::Flows(roles) => roles.get(c).copied().unwrap_or(CellRole::Text),
        }
    }
}

/// The sheet row number (1-based) of row `i` of `range`.
fn sheet_row(range: &Range<Data>, i: usize) -> u64 {
    u64::from(range.start().map_or(0, |(r, _)| r)) + i as u64 + 1
}

impl ChunkSource for Sheet {
    fn fill(&mut self, out: &mut Chunk) -> Result<bool, ReadError> {
        out.clear();
        let height = self.range.height();
        let width = self.range.width();
        let header_width = self.width();
        while self.next < height && out.bytes.len() < CHUNK_BYTES && out.rejected.len() < 4096 {
            let i = self.next;
            self.next += 1;
            let mut cells = std::mem::take(&mut self.cells);
            cells.0.clear();
            let mut blank = true;
            for c in 0..width {
                let cell = self.range.get((i, c)).unwrap_or(&Data::Empty);
                let text = cell_text(cell, self.role(c));
                blank &= text.trim().is_empty();
                cells.0.push(text);
            }
            // A blank row is skipped, as a blank line is; the range is as wide as its widest row,
            // and a row is read to the header's width (wider rows keep their extra cells, and are
            // refused for it).
            if !blank {
                while cells.0.len() > header_width && cells.0.last().is_some_and(|c| c.is_empty()) {
                    cells.0.pop();
                }
                while cells.0.len() < header_width {
                    cells.0.push(String::new());
                }
                let row = sheet_row(&self.range, i);
                match &mut self.layout {
                    Layout::Es003(conv) => conv.push(row, &cells, out),
                    Layout::Flows(_) => {
                        let start = out.bytes.len();
                        super::input::push_comma_record(&mut out.bytes, cells.0.iter().map(|c| c.as_bytes()));
                        let end = out.bytes.len();
                        let quoted = out.bytes[start..end].contains(&b'"');
                        out.bytes.push(b'\n');
                        let kind = if quoted { RecordKind::Quoted } else { RecordKind::Plain };
                        out.spans.push(Span { start, end, line: row, kind });
                    }
                }
            }
            self.cells = cells;
        }
        if self.next >= height
            && let Layout::Es003(conv) = &mut self.layout
        {
            conv.close(out);
        }
        Ok(!out.spans.is_empty() || !out.rejected.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_cells() {
        assert_eq!(cell_text(&Data::Float(850.0), CellRole::Money), "850.00");
        assert_eq!(cell_text(&Data::Float(1234.56), CellRole::Money), "1234.56");
        assert_eq!(cell_text(&Data::Float(0.1 + 0.2), CellRole::Money), "0.30");
        assert_eq!(
            cell_text(&Data::Float(2.675), CellRole::Money),
            "2.68",
            "the decimal 2.675, not the double below it"
        );
        assert_eq!(cell_text(&Data::Float(-12.0), CellRole::Money), "-12.00");
        assert_eq!(cell_text(&Data::Float(45755.0), CellRole::Date), "2025-04-08");
        assert_eq!(cell_text(&Data::Float(101210010.0), CellRole::Hts), "0101210010");
        assert_eq!(cell_text(&Data::Float(3923900080.0), CellRole::Hts), "3923900080");
        assert_eq!(cell_text(&Data::Float(99030125.0), CellRole::Hts), "99030125");
        assert_eq!(cell_text(&Data::Float(1.0), CellRole::Text), "1");
        assert_eq!(cell_text(&Data::Float(1234.56), CellRole::Text), "1234.56");
        assert_eq!(cell_text(&Data::Float(0.1 + 0.2), CellRole::Text), "0.3");
        assert_eq!(cell_text(&Data::Float(12.345), CellRole::Text), "12.345");
        assert_eq!(cell_text(&Data::Float(1e-7), CellRole::Text), "0.0000001");
        assert_eq!(cell_text(&Data::Float(123456789012.5), CellRole::Text), "123456789012.5");
        assert_eq!(cell_text(&Data::String("JP".into()), CellRole::Text), "JP");
    }
}
