//! The official USITC HTS export, read as published: a CSV file (UTF-8, with or without a BOM) with
//! the columns `HTS Number`, `Indent`, `Description`, `Unit of Quantity` (a JSON list such as
//! `["No.","kg"]`), `General Rate of Duty`, `Special Rate of Duty`, `Column 2 Rate of Duty`, ...
//!
//! Rows without a number are headings of the description tree (their `Indent` places them). Rates
//! are set on 8-digit lines, and the 10-digit statistical lines under them inherit the rate; some
//! 10-digit lines carry their own rate (those with no 8-digit line above them). [`HtsFile`] keeps every
//! row for `hts lookup`; [`crate::mfn::MfnTable::from_hts_file`] builds the MFN lookup from it, and
//! [`HtsFile::coverage`] says which rate texts are priced and which need a rule.

use crate::codes::HtsCode;
use crate::codes::HtsKeyHash;
use crate::rate_text::{NeedsRule, RateExpr, RateForm, parse_special_groups};
use crate::units::Unit;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

/// An error reading an HTS file, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HtsFileError {
    /// The file (as given).
    pub file: String,
    /// The line in the file, when the error is in one row.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for HtsFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for HtsFileError {}

/// One row of the export.
#[derive(Clone, Debug)]
pub struct HtsRow {
    /// The HTS number (4 to 10 digits); `None` for a heading row of the description tree.
    pub hts: Option<HtsCode>,
    /// The `Indent` level (0 for headings).
    pub indent: u8,
    /// The description, as written.
    pub description: String,
    /// The units of quantity, as written (`No.`, `kg`).
    pub unit_texts: Vec<String>,
    /// The units of quantity, parsed.
    pub units: Vec<Unit>,
    /// The General (column 1) rate text; empty when the line inherits its parent's.
    pub general: String,
    /// The Special rate text.
    pub special: String,
    /// The Column 2 rate text (General Note 3(b): Cuba, North Korea; Russia and Belarus by Pub. L.
    /// 117-110); empty when the line inherits its parent's or the file has no such column.
    pub column2: String,
    /// The line in the file where the row starts (1-based).
    pub line: u64,
    /// The row above this one in the description tree.
    pub parent: Option<usize>,
}

/// A USITC HTS export, every row in file order.
#[derive(Clone, Debug, Default)]
pub struct HtsFile {
    /// The file name, for messages (`hts_2025_basic_usitc.csv`).
    pub name: String,
    /// The rows.
    pub rows: Vec<HtsRow>,
    index: HashMap<u64, usize, HtsKeyHash>,
}

/// How one distinct rate text is handled (its form, or the rule it needs and why), and its lines.
type Tally = (Result<RateForm, (NeedsRule, String)>, Vec<HtsCode>);

/// The Column 2 rate column (read when present).
const COLUMN_2: &str = "Column 2 Rate of Duty";

/// The columns read, by their names in the USITC export.
const COLUMNS: [&str; 6] =
    ["HTS Number", "Indent", "Description", "Unit of Quantity", "General Rate of Duty", "Special Rate of Duty"];

impl HtsFile {
    /// Reads the file at `path`; errors name the file and the line.
    pub fn from_path(path: &Path) -> Result<HtsFile, HtsFileError> {
        let bytes = crate::files::read_regular(path, crate::files::MAX_HTS_BYTES).map_err(|e| HtsFileError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read the HTS file: {e}"),
        })?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        HtsFile::from_bytes(&bytes, &name)
    }

    /// Reads an export from memory; `name` is used in messages.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<HtsFile, HtsFileError> {
        let err = |line: Option<u64>, message: String| HtsFileError { file: name.to_string(), line, message };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let headers = rdr.headers().map_err(|e| err(Some(1), format!("cannot read the header: {e}")))?.clone();
        let mut col = [0usize; 6];
        // Optional: a file without it prices column 2 origins as "no column 2 rate" (refused).
        let column2_col = headers.iter().position(|h| h.trim().eq_ignore_ascii_case(COLUMN_2));
        for (slot, name) in col.iter_mut().zip(COLUMNS) {
            *slot = headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name)).ok_or_else(|| {
                err(
                    Some(1),
                    format!("no column `{name}`: this is not a USITC HTS export (columns {})", COLUMNS.join(", ")),
                )
            })?;
        }
        // About one row per 105 bytes in the USITC export.
        let rows = bytes.len() / 100;
        let mut file = HtsFile { name: name.to_string(), rows: Vec::with_capacity(rows), index: HashMap::default() };
        file.index.reserve(rows);
        // The open headings above the current row: (indent, row index).
        let mut stack: Vec<(u8, usize)> = Vec::new();
        let mut rec = csv::StringRecord::new();
        let mut counted = (0, 1);
        loop {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map(|p| line_at(bytes, p.byte() as usize, &mut counted));
                    return Err(err(line, format!("cannot read the row: {e}")));
                }
            }
            let line = line_at(bytes, rec.position().map_or(0, |p| p.byte() as usize), &mut counted);
            if rec.len() != headers.len() {
                // A cut or merged row would shift or lose its rates: refused, never read in part.
                return Err(err(
                    Some(line),
                    format!("the row has {} fields; the header has {}", rec.len(), headers.len()),
                ));
            }
            let get = |i: usize| rec.get(col[i]).unwrap_or("").trim();
            let number = get(0);
            let hts = if number.is_empty() {
                None
            } else {
                Some(HtsCode::parse(number).map_err(|e| err(Some(line), format!("column `HTS Number`: {e}")))?)
            };
            let indent_text = get(1);
            let indent: u8 = if indent_text.is_empty() {
                0
            } else {
                indent_text.parse().map_err(|_| {
                    err(Some(line), format!("column `Indent`: `{indent_text}` is not a small whole number"))
                })?
            };
            let unit_texts =
                unit_list(get(3)).map_err(|m| err(Some(line), format!("column `Unit of Quantity`: {m}")))?;
            let units = unit_texts.iter().filter_map(|u| Unit::parse(u)).collect();
            while stack.last().is_some_and(|&(i, _)| i >= indent) {
                stack.pop();
            }
            let parent = stack.last().map(|&(_, r)| r);
            let i = file.rows.len();
            stack.push((indent, i));
            if let Some(h) = hts
                && let Some(first) = file.index.insert(h.key(), i)
            {
                // The same line twice: which rate holds is unknown, so neither is taken.
                return Err(err(
                    Some(line),
                    format!(
                        "HTS number `{}` is here and on line {} too; keep one of the two rows",
                        h.dotted(),
                        file.rows[first].line
                    ),
                ));
            }
            file.rows.push(HtsRow {
                hts,
                indent,
                description: get(2).to_string(),
                unit_texts,
                units,
                general: get(4).to_string(),
                special: get(5).to_string(),
                column2: column2_col.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string(),
                line,
                parent,
            });
        }
        if file.rows.is_empty() {
            return Err(err(None, "has no rows".into()));
        }
        Ok(file)
    }

    /// The row of exactly this code.
    pub fn find(&self, hts: &HtsCode) -> Option<usize> {
        self.index.get(&hts.key()).copied()
    }

    /// The row whose General rate applies to row `i`: the row itself when it has a rate, else its
    /// 8-digit line when that has one.
    pub fn rate_row(&self, i: usize) -> Option<usize> {
        let row = &self.rows[i];
        if !row.general.is_empty() {
            return Some(i);
        }
        let h = row.hts?;
        if h.len() > 8 {
            return self.find(&h.prefix(8)).filter(|&p| !self.rows[p].general.is_empty());
        }
        None
    }

    /// The rows from the top of the description tree down to row `i` (included).
    pub fn ancestry(&self, i: usize) -> Vec<usize> {
        let mut out = vec![i];
        let mut at = i;
        while let Some(p) = self.rows[at].parent {
            out.push(p);
            at = p;
        }
        out.reverse();
        out
    }

    /// A one-line description of row `i`: its ancestors' descriptions, shortened, joined with ` > `
    /// (the style of the embedded table).
    pub fn short_path(&self, i: usize) -> String {
        let chain = self.ancestry(i);
        let last = chain.len() - 1;
        let mut out = String::with_capacity(160);
        for (k, &r) in chain.iter().enumerate() {
            if k > 0 {
                out.push_str(" > ");
            }
            push_short(&mut out, self.rows[r].description.trim_end_matches(':'), if k == last { 80 } else { 40 });
        }
        out
    }

    /// What the file holds and which rate texts are priced or need a rule.
    pub fn coverage(&self) -> Coverage {
        let mut c = Coverage { rows: self.rows.len(), ..Coverage::default() };
        let mut general: BTreeMap<&str, Tally> = BTreeMap::new();
        let mut special: BTreeMap<String, Tally> = BTreeMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            let Some(h) = row.hts else { continue };
            match h.len() {
                8 => c.lines8 += 1,
                10 => {
                    c.lines10 += 1;
                    if self.rate_row(i).is_none() {
                        c.statistical_without_rate.push(h);
                    }
                }
                _ => c.headings += 1,
            }
            if !row.general.is_empty() {
                if h.len() == 10 {
                    c.rated10 += 1;
                } else {
                    c.rated8 += 1;
                }
                let entry = general.entry(row.general.as_str()).or_insert_with(|| {
                    (RateExpr::parse(&row.general).map(|r| r.form()).map_err(|e| (e.kind, e.reason)), Vec::new())
                });
                entry.1.push(h);
            }
            for g in parse_special_groups(&row.special) {
                let text = match &g.rate {
                    Ok(r) => r.text.clone(),
                    Err(e) => e.text.clone(),
                };
                let entry = special.entry(text).or_insert_with(|| {
                    (g.rate.as_ref().map(|r| r.form()).map_err(|e| (e.kind, e.reason.clone())), Vec::new())
                });
                entry.1.push(h);
            }
        }
        c.general = TextCoverage::from_map(general.into_iter().map(|(t, v)| (t.to_string(), v)));
        c.special = TextCoverage::from_map(special.into_iter());
        c
    }
}

/// The line (1-based) of the record starting at byte `at`. The CSV reader's own record line can be
/// one short in a CRLF file (the record's position is then the `\n` ending the previous record), so
/// the line is counted from the bytes, skipping line terminators before the record. `counted` carries
/// (byte, line) forward, so the whole file is scanned once.
fn line_at(bytes: &[u8], mut at: usize, counted: &mut (usize, u64)) -> u64 {
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    let (from, mut line) = *counted;
    if at >= from {
        line += bytes[from..at].iter().filter(|&&b| b == b'\n').count() as u64;
        *counted = (at, line);
    }
    line
}

/// Parses the `Unit of Quantity` cell: a JSON list of strings (`["No.","kg"]`), or a plain unit as
/// older exports write it. `No. and kg` is two units; blank entries are dropped.
fn unit_list(cell: &str) -> Result<Vec<String>, String> {
    if let Some(inner) = cell.strip_prefix("[\"").and_then(|c| c.strip_suffix("\"]"))
        && !inner.contains(['\\', ','])
    {
        // `["kg"]`, the common case, without a JSON parser.
        return Ok(unit_list_items(std::iter::once(inner)));
    }
    let raw: Vec<String> = if cell.is_empty() {
        Vec::new()
    } else if cell.starts_with('[') {
        serde_json::from_str(cell).map_err(|e| format!("`{cell}` is not a JSON list of strings: {e}"))?
    } else {
        vec![cell.to_string()]
    };
    Ok(unit_list_items(raw.iter().map(String::as_str)))
}

fn unit_list_items<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    items
        .flat_map(|u| u.split(" and "))
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            if u.contains(char::is_whitespace) { u.split_whitespace().collect::<Vec<_>>().join(" ") } else { u.into() }
        })
        .collect()
}

/// Appends `text`, cut at a word boundary to at most `max` characters and marked `...` when cut.
fn push_short(out: &mut String, text: &str, max: usize) {
    let end = if text.len() <= max { None } else { text.char_indices().nth(max).map(|(b, _)| b) };
    let Some(end) = end else {
        out.push_str(text);
        return;
    };
    let cut = &text[..end];
    let cut = cut.rfind(' ').map_or(cut, |j| &cut[..j]);
    out.push_str(cut.trim_end_matches([',', ';', ':', ' ']));
    out.push_str("...");
}

/// What an HTS file holds and how its rate texts are handled.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Rows in the file (headings of the description tree included).
    pub rows: usize,
    /// Numbered rows of 4 or 6 digits.
    pub headings: usize,
    /// 8-digit lines.
    pub lines8: usize,
    /// 10-digit (statistical) lines.
    pub lines10: usize,
    /// 8-digit lines with a General rate.
    pub rated8: usize,
    /// 10-digit lines with their own General rate.
    pub rated10: usize,
    /// 10-digit lines with no General rate of their own or from their 8-digit line.
    pub statistical_without_rate: Vec<HtsCode>,
    /// The General rate texts.
    pub general: TextCoverage,
    /// The groups of the Special rate texts (one per rate and program list).
    pub special: TextCoverage,
}

impl Coverage {
    /// True when every General rate text is priced or classed with the rule it needs.
    pub fn all_general_handled(&self) -> bool {
        self.general.needs_rule.iter().all(|n| n.kind.is_understood())
    }
}

/// How a set of rate texts is handled: counts by line and by distinct text.
#[derive(Clone, Debug, Default)]
pub struct TextCoverage {
    /// Lines (or groups) carrying a text.
    pub lines: usize,
    /// Distinct texts.
    pub distinct: usize,
    /// Lines priced by arithmetic.
    pub priced_lines: usize,
    /// Distinct texts priced.
    pub priced_distinct: usize,
    /// Lines priced, by form.
    pub by_form: BTreeMap<RateForm, usize>,
    /// The texts that need a rule, with their lines.
    pub needs_rule: Vec<NeedsRuleText>,
}

impl TextCoverage {
    fn from_map(map: impl Iterator<Item = (String, Tally)>) -> Self {
        let mut c = TextCoverage::default();
        for (text, (res, lines)) in map {
            c.lines += lines.len();
            c.distinct += 1;
            match res {
                Ok(form) => {
                    c.priced_lines += lines.len();
                    c.priced_distinct += 1;
                    *c.by_form.entry(form).or_default() += lines.len();
                }
                Err((kind, reason)) => c.needs_rule.push(NeedsRuleText { text, kind, reason, lines }),
            }
        }
        c.needs_rule
            .sort_by(|a, b| a.kind.cmp(&b.kind).then(b.lines.len().cmp(&a.lines.len())).then(a.text.cmp(&b.text)));
        c
    }

    /// Lines needing a rule, by kind.
    pub fn needs_rule_by_kind(&self) -> BTreeMap<NeedsRule, (usize, usize)> {
        let mut m: BTreeMap<NeedsRule, (usize, usize)> = BTreeMap::new();
        for n in &self.needs_rule {
            let e = m.entry(n.kind).or_default();
            e.0 += n.lines.len();
            e.1 += 1;
        }
        m
    }
}

/// A rate text that needs a rule, with the lines that carry it.
#[derive(Clone, Debug)]
pub struct NeedsRuleText {
    /// The text as written (normalised).
    pub text: String,
    /// The class of rule needed.
    pub kind: NeedsRule,
    /// Why, in words.
    pub reason: String,
    /// The HTS lines carrying it.
    pub lines: Vec<HtsCode>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The first rows of chapter 1 of the 2025 Basic Edition, as exported (BOM, quoted fields).
    pub(crate) const SAMPLE: &str = "\u{feff}HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties
\"0101\",\"0\",\"Live horses, asses, mules and hinnies:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"\",\"1\",\"Horses:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"0101.21.00\",\"2\",\"Purebred breeding animals\",\"\",\"Free\",\"\",\"Free\",\"\",\"\"
\"0101.21.00.10\",\"3\",\"Males\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"0101.21.00.20\",\"3\",\"Females\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"0101.30.00.00\",\"1\",\"Asses\",\"[\"\"No.\"\"]\",\"6.8%\",\"Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)\",\"15%\",\"\",\"\"
\"0102.29.40\",\"3\",\"Other\",\"\",\"1¢/kg\",\"Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)\",\"5.5¢/kg\",\"\",\"\"
\"\",\"4\",\"Weighing less than 90 kg each:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"0102.29.40.24\",\"5\",\"Male\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"0102.29.40.28\",\"5\",\"Female\",\"[\"\"No.\"\",\"\"kg\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"9802.00.91.00\",\"0\",\"Textile goods assembled in Mexico\",\"[\"\"\\n\"\"]\",\"\",\"Free (See U.S. note 4 of this subchapter)\",\"\",\"\",\"\"
\"9822.04.01\",\"1\",\"Beef\",\"\",\"See 9822.04.01\",\"\",\"\",\"\",\"\"
";

    fn code(s: &str) -> HtsCode {
        HtsCode::parse(s).unwrap()
    }

    #[test]
    fn reads_the_export_with_bom_quotes_units_and_indent() {
        let f = HtsFile::from_bytes(SAMPLE.as_bytes(), "sample.csv").unwrap();
        assert_eq!(f.rows.len(), 12);
        let i = f.find(&code("0101.21.00.10")).unwrap();
        assert_eq!(f.rows[i].units, vec![Unit::Number]);
        assert_eq!(f.rows[i].line, 5);
        assert_eq!(
            f.short_path(i),
            "Live horses, asses, mules and hinnies > Horses > Purebred breeding animals > Males"
        );
        assert_eq!(f.rate_row(i), f.find(&code("0101.21.00")));
        let j = f.find(&code("0102.29.40.28")).unwrap();
        assert_eq!(f.rows[j].units, vec![Unit::Number, Unit::Kilogram]);
        assert_eq!(f.rows[f.rows[j].parent.unwrap()].description, "Weighing less than 90 kg each:");
        let k = f.find(&code("9802.00.91.00")).unwrap();
        assert!(f.rows[k].units.is_empty(), "a blank unit is no unit");
        assert_eq!(f.rate_row(k), None);
    }

    #[test]
    fn line_numbers_hold_in_a_crlf_file_and_after_a_field_spanning_lines() {
        let crlf = SAMPLE.replace('\n', "\r\n");
        let f = HtsFile::from_bytes(crlf.as_bytes(), "crlf.csv").unwrap();
        assert_eq!(f.rows[f.find(&code("0101.21.00.10")).unwrap()].line, 5);
        assert_eq!(f.rows[f.find(&code("9822.04.01")).unwrap()].line, 13);
        let multi = SAMPLE.replace("\"Asses\"", "\"Asses,\nof all kinds\"");
        let f = HtsFile::from_bytes(multi.as_bytes(), "multi.csv").unwrap();
        assert_eq!(f.rows[f.find(&code("0101.30.00.00")).unwrap()].line, 7);
        assert_eq!(f.rows[f.find(&code("0102.29.40")).unwrap()].line, 9);
    }

    #[test]
    fn coverage_counts_priced_and_needing_a_rule() {
        let c = HtsFile::from_bytes(SAMPLE.as_bytes(), "sample.csv").unwrap().coverage();
        assert_eq!((c.lines8, c.lines10, c.rated8, c.rated10), (3, 6, 3, 1));
        assert_eq!(c.statistical_without_rate, vec![code("9802.00.91.00")]);
        assert_eq!((c.general.lines, c.general.priced_lines), (4, 3));
        assert_eq!(c.general.needs_rule[0].kind, NeedsRule::Reference);
        assert_eq!(c.general.needs_rule[0].lines, vec![code("9822.04.01")]);
        assert!(c.all_general_handled());
        assert_eq!(c.special.needs_rule[0].text, "Free (See U.S. note 4 of this subchapter)");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = HtsFile::from_bytes(b"hts,general\n8703.23.01,2.5%\n", "x.csv").unwrap_err();
        assert!(e.to_string().starts_with("x.csv:1: no column `HTS Number`"), "{e}");
        let bad = SAMPLE.replace("\"0102.29.40\",\"3\"", "\"0102.2X.40\",\"3\"");
        let e = HtsFile::from_bytes(bad.as_bytes(), "x.csv").unwrap_err();
        assert_eq!(e.line, Some(8), "{e}");
        let bad = SAMPLE.replace("[\"\"No.\"\"]\",\"6.8%", "[\"\"No.\"\",\"6.8%");
        assert!(HtsFile::from_bytes(bad.as_bytes(), "x.csv").is_err());
    }

    #[test]
    fn a_line_twice_or_a_cut_row_is_refused_with_its_lines() {
        // The same line twice: neither rate is taken silently.
        let row = SAMPLE.lines().find(|l| l.starts_with("\"0102.29.40\"")).unwrap();
        let twice = format!("{SAMPLE}{row}\n");
        let e = HtsFile::from_bytes(twice.as_bytes(), "x.csv").unwrap_err();
        let last = twice.lines().count() as u64;
        assert_eq!(e.line, Some(last), "{e}");
        assert!(e.to_string().contains("HTS number `0102.29.40` is here and on line 8 too"), "{e}");
        // A row cut short (fewer fields than the header).
        let cut = format!("{SAMPLE}\"0106.11.00\",\"1\",\"Primates\"\n");
        let e = HtsFile::from_bytes(cut.as_bytes(), "x.csv").unwrap_err();
        assert!(e.to_string().contains("the row has 3 fields; the header has 9"), "{e}");
    }

    #[test]
    fn unit_cells() {
        assert_eq!(unit_list("[\"No.\",\"kg\"]").unwrap(), vec!["No.", "kg"]);
        assert_eq!(unit_list("[\"No. and kg\"]").unwrap(), vec!["No.", "kg"]);
        assert_eq!(unit_list("[\"\\n\"]").unwrap(), Vec::<String>::new());
        assert_eq!(unit_list("kg").unwrap(), vec!["kg"]);
        assert!(unit_list("[\"kg\"").is_err());
    }
}
