//! The MFN (column 1) rate source: which rate text applies to an HTS code.
//!
//! The default table (`data/mfn-default.csv`, embedded) covers the HTS lines of the bundled sample
//! and the tests, each with its source. With `--hts FILE` the table is built from the official USITC
//! export instead ([`MfnTable::from_hts_path`]). The most specific line with a rate wins: a 10-digit
//! line with its own rate, else its 8-digit line; an 8-digit code whose rate the HTS sets on its one
//! 10-digit line (`0101.30.00.00`) finds that line.

use crate::codes::{HtsCode, HtsKeyHash};
use crate::hts_file::{HtsFile, HtsFileError};
use crate::rate_text::{RateExpr, RateTextError, SpecialRate, parse_special};
use crate::units::Unit;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The embedded default MFN table (CSV text).
pub const DEFAULT_TABLE: &str = include_str!("../data/mfn-default.csv");

/// One HTS line with its column-1 rates.
#[derive(Clone, Debug)]
pub struct MfnLine {
    /// The line's code (8 or 10 digits).
    pub hts: HtsCode,
    /// The general rate, or why it cannot be priced by arithmetic.
    pub general: Result<RateExpr, RateTextError>,
    /// The general rate text as written.
    pub general_text: String,
    /// Special rates by program (shared between the lines with the same special text).
    pub special: Arc<[SpecialRate]>,
    /// The special text as written.
    pub special_text: String,
    /// The Column 2 rate (General Note 3(b)), when the source gives one; the rate text as written.
    pub column2: Option<(Result<RateExpr, RateTextError>, String)>,
    /// The line's unit of quantity: the unit of its specific rate when the line reports in it, else
    /// its first unit.
    pub unit: Option<Unit>,
    /// Every unit the line (or, for an 8-digit line, its statistical lines) reports in.
    pub units: Vec<Unit>,
    /// Description.
    pub description: String,
    /// Where the rate comes from.
    pub source: String,
}

/// Why no MFN line was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfnLookupError {
    /// No line for the code in the table.
    NotFound,
    /// The code is shorter than the level rates are set at.
    TooShort,
}

/// An MFN lookup table.
#[derive(Clone, Debug, Default)]
pub struct MfnTable {
    lines: Vec<MfnLine>,
    index: HashMap<u64, usize, HtsKeyHash>,
    /// 8-digit key -> the 10-digit line under it with a rate, when there is one (or all agree).
    only_child: HashMap<u64, Option<usize>, HtsKeyHash>,
    /// Where the table came from (for messages).
    pub origin: String,
}

impl MfnTable {
    /// The embedded default table.
    pub fn embedded() -> MfnTable {
        // The embedded table is checked by a unit test; a broken one is a build defect.
        MfnTable::from_csv(DEFAULT_TABLE, "embedded default table (data/mfn-default.csv)")
            .unwrap_or_else(|e| panic!("embedded MFN table is invalid: {e}"))
    }

    /// Reads a table with columns `hts,general,special,unit,description,source` and, optionally,
    /// `column2` (the Column 2 rate; empty when not known).
    pub fn from_csv(text: &str, origin: &str) -> Result<MfnTable, String> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| format!("{origin}: {e}"))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let (Some(h), Some(g)) = (col("hts"), col("general")) else {
            return Err(format!("{origin}: the table needs columns `hts` and `general`"));
        };
        let (s, u, d, src) = (col("special"), col("unit"), col("description"), col("source"));
        let c2 = col("column2");
        let mut table = MfnTable { origin: origin.to_string(), ..MfnTable::default() };
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| format!("{origin}: line {}: {e}", i + 2))?;
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
            let hts = HtsCode::parse(&get(Some(h))).map_err(|e| format!("{origin}: line {}: {e}", i + 2))?;
            let general_text = get(Some(g));
            let special_text = get(s);
            let unit = Unit::parse(&get(u));
            let column2_text = get(c2);
            table.insert(MfnLine {
                hts,
                general: RateExpr::parse(&general_text),
                general_text,
                special: parse_special(&special_text).into(),
                special_text,
                column2: (!column2_text.is_empty()).then(|| (RateExpr::parse(&column2_text), column2_text)),
                unit,
                units: unit.into_iter().collect(),
                description: get(d),
                source: get(src),
            });
        }
        Ok(table)
    }

    /// Builds the table from the official USITC export: one line per 8- or 10-digit line with a
    /// General rate; an 8-digit line takes the units of its statistical lines.
    pub fn from_hts_file(file: &HtsFile) -> MfnTable {
        let origin = format!("HTS file {}", file.name);
        let mut table = MfnTable { origin: origin.clone(), ..MfnTable::default() };
        // Units of the statistical lines that inherit an 8-digit line's rate.
        let mut inherited: HashMap<usize, Vec<Unit>> = HashMap::new();
        for (i, row) in file.rows.iter().enumerate() {
            if row.general.is_empty()
                && let Some(r) = file.rate_row(i)
            {
                let units = inherited.entry(r).or_default();
                for u in &row.units {
                    if !units.contains(u) {
                        units.push(*u);
                    }
                }
            }
        }
        // Many lines share a text: parse each distinct text once.
        let mut generals: HashMap<&str, Result<RateExpr, RateTextError>> = HashMap::new();
        let mut specials: HashMap<&str, Arc<[SpecialRate]>> = HashMap::new();
        for (i, row) in file.rows.iter().enumerate() {
            let Some(hts) = row.hts.filter(|h| h.len() >= 8) else { continue };
            if row.general.is_empty() {
                continue;
            }
            let general = generals.entry(&row.general).or_insert_with(|| RateExpr::parse(&row.general)).clone();
            let special =
                Arc::clone(specials.entry(&row.special).or_insert_with(|| parse_special(&row.special).into()));
            let units = if row.units.is_empty() { inherited.remove(&i).unwrap_or_default() } else { row.units.clone() };
            let rate_unit = general.as_ref().ok().and_then(RateExpr::specific_unit);
            let unit = rate_unit
                .and_then(|ru| units.iter().copied().find(|u| u.converts_to(ru)))
                .or_else(|| units.first().copied());
            table.insert(MfnLine {
                hts,
                general,
                general_text: row.general.clone(),
                special,
                special_text: row.special.clone(),
                column2: (!row.column2.is_empty()).then(|| (RateExpr::parse(&row.column2), row.column2.clone())),
                unit,
                units,
                description: file.short_path(i),
                source: format!("{origin}, line {}", row.line),
            });
        }
        table
    }

    /// Reads the official USITC export at `path` and builds the table from it.
    pub fn from_hts_path(path: &Path) -> Result<MfnTable, HtsFileError> {
        Ok(MfnTable::from_hts_file(&HtsFile::from_path(path)?))
    }

    /// Adds a line (a later line for the same code replaces the earlier one).
    pub fn insert(&mut self, line: MfnLine) {
        let key = line.hts.key();
        let i = match self.index.get(&key) {
            Some(&i) => {
                self.lines[i] = line;
                i
            }
            None => {
                self.index.insert(key, self.lines.len());
                self.lines.push(line);
                self.lines.len() - 1
            }
        };
        let hts = self.lines[i].hts;
        if hts.len() == 10 {
            let lines = &self.lines;
            let same = |j: usize| {
                lines[j].general_text == lines[i].general_text
                    && lines[j].special_text == lines[i].special_text
                    && lines[j].column2.as_ref().map(|c| &c.1) == lines[i].column2.as_ref().map(|c| &c.1)
            };
            self.only_child
                .entry(hts.prefix_key(8))
                .and_modify(|c| *c = c.filter(|&j| j == i || same(j)))
                .or_insert(Some(i));
        }
    }

    /// The most specific line with a rate for `hts`: its own 10-digit line, else its 8-digit line,
    /// else (for a code of 8 or more digits) the 10-digit line the HTS sets the subheading's rate on,
    /// when there is one or all such lines agree.
    pub fn lookup(&self, hts: &HtsCode) -> Result<&MfnLine, MfnLookupError> {
        self.lookup_index(hts).map(|i| &self.lines[i])
    }

    /// The index in [`MfnTable::lines`] of the line [`MfnTable::lookup`] finds (for callers that
    /// remember it, such as the engine's per-code memo).
    pub fn lookup_index(&self, hts: &HtsCode) -> Result<usize, MfnLookupError> {
        for n in [10, 8] {
            if hts.len() >= n
                && let Some(&i) = self.index.get(&hts.prefix_key(n))
            {
                return Ok(i);
            }
        }
        if hts.len() < 8 {
            return Err(MfnLookupError::TooShort);
        }
        match self.only_child.get(&hts.prefix_key(8)) {
            Some(Some(i)) => Ok(*i),
            Some(None) if hts.len() == 8 => Err(MfnLookupError::TooShort),
            _ => Err(MfnLookupError::NotFound),
        }
    }

    /// Up to `n` lines of the table nearest to a code it has no line for: those sharing its longest
    /// prefix (8, 6, 4 or 2 digits), nearest in number first. For messages only (a scan of the table).
    pub fn nearest(&self, hts: &HtsCode, n: usize) -> Vec<HtsCode> {
        let d = hts.digits();
        let value = |c: &HtsCode| format!("{:0<10}", c.digits()).parse::<i64>().unwrap_or(0);
        let target = value(hts);
        for len in [8, 6, 4, 2] {
            if d.len() < len {
                continue;
            }
            let mut near: Vec<HtsCode> =
                self.lines.iter().map(|l| l.hts).filter(|c| c.digits().starts_with(&d[..len])).collect();
            if !near.is_empty() {
                near.sort_by_key(|c| ((value(c) - target).abs(), c.digits().to_string()));
                near.dedup_by(|a, b| a.digits() == b.digits());
                near.truncate(n);
                return near;
            }
        }
        Vec::new()
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// All lines.
    pub fn lines(&self) -> &[MfnLine] {
        &self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_loads_and_every_general_rate_prices() {
        let t = MfnTable::embedded();
        assert!(!t.is_empty());
        for line in t.lines() {
            assert!(line.general.is_ok(), "{}: {:?}", line.hts, line.general);
            assert!(!line.source.is_empty(), "{} has no source", line.hts);
        }
    }

    #[test]
    fn most_specific_line_wins() {
        let csv = "hts,general,special,unit,description,source\n8703.23.01,2.5%,,No.,cars,t\n8703.23.01.90,3%,,No.,other cars,t\n";
        let t = MfnTable::from_csv(csv, "test").unwrap();
        let code = |s| HtsCode::parse(s).unwrap();
        assert_eq!(t.lookup(&code("8703230190")).unwrap().general_text, "3%");
        assert_eq!(t.lookup(&code("8703230110")).unwrap().general_text, "2.5%");
        assert_eq!(t.lookup(&code("87032301")).unwrap().general_text, "2.5%");
        assert_eq!(t.lookup(&code("870323")).unwrap_err(), MfnLookupError::TooShort);
        assert_eq!(t.lookup(&code("87032401")).unwrap_err(), MfnLookupError::NotFound);
        let near: Vec<String> = t.nearest(&code("87032401"), 3).iter().map(|c| c.dotted()).collect();
        assert!(!near.is_empty() && near.iter().all(|c| c.starts_with("8703.2")), "{near:?}");
    }

    #[test]
    fn from_the_official_file_a_statistical_line_inherits_its_8_digit_rate() {
        let f = HtsFile::from_bytes(crate::hts_file::tests::SAMPLE.as_bytes(), "sample.csv").unwrap();
        let t = MfnTable::from_hts_file(&f);
        let code = |s| HtsCode::parse(s).unwrap();
        let horse = t.lookup(&code("0101.21.00.10")).unwrap();
        assert_eq!((horse.hts, horse.general_text.as_str()), (code("0101.21.00"), "Free"));
        assert_eq!(horse.units, vec![Unit::Number]);
        assert_eq!(horse.source, "HTS file sample.csv, line 4");
        let cattle = t.lookup(&code("0102.29.40.28")).unwrap();
        assert_eq!(cattle.units, vec![Unit::Number, Unit::Kilogram]);
        assert_eq!(cattle.unit, Some(Unit::Kilogram), "the unit the specific rate is charged in");
        // The rate of 0101.30 is set on its one 10-digit line; the 8-digit code finds it.
        let asses = t.lookup(&code("0101.30.00")).unwrap();
        assert_eq!((asses.hts, asses.general_text.as_str()), (code("0101.30.00.00"), "6.8%"));
        assert_eq!(t.lookup(&code("0101.30.00.90")).unwrap().hts, code("0101.30.00.00"));
        assert_eq!(t.lookup(&code("9802.00.91.00")).unwrap_err(), MfnLookupError::NotFound, "no rate, no line");
        assert!(t.lookup(&code("9822.04.01")).unwrap().general.is_err(), "a reference is found, then refused");
    }

    #[test]
    fn differing_10_digit_rates_under_one_8_digit_code_are_not_guessed() {
        let csv = "hts,general\n1234.56.78.10,1%\n1234.56.78.20,2%\n";
        let t = MfnTable::from_csv(csv, "test").unwrap();
        let code = |s| HtsCode::parse(s).unwrap();
        assert_eq!(t.lookup(&code("1234.56.78")).unwrap_err(), MfnLookupError::TooShort);
        assert_eq!(t.lookup(&code("1234.56.78.20")).unwrap().general_text, "2%");
        assert_eq!(t.lookup(&code("1234.56.78.30")).unwrap_err(), MfnLookupError::NotFound);
    }
}
