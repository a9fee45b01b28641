//! `run`: stream rows in, rows out with the result columns appended.
//!
//! Each output line is the input record exactly as written (quotes and all) followed by the seven
//! result columns; rows are priced in parallel chunks and written in input order.

use super::AppError;
use super::batch::Batch;
use super::io::Output;
use super::totals::DutyTotals;
use super::warnings::WarningTally;
use crate::cli::RunArgs;
use crate::engine::{Engine, Pricer};
use crate::flow::Reject;
use crate::money::percent;
use crate::result_columns::{RESULT_COLUMNS, ResultColumnWriter, push_csv_field};
use std::io::Write;
use std::path::Path;

/// One worker's pricer and running totals.
struct Worker<'e> {
    pricer: Pricer<'e>,
    totals: DutyTotals,
    tally: WarningTally,
}

pub(super) fn run(args: &RunArgs) -> Result<u8, AppError> {
    let mfn = super::mfn_table(args.input.hts_file.as_deref())?;
    let engine = super::engine_for(&args.scenario, &mfn)?;
    super::io::check_distinct_files(
        args.input.flows.as_deref(),
        &[("-o", Some(args.output.as_deref().unwrap_or(Path::new("-")))), ("--rejects", args.input.rejects.as_deref())],
    )?;
    let batch = Batch::from_input(&args.input)?;
    let out_path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let write_error = |e: std::io::Error| match out_path {
        Some(p) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            AppError::fatal(format!("cannot write {}: {e}", p.display()))
        }
        _ => AppError::stdout(e),
    };
    let mut out = Output::to(out_path)?;
    let mut header = batch.header_raw().to_vec();
    for c in RESULT_COLUMNS {
        header.push(b',');
        push_csv_field(&mut header, c.as_bytes());
    }
    header.push(b'\n');
    out.write_all(&header).map_err(write_error)?;
    let columns = ResultColumnWriter::new(&engine);
    let end = batch.run(
        || Worker { pricer: Pricer::new(&engine), totals: DutyTotals::default(), tally: WarningTally::default() },
        |w, row, lines| {
            let p = w.pricer.price(row.flow).map_err(|e| Reject::at(row.line, e.into()))?;
            w.totals.add(row.flow.customs_value, p);
            w.tally.law_date(0, &engine.scenario().law, row.flow.entry_date);
            if !p.warnings.is_empty() {
                w.tally.add(&p.warnings);
            }
            lines.extend_from_slice(row.raw);
            columns.append_priced(&engine, p, lines);
            lines.push(b'\n');
            Ok(())
        },
        |lines| out.write_all(lines).map_err(write_error),
    )?;
    out.commit()?;
    let mut totals = DutyTotals::default();
    let mut tally = WarningTally::default();
    for w in &end.states {
        totals.merge(&w.totals);
        tally.merge(&w.tally);
    }
    totals.check_exact("the rows assessed")?;
    // Always said, as the reconciliation is: a number is never given without how current its law is.
    tally.report_law_dates(&[engine.scenario()]);
    if !args.input.quiet {
        summary(&engine, &totals);
        eprintln!("{}: {}", engine.scenario().name, engine.scenario().law.line());
        tally.report();
    }
    end.close()
}

fn summary(engine: &Engine, t: &DutyTotals) {
    let (value, mfn, total) = (t.value(), t.mfn(), t.total());
    let rate = if value.is_zero() { "-".to_string() } else { percent(total / value) };
    eprintln!(
        "{}: {} rows assessed; customs value {value}; MFN duty {mfn}; additional duty {}; total duty {total}; effective rate {rate}",
        engine.scenario().name,
        t.rows,
        total - mfn,
    );
}
