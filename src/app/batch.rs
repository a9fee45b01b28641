//! The one batch loop of `run`, `compare` and `refund`: open the flow file and the reject report,
//! read chunks of records on one thread, check and price them on one worker per core, hand the
//! output back in input order, file every reject with its line, apply `--as-of`, show progress, and
//! end with the reconciliation line (rows read = assessed + rejected).
//!
//! A command gives three things: the state of one worker (its pricers, running totals, buffers),
//! what to do with one checked row (append its output bytes, or say why it is rejected), and what
//! to do with a chunk's output bytes on the calling thread (write them). Chunks circulate through a
//! fixed pool, so memory does not grow with the number of rows; totals kept per worker are merged at
//! the end (exact sums do not depend on the order).

use super::io::{Progress, RejectSink};
use super::{AppError, parse_as_of};
use crate::date::Date;
use crate::flow::input::{Input, InputOptions};
use crate::flow::reader::{Chunk, ChunkSource};
use crate::flow::{FieldSource, Flow, Reject, RowFields, RowParser};
use csv::ByteRecord;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

/// One checked row, as a command's row function sees it.
pub(crate) struct Row<'a> {
    /// The 1-based line the record starts on (an ES-003 line's goods row; in a workbook, its
    /// sheet row).
    pub(crate) line: u64,
    /// The record as written in the input (terminator excluded), comma-separated: a record of a
    /// file separated otherwise is written anew, and an ES-003 report's line is the flow record made
    /// of it.
    pub(crate) raw: &'a [u8],
    /// The checked flow, `--as-of` applied.
    pub(crate) flow: &'a Flow,
    /// The record's fields (for columns beyond the flow's).
    pub(crate) fields: &'a RowFields<'a>,
}

/// A flow file opened for a batch command, with its reject report.
pub(crate) struct Batch {
    source: Box<dyn ChunkSource>,
    name: String,
    header: ByteRecord,
    header_raw: Vec<u8>,
    /// The delimiter of the records (`,` unless a flow file separates its fields otherwise).
    delimiter: u8,
    /// Flow columns named otherwise in the file (an ES-003 report's), for the reject report.
    columns: Vec<(&'static str, String)>,
    parser: RowParser,
    rejects: RejectSink,
    as_of: Option<Date>,
    quiet: bool,
    /// The Arrow schema of a Parquet input.
    schema: Option<arrow_schema::SchemaRef>,
}

/// What a worker made of one chunk: its counts, rejects and output bytes, and what the command's
/// chunk hook made of them (`P`; see [`Batch::run_chunks`]).
#[derive(Default)]
struct ChunkResult<P> {
    rows: u64,
    assessed: u64,
    rejects: Vec<Reject>,
    output: Vec<u8>,
    made: P,
}

/// The end of a batch: the workers' states (for their totals) and the counts to reconcile.
pub(crate) struct BatchEnd<S> {
    /// Each worker's state, as left after its last chunk.
    pub(crate) states: Vec<S>,
    /// Rows read.
    pub(crate) rows: u64,
    /// Rows assessed (the row function accepted them).
    pub(crate) assessed: u64,
    rejects: RejectSink,
}

impl<S> BatchEnd<S> {
    /// Closes the reject report, prints its summary and the reconciliation line; the exit code.
    pub(crate) fn close(self) -> Result<u8, AppError> {
        let rejected = self.rejects.count;
        self.rejects.finish()?;
        super::reconcile(self.rows, self.assessed, rejected)
    }
}

impl Batch {
    /// Opens `flows` (`None` or `-`: standard input) as `format` says (a flow file, or an ES-003
    /// report converted to flows), reads its header and opens the reject report.
    pub(crate) fn open(
        flows: Option<&Path>,
        format: &crate::cli::InputFormatArgs,
        rejects: Option<&Path>,
        as_of: Option<&str>,
        quiet: bool,
    ) -> Result<Batch, AppError> {
        let as_of = parse_as_of(as_of)?;
        let input = Input::open(flows, input_options(format)?).map_err(|e| AppError::fatal(e.0))?;
        if !quiet && let Some(note) = input.note() {
            eprintln!("{note}");
        }
        let rejects = RejectSink::new(rejects, &input.name)?;
        let Input { source, name, header, header_raw, delimiter, parser, columns, schema, .. } = input;
        Ok(Batch { source, name, header, header_raw, delimiter, columns, parser, rejects, as_of, quiet, schema })
    }

    /// [`Batch::open`] with the input flags `run` and `compare` share.
    pub(crate) fn from_input(input: &crate::cli::InputArgs) -> Result<Batch, AppError> {
        Batch::open(
            input.flows.as_deref(),
            &input.input_format,
            input.rejects.as_deref(),
            input.as_of.as_deref(),
            input.quiet,
        )
    }

    /// The input's name for messages (`flows.csv`, `<stdin>`).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The header's fields (the flow columns; for an ES-003 report, those it is converted to).
    pub(crate) fn header(&self) -> &ByteRecord {
        &self.header
    }

    /// Says that the command never writes a row's record (`Row::raw` is then empty for an input
    /// that carries its rows' columns: a Parquet file's rows are not written as text); it reads
    /// them through their flows and fields only.
    pub(crate) fn fields_only(&mut self) {
        self.source.fields_only();
    }

    /// The Arrow schema of a Parquet input (the types of its columns), `None` for other inputs.
    pub(crate) fn schema(&self) -> Option<&arrow_schema::SchemaRef> {
        self.schema.as_ref()
    }

    /// The header as a comma-separated line (as written for a comma-separated flow file,
    /// byte-order mark and terminator removed).
    pub(crate) fn header_raw(&self) -> &[u8] {
        &self.header_raw
    }

    /// Runs the batch: `row` on every checked row, on worker threads each with a state from `init`,
    /// appending the row's output bytes or refusing it; `write` on each chunk's output bytes, on the
    /// calling thread, in input order. The first error of `write`, or a read error, stops the run.
    pub(crate) fn run<S, I, F, W>(self, init: I, row: F, mut write: W) -> Result<BatchEnd<S>, AppError>
    where
        S: Send,
        I: Fn() -> S + Sync,
        F: Fn(&mut S, Row<'_>, &mut Vec<u8>) -> Result<(), Reject> + Sync,
        W: FnMut(&[u8]) -> Result<(), AppError>,
    {
        self.run_chunks(init, row, |_, _, _, _: &mut ()| {}, |output, _| write(output))
    }

    /// [`Batch::run`] with a hook per chunk: `finish` runs on the worker after a chunk's last row,
    /// with the worker's state, the chunk read and the chunk's output bytes, and may make something
    /// else of them (`made`: Parquet output builds the chunk's columns there, in parallel); `write`
    /// then gets the output bytes and `made`, on the calling thread, in input order.
    pub(crate) fn run_chunks<S, P, I, F, E, W>(
        self,
        init: I,
        row: F,
        finish: E,
        mut write: W,
    ) -> Result<BatchEnd<S>, AppError>
    where
        S: Send,
        P: Default + Send,
        I: Fn() -> S + Sync,
        F: Fn(&mut S, Row<'_>, &mut Vec<u8>) -> Result<(), Reject> + Sync,
        E: Fn(&mut S, &Chunk, &mut Vec<u8>, &mut P) + Sync,
        W: FnMut(&[u8], &mut P) -> Result<(), AppError>,
    {
        let Batch { source, parser, mut rejects, as_of, quiet, delimiter, columns, .. } = self;
        let mut progress = Progress::new(quiet);
        let (mut rows, mut assessed) = (0u64, 0u64);
        let states = pipeline(
            source,
            default_workers(),
            || (parser.clone(), Vec::new(), init()),
            |(parser, recoded, state), chunk, out: &mut ChunkResult<P>| {
                out.rows = (chunk.spans.len() + chunk.rejected.len()) as u64;
                out.assessed = 0;
                out.rejects.clear();
                out.output.clear();
                for span in &chunk.spans {
                    let parsed = match parser.parse(chunk, span) {
                        Ok(p) => p,
                        Err(r) => {
                            out.rejects.push(r);
                            continue;
                        }
                    };
                    apply_as_of(parsed.flow, as_of);
                    // Outputs hold the record comma-separated: a record split at another delimiter
                    // is written anew (its fields, quoted where needed).
                    let raw = if delimiter == b',' {
                        chunk.raw(span)
                    } else {
                        recoded.clear();
                        let f = &parsed.fields;
                        crate::flow::input::push_comma_record(recoded, (0..f.len()).map(|i| f.field(i)));
                        &recoded[..]
                    };
                    let r = Row { line: span.line, raw, flow: parsed.flow, fields: &parsed.fields };
                    match row(state, r, &mut out.output) {
                        Ok(()) => out.assessed += 1,
                        Err(r) => out.rejects.push(r),
                    }
                }
                if !chunk.rejected.is_empty() {
                    // Rows refused on the way in, in line order with the others.
                    out.rejects.extend(chunk.rejected.iter().cloned());
                    out.rejects.sort_by_key(|r| r.line);
                }
                finish(state, chunk, &mut out.output, &mut out.made);
            },
            |_, out| {
                rows += out.rows;
                assessed += out.assessed;
                progress.tick(rows);
                for mut r in out.rejects.drain(..) {
                    // Named as in the file (an ES-003 report's columns).
                    if let Some((_, name)) = columns.iter().find(|(flow, _)| *flow == r.column) {
                        r.column = name.clone();
                    }
                    rejects.push(r)?;
                }
                write(&out.output, &mut out.made)
            },
        )?;
        progress.done();
        Ok(BatchEnd { states: states.into_iter().map(|(_, _, s)| s).collect(), rows, assessed, rejects })
    }
}

/// The options of the flow reader from `--input-format` and `--delimiter`.
fn input_options(args: &crate::cli::InputFormatArgs) -> Result<InputOptions, AppError> {
    use crate::cli::InputFormatArg;
    use crate::flow::input::InputFormat;
    let delimiter = crate::flow::reader::Delimiter::parse(&args.delimiter)
        .map_err(|e| AppError::fatal(format!("--delimiter: {e}")))?;
    let format = match args.input_format {
        InputFormatArg::Auto => InputFormat::Auto,
        InputFormatArg::Flows => InputFormat::Flows,
        InputFormatArg::Es003 => InputFormat::Es003,
        InputFormatArg::Parquet => InputFormat::Parquet,
        InputFormatArg::Census => InputFormat::Census,
    };
    Ok(InputOptions { format, delimiter, census_day: args.census_day })
}

/// `--as-of`: prices the flow as if entered on that date. The loading date of the real shipment is
/// dropped: it would trigger in-transit clauses that have nothing to do with the hypothetical entry.
fn apply_as_of(flow: &mut Flow, as_of: Option<Date>) {
    if let Some(d) = as_of {
        flow.entry_date = d;
        flow.loaded_date = None;
    }
}

struct Slot<R> {
    seq: u64,
    chunk: Chunk,
    result: R,
}

/// Chunks in flight per worker (being read, priced, waiting to be written).
const SLOTS_PER_WORKER: usize = 3;

/// The number of worker threads: one per core.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16)
}

/// Runs `work` over every chunk of `input` on `workers` threads, each with its own state made by
/// `init`, and hands each chunk with its result to `consume` on the calling thread, in input order.
/// Returns the workers' states (for totals kept per worker). The first error of `consume` stops
/// the run and is returned; so is a read error, after the chunks before it were consumed.
fn pipeline<S, R, I, W, C>(
    mut input: Box<dyn ChunkSource>,
    workers: usize,
    init: I,
    work: W,
    mut consume: C,
) -> Result<Vec<S>, AppError>
where
    S: Send,
    R: Default + Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, &Chunk, &mut R) + Sync,
    C: FnMut(&Chunk, &mut R) -> Result<(), AppError>,
{
    let workers = workers.max(1);
    let slots = workers * SLOTS_PER_WORKER + 1;
    let (free_tx, free_rx) = sync_channel::<Slot<R>>(slots);
    for _ in 0..slots {
        let _ = free_tx.send(Slot { seq: 0, chunk: Chunk::default(), result: R::default() });
    }
    let (work_tx, work_rx) = sync_channel::<Slot<R>>(slots);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = sync_channel::<Slot<R>>(slots);
    let read_error: Mutex<Option<AppError>> = Mutex::new(None);
    let (init, work, work_rx, read_error_ref) = (&init, &work, &work_rx, &read_error);
    let (outcome, states) = std::thread::scope(|s| {
        s.spawn(move || {
            let mut seq = 0;
            while let Ok(mut slot) = free_rx.recv() {
                match input.fill(&mut slot.chunk) {
                    Ok(true) => {
                        slot.seq = seq;
                        seq += 1;
                        if work_tx.send(slot).is_err() {
                            break;
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        *read_error_ref.lock().unwrap_or_else(|p| p.into_inner()) = Some(AppError::fatal(e.0));
                        break;
                    }
                }
            }
        });
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let done_tx = done_tx.clone();
                s.spawn(move || {
                    let mut state = init();
                    loop {
                        let next = work_rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(mut slot) = next else { break };
                        work(&mut state, &slot.chunk, &mut slot.result);
                        if done_tx.send(slot).is_err() {
                            break;
                        }
                    }
                    state
                })
            })
            .collect();
        drop(done_tx);
        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, Slot<R>> = BTreeMap::new();
        let mut outcome = Ok(());
        'receive: for slot in done_rx.iter() {
            waiting.insert(slot.seq, slot);
            while let Some(mut slot) = waiting.remove(&next) {
                next += 1;
                outcome = consume(&slot.chunk, &mut slot.result);
                let _ = free_tx.send(slot);
                if outcome.is_err() {
                    break 'receive;
                }
            }
        }
        // Stop the reader and the workers: they see their channels closed.
        drop(done_rx);
        drop(free_tx);
        let states: Vec<S> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
        (outcome, states)
    });
    outcome?;
    if let Some(e) = read_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    if states.len() != workers {
        return Err(AppError::fatal("internal error: a worker thread failed"));
    }
    Ok(states)
}
