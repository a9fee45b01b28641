//! `run`: stream rows in, rows out with the result columns appended.

use super::io::{FlowInput, Output, Progress, Reject, RejectSink, Row};
use super::{AppError, engine_for, parse_as_of, reconcile};
use crate::cli::RunArgs;
use crate::engine::{Assessment, Engine};
use crate::mfn::MfnTable;
use crate::money::percent;
use crate::report::ResultColumns;
use rust_decimal::Decimal;
use std::sync::Arc;

/// The result columns appended by `run` (DESIGN.md), in order.
pub const RESULT_COLUMNS: [&str; 7] =
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"];

pub(super) fn run(args: &RunArgs) -> Result<u8, AppError> {
    let mfn = Arc::new(MfnTable::embedded());
    let engine = engine_for(&args.scenario, &mfn)?;
    let as_of = parse_as_of(args.input.as_of.as_deref())?;
    let mut input = FlowInput::open(args.input.flows.as_deref())?;
    let mut rejects = RejectSink::new(args.input.rejects.as_deref(), &input.name)?;
    let out_path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Output::to(out_path)?);
    let mut header = input.header.clone();
    for c in RESULT_COLUMNS {
        header.push_field(c.as_bytes());
    }
    out.write_byte_record(&header).map_err(|e| AppError::csv_out(e, out_path))?;
    let mut columns = ResultColumns::default();
    let mut progress = Progress::new(args.input.quiet);
    let (mut assessed, mut value, mut total, mut mfn_total) = (0u64, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    while let Some(row) = input.next_row()? {
        progress.tick(input.rows);
        let mut flow = match row {
            Row::Flow(f) => f,
            Row::Reject(r) => {
                rejects.push(r)?;
                continue;
            }
        };
        if let Some(d) = as_of {
            flow.entry_date = d;
        }
        match engine.assess(&flow) {
            Ok(a) => {
                columns.fill(&engine, &a);
                let rec = &mut input.record;
                columns.append_to(rec);
                out.write_byte_record(rec).map_err(|e| AppError::csv_out(e, out_path))?;
                assessed += 1;
                value += flow.customs_value;
                total += a.total_duty;
                mfn_total += a.mfn_duty;
            }
            Err(e) => rejects.push(Reject {
                line: input.line(),
                column: e.column.into(),
                value: e.value,
                reason: e.reason,
            })?,
        }
    }
    progress.done();
    let output = out.into_inner().map_err(|e| {
        let err = e.into_error();
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            AppError::BrokenPipe
        } else {
            AppError::fatal(format!("cannot write output: {err}"))
        }
    })?;
    output.commit()?;
    if !args.input.quiet {
        summary(&engine, assessed, value, mfn_total, total);
    }
    let rejected = rejects.count;
    rejects.finish()?;
    reconcile(input.rows, assessed, rejected)
}

fn summary(engine: &Engine, rows: u64, value: Decimal, mfn: Decimal, total: Decimal) {
    let rate = if value.is_zero() { "-".to_string() } else { percent(total / value) };
    eprintln!(
        "{}: {rows} rows assessed; customs value {value}; MFN duty {mfn}; additional duty {}; total duty {total}; effective rate {rate}",
        engine.scenario().name,
        total - mfn,
    );
}

#[allow(dead_code)]
fn _assert_send(_: &Assessment<'_>) {}
