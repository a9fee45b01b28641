//! The `tariffstack._tariffstack` extension module: the tariffstack engine over Arrow tables.
//!
//! Tables come in through the Arrow C stream interface (a PyCapsule named `arrow_array_stream`, as
//! `__arrow_c_stream__` gives it) without a copy; the flow columns of each row are read as the text
//! a CSV field would hold (see [`columns`]) and checked by the same code as `tariffstack run`
//! ([`tariffstack::api`]); results go back to pyarrow the same way. The Python package
//! (`tariffstack/__init__.py`) is the public API; these functions are its private half.

mod arrays;
mod columns;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_schema::SchemaRef;
use columns::RowColumns;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};
use std::ffi::CStr;
use std::path::PathBuf;
use tariffstack::api::{self, Comparison, FlowTable, GroupBy, ResultColumns, RowPricer};
use tariffstack::flow::Reject;

const STREAM: &CStr = c"arrow_array_stream";

/// The rows of one chunk at most: keeps the text columns' offsets within 32 bits.
const MAX_CHUNK_ROWS: usize = 1 << 20;

/// A reject as Python sees it: (row, column, value, reason), the row 0-based in the input table.
type PyReject = (u64, String, String, String);

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Reads an `arrow_array_stream` capsule into its schema and batches (buffers shared, not copied).
fn read_stream(capsule: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        PyTypeError::new_err("expected an `arrow_array_stream` PyCapsule (from `__arrow_c_stream__()`)")
    })?;
    let ptr = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule holds an `ArrowArrayStream` (its name says so); `from_raw` moves it out and
    // marks the one in the capsule released, so the capsule's destructor does not release it again.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) };
    let reader = RecordBatchStreamReader::try_new(stream).map_err(value_error)?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>().map_err(value_error)?;
    Ok((schema, batches))
}

/// Hands batches to Python as an `arrow_array_stream` capsule.
fn stream_capsule(py: Python<'_>, schema: SchemaRef, batches: Vec<RecordBatch>) -> PyResult<Py<PyAny>> {
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader) as Box<dyn RecordBatchReader + Send>);
    // Dropping an unconsumed stream releases it; a consumer moves it out and leaves it released.
    Ok(PyCapsule::new_with_value(py, stream, STREAM)?.into_any().unbind())
}

/// The worker threads: one per core.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16)
}

/// The row ranges a batch of `n` rows is cut into: one per worker (small batches: one), none
/// larger than [`MAX_CHUNK_ROWS`].
fn chunks(n: usize, workers: usize) -> Vec<std::ops::Range<usize>> {
    let parts = if n < 4096 { 1 } else { workers.max(n.div_ceil(MAX_CHUNK_ROWS)) };
    let size = n.div_ceil(parts.max(1)).max(1);
    (0..n).step_by(size).map(|s| s..(s + size).min(n)).collect()
}

/// Runs `work` over every chunk of every batch, `workers` chunks at a time, each worker with its
/// own state from `states`; results in input order.
fn run_chunks<S: Send, R: Send>(
    batches: &[RecordBatch],
    states: &mut [S],
    work: impl Fn(&mut S, &RecordBatch, u64, std::ops::Range<usize>) -> R + Sync,
) -> Vec<R> {
    let mut jobs: Vec<(usize, u64, std::ops::Range<usize>)> = Vec::new();
    let mut offset = 0u64;
    for (b, batch) in batches.iter().enumerate() {
        for r in chunks(batch.num_rows(), states.len()) {
            jobs.push((b, offset, r));
        }
        offset += batch.num_rows() as u64;
    }
    let mut results: Vec<Option<R>> = (0..jobs.len()).map(|_| None).collect();
    for (round, slots) in jobs.chunks(states.len()).zip(results.chunks_mut(states.len())) {
        let work = &work;
        std::thread::scope(|s| {
            let handles: Vec<_> = round
                .iter()
                .zip(states.iter_mut())
                .map(|((b, offset, r), state)| s.spawn(move || work(state, &batches[*b], *offset, r.clone())))
                .collect();
            for (slot, h) in slots.iter_mut().zip(handles) {
                *slot = Some(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            }
        });
    }
    results.into_iter().flatten().collect()
}

fn rejects_out(rejects: Vec<Reject>) -> Vec<PyReject> {
    rejects.into_iter().map(|r| (r.line, r.column, r.value, r.reason)).collect()
}

/// Prices every row of a table (an `arrow_array_stream` capsule) under one scenario. Returns the
/// result columns as a stream capsule (one row per input row, with a `priced` column), the rejects
/// and the scenario's law line.
#[pyfunction]
#[pyo3(signature = (stream, scenario, as_of=None, assume=Vec::new(), ranges=false, hts=None))]
fn price_stream(
    py: Python<'_>,
    stream: &Bound<'_, PyAny>,
    scenario: &str,
    as_of: Option<&str>,
    assume: Vec<String>,
    ranges: bool,
    hts: Option<PathBuf>,
) -> PyResult<(Py<PyAny>, Vec<PyReject>, String)> {
    let (schema, batches) = read_stream(stream)?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let table = FlowTable::new(&names).map_err(value_error)?;
    let readers = columns::plan(&schema).map_err(PyTypeError::new_err)?;
    let scenario = scenario.to_string();
    let as_of = as_of.map(str::to_string);
    let (out, rejects, law) = py
        .detach(move || -> Result<_, String> {
            let mfn = api::mfn_table(hts.as_deref())?;
            let engine = api::engine(&scenario, &mfn)?;
            let assumptions = api::assumptions(&assume)?;
            let as_of = api::as_of(as_of.as_deref())?;
            let mut pricers: Vec<RowPricer<'_>> =
                (0..workers()).map(|_| RowPricer::new(&engine, &table, &assumptions, ranges, as_of)).collect();
            let results = run_chunks(&batches, &mut pricers, |pricer, batch, offset, range| {
                let mut cols = RowColumns::new(batch, &readers);
                let mut out = ResultColumns::default();
                let mut rejects = Vec::new();
                for row in range {
                    let fields = cols.row(row);
                    if let Err(r) = pricer.price(offset + row as u64, &fields, &mut out) {
                        rejects.push(r);
                    }
                }
                (out, rejects)
            });
            let name = engine.scenario().name.clone();
            let schema = arrays::result_schema(!assumptions.is_empty(), ranges);
            let mut out = Vec::with_capacity(results.len());
            let mut all_rejects = Vec::new();
            for (cols, rejects) in results {
                out.push(arrays::result_batch(&schema, &name, cols)?);
                all_rejects.extend(rejects);
            }
            Ok(((schema, out), all_rejects, engine.scenario().law.line()))
        })
        .map_err(value_error)?;
    Ok((stream_capsule(py, out.0, out.1)?, rejects_out(rejects), law))
}

/// Compares scenarios over every row of a table: `compare --format csv`'s rows as a stream capsule,
/// the rejects, and each scenario's law line.
#[pyfunction]
#[pyo3(signature = (stream, scenarios, as_of=None, by=None, assume=Vec::new(), ranges=false, hts=None))]
#[allow(clippy::too_many_arguments)]
fn compare_stream(
    py: Python<'_>,
    stream: &Bound<'_, PyAny>,
    scenarios: Vec<String>,
    as_of: Option<&str>,
    by: Option<&str>,
    assume: Vec<String>,
    ranges: bool,
    hts: Option<PathBuf>,
) -> PyResult<(Py<PyAny>, Vec<PyReject>, Vec<String>)> {
    let (schema, batches) = read_stream(stream)?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let table = FlowTable::new(&names).map_err(value_error)?;
    let readers = columns::plan(&schema).map_err(PyTypeError::new_err)?;
    let by = by.map(GroupBy::parse).transpose().map_err(value_error)?;
    let as_of = as_of.map(str::to_string);
    let (out, rejects, laws) = py
        .detach(move || -> Result<_, String> {
            let mfn = api::mfn_table(hts.as_deref())?;
            let engines = api::engines(&scenarios, &mfn)?;
            let assumptions = api::assumptions(&assume)?;
            let as_of = api::as_of(as_of.as_deref())?;
            let mut states: Vec<Comparison<'_>> = (0..workers())
                .map(|_| Comparison::new(&engines, &table, &assumptions, ranges, as_of, by))
                .collect::<Result<_, _>>()?;
            let results = run_chunks(&batches, &mut states, |cmp, batch, offset, range| {
                let mut cols = RowColumns::new(batch, &readers);
                let mut rejects = Vec::new();
                for row in range {
                    let fields = cols.row(row);
                    if let Err(r) = cmp.add(offset + row as u64, &fields) {
                        rejects.push(r);
                    }
                }
                rejects
            });
            let (first, rest) = states.split_first_mut().ok_or("no worker")?;
            for s in rest.iter() {
                first.merge(s);
            }
            let rows = first.report()?;
            let batch = arrays::compare_batch(&rows, by, ranges && by.is_none())?;
            let laws = engines.iter().map(|e| e.scenario().law.line()).collect::<Vec<_>>();
            Ok(((batch.schema(), vec![batch]), results.into_iter().flatten().collect::<Vec<_>>(), laws))
        })
        .map_err(value_error)?;
    Ok((stream_capsule(py, out.0, out.1)?, rejects_out(rejects), laws))
}

/// `explain --format json` for one flow given as (column, value) pairs; the JSON text.
#[pyfunction]
#[pyo3(signature = (scenario, fields, hts=None, assume=Vec::new(), ranges=false))]
fn explain_json(
    py: Python<'_>,
    scenario: &str,
    fields: Vec<(String, String)>,
    hts: Option<PathBuf>,
    assume: Vec<String>,
    ranges: bool,
) -> PyResult<String> {
    let scenario = scenario.to_string();
    py.detach(move || {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        api::explain_json(&scenario, &pairs, hts.as_deref(), &assume, ranges).map(|v| v.to_string())
    })
    .map_err(value_error)
}

/// The bundled scenario names.
#[pyfunction]
fn bundled_scenarios() -> Vec<&'static str> {
    api::bundled_scenarios()
}

/// The module.
#[pymodule]
fn _tariffstack(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(price_stream, m)?)?;
    m.add_function(wrap_pyfunction!(compare_stream, m)?)?;
    m.add_function(wrap_pyfunction!(explain_json, m)?)?;
    m.add_function(wrap_pyfunction!(bundled_scenarios, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
