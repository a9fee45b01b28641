//! Formatting assessments as the DESIGN.md result columns, reusing buffers on the per-row path.

use crate::engine::{Assessment, Engine};
use csv::ByteRecord;
use std::fmt::Write as _;

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
        self.scenario.clear();
        self.scenario.push_str(&engine.scenario().name);
        for (buf, v) in [
            (&mut self.mfn_duty, a.mfn_duty),
            (&mut self.additional_duty, a.additional_duty),
            (&mut self.total_duty, a.total_duty),
        ] {
            buf.clear();
            let _ = write!(buf, "{v:.2}");
        }
        self.effective_rate.clear();
        if let Some(r) = a.effective_rate() {
            let _ = write!(self.effective_rate, "{r:.6}");
        }
        self.measures.clear();
        self.measures.push_str("mfn");
        self.citations.clear();
        for (i, line) in a.applied() {
            self.measures.push(';');
            self.measures.push_str(&engine.measure(i).id);
            if !self.citations.is_empty() {
                self.citations.push(';');
            }
            self.citations.push_str(engine.citation(i, line));
        }
    }

    /// Appends the columns to a record.
    pub fn append_to(&self, rec: &mut ByteRecord) {
        for f in self.fields() {
            rec.push_field(f.as_bytes());
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
