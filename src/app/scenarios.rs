//! `scenarios`, `scenarios show NAME`, `check FILE...`.

use super::AppError;
use crate::cli::{CheckArgs, ScenariosAction, ScenariosArgs};
use crate::scenario::{Duty, Scenario, bundled_names, bundled_text, load_scenario};
use std::fmt::Write as _;
use std::io::Write;

fn print(text: &str) -> Result<(), AppError> {
    std::io::stdout().lock().write_all(text.as_bytes()).map_err(AppError::stdout)
}

pub(super) fn scenarios(args: &ScenariosArgs) -> Result<u8, AppError> {
    match &args.action {
        None => {
            let mut o = String::new();
            for name in bundled_names() {
                let s = load_scenario(name).map_err(|e| AppError::fatal(format!("bundled scenario: {e}")))?;
                let parent = s.extends.as_ref().map(|p| format!(" (extends {p})")).unwrap_or_default();
                let law = s.law.as_of.map(|d| format!(" [law as of {d}]")).unwrap_or_default();
                let _ = writeln!(o, "{:<14} {}{parent}{law}", s.name, s.title);
            }
            print(&o)?;
        }
        Some(ScenariosAction::Where { id, scenario }) => {
            let s = load_scenario(scenario).map_err(|e| AppError::fatal(format!("scenario: {e}")))?;
            let base = s.base_rates.iter().find(|b| &b.id == id);
            let text = match (s.measure_index(id), s.exemptions.iter().find(|e| &e.id == id)) {
                (None, None) if base.is_some() => {
                    let b = base.expect("checked");
                    format!("{}\nbase rate {} — {}\nsource: {}\n", b.defined_in, b.id, b.title, b.source)
                }
                (Some(i), _) => {
                    let m = &s.measures[i];
                    format!("{}\nmeasure {} — {}\nsource: {}\n", m.defined_in, m.id, m.title, m.source)
                }
                (None, Some(e)) => {
                    format!("exemption {} ({}) — {}\nsource: {}\n", e.id, e.citation, e.reason, e.source)
                }
                (None, None) => {
                    return Err(AppError::fatal(format!(
                        "no measure, exemption or base rate `{id}` in scenario `{}`; `tariffstack scenarios show {} --summary` lists them",
                        s.name, s.name
                    )));
                }
            };
            print(&text)?;
        }
        Some(ScenariosAction::Show { name, summary, as_of }) => {
            let s = load_scenario(name).map_err(|e| AppError::fatal(format!("scenario: {e}")))?;
            if let Some(d) = as_of {
                let date = crate::date::Date::parse(d).map_err(|e| {
                    // `04/10/2025` (a US date) is shown as the ISO date it means.
                    let us: Vec<&str> = d.split('/').collect();
                    match us.as_slice() {
                        [m, day, y] if y.len() == 4 && m.len() <= 2 && day.len() <= 2 => AppError::fatal(format!(
                            "--as-of `{d}`: write the date as YYYY-MM-DD: {y}-{m:0>2}-{day:0>2}"
                        )),
                        _ => AppError::fatal(format!("--as-of `{d}`: {e}")),
                    }
                })?;
                print(&in_force_on(s, date))?;
            } else if *summary {
                print(&summarise(&s))?;
            } else {
                match bundled_text(&format!("{name}.toml")) {
                    Some(text) => print(text)?,
                    None => {
                        let text = crate::files::read_regular_text(name.as_ref(), crate::files::MAX_SCENARIO_BYTES)
                            .map_err(|e| AppError::fatal(format!("cannot read {name}: {e}")))?;
                        print(&text)?;
                    }
                }
            }
        }
    }
    Ok(0)
}

/// A readable summary of a checked scenario: each measure with its windows and rates.
pub fn summarise(s: &Scenario) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} — {}", s.name, s.title);
    if let Some(p) = &s.extends {
        let _ = writeln!(o, "extends {p}");
    }
    if let Some(f) = s.freeze_on {
        let _ = writeln!(o, "frozen on {f}: later entries are assessed under the rules of that day");
    }
    let _ = writeln!(o, "{}", s.law.line());
    for gap in &s.law.known_gaps {
        let _ = writeln!(o, "  known gap: {gap}");
    }
    let _ = writeln!(
        o,
        "{} measures, {} exemption headings, {} base rates, {} product lists, {} country groups",
        s.measures.len(),
        s.exemptions.len(),
        s.base_rates.len(),
        s.lists.len(),
        s.groups.len()
    );
    for b in &s.base_rates {
        let duty = match &b.duty {
            crate::scenario::BaseDuty::Column2 => "the Column 2 rate of the line".to_string(),
            crate::scenario::BaseDuty::InLieu(r) => format!("{r} in lieu of Column 2"),
        };
        let _ = writeln!(o, "\n{} [{}, base rate] — {}", b.id, b.certainty.as_str(), b.title);
        let _ = writeln!(
            o,
            "  in place of column 1: {duty}{}",
            b.citation.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
        );
        let _ = writeln!(o, "  in force: {}", b.window);
        let origins: Vec<String> = b.origins.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(o, "  origins: {}", origins.join(", "));
        let _ = writeln!(o, "  products: {}", b.products.text);
        let _ = writeln!(o, "  source: {}", b.source);
    }
    for m in &s.measures {
        let windows: Vec<String> = m.in_force.iter().map(ToString::to_string).collect();
        let _ = writeln!(o, "\n{} [{}] — {}", m.id, m.certainty.as_str(), m.title);
        let _ = writeln!(o, "  in force: {}", windows.join("; "));
        for sus in &m.suspended {
            let _ = writeln!(o, "  suspended: {} — {}", sus.window, sus.reason);
        }
        let _ = writeln!(o, "  origins: {}", m.origins_text);
        let _ = writeln!(o, "  products: {}", m.products.text);
        for r in &m.rates {
            let duty = match &r.duty {
                Duty::AddOn(rate) => format!("+{rate}"),
                Duty::Inclusive { target, citation_at_or_above } => {
                    format!("{target} inclusive of MFN ({citation_at_or_above} when MFN is at or above)")
                }
            };
            let narrowing = [
                r.origins.as_ref().map(|o| format!("{} origins", o.len())),
                r.products.as_ref().map(|p| format!("products {}", p.text)),
                (r.window != crate::scenario::Window::ALWAYS).then(|| r.window.to_string()),
                r.declared.map(|h| format!("when {h} is declared")),
                (!r.spi.is_empty()).then(|| format!("claiming {}", r.spi.join(" or "))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            let _ = writeln!(
                o,
                "  rate {} {duty}{}",
                r.citation,
                if narrowing.is_empty() { String::new() } else { format!(" [{narrowing}]") }
            );
        }
        let rel = |ids: &[usize]| ids.iter().map(|&j| s.measures[j].id.as_str()).collect::<Vec<_>>().join(", ");
        if !m.replaces.is_empty() {
            let _ = writeln!(o, "  replaces: {}", rel(&m.replaces));
        }
        if !m.excluded_by.is_empty() {
            let _ = writeln!(o, "  excluded by: {}", rel(&m.excluded_by));
        }
        for &k in &m.exemptions {
            let e = &s.exemptions[k];
            let _ = writeln!(o, "  exemption {} {} ({})", e.citation, e.reason, e.window);
        }
        let _ = writeln!(o, "  source: {}", m.source);
    }
    o
}

/// The measures of a scenario in force on an entry date, with the rates open that day (by the
/// measure's rule date: a frozen scenario reads later dates as its freeze date), the suspended ones,
/// the exemption headings open that day, and the measures not in force.
pub fn in_force_on(s: Scenario, date: crate::date::Date) -> String {
    let engine =
        crate::engine::Engine::new(std::sync::Arc::new(s), std::sync::Arc::new(crate::mfn::MfnTable::embedded()));
    let s = engine.scenario();
    let mut o = String::new();
    let _ = writeln!(o, "{} on {date}: {}", s.name, s.title);
    let _ = writeln!(o, "{}", s.law.line());
    if let Some(f) = s.freeze_on.filter(|f| date > *f) {
        let _ = writeln!(o, "frozen on {f}: measures not scheduled are read as of {f}");
    }
    let (mut in_force, mut suspended, mut not_in_force) = (Vec::new(), Vec::new(), Vec::new());
    for m in &s.measures {
        let rule = engine.rule_date(m, date);
        if !m.in_force.iter().any(|w| w.contains(rule)) {
            not_in_force.push(m.id.as_str());
            continue;
        }
        match m.suspended.iter().find(|x| x.window.contains(rule) && x.origins.is_none()) {
            Some(x) => suspended.push(format!("  {} ({}): {}", m.id, x.window, x.reason)),
            None => in_force.push((m, rule)),
        }
    }
    let _ = writeln!(o, "\nin force ({} of {} measures):", in_force.len(), s.measures.len());
    for (m, rule) in &in_force {
        let read = if *rule == date { String::new() } else { format!(" (read as of {rule})") };
        let _ = writeln!(o, "\n{} [{}] — {}{read}", m.id, m.certainty.as_str(), m.title);
        let _ = writeln!(o, "  origins: {}", m.origins_text);
        let _ = writeln!(o, "  products: {}", m.products.text);
        for sus in m.suspended.iter().filter(|x| x.window.contains(*rule) && x.origins.is_some()) {
            let n = sus.origins.as_ref().map_or(0, |c| c.len());
            let _ = writeln!(o, "  suspended for {n} origins: {}", sus.reason);
        }
        for r in m.rates.iter().filter(|r| r.window.contains(*rule)) {
            let duty = match &r.duty {
                Duty::AddOn(rate) => format!("+{rate}"),
                Duty::Inclusive { target, .. } => format!("{target} inclusive of MFN"),
            };
            let narrowing = [
                r.origins.as_ref().map(|c| {
                    let names: Vec<String> = c.iter().take(6).map(|x| x.to_string()).collect();
                    let more = if c.len() > 6 { format!(" +{}", c.len() - 6) } else { String::new() };
                    format!("{}{more}", names.join(" "))
                }),
                r.products.as_ref().map(|p| format!("products {}", p.text)),
                (!r.spi.is_empty()).then(|| format!("claiming {}", r.spi.join(" or "))),
                r.declared.map(|h| {
                    let spanned = if r.spanned { "" } else { ", never spanned by --ranges" };
                    format!("when {h} is declared{spanned}")
                }),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
            let _ = writeln!(
                o,
                "  {} {duty}{}",
                r.citation,
                if narrowing.is_empty() { String::new() } else { format!(" [{narrowing}]") }
            );
        }
        let open: Vec<String> = m
            .exemptions
            .iter()
            .map(|&k| &s.exemptions[k])
            .filter(|e| e.window.contains(*rule))
            .map(|e| e.citation.clone())
            .collect();
        if !open.is_empty() {
            let _ = writeln!(o, "  exemption headings: {}", open.join(", "));
        }
    }
    if !suspended.is_empty() {
        let _ = writeln!(o, "\nsuspended for every origin that day:");
        for line in &suspended {
            let _ = writeln!(o, "{line}");
        }
    }
    let _ = writeln!(
        o,
        "\nnot in force that day: {}",
        if not_in_force.is_empty() { "-".into() } else { not_in_force.join(", ") }
    );
    o
}

pub(super) fn check(args: &CheckArgs) -> Result<u8, AppError> {
    let mut failed = 0;
    for f in &args.files {
        match load_scenario(f) {
            Ok(s) => {
                let warnings = crate::scenario::never_applies(&s);
                for w in &warnings {
                    eprintln!("warning: {w}");
                }
                println!(
                    "ok: {f}: scenario `{}`, {} measures, {} exemption headings{}",
                    s.name,
                    s.measures.len(),
                    s.exemptions.len(),
                    if warnings.is_empty() { String::new() } else { format!(", {} warnings", warnings.len()) }
                )
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(AppError::fatal(format!("{failed} of {} scenario files refused", args.files.len())));
    }
    Ok(0)
}
