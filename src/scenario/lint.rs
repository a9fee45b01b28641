//! Warnings about a scenario that loads but holds a measure that can never apply, or a part of one
//! that never can: shown by `tariffstack check`, so that a mistake in dates or scope is seen before
//! it silently prices nothing.

use super::{Measure, ProductScope, Scenario, Window};

/// What can never apply in `s`, one sentence each, naming the measure, its file and the fix.
pub fn never_applies(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for m in &s.measures {
        let at = format!("{}: measure `{}`", m.defined_in, m.id);
        let mut say = |what: String| out.push(format!("{at}: {what}"));
        if empty_scope(s, &m.products) {
            say("its product scope includes nothing; name HTS prefixes or a list with codes".into());
        }
        if m.in_force.is_empty() {
            say("it has no in-force window; add in_force = [{ from = \"YYYY-MM-DD\" }]".into());
        }
        let in_force = |w: &Window| m.in_force.iter().any(|f| f.overlaps(w));
        let dead: Vec<&str> = m.rates.iter().filter(|r| !in_force(&r.window)).map(|r| r.citation.as_str()).collect();
        if !m.rates.is_empty() && dead.len() == m.rates.len() {
            say(format!("no rate's window overlaps its in-force window ({}); it never applies", windows(m)));
        } else {
            for citation in dead {
                say(format!("the rate {citation} lies outside its in-force window ({}); it never applies", windows(m)));
            }
        }
        for sus in &m.suspended {
            if !in_force(&sus.window) {
                say(format!(
                    "the suspension {} lies outside its in-force window ({}): it suspends nothing",
                    sus.window,
                    windows(m)
                ));
            }
        }
        if let Some(t) = &m.in_transit
            && t.loaded_before > t.entered_before
        {
            say(format!(
                "in_transit loaded_before {} is after entered_before {}: the dates are inverted",
                t.loaded_before, t.entered_before
            ));
        }
    }
    out
}

fn windows(m: &Measure) -> String {
    m.in_force.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// A scope that includes no code: no `*`, no prefix, and only lists without codes.
fn empty_scope(s: &Scenario, p: &ProductScope) -> bool {
    !p.all && p.include.is_empty() && p.include_lists.iter().all(|&l| s.lists[l].include.is_empty())
}
