//! Formatting assessments as the DESIGN.md result columns, reusing buffers on the per-row path.

use crate::engine::{Assessment, Engine, Priced};
use crate::money::{push_fixed, push_fixed_bytes};
use csv::ByteRecord;

/// The seven result columns of one assessment, kept in reusable buffers.
#[derive(Default, Debug)]
pub struct ResultColumns {
    scenario: String,
    mfn_duty: String,
    additional_duty: String,
    total_duty: String,
    effective_rate: String,
    measures: String,
    citations: String,
}

impl ResultColumns {
    /// Fills the buffers from an assessment.
    pub fn fill(&mut self, engine: &Engine, a: &Assessment<'_>) {
        let lines = a.applied().map(|(i, l)| (i, engine.citation(i, l)));
        self.fill_parts(engine, a.mfn_duty, a.additional_duty, a.total_duty, a.effective_rate(), lines);
    }

    /// Fills the buffers from the fast pricing path.
    pub fn fill_priced(&mut self, engine: &Engine, p: &Priced) {
        let lines = p.lines.iter().map(|(i, l)| (*i, engine.citation(*i, l)));
        self.fill_parts(engine, p.mfn_duty, p.additional_duty, p.total_duty, p.effective_rate(), lines);
    }

    fn fill_parts<'e>(
        &mut self,
        engine: &'e Engine,
        mfn: rust_decimal::Decimal,
        additional: rust_decimal::Decimal,
        total: rust_decimal::Decimal,
        rate: Option<rust_decimal::Decimal>,
        lines: impl Iterator<Item = (usize, &'e str)>,
    ) {
        self.scenario.clear();
        self.scenario.push_str(&engine.scenario().name);
        for (buf, v) in
            [(&mut self.mfn_duty, mfn), (&mut self.additional_duty, additional), (&mut self.total_duty, total)]
        {
            buf.clear();
            push_fixed(buf, v, 2);
        }
        self.effective_rate.clear();
        if let Some(r) = rate {
            push_fixed(&mut self.effective_rate, r, 6);
        }
        self.measures.clear();
        self.measures.push_str("mfn");
        self.citations.clear();
        for (i, citation) in lines {
            self.measures.push(';');
            self.measures.push_str(&engine.measure(i).id);
            if !self.citations.is_empty() {
                self.citations.push(';');
            }
            self.citations.push_str(citation);
        }
    }

    /// Appends the columns to a record.
    pub fn append_to(&self, rec: &mut ByteRecord) {
        for f in self.fields() {
            rec.push_field(f.as_bytes());
        }
    }

    /// Appends the columns to a CSV line being built: each preceded by a comma, quoted when it
    /// holds a comma, a quote or a line end (as the `csv` crate writes them).
    pub fn append_csv(&self, line: &mut Vec<u8>) {
        for f in self.fields() {
            line.push(b',');
            push_csv_field(line, f.as_bytes());
        }
    }

    /// The columns in order.
    pub fn fields(&self) -> [&str; 7] {
        [
            &self.scenario,
            &self.mfn_duty,
            &self.additional_duty,
            &self.total_duty,
            &self.effective_rate,
            &self.measures,
            &self.citations,
        ]
    }
}

/// Appends one CSV field, quoted (with `"` doubled) only when it must be.
pub fn push_csv_field(line: &mut Vec<u8>, field: &[u8]) {
    if field.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        line.push(b'"');
        for &b in field {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(field);
    }
}

/// Writes the seven result columns of a priced flow straight into an output line: the fast path of
/// `run`. Gives the same bytes as [`ResultColumns::append_csv`] (tested), without building the
/// columns first: the scenario name is escaped once, and the measure ids and citations, checked once,
/// are written without a per-row scan when none of them needs quoting (the bundled scenarios).
#[derive(Debug)]
pub struct CsvResultWriter {
    scenario: Vec<u8>,
    plain: bool,
    fallback: ResultColumns,
}

impl CsvResultWriter {
    /// A writer for the rows of `engine`.
    pub fn new(engine: &Engine) -> CsvResultWriter {
        let mut scenario = Vec::new();
        push_csv_field(&mut scenario, engine.scenario().name.as_bytes());
        let special = |t: &str| t.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
        let plain = engine.scenario().measures.iter().all(|m| {
            !special(&m.id)
                && m.rates.iter().all(|r| {
                    !special(&r.citation)
                        && match &r.duty {
                            crate::scenario::Duty::Inclusive { citation_at_or_above, .. } => {
                                !special(citation_at_or_above)
                            }
                            _ => true,
                        }
                })
        });
        CsvResultWriter { scenario, plain, fallback: ResultColumns::default() }
    }

    /// Appends `,scenario,mfn_duty,...,citations` for `p` to `line`.
    pub fn append(&mut self, engine: &Engine, p: &Priced, line: &mut Vec<u8>) {
        if !self.plain {
            self.fallback.fill_priced(engine, p);
            self.fallback.append_csv(line);
            return;
        }
        line.push(b',');
        line.extend_from_slice(&self.scenario);
        for v in [p.mfn_duty, p.additional_duty, p.total_duty] {
            line.push(b',');
            push_fixed_bytes(line, v, 2);
        }
        line.push(b',');
        if let Some(r) = p.effective_rate() {
            push_fixed_bytes(line, r, 6);
        }
        line.extend_from_slice(b",mfn");
        for (i, _) in &p.lines {
            line.push(b';');
            line.extend_from_slice(engine.measure(*i).id.as_bytes());
        }
        line.push(b',');
        for (k, (i, l)) in p.lines.iter().enumerate() {
            if k > 0 {
                line.push(b';');
            }
            line.extend_from_slice(engine.citation(*i, l).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{Country, HtsCode};
    use crate::date::Date;
    use crate::engine::Scratch;
    use crate::flow::Flow;
    use crate::mfn::MfnTable;
    use crate::scenario::{load_scenario, load_scenario_str};
    use std::sync::Arc;

    fn both_ways(engine: &Engine, flows: &[Flow]) {
        let mut writer = CsvResultWriter::new(engine);
        let mut columns = ResultColumns::default();
        let (mut scratch, mut priced) = (Scratch::new(), Priced::default());
        for f in flows {
            engine.price(f, &mut scratch, &mut priced).unwrap();
            let (mut fast, mut reference) = (Vec::new(), Vec::new());
            writer.append(engine, &priced, &mut fast);
            columns.fill_priced(engine, &priced);
            columns.append_csv(&mut reference);
            assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference));
        }
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
    fn the_direct_writer_gives_the_bytes_of_the_columns() {
        let mfn = Arc::new(MfnTable::embedded());
        let flows = [
            flow("8703.23.01", "JP", "2025-04-16", "30000"),
            flow("7326.90.86", "JP", "2025-05-16", "1234.56"),
            flow("9403.60.80", "CN", "2025-10-01", "0"),
            flow("8471.30.01", "BR", "2025-09-01", "99999.99"),
            flow("7208.51.00", "CA", "2025-03-15", "0.01"),
        ];
        let engine = Engine::new(Arc::new(load_scenario("historical").unwrap()), Arc::clone(&mfn));
        both_ways(&engine, &flows);
        // A scenario name with a comma and a quote is quoted (ids and citations are checked at load
        // time: they never need quotes).
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
        assert!(CsvResultWriter::new(&engine).plain);
        both_ways(&engine, &flows);
    }
}
