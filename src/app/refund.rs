//! `refund`: the IEEPA duty owed back on past entries.
//!
//! Each entry line is priced under `historical` (the law as enacted, IEEPA included) and under
//! `no-ieepa` (the legal position after the 2026-02-20 ruling). The IEEPA duty is the sum of the
//! lines of measures whose id starts with `ieepa_`; the amount paid is the line's `ieepa_paid` when
//! given, else that computed duty. The refund is what was paid less what is owed without IEEPA:
//! `(total_historical - ieepa_duty + ieepa_paid) - total_no_ieepa`. It equals the IEEPA duty paid
//! unless removing IEEPA brings back a duty it had displaced (e.g. Section 232 metals on Canadian
//! steel before 2025-06-04, EO 14289), which is then netted. Interest is not computed.

use super::io::{Output, Progress, Reject, RejectSink};
use super::records::{FieldSplitter, RecordReader, RowParser, default_workers, pipeline};
use super::{AppError, engines_for, reconcile};
use crate::cli::{Format, RefundArgs};
use crate::engine::{Engine, Priced, Scratch};
use crate::flow::{FieldSource, Flow};
use crate::money::{parse_amount, push_fixed};
use crate::report::push_csv_field;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

/// Totals of a group of entry lines.
#[derive(Clone, Copy, Debug, Default)]
struct RefundTotals {
    lines: u64,
    value: Decimal,
    ieepa_duty: Decimal,
    ieepa_paid: Decimal,
    refund: Decimal,
    flagged: u64,
}

impl RefundTotals {
    fn add(&mut self, l: &LineResult) {
        self.lines += 1;
        self.value += l.value;
        self.ieepa_duty += l.ieepa_duty;
        self.ieepa_paid += l.ieepa_paid;
        self.refund += l.refund;
        self.flagged += u64::from(l.flag.is_some());
    }
}

struct LineResult {
    value: Decimal,
    ieepa_duty: Decimal,
    ieepa_paid: Decimal,
    total_historical: Decimal,
    total_no_ieepa: Decimal,
    refund: Decimal,
    flag: Option<String>,
}

fn ieepa_duty(engine: &Engine, p: &Priced) -> Decimal {
    p.lines.iter().filter(|(i, _)| engine.measure(*i).id.starts_with("ieepa_")).map(|(_, l)| l.amount).sum()
}

pub(super) fn refund(args: &RefundArgs) -> Result<u8, AppError> {
    let mfn = super::mfn_table(args.hts_file.as_deref())?;
    let [owed, without]: [Engine; 2] = engines_for(&[args.scenario.clone(), args.baseline.clone()], &mfn)?
        .try_into()
        .map_err(|_| AppError::fatal("internal error: two scenarios expected"))?;
    let input = RecordReader::open(args.entries.as_deref())?;
    let parser = RowParser::new(&input.header).map_err(|e| AppError::fatal(format!("{}:1: {e}", input.name)))?;
    let col = |name: &str| {
        input
            .header
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let (entry_col, paid_col) = (col("entry_number"), col("ieepa_paid"));
    let mut rejects = RejectSink::new(args.rejects.as_deref(), &input.name)?;
    let mut lines_out = match &args.lines {
        Some(p) => {
            let mut out = Output::file(p)?;
            let mut h = input.header_raw.clone();
            for c in ["ieepa_duty", "ieepa_deposited", "total_historical", "total_no_ieepa", "refund", "flag"] {
                h.push(b',');
                push_csv_field(&mut h, c.as_bytes());
            }
            h.push(b'\n');
            out.write_all(&h).map_err(|e| AppError::fatal(format!("cannot write {}: {e}", p.display())))?;
            Some((out, p.clone(), Vec::<u8>::new()))
        }
        None => None,
    };
    let (mut scratch_a, mut scratch_b) = (Scratch::new(), Scratch::new());
    let (mut pa, mut pb) = (Priced::default(), Priced::default());
    let mut all = RefundTotals::default();
    let mut by_entry: BTreeMap<String, RefundTotals> = BTreeMap::new();
    let mut by_origin: BTreeMap<String, RefundTotals> = BTreeMap::new();
    let mut by_month: BTreeMap<String, RefundTotals> = BTreeMap::new();
    let mut progress = Progress::new(args.quiet);
    let (mut rows, mut assessed) = (0u64, 0u64);
    let mut buf = String::new();
    let mut tally = super::WarningTally::default();
    let mut fields = FieldSplitter::default();
    // Workers read and check the rows; pricing and the per-entry totals happen here, in order
    // (refund files are entry summaries, not the millions of rows `run` is built for).
    pipeline(
        input,
        default_workers(),
        || parser.clone(),
        |parser, chunk, flows: &mut Vec<Result<Flow, Reject>>| {
            flows.clear();
            flows.extend(chunk.spans.iter().map(|span| parser.parse(chunk, span).map(|f| f.clone())));
        },
        |chunk, flows| {
            for (span, parsed) in chunk.spans.iter().zip(flows.drain(..)) {
                rows += 1;
                progress.tick(rows);
                let flow = match parsed {
                    Ok(f) => f,
                    Err(r) => {
                        rejects.push(r)?;
                        continue;
                    }
                };
                let record = fields.split(chunk, span);
                let field = |c: Option<usize>| {
                    c.map(|c| String::from_utf8_lossy(record.field(c)).trim().to_string()).filter(|t| !t.is_empty())
                };
                let paid_given = match field(paid_col) {
                    Some(t) => match parse_amount(&t) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            rejects.push(Reject {
                                line: span.line,
                                column: "ieepa_paid".into(),
                                value: t,
                                reason: format!("IEEPA duty paid {e}"),
                            })?;
                            continue;
                        }
                    },
                    None => None,
                };
                let priced = owed
                    .price(&flow, &mut scratch_a, &mut pa)
                    .and_then(|()| without.price(&flow, &mut scratch_b, &mut pb));
                if let Err(e) = priced {
                    rejects.push(Reject {
                        line: span.line,
                        column: e.column.into(),
                        value: e.value,
                        reason: e.reason,
                    })?;
                    continue;
                }
                assessed += 1;
                tally.add(&pa.warnings);
                let duty = ieepa_duty(&owed, &pa);
                let paid = paid_given.unwrap_or(duty);
                let refund = (pa.total_duty - duty + paid - pb.total_duty).max(Decimal::ZERO);
                let flag = match paid_given {
                    Some(p) if p != duty => {
                        Some(format!("paid {p:.2} but historical computes {duty:.2} (difference {:.2})", p - duty))
                    }
                    _ => None,
                };
                let l = LineResult {
                    value: flow.customs_value,
                    ieepa_duty: duty,
                    ieepa_paid: paid,
                    total_historical: pa.total_duty,
                    total_no_ieepa: pb.total_duty,
                    refund,
                    flag,
                };
                all.add(&l);
                let entry = field(entry_col).unwrap_or_else(|| "(no entry number)".into());
                by_entry.entry(entry).or_default().add(&l);
                by_origin.entry(flow.origin.to_string()).or_default().add(&l);
                by_month.entry(flow.entry_date.year_month()).or_default().add(&l);
                if let Some((_, _, line)) = &mut lines_out {
                    line.extend_from_slice(chunk.raw(span));
                    for v in [l.ieepa_duty, l.ieepa_paid, l.total_historical, l.total_no_ieepa, l.refund] {
                        buf.clear();
                        push_fixed(&mut buf, v, 2);
                        line.push(b',');
                        line.extend_from_slice(buf.as_bytes());
                    }
                    line.push(b',');
                    push_csv_field(line, l.flag.as_deref().unwrap_or("").as_bytes());
                    line.push(b'\n');
                }
            }
            if let Some((out, p, line)) = &mut lines_out {
                out.write_all(line).map_err(|e| AppError::fatal(format!("cannot write {}: {e}", p.display())))?;
                line.clear();
            }
            Ok(())
        },
    )?;
    progress.done();
    if let Some((out, _, _)) = lines_out {
        out.commit()?;
    }
    let sections = [("entry", &by_entry), ("origin", &by_origin), ("month", &by_month)];
    let text = match args.format {
        Format::Table | Format::Markdown => {
            text_report(&all, &sections, args.format == Format::Markdown, &args.scenario, &args.baseline)
        }
        Format::Csv => csv_report(&all, &sections),
        Format::Json => {
            let t = |t: &RefundTotals| {
                json!({
                    "lines": t.lines,
                    "customs_value": format!("{:.2}", t.value),
                    "ieepa_duty": format!("{:.2}", t.ieepa_duty),
                    "ieepa_deposited": format!("{:.2}", t.ieepa_paid),
                    "refund": format!("{:.2}", t.refund),
                    "flagged_lines": t.flagged,
                })
            };
            let mut v = json!({ "owed_under": args.scenario, "without": args.baseline, "total": t(&all) });
            for (name, map) in sections {
                v[format!("by_{name}")] =
                    map.iter().map(|(k, x)| json!({ "group": k, "totals": t(x) })).collect::<Vec<_>>().into();
            }
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    };
    let mut out = Output::to(args.output.as_deref())?;
    out.write_all(text.as_bytes()).map_err(AppError::stdout)?;
    out.commit()?;
    if !args.quiet {
        tally.report();
    }
    let rejected = rejects.count;
    rejects.finish()?;
    reconcile(rows, assessed, rejected)
}

fn cells(t: &RefundTotals) -> [String; 6] {
    [
        t.lines.to_string(),
        format!("{:.2}", t.value),
        format!("{:.2}", t.ieepa_duty),
        format!("{:.2}", t.ieepa_paid),
        format!("{:.2}", t.refund),
        t.flagged.to_string(),
    ]
}

const HEADER: [&str; 7] = ["group", "lines", "customs_value", "ieepa_duty", "ieepa_deposited", "refund", "flagged"];

fn text_report(
    all: &RefundTotals,
    sections: &[(&str, &BTreeMap<String, RefundTotals>)],
    markdown: bool,
    owed: &str,
    without: &str,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "IEEPA refund: duty owed under `{owed}` less `{without}`; {} lines, refund {:.2} (IEEPA duty deposited {:.2}); {} lines flagged",
        all.lines, all.refund, all.ieepa_paid, all.flagged
    );
    for (name, map) in sections {
        let _ = writeln!(o, "\nBy {name}:");
        let mut rows: Vec<Vec<String>> =
            map.iter().map(|(k, t)| std::iter::once(k.clone()).chain(cells(t)).collect()).collect();
        rows.push(std::iter::once("total".to_string()).chain(cells(all)).collect());
        if markdown {
            let _ = writeln!(o, "| {} |\n|---|{}", HEADER.join(" | "), "---:|".repeat(HEADER.len() - 1));
            for r in rows {
                let _ = writeln!(o, "| {} |", r.join(" | "));
            }
        } else {
            let mut widths: Vec<usize> = HEADER.iter().map(|h| h.len()).collect();
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.len());
                }
            }
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .enumerate()
                    .map(
                        |(i, c)| {
                            if i == 0 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) }
                        },
                    )
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            let _ = writeln!(o, "{}", line(HEADER.iter().map(|h| h.to_string()).collect()));
            for r in rows {
                let _ = writeln!(o, "{}", line(r));
            }
        }
    }
    o
}

fn csv_report(all: &RefundTotals, sections: &[(&str, &BTreeMap<String, RefundTotals>)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ =
        w.write_record(["by", "group", "lines", "customs_value", "ieepa_duty", "ieepa_deposited", "refund", "flagged"]);
    for (name, map) in sections {
        for (k, t) in map.iter() {
            let _ = w.write_record([name.to_string(), k.clone()].into_iter().chain(cells(t)));
        }
    }
    let _ = w.write_record(["total".to_string(), String::new()].into_iter().chain(cells(all)));
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
