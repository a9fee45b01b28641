//! `panel`: a dense rate panel. Every HTS line (the 10-digit lines of the official HTS file given
//! with `--hts`, else the embedded MFN table's lines) x every origin x every date given becomes one
//! CSV row: the MFN rate as an ad valorem fraction, the sum of the additional ad valorem measures,
//! their total, and the measures that apply.
//!
//! Each row is priced by the engine at a notional customs value of 1,000,000 USD; the additional
//! rate is computed from the duty lines themselves (Σ rate x base / value, exact), not from rounded
//! amounts. Rows are written as they are priced (memory does not grow with the number of rows).
//! Lines whose MFN rate is specific or compound are priced at `--unit-value` per unit of the line's
//! unit of quantity, or left out and counted; every row is accounted for on standard error.

use super::AppError;
use super::io::Output;
use crate::cli::PanelArgs;
use crate::codes::{Country, HtsCode};
use crate::date::Date;
use crate::engine::Pricer;
use crate::flow::Flow;
use crate::hts_file::HtsFile;
use crate::mfn::MfnTable;
use crate::result_columns::ResultColumnWriter;
use rust_decimal::Decimal;
use std::io::Write;
use std::sync::Arc;

/// The columns of the panel, in order (see docs/contracts.md, "Rate panel").
pub(crate) const PANEL_COLUMNS: [&str; 8] =
    ["date", "hts", "origin", "mfn_rate_ad_valorem", "additional_rate", "total_rate", "measures", "law_as_of"];

/// The notional customs value every row is priced at (USD).
const NOTIONAL_VALUE: u64 = 1_000_000;

/// Why a line is left out of the panel (every origin and date of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LeftOut {
    /// Its MFN rate is specific or compound and no `--unit-value` was given.
    Specific,
    /// Its MFN rate text needs a rule (a reference, a formula ...).
    NeedsRule,
    /// The MFN table has no rate for it.
    NoRate,
}

impl LeftOut {
    fn words(self) -> &'static str {
        match self {
            LeftOut::Specific => {
                "a specific or compound MFN rate (give --unit-value USD to price them at that value per unit)"
            }
            LeftOut::NeedsRule => "an MFN rate text that needs a rule (`tariffstack hts check FILE --all` lists them)",
            LeftOut::NoRate => "no MFN rate in the table",
        }
    }
}

pub(super) fn panel(args: &PanelArgs) -> Result<u8, AppError> {
    let dates = args
        .date
        .iter()
        .map(|d| Date::parse(d).map_err(|e| AppError::fatal(format!("--date `{d}`: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let origins: Vec<Country> = if args.origin.is_empty() {
        Country::all().collect()
    } else {
        let mut o = Vec::new();
        for t in &args.origin {
            let c = Country::parse(t).map_err(|e| AppError::fatal(format!("--origin: {e}")))?;
            if !o.contains(&c) {
                o.push(c);
            }
        }
        o
    };
    let unit_value = match &args.unit_value {
        Some(t) => {
            let v =
                crate::money::parse_amount(t).map_err(|e| AppError::fatal(format!("--unit-value `{t}`: value {e}")))?;
            if v < Decimal::new(1, 6) {
                return Err(AppError::fatal(format!(
                    "--unit-value `{t}`: give a customs value per unit of at least 0.000001 USD"
                )));
            }
            Some(v)
        }
        None => None,
    };
    // The lines: the file's 10-digit goods lines (chapters 1-97), or the embedded table's lines.
    let (mfn, lines): (Arc<MfnTable>, Vec<HtsCode>) = match &args.hts_file {
        Some(path) => {
            let file = HtsFile::from_path(path).map_err(|e| AppError::fatal(format!("--hts: {e}")))?;
            let mut lines: Vec<HtsCode> = file
                .rows
                .iter()
                .filter_map(|r| r.hts)
                .filter(|h| h.len() == 10 && !matches!(h.chapter(), "98" | "99"))
                .collect();
            lines.sort_by(|a, b| a.digits().cmp(b.digits()));
            lines.dedup();
            (Arc::new(MfnTable::from_hts_file(&file)), lines)
        }
        None => {
            let mfn = Arc::new(MfnTable::embedded());
            let lines = mfn.lines().iter().map(|l| l.hts).collect();
            (mfn, lines)
        }
    };
    let engine = super::engine_for(&args.scenario, &mfn)?;
    let law = engine.scenario().law.as_of.map(|d| d.to_string()).unwrap_or_default();
    // The HTS file is the one input a panel reads (none: nothing to protect).
    let input = args.hts_file.as_deref().unwrap_or(std::path::Path::new("/dev/null"));
    super::io::check_distinct_files(
        Some(input),
        &[("-o", Some(args.output.as_deref().unwrap_or(std::path::Path::new("-"))))],
    )?;
    let out_path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let write_error = |e: std::io::Error| match out_path {
        Some(p) => AppError::write_io(p, e),
        None => AppError::stdout(e),
    };
    let mut out = Output::to(out_path, args.quiet)?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
    buf.extend_from_slice(PANEL_COLUMNS.join(",").as_bytes());
    buf.push(b'\n');

    let value = Decimal::from(NOTIONAL_VALUE);
    let mut pricer = Pricer::new(&engine);
    let writer = ResultColumnWriter::new(&engine);
    let mut scratch: Vec<u8> = Vec::new();
    let per_line = (origins.len() * dates.len()) as u64;
    let mut written = 0u64;
    let mut left_out: std::collections::BTreeMap<LeftOut, u64> = Default::default();
    let mut failed = 0u64;
    let mut specific_rows = 0u64;
    let mut failures: Vec<String> = Vec::new();
    let mut short_codes = 0u64;
    // The per-line facts, found once.
    let plan: Vec<Result<Option<crate::units::Unit>, LeftOut>> =
        lines.iter().map(|code| line_plan(engine.mfn_table(), code, unit_value.is_some())).collect();
    for (k, plan) in plan.iter().enumerate() {
        if let Err(why) = plan {
            *left_out.entry(*why).or_default() += 1;
        }
        if engine.splits(&lines[k]) {
            short_codes += 1;
        }
    }
    for &date in &dates {
        let date_text = date.to_string();
        for (code, plan) in lines.iter().zip(&plan) {
            let Ok(unit) = plan else { continue };
            let hts_text = code.dotted();
            let mut flow = Flow::new(*code, origins[0], date, value);
            if let (Some(uv), Some(u)) = (unit_value, unit) {
                flow.quantity = Some(value / uv);
                flow.quantity_unit = Some(*u);
            }
            for &origin in &origins {
                flow.origin = origin;
                let p = match pricer.price(&flow) {
                    Ok(p) => p,
                    Err(e) if e.column == "quantity" && unit_value.is_none() => {
                        // A specific rate that replaces column 1 for this origin (Column 2): left out
                        // like the lines whose own rate is specific.
                        specific_rows += 1;
                        continue;
                    }
                    Err(e) => {
                        failed += 1;
                        if failures.len() < 5 {
                            failures.push(format!("{hts_text} {origin} {date_text}: {}: {}", e.column, e.reason));
                        }
                        continue;
                    }
                };
                let mfn_rate = (p.mfn_duty / value).normalize();
                let mut additional = Decimal::ZERO;
                for (_, l) in &p.lines {
                    additional += if l.base == value { l.rate } else { l.rate * l.base / value };
                }
                let additional = additional.normalize();
                let total = (mfn_rate + additional).normalize();
                buf.extend_from_slice(date_text.as_bytes());
                buf.push(b',');
                buf.extend_from_slice(hts_text.as_bytes());
                buf.push(b',');
                buf.extend_from_slice(origin.as_str().as_bytes());
                for r in [mfn_rate, additional, total] {
                    buf.push(b',');
                    push_rate(&mut buf, r);
                }
                buf.push(b',');
                // The measures exactly as `run` writes them (cut out of its result columns: ids never
                // hold a comma).
                scratch.clear();
                writer.append_priced(&engine, p, &mut scratch);
                let last = scratch.iter().rposition(|&b| b == b',').unwrap_or(0);
                let before = scratch[..last].iter().rposition(|&b| b == b',').unwrap_or(0);
                buf.extend_from_slice(&scratch[before + 1..last]);
                buf.push(b',');
                buf.extend_from_slice(law.as_bytes());
                buf.push(b'\n');
                written += 1;
                if buf.len() >= 1 << 16 {
                    out.write_all(&buf).map_err(write_error)?;
                    buf.clear();
                }
            }
        }
    }
    out.write_all(&buf).map_err(write_error)?;
    out.commit()?;

    let total_rows = lines.len() as u64 * per_line;
    let left_rows: u64 = left_out.values().sum::<u64>() * per_line + specific_rows;
    // The summary; rows the engine refused and the reconciliation line print even under -q.
    if !args.quiet {
        eprintln!(
            "panel: {} lines x {} origins x {} dates = {total_rows} rows; written {written}",
            lines.len(),
            origins.len(),
            dates.len()
        );
        for (why, n) in &left_out {
            eprintln!("panel: left out {n} lines ({} rows) with {}", n * per_line, why.words());
        }
        if specific_rows > 0 {
            eprintln!(
                "panel: left out {specific_rows} rows whose rate in place of column 1 (Column 2, for its origins) is specific (give --unit-value)"
            );
        }
        if short_codes > 0 {
            eprintln!(
                "panel: {short_codes} lines are shorter codes that a measure splits at 10 digits: priced as the code reads"
            );
        }
        eprintln!("panel: {}: {}", engine.scenario().name, engine.scenario().law.line());
    }
    if failed > 0 {
        eprintln!("panel: not priced {failed} rows (the engine refused them); for example:");
        for f in &failures {
            eprintln!("  {f}");
        }
    }
    eprintln!("rows: {total_rows} = written {written} + left out {left_rows} + not priced {failed}");
    if total_rows != written + left_rows + failed {
        return Err(AppError::fatal("internal error: the panel's rows do not add up"));
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

/// Whether a line can be priced without a quantity (or with `--unit-value`): the unit of quantity
/// to give with the unit value, or why the line is left out.
fn line_plan(mfn: &MfnTable, code: &HtsCode, unit_value: bool) -> Result<Option<crate::units::Unit>, LeftOut> {
    let line = mfn.lookup(code).map_err(|_| LeftOut::NoRate)?;
    let rate = line.general.as_ref().map_err(|_| LeftOut::NeedsRule)?;
    if !rate.is_specific() {
        return Ok(line.unit);
    }
    if !unit_value {
        return Err(LeftOut::Specific);
    }
    Ok(line.unit.or_else(|| rate.specific_unit()))
}

/// A rate as a plain decimal fraction, without trailing zeros (`0.025`, `0`).
fn push_rate(buf: &mut Vec<u8>, r: Decimal) {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = write!(s, "{r}");
    buf.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_plain_decimals() {
        let mut b = Vec::new();
        push_rate(&mut b, Decimal::new(25000, 6).normalize());
        push_rate(&mut b, Decimal::ZERO);
        assert_eq!(b, b"0.0250");
    }
}
