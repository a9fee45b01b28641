//! `explain`: one flow, every measure considered, applied or not and why.

use super::{AppError, engine_for};
use crate::cli::{ExplainArgs, ExplainFormat};
use crate::engine::{Assessment, Engine, MfnBasis, Status, Warning};
use crate::estimate::{Assumptions, Estimate, Estimator};
use crate::flow::Flow;
use crate::mfn::MfnTable;
use crate::money::percent;
use crate::reasons::{certainty_mark, rate_text, reason};
use serde_json::json;
use std::fmt::Write as _;
use std::sync::Arc;

/// The flow columns and the flags that give them to `explain`.
const FLAGS: [(&str, &str); 14] = [
    ("hts", "hts"),
    ("origin", "origin"),
    ("entry_date", "date"),
    ("customs_value", "value"),
    ("quantity", "quantity"),
    ("quantity_unit", "unit"),
    ("spi", "spi"),
    ("us_content_value", "us-content"),
    ("loaded_date", "loaded"),
    ("mfn_rate", "mfn-rate"),
    ("steel_content_value", "steel-content"),
    ("aluminum_content_value", "aluminum-content"),
    ("copper_content_value", "copper-content"),
    ("declared", "declared"),
];

/// A pricing error as `explain` says it: the advice names its flags, not the CSV columns a file
/// would have (`an `mfn_rate` column` -> `--mfn-rate RATE`), and the flag at fault comes first.
fn explain_error(e: &crate::engine::PricingError) -> AppError {
    // `--hts` is the code here; the file is `--hts-file`.
    let mut reason = e.reason.replace("--hts with the official HTS file", "--hts-file FILE with the official HTS file");
    for (column, flag) in FLAGS {
        reason = reason
            .replace(&format!("an `{column}` column"), &format!("--{flag} VALUE"))
            .replace(&format!("a `{column}` column"), &format!("--{flag} VALUE"))
            .replace(&format!("`{column}`"), &format!("--{flag}"));
    }
    let flag = FLAGS.iter().find(|(c, _)| *c == e.column).map_or(e.column, |(_, f)| *f);
    AppError::fatal(format!("cannot price this flow (--{flag}): {reason}"))
}

/// Builds the flow from the flags through the same checks as a CSV row ([`Flow::check`]), and names
/// the flag of a value it refuses.
fn flow_from(args: &ExplainArgs) -> Result<Flow, AppError> {
    // The values of the flags, in the order of `FLAGS`.
    let values: [Option<&str>; FLAGS.len()] = [
        Some(&args.hts),
        Some(&args.origin),
        Some(&args.date),
        Some(&args.value),
        args.quantity.as_deref(),
        args.unit.as_deref(),
        args.spi.as_deref(),
        args.us_content.as_deref(),
        args.loaded.as_deref(),
        args.mfn_rate.as_deref(),
        args.steel_content.as_deref(),
        args.aluminum_content.as_deref(),
        args.copper_content.as_deref(),
        args.declared.as_deref(),
    ];
    let given: Vec<(&str, &str, Option<&str>)> = FLAGS.iter().zip(values).map(|(&(c, f), v)| (c, f, v)).collect();
    let fields: Vec<(&str, &str)> = given.iter().filter_map(|(c, _, v)| v.map(|v| (*c, v))).collect();
    Flow::check(&fields).map_err(|e| {
        let flag = given.iter().find(|(c, _, _)| *c == e.column).map_or(e.column, |(_, f, _)| *f);
        AppError::fatal(format!("--{flag}: {}", e.reason))
    })
}

pub(super) fn explain(args: &ExplainArgs) -> Result<u8, AppError> {
    let mfn: Arc<MfnTable> = super::mfn_table(args.hts_file.as_deref())?;
    let engine = engine_for(&args.scenario, &mfn)?;
    let flow = flow_from(args)?;
    let a = engine.assess(&flow).map_err(|e| explain_error(&e))?;
    let assumptions =
        Assumptions::load(&args.estimate.assume).map_err(|e| AppError::fatal(format!("--assume: {e}")))?;
    let mut est = Estimator::new(&engine, &assumptions, args.estimate.ranges);
    let answer = if args.estimate.ranges || !assumptions.is_empty() {
        let e = est.estimate(&flow).map_err(|e| explain_error(&e))?;
        Answer { assumptions: &assumptions, ranges: args.estimate.ranges, estimate: Some(e) }
    } else {
        Answer { assumptions: &assumptions, ranges: false, estimate: None }
    };
    let text = match args.format {
        ExplainFormat::Text => {
            let mut t = render_text(&engine, &flow, &a);
            t.push_str(&answer.text(a.total_duty));
            t
        }
        ExplainFormat::Json => {
            let mut v = render_json(&engine, &flow, &a);
            v["answer"] = answer.json(a.total_duty);
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(AppError::stdout)?;
    Ok(0)
}

/// `explain --format json` for a flow given as named values under the CSV column names (the library
/// API, [`crate::api::explain_json`]): the same engine, checks and JSON as the command.
pub(crate) fn explain_json(
    scenario: &str,
    fields: &[(&str, &str)],
    hts_file: Option<&std::path::Path>,
    assume: &[String],
    ranges: bool,
) -> Result<serde_json::Value, AppError> {
    let mfn: Arc<MfnTable> = super::mfn_table(hts_file)?;
    let engine = engine_for(scenario, &mfn)?;
    let flow = Flow::check(fields).map_err(|e| AppError::fatal(format!("{}: {}", e.column, e.reason)))?;
    let a = engine.assess(&flow).map_err(|e| AppError::fatal(format!("cannot price this flow: {}", e.reason)))?;
    let assumptions = Assumptions::load(assume).map_err(|e| AppError::fatal(format!("assume: {e}")))?;
    let mut est = Estimator::new(&engine, &assumptions, ranges);
    let answer = if ranges || !assumptions.is_empty() {
        let e = est.estimate(&flow).map_err(|e| AppError::fatal(format!("cannot price this flow: {}", e.reason)))?;
        Answer { assumptions: &assumptions, ranges, estimate: Some(e) }
    } else {
        Answer { assumptions: &assumptions, ranges: false, estimate: None }
    };
    let mut v = render_json(&engine, &flow, &a);
    v["answer"] = answer.json(a.total_duty);
    Ok(v)
}

/// Which answer the duty lines are, and with `--assume` / `--ranges` the estimate and the span.
struct Answer<'a> {
    assumptions: &'a Assumptions,
    ranges: bool,
    estimate: Option<Estimate<'a>>,
}

impl Answer<'_> {
    /// The answer section of the text view (after the measures).
    fn text(&self, compliance: rust_decimal::Decimal) -> String {
        let mut o = String::new();
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Answer     the duty lines above are the compliance answer: what CBP charges on what this line declares ({compliance:.2})"
        );
        let Some(e) = &self.estimate else {
            let _ = writeln!(
                o,
                "           give --assume for an estimate of the facts the line lacks, --ranges for the span"
            );
            return o;
        };
        if !self.assumptions.is_empty() {
            if e.estimated.is_empty() {
                let _ = writeln!(
                    o,
                    "           assumptions {}: nothing to estimate for this line (central = compliance)",
                    self.assumptions.names()
                );
            } else {
                let _ = writeln!(
                    o,
                    "           estimate under {} ({} estimated): total {:.2}",
                    self.assumptions.names(),
                    e.estimated.names(),
                    e.central.total_duty
                );
            }
        }
        if self.ranges {
            let unknown = if e.unknown.is_empty() { "nothing that moves the duty".into() } else { e.unknown.names() };
            let _ = writeln!(
                o,
                "Range      low {:.2}, central {:.2}, high {:.2}; unknown: {unknown}",
                e.low, e.central.total_duty, e.high
            );
        }
        o
    }

    /// The `answer` object of the JSON view.
    fn json(&self, compliance: rust_decimal::Decimal) -> serde_json::Value {
        let e = self.estimate.as_ref();
        let kind = if e.is_some_and(|e| !e.estimated.is_empty()) { "estimate" } else { "compliance" };
        json!({
            "kind": kind,
            "compliance_total_duty": format!("{compliance:.2}"),
            "assumptions": self.assumptions.sets.iter().map(|s| json!({"name": s.name, "provenance": s.provenance})).collect::<Vec<_>>(),
            "estimated": e.map(|e| e.estimated.names()),
            "central_total_duty": format!("{:.2}", e.map_or(compliance, |e| e.central.total_duty)),
            "total_duty_low": (self.ranges).then(|| e.map(|e| format!("{:.2}", e.low))).flatten(),
            "total_duty_high": (self.ranges).then(|| e.map(|e| format!("{:.2}", e.high))).flatten(),
            "unknown": (self.ranges).then(|| e.map(|e| e.unknown.names())).flatten(),
        })
    }
}

/// A heading the importer could declare on this line, and what declaring it would do.
struct DeclarationEffect {
    heading: crate::codes::Heading,
    /// What the heading is (the exemption's reason, or the measure and rate it selects).
    what: String,
    /// The total duty with it declared.
    total: rust_decimal::Decimal,
    /// Total with it less total without.
    change: rust_decimal::Decimal,
}

/// The declarations that would change this flow's duty: every heading of the scenario that a branch
/// needs declared, not declared on the flow, priced once declared (a ban or an error is left out).
fn declaration_effects(engine: &Engine, flow: &Flow, a: &Assessment<'_>) -> Vec<DeclarationEffect> {
    let s = engine.scenario();
    let mut candidates: Vec<(crate::codes::Heading, String)> = Vec::new();
    for e in &s.exemptions {
        if let Some(run) = e.declared {
            // A run (a quota's category headings): declaring its first heading stands for any.
            let what = if run.first == run.last {
                e.reason.clone()
            } else {
                format!("{} (any heading of {run}, by product category)", e.reason)
            };
            candidates.push((run.first, what));
        }
    }
    for m in &s.measures {
        for r in &m.rates {
            if let Some(h) = r.declared {
                candidates.push((h, format!("{}: {}", m.id, m.title)));
            }
        }
    }
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (h, what) in candidates {
        if flow.declared.contains(h) || seen.contains(&h) {
            continue;
        }
        seen.push(h);
        let mut with = flow.clone();
        if with.declared.insert(h).is_err() {
            continue;
        }
        if let Ok(b) = engine.assess(&with)
            && b.total_duty != a.total_duty
        {
            out.push(DeclarationEffect { heading: h, what, total: b.total_duty, change: b.total_duty - a.total_duty });
        }
    }
    out
}

fn mfn_words(engine: &Engine, a: &Assessment<'_>) -> String {
    let rate = &a.mfn.rate;
    let basis = match &a.mfn.basis {
        MfnBasis::Base { rule, ignored_claim } => {
            let b = &engine.scenario().base_rates[*rule];
            let what = match &b.duty {
                crate::scenario::BaseDuty::Column2 => "Column 2 rate".to_string(),
                crate::scenario::BaseDuty::InLieu(_) => "rate in lieu of Column 2".to_string(),
            };
            let claim = ignored_claim.map(|p| format!("; program {p} claimed, not applicable")).unwrap_or_default();
            format!("{what}, {}: {}{claim}", b.id, b.title)
        }
        MfnBasis::General => "column 1 general rate".to_string(),
        MfnBasis::Special(p) => format!("special rate claimed under program {p}"),
        MfnBasis::ClaimNotEligible(p) => {
            format!("column 1 general rate (program {p} claimed, but this HTS line does not list it)")
        }
        MfnBasis::Override => "rate given in the row (mfn_rate)".to_string(),
    };
    let qty = a.mfn.quantity.map(|(q, u)| format!(", on {} {u}", q.normalize())).unwrap_or_default();
    format!("{rate}{qty} ({basis})")
}

/// The Chapter 99 heading reported with the ordinary duty, when a base rule has one (9903.90.08).
fn mfn_citation<'e>(engine: &'e Engine, a: &Assessment<'_>) -> Option<&'e str> {
    a.base_rule().and_then(|b| engine.scenario().base_rates[b].citation.as_deref())
}

/// The human-readable view.
pub fn render_text(engine: &Engine, flow: &Flow, a: &Assessment<'_>) -> String {
    let s = engine.scenario();
    let mut o = String::new();
    let _ = writeln!(o, "Scenario   {} — {}", s.name, s.title);
    let _ = writeln!(o, "Law        {}", s.law.line());
    if s.law.as_of.is_some_and(|d| flow.entry_date > d) {
        let _ =
            writeln!(o, "           entered after the date the law was checked through: later changes are not in it");
    }
    let desc = a.mfn.line.map(|l| format!(" ({})", l.description)).unwrap_or_default();
    let _ = writeln!(o, "Flow       HTS {}{desc}", flow.hts);
    let _ = writeln!(
        o,
        "           origin {}, entered {}, customs value {:.2} USD",
        flow.origin, flow.entry_date, flow.customs_value
    );
    if let Some(q) = flow.quantity {
        let _ = writeln!(
            o,
            "           quantity {} {}",
            q.normalize(),
            flow.quantity_unit.map(|u| u.to_string()).unwrap_or_default()
        );
    }
    if let Some(p) = flow.spi {
        let _ = writeln!(o, "           special program claimed: {p}");
    }
    if let Some(u) = flow.us_content_value {
        let _ = writeln!(o, "           US content {u:.2} USD");
    }
    if let Some(l) = flow.loaded_date {
        let _ = writeln!(o, "           loaded {l}");
    }
    if a.rule_date != flow.entry_date {
        let _ = writeln!(o, "           rules read as of {} (scenario frozen on that date)", a.rule_date);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Duty lines");
    let _ = writeln!(o, "  {:<28} {:<11} {:<36} {:>14} {:>14}", "measure", "heading", "rate", "base", "amount");
    let _ = writeln!(
        o,
        "  {:<28} {:<11} {:<36} {:>14} {:>14.2}",
        "mfn",
        mfn_citation(engine, a).unwrap_or("-"),
        short(&mfn_words(engine, a), 36),
        format!("{:.2}", flow.customs_value),
        a.mfn_duty
    );
    for (i, line) in a.applied() {
        let m = engine.measure(i);
        let _ = writeln!(
            o,
            "  {:<28} {:<11} {:<36} {:>14} {:>14.2}",
            m.id,
            engine.citation(i, line),
            short(&rate_text(engine, i, line, a), 36),
            format!("{:.2}", line.base),
            line.amount
        );
    }
    let eff = a.effective_rate().map(percent).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        o,
        "  {:<28} {:<11} {:<36} {:>14} {:>14.2}",
        "total",
        "",
        format!("effective rate {eff}"),
        "",
        a.total_duty
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "MFN: {}", mfn_words(engine, a));
    if let Some(l) = a.mfn.line {
        let _ = writeln!(o, "     HTS line {} ({})", l.hts, l.source);
    }
    for w in &a.warnings {
        let _ = writeln!(o, "     warning: {}", warning_text(w));
    }
    if !flow.declared.is_empty() {
        let list: Vec<String> = flow.declared.iter().map(|h| h.to_string()).collect();
        let _ = writeln!(o, "Declared   {}", list.join(", "));
    }
    let effects = declaration_effects(engine, flow, a);
    if !effects.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Declarations that would change the duty (give them with --declared):");
        for d in &effects {
            let sign = if d.change > rust_decimal::Decimal::ZERO { "+" } else { "" };
            let _ = writeln!(o, "  {}  {sign}{:.2} (total {:.2})  {}", d.heading, d.change, d.total, d.what);
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Measures considered (in stacking order)");
    let mut out_of_scope = Vec::new();
    for (i, st) in a.statuses.iter().enumerate() {
        let m = engine.measure(i);
        if matches!(st, Status::OriginNotCovered | Status::ProductNotCovered) {
            out_of_scope.push(format!("{} ({})", m.id, reason(engine, i, st, flow, a)));
            continue;
        }
        let mark = if st.line().is_some() { "APPLIED    " } else { "not applied" };
        let _ = writeln!(o, "  {mark} {}{} — {}", m.id, certainty_mark(m.certainty), m.title);
        let _ = writeln!(o, "              {}", reason(engine, i, st, flow, a));
        let _ = writeln!(o, "              source: {}", m.source);
        if st.line().is_some() && m.certainty != crate::scenario::Certainty::Primary && !m.note.is_empty() {
            let _ = writeln!(o, "              note: {}", one_line(&m.note));
        }
    }
    if !out_of_scope.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Not in scope for this flow");
        for line in out_of_scope {
            let _ = writeln!(o, "  {line}");
        }
    }
    o
}

/// The JSON view.
pub fn render_json(engine: &Engine, flow: &Flow, a: &Assessment<'_>) -> serde_json::Value {
    let s = engine.scenario();
    let lines: Vec<serde_json::Value> = std::iter::once(json!({
        "measure": "mfn",
        "citation": mfn_citation(engine, a),
        "base_rule": a.base_rule().map(|b| engine.scenario().base_rates[b].id.clone()),
        "rate": a.mfn.rate.to_string(),
        "basis": mfn_words(engine, a),
        "base": format!("{:.2}", flow.customs_value),
        "amount": format!("{:.2}", a.mfn_duty),
    }))
    .chain(a.applied().map(|(i, line)| {
        json!({
            "measure": engine.measure(i).id,
            "citation": engine.citation(i, line),
            "rate": rate_text(engine, i, line, a),
            "base": format!("{:.2}", line.base),
            "amount": format!("{:.2}", line.amount),
        })
    }))
    .collect();
    let considered: Vec<serde_json::Value> = a
        .statuses
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let m = engine.measure(i);
            json!({
                "measure": m.id,
                "title": m.title,
                "applied": st.line().is_some(),
                "in_scope": !matches!(st, Status::OriginNotCovered | Status::ProductNotCovered),
                "reason": reason(engine, i, st, flow, a),
                "source": m.source,
                "certainty": m.certainty.as_str(),
            })
        })
        .collect();
    json!({
        "scenario": s.name,
        "law": s.law.json(),
        "flow": {
            "hts": flow.hts.dotted(),
            "origin": flow.origin.as_str(),
            "entry_date": flow.entry_date.to_string(),
            "customs_value": format!("{:.2}", flow.customs_value),
            "quantity": flow.quantity.map(|q| q.normalize().to_string()),
            "quantity_unit": flow.quantity_unit.map(|u| u.to_string()),
            "spi": flow.spi.map(|p| p.to_string()),
            "us_content_value": flow.us_content_value.map(|v| format!("{v:.2}")),
            "loaded_date": flow.loaded_date.map(|d| d.to_string()),
        },
        "rule_date": a.rule_date.to_string(),
        "lines": lines,
        "mfn_duty": format!("{:.2}", a.mfn_duty),
        "additional_duty": format!("{:.2}", a.additional_duty),
        "total_duty": format!("{:.2}", a.total_duty),
        "effective_rate": a.effective_rate().map(|r| format!("{r:.6}")),
        "measures_considered": considered,
        "declared": flow.declared.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        "declarations_that_change_the_duty": declaration_effects(engine, flow, a)
            .iter()
            .map(|d| json!({
                "heading": d.heading.to_string(),
                "what": d.what,
                "change": format!("{:.2}", d.change),
                "total_duty": format!("{:.2}", d.total),
            }))
            .collect::<Vec<_>>(),
        "warnings": a.warnings.iter().map(warning_text).collect::<Vec<_>>(),
    })
}

/// A warning in words.
pub fn warning_text(w: &Warning) -> String {
    match w {
        Warning::ProgramNotListed(p) => {
            format!("program {p} is not listed for this HTS line; the general rate is used")
        }
        Warning::UnknownProgram(p) => {
            format!("`{p}` is not an HTS special program indicator (e.g. S, KR, JP, A+); the general rate is used")
        }
        Warning::ContentNotDeclared(b) => format!(
            "no {} declared: the Section 232 duty is charged on the whole customs value (CBP's rule when the content value is not reported)",
            match b {
                crate::scenario::Base::SteelContent => "steel_content_value",
                crate::scenario::Base::AluminumContent => "aluminum_content_value",
                _ => "copper_content_value",
            }
        ),
    }
}

fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    let cut: String = text.chars().take(n - 3).collect();
    format!("{cut}...")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
