//! `run`: stream rows in, rows out with the result columns appended.

use super::io::{FlowInput, Item, Output, Progress, Reject, RejectSink, ThreadedInput};
use super::{AppError, engine_for, parse_as_of, reconcile};
use crate::cli::RunArgs;
use crate::engine::{Engine, Scratch};
use crate::mfn::MfnTable;
use crate::money::percent;
use crate::report::ResultColumns;
use rust_decimal::Decimal;
use std::sync::Arc;

/// The result columns appended by `run` (DESIGN.md), in order.
pub const RESULT_COLUMNS: [&str; 7] =
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"];

pub(super) fn run(args: &RunArgs) -> Result<u8, AppError> {
    let mfn: Arc<MfnTable> = super::mfn_table(args.input.hts_file.as_deref())?;
    let engine = engine_for(&args.scenario, &mfn)?;
    let as_of = parse_as_of(args.input.as_of.as_deref())?;
    let input = FlowInput::open(args.input.flows.as_deref())?;
    let mut rejects = RejectSink::new(args.input.rejects.as_deref(), &input.name)?;
    let out_path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Output::to(out_path)?);
    let mut header = input.header.clone();
    for c in RESULT_COLUMNS {
        header.push_field(c.as_bytes());
    }
    out.write_byte_record(&header).map_err(|e| AppError::csv_out(e, out_path))?;
    let mut scratch = Scratch::new();
    let mut progress = Progress::new(args.input.quiet);
    let (mut rows, mut assessed, mut value, mut total, mut mfn_total) =
        (0u64, 0u64, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    // Three stages: a thread reads and checks rows, this one prices them, a third writes them;
    // chunks flow in input order and come back to the reader for reuse.
    let mut stream = ThreadedInput::spawn(input);
    let recycle = stream.recycler();
    let (to_writer, from_main) = std::sync::mpsc::sync_channel::<Vec<Item>>(8);
    let out_path_owned = out_path.map(std::path::Path::to_path_buf);
    let writer_engine = engine.clone();
    let writer = std::thread::spawn(move || -> Result<csv::Writer<Output>, AppError> {
        let mut columns = ResultColumns::default();
        for mut chunk in from_main {
            for item in chunk.iter_mut().filter(|i| i.keep) {
                columns.fill_priced(&writer_engine, &item.priced);
                columns.append_to(&mut item.record);
                out.write_byte_record(&item.record).map_err(|e| AppError::csv_out(e, out_path_owned.as_deref()))?;
            }
            let _ = recycle.try_send(chunk);
        }
        Ok(out)
    });
    let mut tally = super::WarningTally::default();
    // The loop's errors are returned only after the writer thread has stopped and dropped its
    // temporary file, so a failed run leaves nothing behind.
    let outcome = (|| -> Result<(), AppError> {
        while let Some(mut chunk) = stream.next_chunk()? {
            for item in &mut chunk {
                let Some(flow) = super::flow_to_price(&mut item.row, &mut rows, &mut progress, &mut rejects, as_of)?
                else {
                    continue;
                };
                match engine.price(flow, &mut scratch, &mut item.priced) {
                    Ok(()) => {
                        item.keep = true;
                        assessed += 1;
                        value += flow.customs_value;
                        total += item.priced.total_duty;
                        mfn_total += item.priced.mfn_duty;
                        if !item.priced.warnings.is_empty() {
                            tally.add(&item.priced.warnings);
                        }
                    }
                    Err(e) => rejects.push(Reject {
                        line: item.line,
                        column: e.column.into(),
                        value: e.value,
                        reason: e.reason,
                    })?,
                }
            }
            if to_writer.send(chunk).is_err() {
                break; // the writer stopped (e.g. a closed pipe): its error is reported below
            }
        }
        Ok(())
    })();
    drop(to_writer);
    let written = writer.join().map_err(|_| AppError::fatal("internal error: the writer thread failed"))?;
    outcome?;
    let out = written?;
    stream.finish();
    progress.done();
    let output = out.into_inner().map_err(|e| {
        let err = e.into_error();
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            AppError::BrokenPipe
        } else {
            AppError::fatal(format!(
                "cannot write {}: {err}",
                out_path.map_or_else(|| "standard output".to_string(), |p| p.display().to_string())
            ))
        }
    })?;
    output.commit()?;
    if !args.input.quiet {
        summary(&engine, assessed, value, mfn_total, total);
        tally.report();
    }
    let rejected = rejects.count;
    rejects.finish()?;
    reconcile(rows, assessed, rejected)
}

fn summary(engine: &Engine, rows: u64, value: Decimal, mfn: Decimal, total: Decimal) {
    let rate = if value.is_zero() { "-".to_string() } else { percent(total / value) };
    eprintln!(
        "{}: {rows} rows assessed; customs value {value}; MFN duty {mfn}; additional duty {}; total duty {total}; effective rate {rate}",
        engine.scenario().name,
        total - mfn,
    );
}
