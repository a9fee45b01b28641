//! The MFN (column 1) rate source: which rate text applies to an HTS code.
//!
//! The default table (`data/mfn-default.csv`, embedded) covers the HTS lines of the bundled sample
//! and the tests, each with its source. The most specific line wins: a 10-digit line with its own
//! rate, else its 8-digit parent.

use crate::codes::HtsCode;
use crate::rate_text::{RateExpr, RateTextError, SpecialRate, parse_special};
use crate::units::Unit;
use std::collections::HashMap;

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
    /// Special rates by program.
    pub special: Vec<SpecialRate>,
    /// The special text as written.
    pub special_text: String,
    /// The line's unit of quantity.
    pub unit: Option<Unit>,
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
    index: HashMap<u64, usize>,
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

    /// Reads a table with columns `hts,general,special,unit,description,source`.
    pub fn from_csv(text: &str, origin: &str) -> Result<MfnTable, String> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| format!("{origin}: {e}"))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let (Some(h), Some(g)) = (col("hts"), col("general")) else {
            return Err(format!("{origin}: the table needs columns `hts` and `general`"));
        };
        let (s, u, d, src) = (col("special"), col("unit"), col("description"), col("source"));
        let mut table = MfnTable { origin: origin.to_string(), ..MfnTable::default() };
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| format!("{origin}: line {}: {e}", i + 2))?;
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim().to_string();
            let hts = HtsCode::parse(&get(Some(h))).map_err(|e| format!("{origin}: line {}: {e}", i + 2))?;
            let general_text = get(Some(g));
            let special_text = get(s);
            table.insert(MfnLine {
                hts,
                general: RateExpr::parse(&general_text),
                general_text,
                special: parse_special(&special_text),
                special_text,
                unit: Unit::parse(&get(u)),
                description: get(d),
                source: get(src),
            });
        }
        Ok(table)
    }

    /// Adds a line (a later line for the same code replaces the earlier one).
    pub fn insert(&mut self, line: MfnLine) {
        let key = line.hts.key();
        match self.index.get(&key) {
            Some(&i) => self.lines[i] = line,
            None => {
                self.index.insert(key, self.lines.len());
                self.lines.push(line);
            }
        }
    }

    /// The most specific line for `hts`: its own 10-digit line, else its 8-digit line.
    pub fn lookup(&self, hts: &HtsCode) -> Result<&MfnLine, MfnLookupError> {
        for n in [10, 8] {
            if hts.len() >= n
                && let Some(&i) = self.index.get(&hts.prefix_key(n))
            {
                return Ok(&self.lines[i]);
            }
        }
        if hts.len() < 8 { Err(MfnLookupError::TooShort) } else { Err(MfnLookupError::NotFound) }
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
    }
}
