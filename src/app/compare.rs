//! `compare`: several scenarios over the same flows, in one pass.
//!
//! Every row is read once and assessed under each scenario. A row that cannot be priced under one
//! scenario is rejected for all, so that the totals compare like with like. Aggregates grow with the
//! number of groups, never with the number of rows.

use super::io::{Output, Progress, Reject, RejectSink};
use super::records::{Chunk, RecordReader, RowParser, default_workers, pipeline};
use super::{AppError, engines_for, parse_as_of, reconcile};
use crate::cli::{By, CompareArgs, Format};
use crate::engine::{Assessment, Engine, Priced, Scratch};
use crate::explain_text::short_state;
use crate::flow::Flow;
use crate::mfn::MfnTable;
use crate::money::{MoneySum, effective_rate, percent};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;

/// Running totals for one scenario (or one group under one scenario).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows counted.
    pub rows: u64,
    /// Customs value.
    pub value: Decimal,
    /// MFN duty.
    pub mfn: Decimal,
    /// Additional duty.
    pub additional: Decimal,
    /// Total duty.
    pub total: Decimal,
}

impl Totals {
    fn rate(&self) -> Option<Decimal> {
        effective_rate(self.total, self.value)
    }
}

/// [`Totals`] as kept by a worker, with exact sums that are cheaper to add to. The total duty is
/// not summed: every row's total is its MFN plus its additional duty, so the sums are too.
#[derive(Clone, Copy, Debug, Default)]
struct RunningTotals {
    rows: u64,
    value: MoneySum,
    mfn: MoneySum,
    additional: MoneySum,
}

impl RunningTotals {
    fn add(&mut self, value: Decimal, a: &Priced) {
        self.rows += 1;
        self.value.add(value);
        self.mfn.add(a.mfn_duty);
        self.additional.add(a.additional_duty);
    }

    fn merge(&mut self, other: &RunningTotals) {
        self.rows += other.rows;
        self.value.add_sum(&other.value);
        self.mfn.add_sum(&other.mfn);
        self.additional.add_sum(&other.additional);
    }

    fn totals(&self) -> Totals {
        Totals {
            rows: self.rows,
            value: self.value.value(),
            mfn: self.mfn.value(),
            additional: self.additional.value(),
            total: self.mfn.value() + self.additional.value(),
        }
    }
}

pub(super) fn compare(args: &CompareArgs) -> Result<u8, AppError> {
    if args.scenario.len() < 2 {
        return Err(AppError::fatal("compare needs at least two --scenario (the first is the reference)"));
    }
    let mfn: Arc<MfnTable> = super::mfn_table(args.input.hts_file.as_deref())?;
    let engines = engines_for(&args.scenario, &mfn)?;
    let names: Vec<String> = engines.iter().map(|e| e.scenario().name.clone()).collect();
    let as_of = parse_as_of(args.input.as_of.as_deref())?;
    let input = RecordReader::open(args.input.flows.as_deref())?;
    let parser = RowParser::new(&input.header).map_err(|e| AppError::fatal(format!("{}:1: {e}", input.name)))?;
    let input_name = input.name.clone();
    let mut rejects = RejectSink::new(args.input.rejects.as_deref(), &input.name)?;
    let mut lines = match &args.lines {
        Some(p) => {
            let mut w = csv::Writer::from_writer(Output::file(p)?);
            let mut header: Vec<String> =
                ["line", "hts", "origin", "entry_date", "customs_value"].iter().map(|s| s.to_string()).collect();
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
    let n = engines.len();
    let with_lines = lines.is_some();
    let mut progress = Progress::new(args.input.quiet);
    let mut rows = 0u64;
    let workers = pipeline(
        input,
        default_workers(),
        || Worker::new(parser.clone(), n),
        |w, chunk, out: &mut ChunkOut| w.price_chunk(&engines, args.by, as_of, with_lines, chunk, out),
        |_, out| {
            rows += out.rows;
            progress.tick(rows);
            for r in out.rejects.drain(..) {
                rejects.push(r)?;
            }
            if let Some((w, p)) = &mut lines {
                w.write_all(&out.lines).map_err(|e| AppError::fatal(format!("cannot write {}: {e}", p.display())))?;
            }
            Ok(())
        },
    )?;
    progress.done();
    if let Some((out, _)) = lines {
        out.commit()?;
    }
    let mut running = vec![RunningTotals::default(); n];
    let mut running_groups: BTreeMap<String, Vec<RunningTotals>> = BTreeMap::new();
    let mut tally = super::WarningTally::default();
    let mut assessed = 0;
    for w in workers {
        assessed += w.assessed;
        tally.merge(&w.tally);
        for (t, x) in running.iter_mut().zip(&w.totals) {
            t.merge(x);
        }
        for (key, g) in w.groups {
            match running_groups.get_mut(&key) {
                Some(have) => have.iter_mut().zip(&g).for_each(|(t, x)| t.merge(x)),
                None => {
                    running_groups.insert(key, g);
                }
            }
        }
    }
    let totals: Vec<Totals> = running.iter().map(RunningTotals::totals).collect();
    let groups: BTreeMap<String, Vec<Totals>> =
        running_groups.into_iter().map(|(k, g)| (k, g.iter().map(RunningTotals::totals).collect())).collect();
    let report = Report {
        input: &input_name,
        as_of: args.input.as_of.as_deref(),
        names: &names,
        totals: &totals,
        by: args.by,
        groups: &groups,
    };
    let text = match args.format {
        Format::Table => report.table(),
        Format::Markdown => report.markdown(),
        Format::Csv => report.csv(),
        Format::Json => serde_json::to_string_pretty(&report.json()).unwrap_or_default() + "\n",
    };
    let mut out = Output::to(args.output.as_deref())?;
    out.write_all(text.as_bytes()).map_err(AppError::stdout)?;
    out.commit()?;
    if !args.input.quiet {
        tally.report();
    }
    let rejected = rejects.count;
    rejects.finish()?;
    reconcile(rows, assessed, rejected)
}

/// One worker's buffers and its share of the totals (merged at the end: sums do not depend on order).
struct Worker {
    parser: RowParser,
    scratch: Vec<Scratch>,
    priced: Vec<Priced>,
    totals: Vec<RunningTotals>,
    groups: BTreeMap<String, Vec<RunningTotals>>,
    key: String,
    tally: super::WarningTally,
    assessed: u64,
}

/// What a worker made of one chunk: rejects and `--lines` records, in input order.
#[derive(Default)]
struct ChunkOut {
    rejects: Vec<Reject>,
    lines: Vec<u8>,
    rows: u64,
}

impl Worker {
    fn new(parser: RowParser, n: usize) -> Worker {
        Worker {
            parser,
            scratch: (0..n).map(|_| Scratch::new()).collect(),
            priced: vec![Priced::default(); n],
            totals: vec![RunningTotals::default(); n],
            groups: BTreeMap::new(),
            key: String::new(),
            tally: super::WarningTally::default(),
            assessed: 0,
        }
    }

    fn price_chunk(
        &mut self,
        engines: &[Engine],
        by: Option<By>,
        as_of: Option<crate::date::Date>,
        with_lines: bool,
        chunk: &Chunk,
        out: &mut ChunkOut,
    ) {
        out.rejects.clear();
        out.lines.clear();
        out.rows = chunk.spans.len() as u64;
        let mut lines = with_lines.then(|| csv::Writer::from_writer(std::mem::take(&mut out.lines)));
        for span in &chunk.spans {
            let Some(flow) = self.parser.flow_or_reject(chunk, span, as_of, &mut out.rejects) else { continue };
            let mut failure = None;
            for (i, e) in engines.iter().enumerate() {
                if let Err(err) = e.price(flow, &mut self.scratch[i], &mut self.priced[i]) {
                    failure = Some((err, &e.scenario().name));
                    break;
                }
            }
            if let Some((err, scen)) = failure {
                out.rejects.push(Reject {
                    line: span.line,
                    column: err.column.into(),
                    value: err.value,
                    reason: format!("{} (scenario {scen})", err.reason),
                });
                continue;
            }
            self.assessed += 1;
            for (t, p) in self.totals.iter_mut().zip(&self.priced) {
                t.add(flow.customs_value, p);
            }
            if let Some(p) = self.priced.iter().find(|p| !p.warnings.is_empty()) {
                self.tally.add(&p.warnings);
            }
            if let Some(by) = by {
                add_groups(&mut self.groups, &mut self.key, by, flow, engines, &self.priced);
            }
            if let Some(lines) = &mut lines {
                // The causes need every measure's status: assess fully (only with --lines).
                let assessments = engines.iter().map(|e| e.assess(flow)).collect::<Result<Vec<_>, _>>();
                if let Ok(assessments) = assessments {
                    let rec = line_record(span.line, flow, engines, &assessments);
                    // Writing to memory cannot fail.
                    let _ = lines.write_record(&rec);
                }
            }
        }
        if let Some(lines) = lines {
            // Writing to memory cannot fail.
            out.lines = lines.into_inner().unwrap_or_default();
        }
    }
}

fn add_groups(
    groups: &mut BTreeMap<String, Vec<RunningTotals>>,
    key: &mut String,
    by: By,
    flow: &Flow,
    engines: &[Engine],
    priced: &[Priced],
) {
    let n = priced.len();
    let value = flow.customs_value;
    match by {
        By::Measure => {
            for (i, p) in priced.iter().enumerate() {
                let mfn = match groups.get_mut("mfn") {
                    Some(g) => g,
                    None => groups.entry("mfn".into()).or_insert_with(|| vec![RunningTotals::default(); n]),
                };
                mfn[i].rows += 1;
                mfn[i].value.add(value);
                mfn[i].mfn.add(p.mfn_duty);
                for (m, line) in &p.lines {
                    let id = &engines[i].measure(*m).id;
                    let g = match groups.get_mut(id) {
                        Some(g) => g,
                        None => groups.entry(id.clone()).or_insert_with(|| vec![RunningTotals::default(); n]),
                    };
                    g[i].rows += 1;
                    g[i].value.add(value);
                    g[i].additional.add(line.amount);
                }
            }
        }
        _ => {
            key.clear();
            match by {
                By::Origin => key.push_str(flow.origin.as_str()),
                By::Chapter => key.push_str(flow.hts.chapter()),
                _ => key.push_str(flow.hts.prefix(4).digits()),
            };
            let g = match groups.get_mut(key.as_str()) {
                Some(g) => g,
                None => groups.entry(key.clone()).or_insert_with(|| vec![RunningTotals::default(); n]),
            };
            for (i, p) in priced.iter().enumerate() {
                g[i].add(value, p);
            }
        }
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

struct Report<'a> {
    input: &'a str,
    as_of: Option<&'a str>,
    names: &'a [String],
    totals: &'a [Totals],
    by: Option<By>,
    groups: &'a BTreeMap<String, Vec<Totals>>,
}

fn by_name(by: By) -> &'static str {
    match by {
        By::Origin => "origin",
        By::Chapter => "chapter",
        By::Measure => "measure",
        By::Hts4 => "hts4",
    }
}

/// Groups a decimal amount in thousands for reading (`1234567.89` -> `1,234,567.89`).
fn thousands(v: Decimal) -> String {
    let s = format!("{v:.2}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

fn signed(v: Decimal) -> String {
    if v > Decimal::ZERO { format!("+{}", thousands(v)) } else { thousands(v) }
}

fn rate_or_dash(r: Option<Decimal>) -> String {
    r.map(percent).unwrap_or_else(|| "-".into())
}

impl Report<'_> {
    /// (header, rows) of the summary and of the breakdown, as text cells.
    fn summary_rows(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec![
            "scenario",
            "rows",
            "customs value",
            "MFN duty",
            "additional duty",
            "total duty",
            "effective rate",
            "difference",
        ];
        let base = self.totals[0].total;
        let rows = self
            .names
            .iter()
            .zip(self.totals)
            .enumerate()
            .map(|(i, (n, t))| {
                vec![
                    n.clone(),
                    t.rows.to_string(),
                    thousands(t.value),
                    thousands(t.mfn),
                    thousands(t.additional),
                    thousands(t.total),
                    rate_or_dash(t.rate()),
                    if i == 0 { "(reference)".into() } else { signed(t.total - base) },
                ]
            })
            .collect();
        (header, rows)
    }

    fn breakdown_rows(&self) -> Option<(Vec<&'static str>, Vec<Vec<String>>)> {
        let by = self.by?;
        let header = vec![by_name(by), "scenario", "rows", "customs value", "duty", "effective rate", "difference"];
        let mut rows = Vec::new();
        for (key, per) in self.groups {
            let base = per[0].total;
            for (i, (n, t)) in self.names.iter().zip(per).enumerate() {
                rows.push(vec![
                    key.clone(),
                    n.clone(),
                    t.rows.to_string(),
                    thousands(t.value),
                    thousands(t.total),
                    if by == By::Measure { "-".into() } else { rate_or_dash(t.rate()) },
                    if i == 0 { "(reference)".into() } else { signed(t.total - base) },
                ]);
            }
        }
        Some((header, rows))
    }

    fn title(&self) -> String {
        let as_of = self.as_of.map(|d| format!(", every flow assessed as if entered on {d}")).unwrap_or_default();
        format!("Duty on {} under {} scenarios{as_of}", self.input, self.names.len())
    }

    fn table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "{}\n", self.title());
        render_aligned(&mut o, self.summary_rows());
        if let Some(b) = self.breakdown_rows() {
            let _ = writeln!(o, "\nBy {}:", by_name(self.by.unwrap_or(By::Origin)));
            render_aligned(&mut o, b);
        }
        o
    }

    fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "**{}**\n", self.title());
        render_markdown(&mut o, self.summary_rows());
        if let Some(b) = self.breakdown_rows() {
            let _ = writeln!(o, "\n**By {}**\n", by_name(self.by.unwrap_or(By::Origin)));
            render_markdown(&mut o, b);
        }
        o
    }

    fn csv(&self) -> String {
        // Plain decimals (no thousands separators) in CSV, one table: with --by, the breakdown; else the summary.
        let mut w = csv::Writer::from_writer(Vec::new());
        let base = self.totals[0].total;
        match self.by {
            None => {
                let _ = w.write_record([
                    "scenario",
                    "rows",
                    "customs_value",
                    "mfn_duty",
                    "additional_duty",
                    "total_duty",
                    "effective_rate",
                    "difference",
                ]);
                for (n, t) in self.names.iter().zip(self.totals) {
                    let _ = w.write_record([
                        n.clone(),
                        t.rows.to_string(),
                        format!("{:.2}", t.value),
                        format!("{:.2}", t.mfn),
                        format!("{:.2}", t.additional),
                        format!("{:.2}", t.total),
                        t.rate().map(|r| format!("{r:.6}")).unwrap_or_default(),
                        format!("{:.2}", t.total - base),
                    ]);
                }
            }
            Some(by) => {
                let _ = w.write_record([
                    by_name(by),
                    "scenario",
                    "rows",
                    "customs_value",
                    "mfn_duty",
                    "additional_duty",
                    "total_duty",
                    "effective_rate",
                    "difference",
                ]);
                for (key, per) in self.groups {
                    for (n, t) in self.names.iter().zip(per) {
                        let _ = w.write_record([
                            key.clone(),
                            n.clone(),
                            t.rows.to_string(),
                            format!("{:.2}", t.value),
                            format!("{:.2}", t.mfn),
                            format!("{:.2}", t.additional),
                            format!("{:.2}", t.total),
                            if by == By::Measure {
                                String::new()
                            } else {
                                t.rate().map(|r| format!("{r:.6}")).unwrap_or_default()
                            },
                            format!("{:.2}", t.total - per[0].total),
                        ]);
                    }
                }
            }
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    fn json(&self) -> serde_json::Value {
        let base = self.totals[0].total;
        let t_json = |n: &str, t: &Totals, reference: Decimal| {
            json!({
                "scenario": n,
                "rows": t.rows,
                "customs_value": format!("{:.2}", t.value),
                "mfn_duty": format!("{:.2}", t.mfn),
                "additional_duty": format!("{:.2}", t.additional),
                "total_duty": format!("{:.2}", t.total),
                "effective_rate": t.rate().map(|r| format!("{r:.6}")),
                "difference": format!("{:.2}", t.total - reference),
            })
        };
        let scenarios: Vec<_> = self.names.iter().zip(self.totals).map(|(n, t)| t_json(n, t, base)).collect();
        let breakdown = self.by.map(|by| {
            let groups: Vec<_> = self
                .groups
                .iter()
                .map(|(k, per)| json!({ "group": k, "scenarios": self.names.iter().zip(per).map(|(n, t)| t_json(n, t, per[0].total)).collect::<Vec<_>>() }))
                .collect();
            json!({ "by": by_name(by), "groups": groups })
        });
        json!({ "input": self.input, "as_of": self.as_of, "reference": self.names[0], "scenarios": scenarios, "breakdown": breakdown })
    }
}

fn render_aligned(o: &mut String, (header, rows): (Vec<&'static str>, Vec<Vec<String>>)) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i == 0 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(o, "{}", line(header.iter().map(|h| h.to_string()).collect()));
    for r in rows {
        let _ = writeln!(o, "{}", line(r));
    }
}

fn render_markdown(o: &mut String, (header, rows): (Vec<&'static str>, Vec<Vec<String>>)) {
    let _ = writeln!(o, "| {} |", header.join(" | "));
    let _ = writeln!(
        o,
        "|{}",
        header.iter().enumerate().map(|(i, _)| if i == 0 { "---|" } else { "---:|" }).collect::<String>()
    );
    for r in rows {
        let _ = writeln!(o, "| {} |", r.join(" | "));
    }
}
