//! The application: each verb reads its inputs, runs the engine, writes its outputs.
//! Errors are printed once, here, and mapped to the exit code.

mod batch;
mod compare;
pub(crate) mod explain;
mod fees;
mod hts;
mod io;
mod panel;
mod parquet_out;
mod refund;
mod run;
mod scenarios;
mod signals;
mod table;
pub(crate) mod totals;
mod warnings;

use crate::cli::{Cli, Command};
use crate::date::Date;
use crate::engine::Engine;
use crate::mfn::MfnTable;
use crate::scenario::{ScenarioError, ScenarioLoader, load_scenario};
use std::path::Path;
use std::sync::Arc;

/// A fatal error (exit 2), or a closed output pipe (a quiet success).
#[derive(Debug)]
pub enum AppError {
    /// Print the message, exit 2.
    Fatal(String),
    /// The reader of standard output went away (`| head`): stop quietly with success.
    BrokenPipe,
}

impl AppError {
    /// A fatal error with a message.
    pub fn fatal(message: impl Into<String>) -> AppError {
        AppError::Fatal(message.into())
    }

    /// A write error on `path`.
    pub fn write(path: &Path, e: &csv::Error) -> AppError {
        AppError::fatal(format!("cannot write {}: {e}", path.display()))
    }

    /// A write error on `path`; a broken pipe (the path is a pipe or `/dev/stdout` whose reader went
    /// away) ends the run quietly, as on standard output.
    pub fn write_io(path: &Path, e: std::io::Error) -> AppError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            AppError::BrokenPipe
        } else {
            AppError::fatal(format!("cannot write {}: {e}", path.display()))
        }
    }

    /// A write error on standard output (broken pipe is not an error).
    pub fn stdout(e: std::io::Error) -> AppError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            AppError::BrokenPipe
        } else {
            AppError::fatal(format!("cannot write to standard output: {e}"))
        }
    }
}

/// Runs a parsed command line; returns the process exit code.
pub(crate) fn run(cli: Cli) -> u8 {
    signals::install();
    let result = match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Compare(a) => compare::compare(&a),
        Command::Explain(a) => explain::explain(&a),
        Command::Scenarios(a) => scenarios::scenarios(&a),
        Command::Check(a) => scenarios::check(&a),
        Command::Hts(a) => hts::hts(&a),
        Command::Refund(a) => refund::refund(&a),
        Command::Panel(a) => panel::panel(&a),
    };
    match result {
        Ok(code) => code,
        Err(AppError::BrokenPipe) => 0,
        Err(AppError::Fatal(m)) => {
            eprintln!("error: {}", crate::text::escape_invisible(&m));
            2
        }
    }
}

/// Loads a scenario and builds its engine over the default MFN table.
pub(crate) fn engine_for(spec: &str, mfn: &Arc<MfnTable>) -> Result<Engine, AppError> {
    let scenario = load_scenario(spec).map_err(|e| AppError::fatal(format!("scenario: {e}")))?;
    Ok(Engine::new(Arc::new(scenario), Arc::clone(mfn)))
}

/// Loads several scenarios and builds their engines, in the order given: the files are read and
/// merged once each (the parent several variants extend is read and parsed once, and scenarios with
/// the same product lists share them), then the scenarios are compiled and indexed in parallel (one
/// thread each). The first error, in that order, is returned.
pub(crate) fn engines_for(specs: &[String], mfn: &Arc<MfnTable>) -> Result<Vec<Engine>, AppError> {
    let mut loader = ScenarioLoader::default();
    let merged: Vec<_> = specs.iter().map(|spec| loader.merge(spec)).collect();
    let loader = &loader;
    let error = |e: Box<ScenarioError>| AppError::fatal(format!("scenario: {e}"));
    std::thread::scope(|s| {
        let building: Vec<_> = merged
            .into_iter()
            .map(|m| {
                s.spawn(move || {
                    let scenario = loader.compile(m.map_err(error)?).map_err(error)?;
                    Ok(Engine::new(Arc::new(scenario), Arc::clone(mfn)))
                })
            })
            .collect();
        building
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(AppError::fatal("internal error: loading a scenario failed"))))
            .collect()
    })
}

/// The MFN table to price with: the official USITC HTS export given with `--hts`, else the embedded
/// default table.
pub(crate) fn mfn_table(hts: Option<&Path>) -> Result<Arc<MfnTable>, AppError> {
    match hts {
        Some(path) => MfnTable::from_hts_path(path).map(Arc::new).map_err(|e| AppError::fatal(format!("--hts: {e}"))),
        None => Ok(Arc::new(MfnTable::embedded())),
    }
}

/// Parses `--as-of`.
pub(crate) fn parse_as_of(text: Option<&str>) -> Result<Option<Date>, AppError> {
    text.map(|t| Date::parse(t).map_err(|e| AppError::fatal(format!("--as-of `{t}`: {e}")))).transpose()
}

/// The reconciliation line every run ends with.
pub(crate) fn reconcile(read: u64, assessed: u64, rejected: u64) -> Result<u8, AppError> {
    eprintln!("rows read: {read} = assessed {assessed} + rejected {rejected}");
    if read != assessed + rejected {
        return Err(AppError::fatal(format!(
            "internal error: {read} rows read but {assessed} + {rejected} accounted for"
        )));
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}
