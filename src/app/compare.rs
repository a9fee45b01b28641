//! `compare`: several scenarios over the same flows, in one pass.
//!
//! Every row is read once and assessed under each scenario. A row that cannot be priced under one
//! scenario is rejected for all, so that the totals compare like with like. Aggregates grow with the
//! number of groups, never with the number of rows.

mod html;
mod svg;

use super::AppError;
use super::batch::{Batch, Row};
use super::io::Output;
use super::table::Table;
use super::totals::{DutyTotals, GroupTotals, add_to_groups, write_group_key};
use super::warnings::WarningTally;
use crate::api::GroupBy;
use crate::cli::{CompareArgs, CompareFormat};
use crate::engine::{Assessment, Engine, Priced, Sweep, SweepPricer};
use crate::estimate::{Assumptions, Estimator};
use crate::flow::{FieldSource, Flow, Reject};
use crate::mfn::MfnTable;
use crate::money::percent;
use crate::reasons::short_state;
use crate::result_columns::push_csv_field;
use rust_decimal::Decimal;
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

pub(super) fn compare(args: &CompareArgs) -> Result<u8, AppError> {
    let mfn: Arc<MfnTable> = super::mfn_table(args.input.hts_file.as_deref())?;
    let engines = super::engines_for(&args.scenario, &mfn)?;
    let names: Vec<String> = engines.iter().map(|e| e.scenario().name.clone()).collect();
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = names[..i].iter().position(|m| m == n) {
            return Err(AppError::fatal(format!(
                "scenario `{n}` is given twice (--scenario {} and {}: {} and {}); each column must be a different scenario",
                j + 1,
                i + 1,
                args.scenario[j],
                args.scenario[i]
            )));
        }
    }
    super::io::check_distinct_files(
        args.input.flows.as_deref(),
        &[
            ("-o", Some(args.output.as_deref().unwrap_or(Path::new("-")))),
            ("--rejects", args.input.rejects.as_deref()),
            ("--lines", args.lines.as_deref()),
        ],
    )?;
    let mut batch = Batch::from_input(&args.input)?;
    // No output of `compare` holds a row's record: a Parquet file's rows are read from their
    // columns without being written as text.
    batch.fields_only();
    let input_name = batch.name().to_string();
    let dims = dimensions(args.by, args.format == CompareFormat::Html);
    let entry_column = batch.header().iter().position(|h| {
        String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(crate::api::ENTRY_NUMBER)
    });
    if dims.contains(&GroupBy::Entry) && entry_column.is_none() {
        return Err(AppError::fatal(format!(
            "--by entry groups by the `entry_number` column, and {input_name} has none (its header: {})",
            crate::text::shown(&String::from_utf8_lossy(batch.header_raw()))
        )));
    }
    // The input's other columns (an entry number, a description, a supplier) follow the flow's in
    // `--lines`, as written.
    let names_in: Vec<String> = batch
        .header()
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let pass: Vec<usize> = (0..names_in.len())
        .filter(|&i| {
            let n = names_in[i].to_ascii_lowercase();
            !crate::flow::REQUIRED.contains(&n.as_str()) && !crate::flow::OPTIONAL.contains(&n.as_str())
        })
        .collect();
    let mut lines = match &args.lines {
        Some(p) => {
            let mut w = csv::Writer::from_writer(Output::file(p)?);
            let mut header: Vec<String> =
                ["line", "hts", "origin", "entry_date", "customs_value"].iter().map(|s| s.to_string()).collect();
            for &i in &pass {
                // A pass-through name that the report uses itself is marked as the input's.
                let n = &names_in[i];
                let taken =
                    n == "line" || n.starts_with("total_") || n.starts_with("difference_") || n.starts_with("cause_");
                header.push(if taken { format!("input_{n}") } else { n.clone() });
            }
            header.extend(names.iter().map(|n| format!("total_{n}")));
            for n in &names[1..] {
                header.push(format!("difference_{n}"));
                header.push(format!("cause_{n}"));
            }
            w.write_record(&header).map_err(|e| AppError::write(p, &e))?;
            Some((
                w.into_inner().map_err(|e| AppError::fatal(format!("cannot write {}: {}", p.display(), e.error())))?,
                p.clone(),
            ))
        }
        None => None,
    };
    let with_lines = lines.is_some();
    let assumptions =
        Assumptions::load(&args.estimate.assume).map_err(|e| AppError::fatal(format!("--assume: {e}")))?;
    let ranges = args.estimate.ranges;
    let estimating = ranges || !assumptions.is_empty();
    let sweep = Sweep::new(&engines);
    let end = batch.run(
        || {
            let mut w = Worker::new(&engines, &sweep, &dims, entry_column);
            if estimating {
                w.estimators = engines.iter().map(|e| Estimator::new(e, &assumptions, ranges)).collect();
            }
            w
        },
        |w, row, out| w.price_row(&engines, with_lines.then_some(&pass[..]), &row, out),
        |out| match &mut lines {
            Some((w, p)) => w.write_all(out).map_err(|e| AppError::write_io(p, e)),
            None => Ok(()),
        },
    )?;
    if let Some((out, _)) = lines {
        out.commit()?;
    }
    let mut totals = vec![DutyTotals::default(); engines.len()];
    let mut breakdowns: Vec<(GroupBy, GroupTotals)> = dims.iter().map(|&by| (by, GroupTotals::new())).collect();
    let mut tally = WarningTally::default();
    for w in &end.states {
        tally.merge(&w.tally);
        for (t, x) in totals.iter_mut().zip(&w.totals) {
            t.merge(x);
        }
        for ((_, groups), (_, theirs)) in breakdowns.iter_mut().zip(&w.breakdowns) {
            for (key, g) in theirs {
                match groups.get_mut(key) {
                    Some(have) => have.iter_mut().zip(g).for_each(|(t, x)| t.merge(x)),
                    None => {
                        groups.insert(key.clone(), g.clone());
                    }
                }
            }
        }
    }
    for (t, name) in totals.iter().zip(&names) {
        t.check_exact(&format!("scenario {name}"))?;
    }
    for (by, groups) in &breakdowns {
        for (key, g) in groups {
            for (t, name) in g.iter().zip(&names) {
                t.check_exact(&format!("{} {key} under {name}", by.name()))?;
            }
        }
    }
    let mut estimated = super::run::FactCounts::default();
    for w in &end.states {
        estimated.merge(&w.estimated);
    }
    let report = Report {
        answer: super::run::answer_line(&assumptions, &estimated),
        assumptions: &assumptions,
        ranges,
        input: &input_name,
        as_of: args.input.as_of.as_deref(),
        names: &names,
        totals: &totals,
        by: args.by,
        breakdowns: &breakdowns,
        laws: engines.iter().map(|e| &e.scenario().law).collect(),
    };
    let text = match args.format {
        CompareFormat::Table => report.table(),
        CompareFormat::Markdown => report.markdown(),
        CompareFormat::Csv => report.csv(),
        CompareFormat::Json => serde_json::to_string_pretty(&report.json()).unwrap_or_default() + "\n",
        CompareFormat::Html => html::page(&report),
    };
    let mut out = Output::to(args.output.as_deref(), args.input.quiet)?;
    out.write_all(text.as_bytes()).map_err(AppError::stdout)?;
    out.commit()?;
    tally.report_law_dates(&engines.iter().map(Engine::scenario).collect::<Vec<_>>());
    if !args.input.quiet {
        tally.report();
    }
    end.close()
}

/// The breakdowns to keep: `--by`'s, and for the HTML page origin, chapter and measure as well (its
/// charts need them whatever `--by` says). The other formats keep only `--by`'s, so they cost no more
/// than before.
fn dimensions(by: Option<GroupBy>, html: bool) -> Vec<GroupBy> {
    let mut dims: Vec<GroupBy> = by.into_iter().collect();
    if html {
        for d in [GroupBy::Origin, GroupBy::Chapter, GroupBy::Measure] {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
    }
    dims
}

/// One worker's pricers (one per scenario) and its share of the totals (merged at the end: sums do
/// not depend on order).
struct Worker<'e> {
    /// The pricers of every scenario; variants aligned with the first take its answer for the
    /// rows their changes cannot touch ([`Sweep`]).
    pricers: SweepPricer<'e>,
    /// With --assume or --ranges: one estimator per scenario (used instead of the pricers).
    estimators: Vec<Estimator<'e>>,
    /// Rows with a fact estimated (under the reference scenario).
    estimated: super::run::FactCounts,
    totals: Vec<DutyTotals>,
    /// One set of group totals per breakdown kept (see [`dimensions`]), in that order.
    breakdowns: Vec<(GroupBy, GroupTotals)>,
    /// The `entry_number` column (for `--by entry`).
    entry_column: Option<usize>,
    key: String,
    tally: WarningTally,
}

impl<'e> Worker<'e> {
    fn new(engines: &'e [Engine], sweep: &'e Sweep, dims: &[GroupBy], entry_column: Option<usize>) -> Worker<'e> {
        Worker {
            pricers: SweepPricer::new(sweep, engines),
            estimators: Vec::new(),
            estimated: super::run::FactCounts::default(),
            totals: vec![DutyTotals::default(); engines.len()],
            breakdowns: dims.iter().map(|&by| (by, GroupTotals::new())).collect(),
            entry_column,
            key: String::new(),
            tally: WarningTally::default(),
        }
    }

    /// Prices one row under every scenario; a row that cannot be priced under one is rejected for
    /// all, so that the totals compare like with like.
    /// `lines`: with `--lines`, the input columns that pass through.
    fn price_row(
        &mut self,
        engines: &[Engine],
        lines: Option<&[usize]>,
        row: &Row<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), Reject> {
        let (line, flow) = (row.line, row.flow);
        if self.estimators.is_empty() {
            if let Err((k, err)) = self.pricers.price(flow) {
                let mut r = Reject::at(line, err.into());
                r.reason = format!("{} (scenario {})", r.reason, self.pricers.engine(k).scenario().name);
                return Err(r);
            }
        } else {
            for est in &mut self.estimators {
                if let Err(err) = est.estimate(flow) {
                    let mut r = Reject::at(line, err.into());
                    r.reason = format!("{} (scenario {})", r.reason, est.engine().scenario().name);
                    return Err(r);
                }
            }
            self.estimated.add(self.estimators[0].last().estimated);
            for (t, est) in self.totals.iter_mut().zip(&self.estimators) {
                let e = est.last();
                t.add_range(e.low, e.high);
            }
        }
        let estimators = &self.estimators;
        let pricers = &self.pricers;
        let priced = |i: usize| -> &Priced {
            if estimators.is_empty() { pricers.priced(i) } else { estimators[i].last().central }
        };
        for (i, t) in self.totals.iter_mut().enumerate() {
            t.add(flow.customs_value, priced(i));
            self.tally.law_date(i, &engines[i].scenario().law, flow.entry_date);
        }
        if let Some(p) = (0..engines.len()).map(priced).find(|p| !p.warnings.is_empty()) {
            self.tally.add(&p.warnings);
        }
        for (by, groups) in &mut self.breakdowns {
            let entry_column = self.entry_column;
            let entry_number =
                || entry_column.map(|c| String::from_utf8_lossy(row.fields.field(c))).unwrap_or_default();
            write_group_key(&mut self.key, *by, flow, entry_number);
            add_to_groups(groups, &self.key, *by, flow, engines, priced, estimators);
        }
        if let Some(pass) = lines {
            // The causes need every measure's status: assess fully (only with --lines).
            let assessments = engines.iter().map(|e| e.assess(flow)).collect::<Result<Vec<_>, _>>();
            if let Ok(assessments) = assessments {
                let mut record = line_record(line, flow, engines, &assessments);
                let passed = pass.iter().map(|&i| String::from_utf8_lossy(row.fields.field(i)).into_owned());
                record.splice(5..5, passed);
                for (k, field) in record.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    push_csv_field(out, field.as_bytes());
                }
                out.push(b'\n');
            }
        }
        Ok(())
    }
}

/// One row of `--lines`: the flow, each scenario's total, and what caused each difference.
fn line_record(line: u64, flow: &Flow, engines: &[Engine], assessments: &[Assessment<'_>]) -> Vec<String> {
    let mut rec = vec![
        line.to_string(),
        flow.hts.dotted(),
        flow.origin.to_string(),
        flow.entry_date.to_string(),
        format!("{:.2}", flow.customs_value),
    ];
    rec.extend(assessments.iter().map(|a| format!("{:.2}", a.total_duty)));
    let (e0, a0) = (&engines[0], &assessments[0]);
    for (e, a) in engines.iter().zip(assessments).skip(1) {
        rec.push(format!("{:.2}", a.total_duty - a0.total_duty));
        rec.push(causes(e0, a0, e, a, flow));
    }
    rec
}

/// The measures whose amounts differ between the reference and another scenario, with their state in each.
fn causes(e0: &Engine, a0: &Assessment<'_>, e: &Engine, a: &Assessment<'_>, flow: &Flow) -> String {
    let mut ids: Vec<&str> = Vec::new();
    let amount = |eng: &Engine, asm: &Assessment<'_>, id: &str| -> (Option<usize>, Decimal) {
        match eng.scenario().measure_index(id) {
            Some(i) => (Some(i), asm.statuses[i].line().map_or(Decimal::ZERO, |l| l.amount)),
            None => (None, Decimal::ZERO),
        }
    };
    for m in e0.scenario().measures.iter().chain(e.scenario().measures.iter()) {
        if !ids.contains(&m.id.as_str()) {
            ids.push(&m.id);
        }
    }
    let mut parts = Vec::new();
    if a.mfn_duty != a0.mfn_duty {
        parts.push(format!("mfn {} instead of {}", a.mfn_duty, a0.mfn_duty));
    }
    for id in ids {
        let (i0, x0) = amount(e0, a0, id);
        let (i1, x1) = amount(e, a, id);
        let declared = |eng: &Engine, asm: &Assessment<'_>, i: Option<usize>| {
            i.is_some_and(|i| asm.statuses[i].line().is_some() && eng.scenario().measures[i].id == id)
        };
        if x0 == x1 && declared(e0, a0, i0) == declared(e, a, i1) {
            continue;
        }
        let state = match i1 {
            Some(i) => short_state(e, i, &a.statuses[i], flow, a),
            None => format!("{id} not in {}", e.scenario().name),
        };
        let before = match i0 {
            Some(i) if a0.statuses[i].line().is_some() => format!(" (in {}: {} {:.2})", e0.scenario().name, id, x0),
            _ => String::new(),
        };
        parts.push(format!("{state}{before}"));
    }
    parts.join("; ")
}

/// The CSV columns of a scenario's totals, after its name (the summary's and every breakdown's).
const TOTALS_CSV_COLUMNS: [&str; 7] =
    ["rows", "customs_value", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "difference"];

struct Report<'a> {
    /// Which answer the figures are (compliance, or an estimate under named sets).
    answer: String,
    assumptions: &'a Assumptions,
    /// Low and high totals are shown.
    ranges: bool,
    input: &'a str,
    as_of: Option<&'a str>,
    names: &'a [String],
    totals: &'a [DutyTotals],
    by: Option<GroupBy>,
    /// The group totals of every breakdown kept (`--by`'s first).
    breakdowns: &'a [(GroupBy, GroupTotals)],
    /// Each scenario's law status, in the order of `names`.
    laws: Vec<&'a crate::scenario::LawStatus>,
}

use crate::money::thousands;

fn signed(v: Decimal) -> String {
    if v > Decimal::ZERO { format!("+{}", thousands(v)) } else { thousands(v) }
}

/// The range columns of the table and markdown views.
const RANGE_HEADER: [&str; 3] = ["total duty low", "total duty high", "effective rate low-high"];

fn range_cells(t: &DutyTotals) -> [String; 3] {
    let (lo, hi) = t.range();
    let v = t.value();
    let rates = if v.is_zero() { "-".to_string() } else { format!("{}-{}", percent(lo / v), percent(hi / v)) };
    [thousands(lo), thousands(hi), rates]
}

fn rate_or_dash(r: Option<Decimal>) -> String {
    r.map(percent).unwrap_or_else(|| "-".into())
}

/// The empty breakdown (of a dimension not kept).
static NO_GROUPS: GroupTotals = GroupTotals::new();

impl Report<'_> {
    /// The group totals of breakdown `by` (empty when it was not kept).
    fn groups(&self, by: GroupBy) -> &GroupTotals {
        self.breakdowns.iter().find(|(b, _)| *b == by).map_or(&NO_GROUPS, |(_, g)| g)
    }

    /// (header, rows) of the summary and of the breakdown, as text cells.
    fn summary_rows(&self) -> Table {
        let header = [
            "scenario",
            "rows",
            "customs value",
            "MFN duty",
            "additional duty",
            "total duty",
            "effective rate",
            "difference",
        ];
        let base = self.totals[0].total();
        let rows = self
            .names
            .iter()
            .zip(self.totals)
            .enumerate()
            .map(|(i, (n, t))| {
                let mut row = vec![
                    n.clone(),
                    t.rows.to_string(),
                    thousands(t.value()),
                    thousands(t.mfn()),
                    thousands(t.additional()),
                    thousands(t.total()),
                    rate_or_dash(t.rate()),
                    if i == 0 { "(reference)".into() } else { signed(t.total() - base) },
                ];
                if self.ranges {
                    row.extend(range_cells(t));
                }
                row
            })
            .collect();
        let mut header: Vec<&str> = header.to_vec();
        if self.ranges {
            header.extend(RANGE_HEADER);
        }
        Table { rows, ..Table::new(&header) }
    }

    fn breakdown_rows(&self) -> Option<Table> {
        self.by.map(|by| self.breakdown_table(by))
    }

    /// The breakdown `by` as text cells.
    fn breakdown_table(&self, by: GroupBy) -> Table {
        let mut header = vec![by.name(), "scenario", "rows", "customs value", "duty", "effective rate", "difference"];
        let with_range = self.ranges && by != GroupBy::Measure;
        if with_range {
            header.extend(RANGE_HEADER);
        }
        let mut rows = Vec::new();
        for (key, per) in self.groups(by) {
            let base = per[0].total();
            for (i, (n, t)) in self.names.iter().zip(per).enumerate() {
                let mut row = vec![
                    key.clone(),
                    n.clone(),
                    t.rows.to_string(),
                    thousands(t.value()),
                    thousands(t.total()),
                    rate_or_dash(t.rate()),
                    if i == 0 { "(reference)".into() } else { signed(t.total() - base) },
                ];
                if with_range {
                    row.extend(range_cells(t));
                }
                rows.push(row);
            }
        }
        Table { rows, ..Table::new(&header) }
    }

    /// The summary and breakdown tables as read: a single scenario has no differences to show.
    fn tables(&self) -> (Table, Option<Table>) {
        let one = |t: Table| if self.names.len() == 1 { t.without_column("difference") } else { t };
        (one(self.summary_rows()), self.breakdown_rows().map(one))
    }

    fn title(&self) -> String {
        let as_of = self.as_of.map(|d| format!(", every flow assessed as if entered on {d}")).unwrap_or_default();
        match self.names {
            [one] => format!("Duty on {} under {one}{as_of}", self.input),
            _ => format!("Duty on {} under {} scenarios{as_of}", self.input, self.names.len()),
        }
    }

    fn table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "{}", self.title());
        for (n, law) in self.names.iter().zip(&self.laws) {
            let _ = writeln!(o, "  {n}: {}", law.line());
        }
        let _ = writeln!(o, "  {}", self.answer);
        let _ = writeln!(o);
        let (summary, breakdown) = self.tables();
        summary.render_aligned(&mut o);
        if let Some(b) = breakdown {
            let _ = writeln!(o, "\nBy {}:", self.by.unwrap_or(GroupBy::Origin).name());
            b.render_aligned(&mut o);
        }
        o
    }

    fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "**{}**\n", self.title());
        for (n, law) in self.names.iter().zip(&self.laws) {
            let _ = writeln!(o, "- `{n}`: {}", law.line());
        }
        let _ = writeln!(o, "- {}", self.answer);
        let _ = writeln!(o);
        let (summary, breakdown) = self.tables();
        summary.render_markdown(&mut o);
        if let Some(b) = breakdown {
            let _ = writeln!(o, "\n**By {}**\n", self.by.unwrap_or(GroupBy::Origin).name());
            b.render_markdown(&mut o);
        }
        o
    }

    fn csv(&self) -> String {
        // Plain decimals (no thousands separators) in CSV, one table: with --by, the breakdown; else the summary.
        match self.by {
            None => self.summary_csv(),
            Some(by) => breakdown_csv(by, self.names, self.groups(by)),
        }
    }

    /// The summary as CSV (`compare --format csv` without `--by`).
    fn summary_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let base = self.totals[0].total();
        let mut header = vec!["scenario"];
        header.extend(TOTALS_CSV_COLUMNS);
        if self.ranges {
            header.extend(["total_duty_low", "total_duty_high"]);
        }
        let _ = w.write_record(&header);
        for (n, t) in self.names.iter().zip(self.totals) {
            let mut rec = vec![
                n.clone(),
                t.rows.to_string(),
                format!("{:.2}", t.value()),
                format!("{:.2}", t.mfn()),
                format!("{:.2}", t.additional()),
                format!("{:.2}", t.total()),
                t.rate().map(|r| format!("{r:.6}")).unwrap_or_default(),
                format!("{:.2}", t.total() - base),
            ];
            if self.ranges {
                let (lo, hi) = t.range();
                rec.extend([format!("{lo:.2}"), format!("{hi:.2}")]);
            }
            let _ = w.write_record(&rec);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    fn json(&self) -> serde_json::Value {
        let base = self.totals[0].total();
        let ranges = self.ranges;
        let t_json = |n: &str, t: &DutyTotals, reference: Decimal| {
            let mut v = json!({
                "scenario": n,
                "rows": t.rows,
                "customs_value": format!("{:.2}", t.value()),
                "mfn_duty": format!("{:.2}", t.mfn()),
                "additional_duty": format!("{:.2}", t.additional()),
                "total_duty": format!("{:.2}", t.total()),
                "effective_rate": t.rate().map(|r| format!("{r:.6}")),
                "difference": format!("{:.2}", t.total() - reference),
            });
            if ranges {
                let (lo, hi) = t.range();
                v["total_duty_low"] = json!(format!("{lo:.2}"));
                v["total_duty_high"] = json!(format!("{hi:.2}"));
            }
            v
        };
        let scenarios: Vec<_> = self
            .names
            .iter()
            .zip(self.totals)
            .zip(&self.laws)
            .map(|((n, t), law)| {
                let mut v = t_json(n, t, base);
                v["law"] = law.json();
                v
            })
            .collect();
        let breakdown = self.by.map(|by| {
            let groups: Vec<_> = self
                .groups(by)
                .iter()
                .map(|(k, per)| json!({ "group": k, "scenarios": self.names.iter().zip(per).map(|(n, t)| t_json(n, t, per[0].total())).collect::<Vec<_>>() }))
                .collect();
            json!({ "by": by.name(), "groups": groups })
        });
        let answer = json!({
            "kind": if self.assumptions.is_empty() { "compliance" } else { "estimate" },
            "assumptions": self.assumptions.json(),
            "ranges": self.ranges,
            "text": self.answer,
        });
        json!({ "input": self.input, "as_of": self.as_of, "reference": self.names[0], "answer": answer, "scenarios": scenarios, "breakdown": breakdown })
    }
}

/// A breakdown as CSV (`compare --format csv --by BY`): one row per group and scenario, in the order
/// of `groups`, plain decimals; the difference is from the group's reference total.
fn breakdown_csv<'g>(
    by: GroupBy,
    names: &[String],
    groups: impl IntoIterator<Item = (&'g String, &'g Vec<DutyTotals>)>,
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([by.name(), "scenario"].into_iter().chain(TOTALS_CSV_COLUMNS));
    for (key, per) in groups {
        for (n, t) in names.iter().zip(per) {
            let _ = w.write_record([
                key.clone(),
                n.clone(),
                t.rows.to_string(),
                format!("{:.2}", t.value()),
                format!("{:.2}", t.mfn()),
                format!("{:.2}", t.additional()),
                format!("{:.2}", t.total()),
                t.rate().map(|r| format!("{r:.6}")).unwrap_or_default(),
                format!("{:.2}", t.total() - per[0].total()),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
