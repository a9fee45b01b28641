//! `refund`: the IEEPA duty owed back on past entries.
//!
//! Each entry line is priced under `historical` (the law as enacted, IEEPA included) and under
//! `no-ieepa` (the legal position after the 2026-02-20 ruling). The IEEPA duty is the sum of the
//! lines of measures whose id starts with `ieepa_`; the amount paid is the line's `ieepa_paid` when
//! given, else that computed duty. The refund is what was paid less what is owed without IEEPA:
//! `(total_historical - ieepa_duty + ieepa_paid) - total_no_ieepa`. It equals the IEEPA duty paid
//! unless removing IEEPA brings back a duty it had displaced (e.g. Section 232 metals on Canadian
//! steel before 2025-06-04, EO 14289), which is then netted. With `--interest-to`, interest on each
//! line's refund (`crate::interest`).

use super::AppError;
use super::batch::{Batch, Row};
use super::io::Output;
use super::table::Table;
use super::warnings::WarningTally;
use crate::cli::{Format, RefundArgs};
use crate::date::Date;
use crate::engine::{Engine, Pricer};
use crate::flow::{FieldSource, Reject};
use crate::interest::{OVERPAYMENT_RATES, Payer, refund_interest};
use crate::money::{parse_amount, push_fixed, thousands};
use crate::refund::{LineRefund, RefundSums, RefundTotals};
use crate::result_columns::push_csv_field;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// The refund totals kept by one worker: overall, and per entry number, origin and month.
#[derive(Default)]
struct Sections {
    all: RefundSums,
    by_entry: BTreeMap<String, RefundSums>,
    by_origin: BTreeMap<String, RefundSums>,
    by_month: BTreeMap<String, RefundSums>,
}

impl Sections {
    fn add(&mut self, entry: String, origin: String, month: String, l: &LineRefund) {
        self.all.add(l);
        self.by_entry.entry(entry).or_default().add(l);
        self.by_origin.entry(origin).or_default().add(l);
        self.by_month.entry(month).or_default().add(l);
    }

    fn merge(&mut self, o: &Sections) {
        self.all.merge(&o.all);
        for (mine, theirs) in
            [(&mut self.by_entry, &o.by_entry), (&mut self.by_origin, &o.by_origin), (&mut self.by_month, &o.by_month)]
        {
            for (k, t) in theirs {
                mine.entry(k.clone()).or_default().merge(t);
            }
        }
    }
}

/// One worker's pricers (the scenario owed and the one without IEEPA) and totals.
struct Worker<'e> {
    owed: Pricer<'e>,
    without: Pricer<'e>,
    sections: Sections,
    tally: WarningTally,
    buf: String,
    /// Lines with a refund whose deposit date was taken as their entry date (no `deposit_date`).
    deposit_assumed: u64,
}

/// The columns `refund` reads beyond the flow's, and the interest asked for.
#[derive(Clone, Copy)]
struct RefundColumns {
    entry: Option<usize>,
    paid: Option<usize>,
    deposit: Option<usize>,
    with_lines: bool,
    /// With `--interest-to`: the date interest runs to, and who was overpaid.
    interest: Option<(Date, Payer)>,
}

impl Worker<'_> {
    fn refund_row(&mut self, cols: RefundColumns, row: Row<'_>, out: &mut Vec<u8>) -> Result<(), Reject> {
        let field = |c: Option<usize>| {
            c.map(|c| String::from_utf8_lossy(row.fields.field(c)).trim().to_string()).filter(|t| !t.is_empty())
        };
        let paid_given = match field(cols.paid) {
            Some(t) => match parse_amount(&t) {
                // The same bound as a customs value: beyond it sums and differences lose digits.
                Ok(v) if crate::flow::above_max(v) => {
                    return Err(Reject {
                        line: row.line,
                        column: "ieepa_paid".into(),
                        value: t,
                        reason: format!(
                            "IEEPA duty paid {v} is above the largest amount priced ({})",
                            crate::flow::max_amount()
                        ),
                    });
                }
                Ok(v) => Some(v),
                Err(e) => {
                    return Err(Reject {
                        line: row.line,
                        column: "ieepa_paid".into(),
                        value: t,
                        reason: format!("IEEPA duty paid {e}"),
                    });
                }
            },
            None => None,
        };
        let flow = row.flow;
        self.owed.price(flow).map_err(|e| Reject::at(row.line, e.into()))?;
        self.without.price(flow).map_err(|e| Reject::at(row.line, e.into()))?;
        let (pa, pb) = (self.owed.priced(), self.without.priced());
        self.tally.add(&pa.warnings);
        self.tally.law_date(0, &self.owed.engine().scenario().law, flow.entry_date);
        let deposited = match (cols.interest, field(cols.deposit)) {
            (Some(_), Some(t)) => Some(Date::parse(&t).map_err(|e| Reject {
                line: row.line,
                column: "deposit_date".into(),
                value: t.clone(),
                reason: format!("deposit date {e}; write it as YYYY-MM-DD"),
            })?),
            _ => None,
        };
        let mut l = LineRefund::compute(flow.customs_value, self.owed.engine(), pa, pb, paid_given);
        if let Some((to, payer)) = cols.interest
            && l.refund > rust_decimal::Decimal::ZERO
        {
            self.deposit_assumed += u64::from(deposited.is_none());
            let a = refund_interest(l.refund, deposited.unwrap_or(flow.entry_date), to, payer);
            l.interest = a.interest;
            l.interest_partial = !a.complete;
        }
        let entry = field(cols.entry).unwrap_or_else(|| "(no entry number)".into());
        self.sections.add(entry, flow.origin.to_string(), flow.entry_date.year_month(), &l);
        if cols.with_lines {
            out.extend_from_slice(row.raw);
            for v in [l.ieepa_duty, l.ieepa_paid, l.total_historical, l.total_no_ieepa, l.refund] {
                self.buf.clear();
                push_fixed(&mut self.buf, v, 2);
                out.push(b',');
                out.extend_from_slice(self.buf.as_bytes());
            }
            out.push(b',');
            push_csv_field(out, l.flag.as_deref().unwrap_or("").as_bytes());
            if cols.interest.is_some() {
                self.buf.clear();
                push_fixed(&mut self.buf, l.interest, 2);
                out.push(b',');
                out.extend_from_slice(self.buf.as_bytes());
                out.extend_from_slice(if l.interest_partial { b",lower_bound" } else { b",complete" });
            }
            out.push(b'\n');
        }
        Ok(())
    }
}

pub(super) fn refund(args: &RefundArgs) -> Result<u8, AppError> {
    let mfn = super::mfn_table(args.hts_file.as_deref())?;
    let [owed, without]: [Engine; 2] = super::engines_for(&[args.scenario.clone(), args.baseline.clone()], &mfn)?
        .try_into()
        .map_err(|_| AppError::fatal("internal error: two scenarios expected"))?;
    super::io::check_distinct_files(
        args.entries.as_deref(),
        &[
            ("-o", Some(args.output.as_deref().unwrap_or(Path::new("-")))),
            ("--rejects", args.rejects.as_deref()),
            ("--lines", args.lines.as_deref()),
        ],
    )?;
    let batch = Batch::open(args.entries.as_deref(), &args.input_format, args.rejects.as_deref(), None, args.quiet)?;
    let col = |name: &str| {
        batch
            .header()
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let interest = match &args.interest_to {
        Some(d) => {
            let to = Date::parse(d).map_err(|e| {
                AppError::fatal(format!("--interest-to `{d}`: {e}; write the liquidation date as YYYY-MM-DD"))
            })?;
            Some((to, if args.corporate { Payer::Corporate } else { Payer::NonCorporate }))
        }
        None => None,
    };
    let cols = RefundColumns {
        entry: col("entry_number"),
        paid: col("ieepa_paid"),
        deposit: col("deposit_date"),
        with_lines: args.lines.is_some(),
        interest,
    };
    let mut lines_out = match &args.lines {
        Some(p) => {
            let mut out = Output::file(p)?;
            let mut h = batch.header_raw().to_vec();
            let interest_columns: &[&str] = if interest.is_some() { &["interest", "interest_accrual"] } else { &[] };
            for c in ["ieepa_duty", "ieepa_deposited", "total_historical", "total_no_ieepa", "refund", "flag"]
                .iter()
                .chain(interest_columns)
            {
                h.push(b',');
                push_csv_field(&mut h, c.as_bytes());
            }
            h.push(b'\n');
            out.write_all(&h).map_err(|e| AppError::fatal(format!("cannot write {}: {e}", p.display())))?;
            Some((out, p.clone()))
        }
        None => None,
    };
    let end = batch.run(
        || Worker {
            owed: Pricer::new(&owed),
            without: Pricer::new(&without),
            sections: Sections::default(),
            tally: WarningTally::default(),
            buf: String::new(),
            deposit_assumed: 0,
        },
        |w, row, out| w.refund_row(cols, row, out),
        |out| match &mut lines_out {
            Some((w, p)) => w.write_all(out).map_err(|e| AppError::write_io(p, e)),
            None => Ok(()),
        },
    )?;
    if let Some((out, _)) = lines_out {
        out.commit()?;
    }
    let mut s = Sections::default();
    let mut tally = WarningTally::default();
    let mut deposit_assumed = 0;
    for w in &end.states {
        s.merge(&w.sections);
        tally.merge(&w.tally);
        deposit_assumed += w.deposit_assumed;
    }
    let exact = |group: &str, sums: &RefundSums| {
        sums.totals().ok_or_else(|| {
            AppError::fatal(format!("the refund totals of {group} are too large to be summed exactly (past 7.9e28)"))
        })
    };
    let all = &exact("all lines", &s.all)?;
    let summed = |name: &str, map: &BTreeMap<String, RefundSums>| -> Result<BTreeMap<String, RefundTotals>, AppError> {
        map.iter().map(|(k, t)| Ok((k.clone(), exact(&format!("{name} {k}"), t)?))).collect()
    };
    let (by_entry, by_origin, by_month) =
        (summed("entry", &s.by_entry)?, summed("origin", &s.by_origin)?, summed("month", &s.by_month)?);
    let sections = [("entry", &by_entry), ("origin", &by_origin), ("month", &by_month)];
    let note = interest.map(|(to, payer)| interest_note(all, to, payer, deposit_assumed));
    let with_interest = note.is_some();
    let text = match args.format {
        Format::Table | Format::Markdown => text_report(
            all,
            &sections,
            args.format == Format::Markdown,
            &args.scenario,
            &args.baseline,
            note.as_deref(),
        ),
        Format::Csv => csv_report(all, &sections, with_interest),
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
            let t = |x: &RefundTotals| {
                let mut v = t(x);
                if with_interest {
                    v["interest"] = json!(format!("{:.2}", x.interest));
                    v["interest_lower_bound_lines"] = json!(x.interest_partial);
                }
                v
            };
            let mut v = json!({ "owed_under": args.scenario, "without": args.baseline, "total": t(all) });
            if let Some(n) = &note {
                v["interest"] = json!(n);
            }
            for (name, map) in sections {
                v[format!("by_{name}")] =
                    map.iter().map(|(k, x)| json!({ "group": k, "totals": t(x) })).collect::<Vec<_>>().into();
            }
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
    };
    let mut out = Output::to(args.output.as_deref(), args.quiet)?;
    out.write_all(text.as_bytes()).map_err(AppError::stdout)?;
    out.commit()?;
    tally.report_law_dates(&[owed.scenario()]);
    if !args.quiet {
        tally.report();
    }
    end.close()
}

/// A group's cells; `money` writes the amounts (grouped in tables, plain in CSV).
fn cells(t: &RefundTotals, with_interest: bool, money: fn(Decimal) -> String) -> Vec<String> {
    let mut c = vec![
        t.lines.to_string(),
        money(t.value),
        money(t.ieepa_duty),
        money(t.ieepa_paid),
        money(t.refund),
        t.flagged.to_string(),
    ];
    if with_interest {
        c.push(money(t.interest));
    }
    c
}

fn plain(v: Decimal) -> String {
    format!("{v:.2}")
}

const HEADER: [&str; 7] = ["group", "lines", "customs_value", "ieepa_duty", "ieepa_deposited", "refund", "flagged"];

/// The last day with an overpayment rate read (the end of the last quarter of the table).
fn last_rate_day() -> Date {
    let (y, m) = OVERPAYMENT_RATES[OVERPAYMENT_RATES.len() - 1].from;
    let next = if m == 10 { Date::from_ymd(y + 1, 1, 1) } else { Date::from_ymd(y, m + 3, 1) };
    next.map(Date::pred).unwrap_or_else(|_| unreachable!("a valid quarter start"))
}

/// What the interest is, how it was computed and where it is only a lower bound.
fn interest_note(all: &RefundTotals, to: Date, payer: Payer, deposit_assumed: u64) -> String {
    let who = match payer {
        Payer::NonCorporate => "non-corporate",
        Payer::Corporate => "corporate",
    };
    let mut n = format!(
        "interest to {to} (19 U.S.C. 1505(c); the {who} overpayment rate of each quarter, compounded daily): {}",
        thousands(all.interest)
    );
    if all.interest_partial > 0 {
        let _ = write!(
            n,
            "; {} lines accrue only through {} (no rate read for later quarters): a lower bound",
            all.interest_partial,
            last_rate_day()
        );
    }
    if deposit_assumed > 0 {
        let _ = write!(
            n,
            "; {deposit_assumed} lines have no deposit_date and are taken as deposited on their entry date (the deposit is due up to 10 working days later: their interest is a little high)"
        );
    }
    n.push_str("; CBP has published no interest method for IEEPA refunds: the statute's default");
    n
}

fn text_report(
    all: &RefundTotals,
    sections: &[(&str, &BTreeMap<String, RefundTotals>)],
    markdown: bool,
    owed: &str,
    without: &str,
    interest: Option<&str>,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "IEEPA refund: duty owed under `{owed}` less `{without}`; {} lines, refund {} (IEEPA duty deposited {}); {} lines flagged",
        all.lines,
        thousands(all.refund),
        thousands(all.ieepa_paid),
        all.flagged
    );
    if let Some(n) = interest {
        let _ = writeln!(o, "{n}");
    }
    let mut header = HEADER.to_vec();
    if interest.is_some() {
        header.push("interest");
    }
    for (name, map) in sections {
        let _ = writeln!(o, "\nBy {name}:");
        let mut rows: Vec<Vec<String>> = map
            .iter()
            .map(|(k, t)| std::iter::once(k.clone()).chain(cells(t, interest.is_some(), thousands)).collect())
            .collect();
        rows.push(std::iter::once("total".to_string()).chain(cells(all, interest.is_some(), thousands)).collect());
        let table = Table { rows, ..Table::new(&header) };
        if markdown {
            table.render_markdown(&mut o);
        } else {
            table.render_aligned(&mut o);
        }
    }
    o
}

fn csv_report(all: &RefundTotals, sections: &[(&str, &BTreeMap<String, RefundTotals>)], with_interest: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header =
        vec!["by", "group", "lines", "customs_value", "ieepa_duty", "ieepa_deposited", "refund", "flagged"];
    if with_interest {
        header.push("interest");
    }
    let _ = w.write_record(&header);
    for (name, map) in sections {
        for (k, t) in map.iter() {
            let _ = w.write_record([name.to_string(), k.clone()].into_iter().chain(cells(t, with_interest, plain)));
        }
    }
    let _ = w.write_record(["total".to_string(), String::new()].into_iter().chain(cells(all, with_interest, plain)));
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
