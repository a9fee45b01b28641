//! Formatting assessments as the DESIGN.md result columns, reusing buffers on the per-row path.

use crate::engine::{Assessment, Engine, Priced};
use crate::money::push_fixed;
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
