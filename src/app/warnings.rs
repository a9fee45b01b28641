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
    /// Rows charged on the whole value for two or more metals (no content declared).
    double_base: u64,
    /// Codes shorter than 10 digits that a scope of the scenario splits, by code.
    short_codes: std::collections::BTreeMap<crate::codes::HtsCode, u64>,
    /// Per scenario (in the command's order): rows entered after the date its law was checked
    /// through, and rows entered before the first date it covers.
    law_dates: Vec<(u64, u64)>,
}

impl WarningTally {
    /// Counts a row of entry date `date` against the law status of scenario `i` of the command.
    #[inline]
    pub(crate) fn law_date(&mut self, i: usize, law: &crate::scenario::LawStatus, date: crate::date::Date) {
        let after = law.as_of.is_some_and(|d| date > d);
        let before = law.covers_from.is_some_and(|d| date < d);
        if after || before {
            if self.law_dates.len() <= i {
                self.law_dates.resize(i + 1, (0, 0));
            }
            self.law_dates[i].0 += u64::from(after);
            self.law_dates[i].1 += u64::from(before);
        }
    }

    /// Prints the counts of [`WarningTally::law_date`] for the command's scenarios.
    pub(crate) fn report_law_dates(&self, scenarios: &[&crate::scenario::Scenario]) {
        for (&(after, before), s) in self.law_dates.iter().zip(scenarios) {
            if let (true, Some(d)) = (after > 0, s.law.as_of) {
                eprintln!(
                    "warning: {after} rows entered after {d}, the date `{}`'s law was checked through: priced under the law known then (later changes are not in it)",
                    s.name
                );
            }
            if let (true, Some(d)) = (before > 0, s.law.covers_from) {
                eprintln!(
                    "note: {before} rows entered before {d}, the first date `{}` covers: priced under its earliest rules (older layers may be missing)",
                    s.name
                );
            }
        }
    }

    /// Counts a row given at a code shorter than 10 digits that the scenario splits.
    pub(crate) fn short_code(&mut self, code: &crate::codes::HtsCode) {
        *self.short_codes.entry(*code).or_default() += 1;
    }

    /// Counts the remarks of one row (each kind once per row).
    pub(crate) fn add(&mut self, warnings: &[Warning]) {
        if warnings.iter().filter(|w| matches!(w, Warning::ContentNotDeclared(_))).count() > 1 {
            self.double_base += 1;
        }
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
        if self.law_dates.len() < other.law_dates.len() {
            self.law_dates.resize(other.law_dates.len(), (0, 0));
        }
        for (mine, theirs) in self.law_dates.iter_mut().zip(&other.law_dates) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        for (code, n) in &other.unknown_program {
            *self.unknown_program.entry(code.clone()).or_default() += n;
        }
        for (column, n) in &other.content_not_declared {
            *self.content_not_declared.entry(column).or_default() += n;
        }
        self.double_base += other.double_base;
        for (code, n) in &other.short_codes {
            *self.short_codes.entry(*code).or_default() += n;
        }
    }

    /// Prints, for the codes shorter than 10 digits that the scenario splits (most rows first, ten
    /// at most), the measures whose scope takes some of their 10-digit lines and not others.
    pub(crate) fn report_short_codes(&self, engine: &crate::engine::Engine) {
        if self.short_codes.is_empty() {
            return;
        }
        let total: u64 = self.short_codes.values().sum();
        eprintln!(
            "warning: {total} rows give a code of 8 digits or fewer that a measure splits at 10 digits: priced as the code reads (as outside the lines named); give 10 digits, or --ranges for the span"
        );
        let mut by_rows: Vec<(String, crate::codes::HtsCode, u64)> =
            self.short_codes.iter().map(|(c, n)| (c.dotted(), *c, *n)).collect();
        by_rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        for (code, c, n) in by_rows.iter().take(10) {
            let lines = crate::estimate::named_lines_under(engine.long_prefixes(), c);
            let s = engine.scenario();
            let mut splitters: Vec<String> = Vec::new();
            for m in &s.measures {
                let inside: Vec<String> = lines
                    .iter()
                    .filter(|l| {
                        let keys = l.prefix_keys();
                        let members = s.list_index.members(&keys, l.len());
                        m.products.contains_fast(&keys, l.len(), &members)
                    })
                    .map(|l| l.dotted())
                    .collect();
                if !inside.is_empty()
                    && !m.products.contains_fast(
                        &c.prefix_keys(),
                        c.len(),
                        &s.list_index.members(&c.prefix_keys(), c.len()),
                    )
                {
                    splitters.push(format!("{} ({} in scope)", m.id, inside.join(", ")));
                }
            }
            if splitters.is_empty() {
                let named: Vec<String> = lines.iter().map(|l| l.dotted()).collect();
                splitters.push(format!("a branch or exemption names {}", named.join(", ")));
            }
            eprintln!("  {n} rows of {code}: split by {}", splitters.join("; "));
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
                "note: {n} rows owe a Section 232 duty on metal content but have no `{column}`: charged on the whole customs value (CBP's rule when the content is not reported: CSMS 64348411, 64348288); --assume bea or flat50 estimates it, --ranges spans it"
            );
        }
        if self.double_base > 0 {
            eprintln!(
                "warning: {} rows are on two or more metal lists with no content declared: each metal's duty is charged on the whole customs value (the literal CBP rule, applied per heading; no CBP text on such goods was found), so their bases add up past the value; an estimate (--assume) never does",
                self.double_base
            );
        }
    }
}
