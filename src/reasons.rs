//! Human words for an assessment: why each measure applied or not. Shared by `explain` and
//! `compare --lines`.

use crate::engine::{Assessment, Branch, DutyLine, Engine, Status};
use crate::flow::Flow;
use crate::money::percent;
use crate::scenario::{Certainty, Duty, ScopeMatch};

/// The rate shown for an applied line (`25%`, `15% total (12.5% top-up)`, `15% total (MFN already 25%)`).
pub fn rate_text(engine: &Engine, index: usize, line: &DutyLine, a: &Assessment<'_>) -> String {
    let m = engine.measure(index);
    match (&m.rates[line.rate_index].duty, line.branch) {
        (Duty::AddOn(r), _) => r.to_string(),
        (Duty::Inclusive { target, .. }, Branch::TopUp) => format!("{target} total ({} top-up)", percent(line.rate)),
        (Duty::Inclusive { target, .. }, _) => {
            let ave = if a.customs_value.is_zero() { "-".to_string() } else { percent(a.mfn_duty / a.customs_value) };
            format!("{target} total (MFN already {ave}: nothing added)")
        }
    }
}

/// One line saying why a measure did or did not apply.
pub fn reason(engine: &Engine, index: usize, status: &Status, flow: &Flow, a: &Assessment<'_>) -> String {
    let s = engine.scenario();
    let m = engine.measure(index);
    let date =
        if s.freeze_on.is_some_and(|f| flow.entry_date > f) && !m.scheduled { a.rule_date } else { flow.entry_date };
    match status {
        Status::OriginNotCovered => format!("origin {} is not covered (origins: {})", flow.origin, m.origins_text),
        Status::ProductNotCovered => match m.products.explain(&flow.hts, &s.lists, date) {
            ScopeMatch::Excluded(by) => format!("HTS {} is excluded from its products by {by}", flow.hts),
            _ => format!("HTS {} is not in its products ({})", flow.hts, short(&m.products.text, 80)),
        },
        Status::NotInForce => {
            let windows: Vec<String> = m.in_force.iter().map(ToString::to_string).collect();
            format!("not in force on {date} (in force: {})", windows.join("; "))
        }
        Status::Suspended(k) => {
            let sus = &m.suspended[*k];
            format!("suspended on {date}: {} ({})", sus.reason, sus.window)
        }
        Status::Exempt(k) => {
            let e = &s.exemptions[*k];
            let scope = match e.products.explain(&flow.hts, &s.lists, date) {
                ScopeMatch::In(what) => format!(" (HTS {} matches {what})", flow.hts),
                _ => String::new(),
            };
            let claim =
                if e.spi.is_empty() { String::new() } else { format!(" (program {} claimed)", e.spi.join("/")) };
            format!("exempt under {}: {}{claim}{scope}{}", e.citation, e.reason, certainty_mark(e.certainty))
        }
        Status::ExemptSpi => {
            format!("special program {} claimed: exempt", flow.spi.map(|p| p.to_string()).unwrap_or_default())
        }
        Status::InTransit => {
            let t = m.in_transit.as_ref();
            format!(
                "in transit: loaded {} before {} and entered before {} ({})",
                flow.loaded_date.map(|d| d.to_string()).unwrap_or_default(),
                t.map(|t| t.loaded_before.to_string()).unwrap_or_default(),
                t.map(|t| t.entered_before.to_string()).unwrap_or_default(),
                t.map(|t| t.citation.as_str()).unwrap_or("")
            )
        }
        Status::NoRate => {
            format!("no rate of this measure covers origin {} and HTS {} on {date}", flow.origin, flow.hts)
        }
        Status::Excluded(j) => {
            let other = engine.measure(*j);
            format!("excluded because {} applies ({}): goods subject to it do not owe this duty", other.id, other.title)
        }
        Status::Replaced(j) => {
            let other = engine.measure(*j);
            format!("replaced by {} ({}), which applies instead", other.id, other.title)
        }
        Status::ZeroOwed(_) => {
            "in force, but nothing is owed (zero base or rate), so the goods are not subject to it".into()
        }
        Status::Applied(line) => {
            let kind = m.rates[line.rate_index].base.unwrap_or(m.base);
            // The measures of `excluded_portion_only_by` that applied: their charged value is carved out.
            let carvers: Vec<&str> = m
                .excluded_portion_only_by
                .iter()
                .filter(|&&k| m.excluded_portion_only_from.is_some_and(|f| date >= f) && a.statuses[k].line().is_some())
                .map(|&k| engine.measure(k).id.as_str())
                .collect();
            let base_note = match kind {
                _ if !carvers.is_empty() => {
                    let us = match (kind, flow.us_content_value, m.us_content_rule) {
                        (crate::scenario::Base::NonUsContent, Some(_), Some(rule)) => format!("; {}", rule.describe()),
                        _ => String::new(),
                    };
                    format!(" on {:.2}, the value outside what {} is charged on{us}", line.base, carvers.join(" and "))
                }
                crate::scenario::Base::NonUsContent if line.base != a.customs_value => {
                    let rule = m.us_content_rule.map(|r| format!(" ({})", r.describe())).unwrap_or_default();
                    format!(" on the non-US content {:.2}{rule}", line.base)
                }
                crate::scenario::Base::SteelContent => format!(" on the steel content {:.2}", line.base),
                crate::scenario::Base::AluminumContent => format!(" on the aluminum content {:.2}", line.base),
                crate::scenario::Base::CopperContent => format!(" on the copper content {:.2}", line.base),
                _ => String::new(),
            };
            format!("applies: {} {}{base_note}", engine.citation(index, line), rate_text(engine, index, line, a))
        }
    }
}

/// A short cause for `compare --lines`: the measure, its rate and state under this scenario.
pub fn short_state(engine: &Engine, index: usize, status: &Status, flow: &Flow, a: &Assessment<'_>) -> String {
    let m = engine.measure(index);
    match status {
        Status::Applied(line) => {
            format!("{} {} in force ({})", m.id, rate_text(engine, index, line, a), engine.citation(index, line))
        }
        other => format!("{} not applied: {}", m.id, reason(engine, index, other, flow, a)),
    }
}

/// ` [secondary source]` for measures or exemptions that rest on secondary sources.
pub fn certainty_mark(c: Certainty) -> &'static str {
    match c {
        Certainty::Primary => "",
        Certainty::Secondary => " [secondary sources]",
        Certainty::Unverified => " [unverified]",
    }
}

fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    let cut: String = text.chars().take(n).collect();
    format!("{cut}...")
}
