//! The remarks made while pricing a batch, counted and printed once at the end.

use crate::engine::Warning;
use crate::scenario::Base;

/// Counts of the remarks made while pricing a batch, printed once at the end: a batch command must
/// not let a silent assumption (a whole value charged for want of a content column, a program claim
/// priced at the general rate) pass unnoticed.
#[derive(Default)]
pub(crate) struct WarningTally {
    program_not_listed: u64,
    /// Claims of codes that are no HTS program, by code.
    unknown_program: std::collections::BTreeMap<String, u64>,
    content_not_declared: std::collections::BTreeMap<&'static str, u64>,
}

impl WarningTally {
    /// Counts the remarks of one row (each kind once per row).
    pub(crate) fn add(&mut self, warnings: &[Warning]) {
        for w in warnings {
            match w {
                Warning::ProgramNotListed(_) => self.program_not_listed += 1,
                Warning::UnknownProgram(p) => *self.unknown_program.entry(p.to_string()).or_default() += 1,
                Warning::ContentNotDeclared(b) => {
                    let column = match b {
                        Base::SteelContent => "steel_content_value",
                        Base::AluminumContent => "aluminum_content_value",
                        _ => "copper_content_value",
                    };
                    *self.content_not_declared.entry(column).or_default() += 1;
                }
            }
        }
    }

    /// Adds the counts of another tally (kept by another worker).
    pub(crate) fn merge(&mut self, other: &WarningTally) {
        self.program_not_listed += other.program_not_listed;
        for (code, n) in &other.unknown_program {
            *self.unknown_program.entry(code.clone()).or_default() += n;
        }
        for (column, n) in &other.content_not_declared {
            *self.content_not_declared.entry(column).or_default() += n;
        }
    }

    /// Prints the counts to standard error.
    pub(crate) fn report(&self) {
        if self.program_not_listed > 0 {
            eprintln!(
                "note: {} rows claimed a special program their HTS line does not list: priced at the general rate",
                self.program_not_listed
            );
        }
        for (code, n) in &self.unknown_program {
            eprintln!(
                "note: {n} rows claimed `{code}`, which is not an HTS special program indicator (e.g. S, KR, JP, A+): priced at the general rate"
            );
        }
        for (column, n) in &self.content_not_declared {
            eprintln!(
                "note: {n} rows owe a Section 232 duty on metal content but have no `{column}`: charged on the whole customs value (CBP's rule when the content is not reported)"
            );
        }
    }
}
