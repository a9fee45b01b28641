//! `run`: stream rows in, rows out with the result columns appended.
//!
//! Each output line is the input record exactly as written (quotes and all) followed by the seven
//! result columns; rows are priced in parallel chunks and written in input order. With Parquet
//! output (`-o FILE.parquet`, `--format parquet`) the same fields go into the worker's typed columns
//! instead of a line (one row writer, [`RowPricing::row`], for both), which are encoded in parallel
//! and written in input order ([`super::parquet_out`]).

use super::AppError;
use super::batch::{Batch, Row};
use super::fees::{FeeColumns, FeeTally};
use super::io::Output;
use super::parquet_out::{ChunkColumns, ParquetSink};
use super::totals::DutyTotals;
use super::warnings::WarningTally;
use crate::cli::{RunArgs, RunFormat};
use crate::engine::{Engine, Pricer};
use crate::estimate::{Assumptions, Estimator, Facts};
use crate::flow::Reject;
use crate::money::{MoneySum, percent};
use crate::result_columns::{RESULT_COLUMNS, ResultColumnWriter, ResultSink, WrittenField, push_csv_field};
use rust_decimal::Decimal;
use std::io::Write;
use std::path::Path;

/// One worker's pricer (or estimator) and running totals.
struct Worker<'e> {
    pricer: Pricer<'e>,
    estimator: Option<Estimator<'e>>,
    totals: DutyTotals,
    /// With ranges: the sums of the rows' low and high totals.
    low: MoneySum,
    high: MoneySum,
    /// Rows with a fact estimated, and rows whose total a fact left unknown moves, by fact.
    estimated: FactCounts,
    unknown: FactCounts,
    tally: WarningTally,
    /// With `--fees`: the rows' fees and the entries' MPF so far.
    fees: FeeTally,
    /// With Parquet output: the columns of the chunk's rows.
    columns: Option<Box<ChunkColumns>>,
}

/// Rows counted per fact (metal, short code, declaration, USMCA, US content) and rows with any.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct FactCounts {
    pub(super) any: u64,
    pub(super) each: [u64; 5],
}

impl FactCounts {
    const FACTS: [(Facts, &'static str); 5] = [
        (Facts::METAL, "metal content"),
        (Facts::SHORT_CODE, "the 10-digit line under a shorter code"),
        (Facts::DECLARATION, "a declaration (certification, claim, in-quota heading)"),
        (Facts::USMCA, "a USMCA claim"),
        (Facts::US_CONTENT, "US content"),
    ];

    pub(super) fn add(&mut self, f: Facts) {
        if f.is_empty() {
            return;
        }
        self.any += 1;
        for (k, (fact, _)) in Self::FACTS.iter().enumerate() {
            if f.contains(*fact) {
                self.each[k] += 1;
            }
        }
    }

    pub(super) fn merge(&mut self, o: &FactCounts) {
        self.any += o.any;
        for k in 0..5 {
            self.each[k] += o.each[k];
        }
    }

    /// `metal content 120, a USMCA claim 40`.
    pub(super) fn words(&self) -> String {
        Self::FACTS
            .iter()
            .zip(self.each)
            .filter(|(_, n)| *n > 0)
            .map(|((_, w), n)| format!("{w} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub(super) fn run(args: &RunArgs) -> Result<u8, AppError> {
    let mfn = super::mfn_table(args.input.hts_file.as_deref())?;
    let engine = super::engine_for(&args.scenario, &mfn)?;
    super::io::check_distinct_files(
        args.input.flows.as_deref(),
        &[("-o", Some(args.output.as_deref().unwrap_or(Path::new("-")))), ("--rejects", args.input.rejects.as_deref())],
    )?;
    let out_path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let parquet_out = match (args.format, out_path) {
        (RunFormat::Parquet, None) => {
            return Err(AppError::fatal("--format parquet writes a file: give -o FILE.parquet"));
        }
        (RunFormat::Parquet, Some(_)) => true,
        (RunFormat::Jsonl, Some(p)) if super::parquet_out::is_parquet_path(p) => {
            return Err(AppError::fatal(format!(
                "--format jsonl writes JSON Lines, not Parquet: name the output .jsonl, or drop --format for Parquet ({})",
                p.display()
            )));
        }
        (RunFormat::Csv, Some(p)) => super::parquet_out::is_parquet_path(p),
        _ => false,
    };
    if parquet_out && args.excel {
        return Err(AppError::fatal("--excel shapes CSV for Excel; it does not apply to Parquet output"));
    }
    let mut batch = Batch::from_input(&args.input)?;
    let write_error = |e: std::io::Error| match out_path {
        Some(p) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            AppError::fatal(format!("cannot write {}: {e}", p.display()))
        }
        _ => AppError::stdout(e),
    };
    let mut out = if parquet_out { None } else { Some(Output::to(out_path, args.input.quiet)?) };
    let assumptions =
        Assumptions::load(&args.estimate.assume).map_err(|e| AppError::fatal(format!("--assume: {e}")))?;
    let ranges = args.estimate.ranges;
    let estimating = ranges || !assumptions.is_empty();
    let mut header = batch.header_raw().to_vec();
    let mut extra: Vec<&str> = Vec::new();
    if !assumptions.is_empty() {
        extra.extend(["answer", "estimated"]);
    }
    if ranges {
        extra.extend(["total_duty_low", "total_duty_high", "unknown"]);
    }
    let fees = args.fees.then(|| FeeColumns::find(batch.header()));
    if fees.is_some() {
        extra.extend(["mpf_ad_valorem", "hmf"]);
    }
    refuse_result_columns(batch.header(), &extra, batch.name())?;
    // A `scenario` column of the input (a test-case file names each case's scenario) passes through
    // as `input_scenario`: the result's own `scenario` is never duplicated.
    let renamed = renamed_header(batch.header());
    if let Some(fields) = &renamed {
        header.clear();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                header.push(b',');
            }
            push_csv_field(&mut header, f.as_bytes());
        }
        if !args.input.quiet {
            eprintln!(
                "note: the input's `scenario` column is written as `input_scenario` (the result columns have their own)"
            );
        }
    }
    for c in RESULT_COLUMNS.iter().chain(&extra) {
        header.push(b',');
        push_csv_field(&mut header, c.as_bytes());
    }
    let shape = LineShape::new(args, renamed.as_deref(), batch.header(), &extra);
    let mut parquet = match (&mut out, out_path) {
        (Some(out), _) => {
            if args.format == RunFormat::Csv {
                if args.excel {
                    out.write_all("\u{feff}".as_bytes()).map_err(write_error)?;
                }
                header.extend_from_slice(shape.end());
                out.write_all(&header).map_err(write_error)?;
            }
            None
        }
        (None, Some(p)) => Some(ParquetSink::create(p, &header, batch.header().len(), batch.schema())?),
        (None, None) => None,
    };
    let out_schema = parquet.as_ref().map(|p| p.schema().clone());
    let batch_inputs = batch.header().len();
    let pricing = RowPricing {
        engine: &engine,
        columns: ResultColumnWriter::new(&engine),
        fees,
        assumptions: &assumptions,
        ranges,
    };
    let parquet_input = batch.schema().is_some_and(|s| s.fields().len() == batch.header().len());
    if parquet.is_some() && parquet_input {
        // Parquet in and out: the input columns go to the output as they are read, and the rows
        // are read from them; no row is written as text.
        batch.fields_only();
    }
    let end = batch.run_chunks(
        || Worker {
            pricer: Pricer::new(&engine),
            estimator: estimating.then(|| Estimator::new(&engine, &assumptions, ranges)),
            totals: DutyTotals::default(),
            low: MoneySum::default(),
            high: MoneySum::default(),
            estimated: FactCounts::default(),
            unknown: FactCounts::default(),
            tally: WarningTally::default(),
            fees: FeeTally::default(),
            columns: out_schema.as_ref().map(|s| Box::new(ChunkColumns::new(s, batch_inputs, parquet_input))),
        },
        |w, row, lines| match w.columns.take() {
            // With Parquet output, the row goes into the worker's columns.
            Some(mut columns) => {
                let priced = pricing.row(w, &row, columns.as_mut());
                w.columns = Some(columns);
                priced
            }
            None => {
                let start = lines.len();
                pricing.row(w, &row, lines)?;
                shape.finish(lines, start);
                Ok(())
            }
        },
        // With Parquet output, the worker hands on its chunk's columns.
        |w, chunk, _, made| {
            if let Some(columns) = &mut w.columns {
                *made = Some(columns.convert(chunk));
            }
        },
        |lines, made| match (&mut out, &mut parquet) {
            (Some(out), _) => out.write_all(lines).map_err(write_error),
            (None, Some(p)) => made.take().map_or(Ok(()), |arrays| p.write(arrays)),
            (None, None) => Ok(()),
        },
    )?;
    if let Some(out) = out {
        out.commit()?;
    }
    if let Some(p) = parquet {
        p.commit()?;
    }
    let mut totals = DutyTotals::default();
    let mut tally = WarningTally::default();
    let (mut low, mut high) = (MoneySum::default(), MoneySum::default());
    let (mut estimated, mut unknown) = (FactCounts::default(), FactCounts::default());
    let mut fee_tally = FeeTally::default();
    for w in &end.states {
        fee_tally.merge(&w.fees);
        totals.merge(&w.totals);
        tally.merge(&w.tally);
        low.add_sum(&w.low);
        high.add_sum(&w.high);
        estimated.merge(&w.estimated);
        unknown.merge(&w.unknown);
    }
    totals.check_exact("the rows assessed")?;
    // Always said, as the reconciliation is: a number is never given without how current its law is.
    tally.report_law_dates(&[engine.scenario()]);
    if !args.input.quiet {
        summary(&engine, &totals);
        let name = &engine.scenario().name;
        eprintln!("{name}: {}", answer_line(&assumptions, &estimated));
        if ranges {
            let (value, central) = (totals.value(), totals.total());
            let (lo, hi) = (low.value().unwrap_or_default(), high.value().unwrap_or_default());
            let rate = |d: rust_decimal::Decimal| if value.is_zero() { "-".to_string() } else { percent(d / value) };
            eprintln!(
                "{name}: range of the total duty over what the rows leave unknown: low {lo} / central {central} / high {hi} (effective rate {} / {} / {})",
                rate(lo),
                rate(central),
                rate(hi)
            );
            if unknown.any > 0 {
                eprintln!("{name}: rows whose total an unknown fact moves: {} ({})", unknown.any, unknown.words());
            }
        }
        if let Some(cols) = fees {
            for line in fee_tally.report(name, cols.has_mode()) {
                eprintln!("{line}");
            }
        }
        eprintln!("{name}: {}", engine.scenario().law.line());
        tally.report();
        tally.report_short_codes(&engine);
    }
    end.close()
}

/// What `run` writes of each row: the output's shape aside, the same for every output.
struct RowPricing<'e> {
    engine: &'e Engine,
    columns: ResultColumnWriter,
    fees: Option<FeeColumns>,
    assumptions: &'e Assumptions,
    ranges: bool,
}

/// Where a row goes: a CSV line (`Vec<u8>`) or the typed columns of Parquet output.
trait RowOut: ResultSink {
    /// Starts the row with its input record.
    fn record(&mut self, row: &Row<'_>);
    /// Ends the row.
    fn end(&mut self);
    /// A decimal field of two places, `v`, copying the text of `earlier` (a field of this row,
    /// see [`ResultColumnWriter::append_priced`]) when it holds the same value.
    #[inline]
    fn fixed_like(&mut self, v: Decimal, earlier: &WrittenField) {
        let _ = earlier;
        self.fixed(Some(v), 2);
    }
}

impl RowOut for Vec<u8> {
    #[inline]
    fn record(&mut self, row: &Row<'_>) {
        self.extend_from_slice(row.raw);
    }

    #[inline]
    fn end(&mut self) {
        self.push(b'\n');
    }

    #[inline]
    fn fixed_like(&mut self, v: Decimal, earlier: &WrittenField) {
        match earlier {
            // Written with the same two places: the same text. Compared as bits (the same value at
            // another scale is written afresh, to the same text).
            Some((value, at)) if value.serialize() == v.serialize() => {
                self.push(b',');
                self.extend_from_within(at.clone());
            }
            _ => self.fixed(Some(v), 2),
        }
    }
}

impl RowOut for ChunkColumns {
    #[inline]
    fn record(&mut self, row: &Row<'_>) {
        self.start_row(row.line, row.raw);
    }

    #[inline]
    fn end(&mut self) {
        self.end_row();
    }
}

impl RowPricing<'_> {
    /// Prices `row` and writes it (its record, then the result columns) to `out`, counting it in
    /// `w`'s totals; a row refused writes nothing.
    fn row<O: RowOut>(&self, w: &mut Worker<'_>, row: &Row<'_>, out: &mut O) -> Result<(), Reject> {
        let engine = self.engine;
        let mode = match self.fees {
            Some(cols) => FeeTally::mode(cols, row.fields).map_err(|e| Reject::at(row.line, e))?,
            None => None,
        };
        w.tally.law_date(0, &engine.scenario().law, row.flow.entry_date);
        let Some(est) = w.estimator.as_mut() else {
            let p = w.pricer.price(row.flow).map_err(|e| Reject::at(row.line, e.into()))?;
            out.record(row);
            if p.short_code_split {
                w.tally.short_code(&row.flow.hts);
            }
            w.totals.add(row.flow.customs_value, p);
            if !p.warnings.is_empty() {
                w.tally.add(&p.warnings);
            }
            self.columns.append_priced(engine, p, out);
            if let Some(cols) = self.fees {
                w.fees.add_row(cols, row.fields, row.flow, mode, out);
            }
            out.end();
            return Ok(());
        };
        let e = est.estimate(row.flow).map_err(|e| Reject::at(row.line, e.into()))?;
        out.record(row);
        if e.central.short_code_split {
            w.tally.short_code(&row.flow.hts);
        }
        let p = &e.central;
        w.totals.add(row.flow.customs_value, p);
        w.low.add(e.low);
        w.high.add(e.high);
        w.estimated.add(e.estimated);
        w.unknown.add(e.unknown);
        if !p.warnings.is_empty() {
            w.tally.add(&p.warnings);
        }
        let total = self.columns.append_priced(engine, p, out);
        if !self.assumptions.is_empty() {
            let answer: &[u8] = if e.estimated.is_empty() { b"compliance" } else { b"estimate" };
            out.text(|t| t.extend_from_slice(answer));
            out.text(|t| e.estimated.push_names(t));
        }
        if self.ranges {
            out.fixed_like(e.low, &total);
            out.fixed_like(e.high, &total);
            out.text(|t| e.unknown.push_names(t));
        }
        if let Some(cols) = self.fees {
            w.fees.add_row(cols, row.fields, row.flow, mode, out);
        }
        out.end();
        Ok(())
    }
}

/// The shape of each output line: CSV as written (LF, or CRLF for Excel), or a JSON object.
struct LineShape {
    /// Column names, in order (input, result, extra), with JSON Lines.
    names: Option<Vec<String>>,
    /// The index of the first result column.
    first_result: usize,
    excel: bool,
}

/// The result columns written as lists in JSON Lines (`;`-separated in CSV).
pub(super) const LIST_COLUMNS: [&str; 4] = ["measures", "citations", "estimated", "unknown"];

impl LineShape {
    fn new(args: &RunArgs, renamed: Option<&[String]>, header: &csv::ByteRecord, extra: &[&str]) -> LineShape {
        let names = (args.format == RunFormat::Jsonl).then(|| {
            let input: Vec<String> = match renamed {
                Some(r) => r.to_vec(),
                None => header.iter().map(|h| clean_name(h).to_string()).collect(),
            };
            input.into_iter().chain(RESULT_COLUMNS.iter().chain(extra).map(|c| c.to_string())).collect()
        });
        LineShape { names, first_result: header.len(), excel: args.excel }
    }

    /// The line end of CSV output.
    fn end(&self) -> &'static [u8] {
        if self.excel { b"\r\n" } else { b"\n" }
    }

    /// Reshapes the CSV line written from `start` (ending with LF): CRLF for Excel, or a JSON object.
    fn finish(&self, lines: &mut Vec<u8>, start: usize) {
        match &self.names {
            None => {
                if self.excel {
                    lines.pop();
                    lines.extend_from_slice(b"\r\n");
                }
            }
            Some(names) => {
                let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&lines[start..]);
                let mut record = csv::StringRecord::new();
                let ok = reader.read_record(&mut record).unwrap_or(false);
                let mut obj = String::from("{");
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        obj.push(',');
                    }
                    obj.push_str(&serde_json::Value::from(name.as_str()).to_string());
                    obj.push(':');
                    let value = if ok { record.get(i) } else { None };
                    let json = match value {
                        None | Some("") => serde_json::Value::Null,
                        Some(v) if i >= self.first_result && LIST_COLUMNS.contains(&name.as_str()) => {
                            serde_json::Value::from(v.split(';').collect::<Vec<_>>())
                        }
                        Some(v) => serde_json::Value::from(v),
                    };
                    obj.push_str(&json.to_string());
                }
                obj.push_str("}\n");
                lines.truncate(start);
                lines.extend_from_slice(obj.as_bytes());
            }
        }
    }
}

/// A header cell as a name: blanks and a byte-order mark taken off.
fn clean_name(h: &[u8]) -> String {
    String::from_utf8_lossy(h).trim().trim_start_matches('\u{feff}').to_string()
}

/// Refuses an input that already holds result columns (an output of `run` given again): its new
/// columns would repeat names. The fix is named. A `scenario` column alone is not one (see
/// [`renamed_header`]).
fn refuse_result_columns(header: &csv::ByteRecord, extra: &[&str], input: &str) -> Result<(), AppError> {
    let have: Vec<String> = header
        .iter()
        .map(|h| clean_name(h).to_ascii_lowercase())
        .filter(|h| h != "scenario" && RESULT_COLUMNS.iter().chain(extra).any(|c| c == h))
        .collect();
    if have.is_empty() {
        return Ok(());
    }
    Err(AppError::fatal(format!(
        "{input} already has result columns ({}): it looks like the output of `run`; give the flows it was made from, or drop those columns (e.g. `xsv select '!{}'`)",
        have.join(", "),
        have.join(",")
    )))
}

/// The input's column names with `scenario` written as `input_scenario`, when it has one.
fn renamed_header(header: &csv::ByteRecord) -> Option<Vec<String>> {
    let names: Vec<String> = header.iter().map(clean_name).collect();
    names.iter().any(|n| n.eq_ignore_ascii_case("scenario")).then(|| {
        names
            .into_iter()
            .map(|n| if n.eq_ignore_ascii_case("scenario") { "input_scenario".into() } else { n })
            .collect()
    })
}

/// Which answer the figures are: `answer: compliance (...)` or `answer: estimate under bea (...)`.
pub(super) fn answer_line(assumptions: &Assumptions, estimated: &FactCounts) -> String {
    if assumptions.is_empty() {
        return "answer: compliance (what CBP charges on what each row declares; give --assume for estimates, --ranges for the span)".into();
    }
    let sets: Vec<String> = assumptions.sets.iter().map(|s| format!("{}: {}", s.name, s.provenance)).collect();
    let rows = if estimated.any == 0 {
        "no row".to_string()
    } else {
        format!("{} rows ({})", estimated.any, estimated.words())
    };
    format!(
        "answer: estimate under assumptions {} for {rows}; other rows are the compliance answer [{}]",
        assumptions.names(),
        sets.join("; ")
    )
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
