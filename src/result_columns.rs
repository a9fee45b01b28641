//! The result columns `run` appends to every row (see `docs/flows.md`): `scenario, mfn_duty,
//! additional_duty, total_duty, effective_rate, measures, citations`, written straight into the
//! output line. One writer serves the fast path ([`Priced`]) and the full assessment
//! ([`Assessment`]), so the two cannot format differently.

use crate::engine::{Assessment, DutyLine, Engine, Priced};
use crate::money::push_fixed_bytes;
use rust_decimal::Decimal;

/// The result columns, in order.
pub const RESULT_COLUMNS: [&str; 7] =
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"];

/// Writes the result columns of one engine's rows. The scenario name is escaped once; measure ids
/// (lower-case letters, digits, `_`) and citations (`99NN.NN.NN`) are checked when the scenario is
/// loaded, so they never need quotes and are written as they are.
#[derive(Debug, Clone)]
pub struct ResultColumnWriter {
    /// The scenario name as a CSV field (quoted when it needs quotes).
    scenario: Vec<u8>,
    /// The scenario name as it is.
    name: Vec<u8>,
}

/// Where the result fields of a row go, one after the other: a CSV line (`Vec<u8>`: each field
/// after a comma, as text) or typed columns (Parquet output). The writers of the result columns call
/// it, so that both outputs hold the same values.
pub trait ResultSink {
    /// A text field whose bytes `write` appends: text that never needs CSV quotes (measure ids,
    /// citations, names). An empty field is null in typed columns.
    fn text(&mut self, write: impl FnOnce(&mut Vec<u8>));
    /// A text field that may need quotes: `value` as it is, `csv` as a CSV field (quoted if needed).
    fn quoted_text(&mut self, value: &[u8], csv: &[u8]);
    /// A decimal with exactly `places` places (rounded half away from zero, as
    /// [`push_fixed_bytes`] writes it), or an empty field (null) for `None`.
    fn fixed(&mut self, v: Option<Decimal>, places: u32);
    /// A [`ResultSink::text`] field that is a function of `key` alone among one engine's rows (when
    /// `key` is known; see `list_key`): typed columns take the text of a key met before without
    /// calling `write`. A CSV line writes it.
    #[inline]
    fn keyed_text(&mut self, key: Option<u128>, write: impl FnOnce(&mut Vec<u8>)) {
        let _ = key;
        self.text(write);
    }
    /// Where the next byte written goes, for a sink that writes one line of bytes (so that a caller
    /// can copy a field it wrote: see [`ResultColumnWriter::append_priced`]); `None` otherwise.
    #[inline]
    fn position(&self) -> Option<usize> {
        None
    }
}

/// A field written to a line of bytes: its value and where its text is in the line.
pub type WrittenField = Option<(Decimal, std::ops::Range<usize>)>;

/// What a row's `measures` and `citations` are made of, packed into one number when it fits: the
/// base rule, and up to four duty lines (measure index, rate index, branch), with their count. Two
/// rows of one engine with the same key have the same two fields. `None` when it does not fit.
pub(crate) fn list_key<'l>(
    base_rule: Option<usize>,
    lines: impl Iterator<Item = (usize, &'l DutyLine)>,
) -> Option<u128> {
    let base = base_rule.map_or(0, |b| b + 1);
    if base >= 1 << 16 {
        return None;
    }
    let mut key = base as u128;
    let mut count = 0u128;
    for (i, l) in lines {
        if count == 4 || i >= 1 << 14 || l.rate_index >= 1 << 8 {
            return None;
        }
        let branch = l.branch as u128;
        key |= ((i as u128) << 10 | (l.rate_index as u128) << 2 | branch) << (16 + 24 * count);
        count += 1;
    }
    Some(key | count << 124)
}

impl ResultSink for Vec<u8> {
    #[inline]
    fn text(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        self.push(b',');
        write(self);
    }

    #[inline]
    fn quoted_text(&mut self, _value: &[u8], csv: &[u8]) {
        self.push(b',');
        self.extend_from_slice(csv);
    }

    #[inline]
    fn fixed(&mut self, v: Option<Decimal>, places: u32) {
        self.push(b',');
        if let Some(v) = v {
            push_fixed_bytes(self, v, places);
        }
    }

    #[inline]
    fn position(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl ResultColumnWriter {
    /// A writer for the rows of `engine`.
    pub fn new(engine: &Engine) -> ResultColumnWriter {
        let name = engine.scenario().name.as_bytes().to_vec();
        let mut scenario = Vec::new();
        push_csv_field(&mut scenario, &name);
        ResultColumnWriter { scenario, name }
    }

    /// Appends `,scenario,mfn_duty,...,citations` for a priced row to `line` (a CSV line, or
    /// another [`ResultSink`]). Returns the `total_duty` field when the sink tells positions (a
    /// line of bytes), so that a later field of the same value can copy its text.
    pub fn append_priced<S: ResultSink>(&self, engine: &Engine, p: &Priced, line: &mut S) -> WrittenField {
        let lines = || p.lines.iter().map(|(i, l)| (*i, l));
        let duties = [p.mfn_duty, p.additional_duty, p.total_duty];
        self.append(engine, duties, p.effective_rate(), p.base_rule, lines, line)
    }

    /// Appends the same columns for a full assessment.
    pub fn append_assessment<S: ResultSink>(&self, engine: &Engine, a: &Assessment<'_>, line: &mut S) {
        let duties = [a.mfn_duty, a.additional_duty, a.total_duty];
        self.append(engine, duties, a.effective_rate(), a.base_rule(), || a.applied(), line);
    }

    /// `lines` gives the applied lines (measure index, line), in file order, each time it is called;
    /// `base_rule` is the rule that replaced the column 1 rate, if any (its id follows `mfn`, and its
    /// Chapter 99 heading, when it has one, comes first in the citations).
    fn append<'l, I: Iterator<Item = (usize, &'l DutyLine)>, S: ResultSink>(
        &self,
        engine: &Engine,
        duties: [Decimal; 3],
        rate: Option<Decimal>,
        base_rule: Option<usize>,
        lines: impl Fn() -> I,
        line: &mut S,
    ) -> WrittenField {
        line.quoted_text(&self.name, &self.scenario);
        let [mfn, additional, total] = duties;
        line.fixed(Some(mfn), 2);
        line.fixed(Some(additional), 2);
        let start = line.position();
        line.fixed(Some(total), 2);
        // The text after the field's separator.
        let total_at = start.zip(line.position()).map(|(s, e)| (total, s + 1..e));
        line.fixed(rate, 6);
        let base = base_rule.map(|b| &engine.scenario().base_rates[b]);
        let key = list_key(base_rule, lines());
        line.keyed_text(key, |line| {
            line.extend_from_slice(b"mfn");
            if let Some(b) = base {
                line.push(b';');
                line.extend_from_slice(b.id.as_bytes());
            }
            for (i, _) in lines() {
                line.push(b';');
                line.extend_from_slice(engine.measure(i).id.as_bytes());
            }
        });
        line.keyed_text(key, |line| {
            let mut first = true;
            if let Some(c) = base.and_then(|b| b.citation.as_deref()) {
                line.extend_from_slice(c.as_bytes());
                first = false;
            }
            for (i, l) in lines() {
                if !first {
                    line.push(b';');
                }
                first = false;
                line.extend_from_slice(engine.citation(i, l).as_bytes());
            }
        });
        total_at
    }
}

pub use crate::text::push_csv_field;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_keys_tell_apart_what_the_lists_are_made_of() {
        use crate::engine::Branch;
        let line = |rate_index: usize, branch: Branch| DutyLine {
            rate_index,
            branch,
            base: Decimal::ZERO,
            rate: Decimal::ZERO,
            amount: Decimal::ZERO,
        };
        let (a, b, c) = (line(0, Branch::AddOn), line(1, Branch::AddOn), line(0, Branch::AtOrAbove));
        let key = |base: Option<usize>, lines: &[(usize, &DutyLine)]| list_key(base, lines.iter().copied());
        let keys = [
            key(None, &[]),
            key(Some(0), &[]),
            key(None, &[(0, &a)]),
            key(None, &[(0, &a), (0, &a)]),
            key(None, &[(0, &b)]),
            key(None, &[(0, &c)]),
            key(None, &[(1, &a)]),
            key(Some(0), &[(1, &a), (0, &a)]),
            key(Some(0), &[(0, &a), (1, &a)]),
        ];
        for (i, k) in keys.iter().enumerate() {
            assert!(k.is_some(), "{i}");
            assert!(keys[..i].iter().all(|o| o != k), "{i} repeats an earlier key");
        }
        // Past four lines, or indices past their bits, there is no key (the text is written).
        assert_eq!(key(None, &[(0, &a); 5]), None);
        assert_eq!(key(None, &[(1 << 14, &a)]), None);
        assert_eq!(key(Some(1 << 16), &[]), None);
        assert_eq!(key(None, &[(0, &line(256, Branch::TopUp))]), None);
    }
    use crate::codes::{Country, HtsCode};
    use crate::date::Date;
    use crate::engine::Pricer;
    use crate::flow::Flow;
    use crate::mfn::MfnTable;
    use crate::scenario::{load_scenario, load_scenario_str};
    use std::sync::Arc;

    /// The columns of each flow on both paths, parsed back with the `csv` crate.
    fn both_ways(engine: &Engine, flows: &[Flow]) -> Vec<Vec<String>> {
        let writer = ResultColumnWriter::new(engine);
        let mut pricer = Pricer::new(engine);
        let mut all = Vec::new();
        for f in flows {
            let (mut fast, mut full) = (b"x".to_vec(), b"x".to_vec());
            let priced = pricer.price(f).unwrap();
            let total = priced.total_duty;
            let (value, at) = writer.append_priced(engine, priced, &mut fast).expect("a line of bytes tells positions");
            // The text the total was written as, for a later field of the same value to copy.
            assert_eq!(value, total);
            assert_eq!(String::from_utf8_lossy(&fast[at]), format!("{total:.2}"));
            writer.append_assessment(engine, &engine.assess(f).unwrap(), &mut full);
            assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&full));
            let rec = csv::ReaderBuilder::new().has_headers(false).from_reader(&fast[..]).records().next();
            let fields: Vec<String> = rec.unwrap().unwrap().iter().skip(1).map(str::to_string).collect();
            assert_eq!(fields.len(), RESULT_COLUMNS.len());
            all.push(fields);
        }
        all
    }

    fn flow(hts: &str, origin: &str, date: &str, value: &str) -> Flow {
        Flow::new(
            HtsCode::parse(hts).unwrap(),
            Country::parse(origin).unwrap(),
            Date::parse(date).unwrap(),
            value.parse().unwrap(),
        )
    }

    #[test]
    fn both_paths_write_the_same_columns_and_odd_names_are_quoted() {
        let mfn = Arc::new(MfnTable::embedded());
        let flows = [
            flow("8703.23.01", "JP", "2025-04-16", "30000"),
            flow("7326.90.86", "JP", "2025-05-16", "1234.56"),
            flow("9403.60.80", "CN", "2025-10-01", "0"),
            flow("8471.30.01", "BR", "2025-09-01", "99999.99"),
            flow("7208.51.00", "CA", "2025-03-15", "0.01"),
        ];
        let engine = Engine::new(Arc::new(load_scenario("historical").unwrap()), Arc::clone(&mfn));
        let cols = both_ways(&engine, &flows);
        assert_eq!(cols[0], ["historical", "750.00", "7500.00", "8250.00", "0.275000", "mfn;s232_autos", "9903.94.01"]);
        assert_eq!(cols[2][4], "", "no effective rate on a zero value");
        // A scenario name with a comma and a quote is quoted.
        let text = r#"
[scenario]
name = "odd, \"name\""
title = "t"
[[measure]]
id = "m"
title = "m"
source = "test"
products = { include = ["*"] }
origins = { include = ["*"] }
in_force = [{ from = "2025-01-01" }]
  [[measure.rate]]
  citation = "9903.01.25"
  duty = "10%"
"#;
        let engine = Engine::new(Arc::new(load_scenario_str("odd.toml", text).unwrap()), mfn);
        let cols = both_ways(&engine, &flows);
        assert_eq!(cols[0][0], "odd, \"name\"");
        assert_eq!(cols[0][5..], ["mfn;m", "9903.01.25"]);
    }
}
