//! `run`: stream rows in, rows out with the result columns appended.
//!
//! Each output line is the input record exactly as written (quotes and all) followed by the seven
//! result columns; rows are priced in parallel chunks and written in input order.

use super::io::{Output, Progress, Reject, RejectSink};
use super::records::{Chunk, RecordReader, RowParser, default_workers, pipeline};
use super::{AppError, WarningTally, engine_for, parse_as_of, reconcile};
use crate::cli::RunArgs;
use crate::date::Date;
use crate::engine::{Engine, Priced, Scratch};
use crate::money::{MoneySum, percent};
use crate::report::{CsvResultWriter, push_csv_field};
use std::io::Write;

/// The result columns appended by `run` (DESIGN.md), in order.
pub const RESULT_COLUMNS: [&str; 7] =
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"];

/// One worker's reusable buffers and running totals.
struct Worker {
    parser: RowParser,
    scratch: Scratch,
    priced: Priced,
    columns: CsvResultWriter,
    sums: Sums,
    tally: WarningTally,
}

/// Totals of the rows assessed.
#[derive(Default, Clone, Copy)]
struct Sums {
    assessed: u64,
    value: MoneySum,
    mfn: MoneySum,
    total: MoneySum,
}

/// What a worker made of one chunk: the output lines and the rejects, in input order.
#[derive(Default)]
struct ChunkOut {
    lines: Vec<u8>,
    rejects: Vec<Reject>,
    rows: u64,
}

fn price_chunk(engine: &Engine, as_of: Option<Date>, w: &mut Worker, chunk: &Chunk, out: &mut ChunkOut) {
    out.lines.clear();
    out.rejects.clear();
    out.rows = chunk.spans.len() as u64;
    for span in &chunk.spans {
        let Some(flow) = w.parser.flow_or_reject(chunk, span, as_of, &mut out.rejects) else { continue };
        match engine.price(flow, &mut w.scratch, &mut w.priced) {
            Ok(()) => {
                let p = &w.priced;
                w.sums.assessed += 1;
                w.sums.value.add(flow.customs_value);
                w.sums.total.add(p.total_duty);
                w.sums.mfn.add(p.mfn_duty);
                if !p.warnings.is_empty() {
                    w.tally.add(&p.warnings);
                }
                out.lines.extend_from_slice(chunk.raw(span));
                w.columns.append(engine, p, &mut out.lines);
                out.lines.push(b'\n');
            }
            Err(e) => {
                out.rejects.push(Reject { line: span.line, column: e.column.into(), value: e.value, reason: e.reason })
            }
        }
    }
}

pub(super) fn run(args: &RunArgs) -> Result<u8, AppError> {
    let mfn = super::mfn_table(args.input.hts_file.as_deref())?;
    let engine = engine_for(&args.scenario, &mfn)?;
    let as_of = parse_as_of(args.input.as_of.as_deref())?;
    let input = RecordReader::open(args.input.flows.as_deref())?;
    let parser = RowParser::new(&input.header).map_err(|e| AppError::fatal(format!("{}:1: {e}", input.name)))?;
    let mut rejects = RejectSink::new(args.input.rejects.as_deref(), &input.name)?;
    let out_path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let write_error = |e: std::io::Error| match out_path {
        Some(p) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            AppError::fatal(format!("cannot write {}: {e}", p.display()))
        }
        _ => AppError::stdout(e),
    };
    let mut out = Output::to(out_path)?;
    let mut header = input.header_raw.clone();
    for c in RESULT_COLUMNS {
        header.push(b',');
        push_csv_field(&mut header, c.as_bytes());
    }
    header.push(b'\n');
    out.write_all(&header).map_err(write_error)?;
    let mut progress = Progress::new(args.input.quiet);
    let mut rows = 0u64;
    let workers = pipeline(
        input,
        default_workers(),
        || Worker {
            parser: parser.clone(),
            scratch: Scratch::new(),
            priced: Priced::default(),
            columns: CsvResultWriter::new(&engine),
            sums: Sums::default(),
            tally: WarningTally::default(),
        },
        |w, chunk, result: &mut ChunkOut| price_chunk(&engine, as_of, w, chunk, result),
        |_, result| {
            rows += result.rows;
            progress.tick(rows);
            for r in result.rejects.drain(..) {
                rejects.push(r)?;
            }
            out.write_all(&result.lines).map_err(write_error)
        },
    )?;
    progress.done();
    out.commit()?;
    let mut sums = Sums::default();
    let mut tally = WarningTally::default();
    for w in &workers {
        sums.assessed += w.sums.assessed;
        sums.value.add_sum(&w.sums.value);
        sums.mfn.add_sum(&w.sums.mfn);
        sums.total.add_sum(&w.sums.total);
        tally.merge(&w.tally);
    }
    if !args.input.quiet {
        summary(&engine, sums);
        tally.report();
    }
    let rejected = rejects.count;
    rejects.finish()?;
    reconcile(rows, sums.assessed, rejected)
}

fn summary(engine: &Engine, s: Sums) {
    let (value, mfn, total) = (s.value.value(), s.mfn.value(), s.total.value());
    let rate = if value.is_zero() { "-".to_string() } else { percent(total / value) };
    eprintln!(
        "{}: {} rows assessed; customs value {value}; MFN duty {mfn}; additional duty {}; total duty {total}; effective rate {rate}",
        engine.scenario().name,
        s.assessed,
        total - mfn,
    );
}
