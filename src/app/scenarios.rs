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
        Some(ScenariosAction::Show { name, summary }) => {
            let s = load_scenario(name).map_err(|e| AppError::fatal(format!("scenario: {e}")))?;
            if *summary {
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
