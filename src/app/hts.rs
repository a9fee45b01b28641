//! `hts lookup CODE [--hts FILE]` and `hts check FILE [--all] [--time [RUNS]]`: the official USITC
//! HTS export as tariffstack reads it.

use super::AppError;
use crate::cli::{HtsAction, HtsArgs};
use crate::codes::HtsCode;
use crate::hts_file::{Coverage, HtsFile, TextCoverage};
use crate::mfn::{MfnLine, MfnLookupError, MfnTable};
use crate::rate_text::{NeedsRule, RateExpr, RateTextError, parse_special_groups};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// How many lines of a text that needs a rule `hts check` lists without `--all`.
const LINES_SHOWN: usize = 6;

pub(super) fn hts(args: &HtsArgs) -> Result<u8, AppError> {
    let (text, code) = match &args.action {
        HtsAction::Lookup { code, hts_file } => (lookup(code, hts_file.as_deref())?, 0),
        HtsAction::Check { file, all, time } => check(file, *all, *time)?,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(AppError::stdout)?;
    Ok(code)
}

fn load(path: &Path) -> Result<HtsFile, AppError> {
    HtsFile::from_path(path).map_err(|e| AppError::fatal(e.to_string()))
}

fn lookup(code: &str, hts_file: Option<&Path>) -> Result<String, AppError> {
    let hts = HtsCode::parse(code).map_err(|e| AppError::fatal(format!("CODE: {e}")))?;
    let mut o = String::new();
    let Some(path) = hts_file else {
        let table = MfnTable::embedded();
        let line = table.lookup(&hts).map_err(|e| not_found(&hts, e, &table.origin))?;
        let _ = writeln!(o, "HTS {hts} — {}", table.origin);
        let _ = writeln!(o, "  {}", line.description);
        rates(&mut o, &hts, line, None);
        return Ok(o);
    };
    let file = load(path)?;
    let table = MfnTable::from_hts_file(&file);
    let row = file.find(&hts);
    let rated = table.lookup(&hts);
    let Some(i) = row.or_else(|| rated.as_ref().ok().and_then(|l| file.find(&l.hts))) else {
        return Err(not_found(&hts, rated.err().unwrap_or(MfnLookupError::NotFound), &table.origin));
    };
    let _ = writeln!(o, "HTS {hts} — {}, line {}", table.origin, file.rows[i].line);
    if row.is_none() {
        let _ = writeln!(
            o,
            "  (no line {hts} in the file; the rate of {} applies)",
            file.rows[i].hts.map_or(String::new(), |h| h.dotted())
        );
    }
    for r in file.ancestry(i) {
        let row = &file.rows[r];
        let number = row.hts.map_or(String::new(), |h| h.dotted());
        let _ = writeln!(o, "  {number:<13} {}{}", "  ".repeat(row.indent.into()), row.description);
    }
    match rated {
        Ok(line) => {
            let own = row.map(|r| &file.rows[r].unit_texts).filter(|u| !u.is_empty());
            rates(&mut o, &hts, line, own.map(Vec::as_slice));
        }
        Err(_) if hts.len() < 8 => {
            let _ = writeln!(o, "rates     none at this level (rates are set on 8- and 10-digit lines)");
        }
        Err(_) => {
            let _ = writeln!(
                o,
                "general   none on this line or its 8-digit line: a flow on it is rejected (give `mfn_rate`)"
            );
            if !file.rows[i].special.is_empty() {
                let _ = writeln!(o, "special   {}", file.rows[i].special);
            }
        }
    }
    // The lines under it (statistical lines of an 8-digit line, subheadings of a heading).
    let below: Vec<usize> = (i + 1..file.rows.len())
        .take_while(|&j| file.rows[j].indent > file.rows[i].indent)
        .filter(|&j| file.rows[j].hts.is_some_and(|h| h.len() > hts.len() && h.starts_with(&hts)))
        .collect();
    if !below.is_empty() {
        let _ = writeln!(o, "lines under it");
        for j in below {
            let row = &file.rows[j];
            let units =
                if row.unit_texts.is_empty() { String::new() } else { format!("  [{}]", row.unit_texts.join(", ")) };
            let rate = if row.general.is_empty() { String::new() } else { format!("  general {}", row.general) };
            let number = row.hts.map_or(String::new(), |h| h.dotted());
            let _ = writeln!(o, "  {number:<13} {}{rate}{units}", short(&row.description, 60));
        }
    }
    Ok(o)
}

fn not_found(hts: &HtsCode, e: MfnLookupError, origin: &str) -> AppError {
    match e {
        MfnLookupError::TooShort => AppError::fatal(format!(
            "HTS {hts} has no line with a rate in the {origin} (rates are set at 8 or 10 digits)"
        )),
        MfnLookupError::NotFound => AppError::fatal(format!("no HTS line {hts} in the {origin}")),
    }
}

/// The rate part of `lookup`: general, special groups, units (the line's own units when the code is
/// a statistical line that reports in them).
fn rates(o: &mut String, hts: &HtsCode, line: &MfnLine, own_units: Option<&[String]>) {
    if line.hts != *hts {
        let _ = writeln!(o, "rate set on {}", line.hts);
    }
    let _ = writeln!(o, "general   {}", line.general_text);
    let _ = writeln!(o, "          {}", priced_or_rule(&line.general));
    if line.special_text.is_empty() {
        let _ = writeln!(o, "special   (none)");
    } else {
        let _ = writeln!(o, "special   {}", line.special_text);
        for g in parse_special_groups(&line.special_text) {
            let programs = if g.programs.is_empty() {
                "(no program)".to_string()
            } else {
                g.programs.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
            };
            let text = match &g.rate {
                Ok(r) => r.text.as_str(),
                Err(e) => e.text.as_str(),
            };
            let _ = writeln!(o, "          {programs}: {text} — {}", priced_or_rule(&g.rate));
        }
    }
    if let Some(units) = own_units {
        let _ = writeln!(o, "unit      {}", units.join(", "));
    } else {
        let units: Vec<String> = line.units.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            o,
            "unit      {}{}",
            line.unit.map_or("(none)".to_string(), |u| u.to_string()),
            if units.len() > 1 { format!(" (reported in {})", units.join(", ")) } else { String::new() }
        );
    }
    let _ = writeln!(o, "source    {}", line.source);
}

fn priced_or_rule(rate: &Result<RateExpr, RateTextError>) -> String {
    match rate {
        Ok(r) => {
            let mut parts = Vec::new();
            if !r.ad_valorem.is_zero() {
                parts.push(format!(
                    "{}% of the customs value",
                    (r.ad_valorem * rust_decimal::Decimal::ONE_HUNDRED).normalize()
                ));
            }
            for p in r.specific.iter().filter(|p| !p.usd_per_unit.is_zero()) {
                parts.push(format!("{} USD per {}", p.usd_per_unit.normalize(), p.unit));
            }
            if parts.is_empty() {
                parts.push("free".into());
            }
            format!("priced ({}): {}", r.form().label(), parts.join(" + "))
        }
        Err(e) if e.kind.is_understood() => {
            format!("needs a rule ({}): the text {}", e.kind.label(), e.reason.trim_end_matches(": it needs a rule"))
        }
        Err(e) => format!("not understood: {}", e.reason),
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(max).collect::<String>().trim_end())
    }
}

fn check(path: &Path, all: bool, time: Option<u32>) -> Result<(String, u8), AppError> {
    let file = load(path)?;
    let c = file.coverage();
    let mut o = String::new();
    report(&mut o, &file.name, &c, all);
    if let Some(runs) = time {
        let runs = runs.max(1);
        let mut times: Vec<Duration> = Vec::with_capacity(runs as usize);
        for _ in 0..runs {
            let start = Instant::now();
            let table = MfnTable::from_hts_file(&load(path)?);
            times.push(start.elapsed());
            std::hint::black_box(table);
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let _ = writeln!(
            o,
            "load time (read, parse, build the MFN table), {runs} runs: median {:.1} ms (min {:.1}, max {:.1})",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
    }
    Ok((o, if c.all_general_handled() { 0 } else { 1 }))
}

fn report(o: &mut String, name: &str, c: &Coverage, all: bool) {
    let _ = writeln!(o, "HTS file {name}: {} rows", c.rows);
    let _ = writeln!(o, "  8-digit lines       {:>6} ({} with a General rate)", c.lines8, c.rated8);
    let _ = writeln!(
        o,
        "  10-digit lines      {:>6} ({} with their own General rate, {} inheriting their 8-digit line's, {} with none)",
        c.lines10,
        c.rated10,
        c.lines10 - c.rated10 - c.statistical_without_rate.len(),
        c.statistical_without_rate.len()
    );
    if !c.statistical_without_rate.is_empty() {
        let _ = writeln!(o, "    with no rate: {}", codes(&c.statistical_without_rate, all));
    }
    text_summary(o, "General rate texts", "lines", &c.general);
    text_summary(o, "Special rate groups (a rate and its programs)", "groups", &c.special);
    if c.general.needs_rule.is_empty() {
        let _ = writeln!(o, "Every General rate text is priced by arithmetic.");
    } else {
        let _ = writeln!(o, "General rate texts that need a rule ({} texts):", c.general.needs_rule.len());
        let mut kind = None;
        for n in &c.general.needs_rule {
            if kind != Some(n.kind) {
                kind = Some(n.kind);
                let _ = writeln!(o, "  {}:", n.kind.label());
            }
            let _ = writeln!(o, "    `{}` — {}", n.text, codes(&n.lines, all));
        }
    }
    if all && !c.special.needs_rule.is_empty() {
        let _ = writeln!(o, "Special rate groups that need a rule ({} texts):", c.special.needs_rule.len());
        for n in &c.special.needs_rule {
            let _ = writeln!(o, "  [{}] `{}` — {}", n.kind.label(), n.text, codes(&n.lines, all));
        }
    }
    let unread = c.general.needs_rule.iter().filter(|n| !n.kind.is_understood()).count();
    if unread == 0 {
        let _ = writeln!(o, "Every General rate text is handled: priced, or classed with the rule it needs.");
    } else {
        let _ = writeln!(o, "{unread} General rate texts are not understood (listed above under `not understood`).");
    }
}

fn text_summary(o: &mut String, what: &str, noun: &str, t: &TextCoverage) {
    let pct = |n: usize| if t.lines == 0 { 0.0 } else { 100.0 * n as f64 / t.lines as f64 };
    let _ = writeln!(o, "{what}: {} {noun}, {} distinct", t.lines, t.distinct);
    let forms: Vec<String> = t.by_form.iter().map(|(f, n)| format!("{} {n}", f.label())).collect();
    let _ = writeln!(
        o,
        "  priced        {:>6} {noun} ({:.2}%), {} distinct: {}",
        t.priced_lines,
        pct(t.priced_lines),
        t.priced_distinct,
        forms.join(", ")
    );
    let by_kind = t.needs_rule_by_kind();
    let (lines, texts) = by_kind.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let _ = writeln!(o, "  need a rule   {lines:>6} {noun} ({:.2}%), {texts} distinct", pct(lines));
    for kind in NeedsRule::ALL {
        if let Some((l, d)) = by_kind.get(&kind) {
            let _ = writeln!(o, "    {:<58} {l:>6} {noun}, {d} distinct", kind.label());
        }
    }
}

fn codes(list: &[HtsCode], all: bool) -> String {
    let n = if all { list.len() } else { list.len().min(LINES_SHOWN) };
    let mut s = list[..n].iter().map(HtsCode::dotted).collect::<Vec<_>>().join(", ");
    if n < list.len() {
        let _ = write!(s, " and {} more", list.len() - n);
    }
    format!("{} line{}: {s}", list.len(), if list.len() == 1 { "" } else { "s" })
}
