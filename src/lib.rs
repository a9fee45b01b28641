//! tariffstack: US import duties under tariff scenarios, to the cent, with citations.
//!
//! # Data flow
//!
//! Scenario files (TOML, `scenarios/`) are loaded and checked once: [`scenario::load_scenario`] gives a
//! [`scenario::Scenario`] (measures with scopes, windows, relations, exemption headings), and
//! [`engine::Engine::new`] pairs it with an MFN table ([`mfn::MfnTable`]: the embedded default, or the
//! official USITC HTS file). Then, per row: a CSV record becomes a checked [`flow::Flow`] (or a
//! [`flow::Reject`] with its line, column and reason: [`flow::RowParser`] over [`flow::reader`]);
//! [`engine::Engine::assess`] prices it with every measure's status and reason, and
//! [`engine::Pricer::price`] gives the same totals and lines fast, for batches. Each line is rounded
//! half-up to the cent. The `tariffstack` binary ([`cli_main`]) streams files through this;
//! `docs/architecture.md` maps the modules and `docs/contracts.md` the columns and ids.
//!
//! # Example
//!
//! A Japanese car entered on 2025-04-16 pays MFN 2.5% and the Section 232 auto duty of 25%; the
//! reciprocal tariff is excluded because Section 232 applies:
//!
//! ```
//! use std::sync::Arc;
//! use tariffstack::engine::{Engine, Pricer, Status};
//! use tariffstack::flow::Flow;
//! use tariffstack::mfn::MfnTable;
//! use tariffstack::result_columns::ResultColumnWriter;
//! use tariffstack::scenario::load_scenario;
//!
//! let scenario = Arc::new(load_scenario("historical").unwrap());
//! let engine = Engine::new(scenario, Arc::new(MfnTable::embedded()));
//! // The same checks as a CSV row with these columns.
//! let car = Flow::check(&[
//!     ("hts", "8703.23.01"),
//!     ("origin", "JP"),
//!     ("entry_date", "2025-04-16"),
//!     ("customs_value", "30000"),
//! ])
//! .unwrap();
//!
//! // The full assessment: every measure's status, each applied line with its citation.
//! let a = engine.assess(&car).unwrap();
//! assert_eq!(a.mfn_duty.to_string(), "750.00");
//! assert_eq!(a.total_duty.to_string(), "8250.00");
//! let lines: Vec<_> = a.applied().map(|(i, l)| (engine.citation(i, l).to_string(), l.amount.to_string())).collect();
//! assert_eq!(lines, [("9903.94.01".to_string(), "7500.00".to_string())]);
//! let baseline = engine.scenario().measure_index("ieepa_reciprocal_baseline").unwrap();
//! assert!(matches!(a.statuses[baseline], Status::Excluded(_)));
//!
//! // The fast path, as `run` uses it (one pricer per thread), and `run`'s result columns.
//! let mut pricer = Pricer::new(&engine);
//! let priced = pricer.price(&car).unwrap();
//! assert_eq!(priced.total_duty, a.total_duty);
//! let mut columns = Vec::new();
//! ResultColumnWriter::new(&engine).append_priced(&engine, priced, &mut columns);
//! assert_eq!(String::from_utf8(columns).unwrap(), ",historical,750.00,7500.00,8250.00,0.275000,mfn;s232_autos,9903.94.01");
//!
//! // A value `run` would reject is refused the same way.
//! let late = Flow::check(&[
//!     ("hts", "8703.23.01"),
//!     ("origin", "JP"),
//!     ("entry_date", "2025-04-16"),
//!     ("customs_value", "30000"),
//!     ("loaded_date", "2025-04-20"),
//! ]);
//! assert_eq!(late.unwrap_err().column, "loaded_date");
//! ```
#![deny(missing_docs)]

pub mod api;
mod app;
mod cli;
pub mod codes;
pub mod date;
pub mod engine;
pub mod estimate;
pub mod fees;
pub mod files;
pub mod flow;
pub mod hts_file;
pub mod interest;
pub mod mfn;
pub mod money;
pub mod rate_text;
pub mod reasons;
pub mod refund;
pub mod result_columns;
pub mod scenario;
pub mod text;
pub mod units;

/// The `tariffstack` command line: parses the process arguments, runs the command, and returns the
/// exit code (0 every row assessed; 1 some rows rejected; 2 usage or fatal error). The binary's
/// `main` is this call; the commands themselves are not part of the library's API.
pub fn cli_main() -> std::process::ExitCode {
    use clap::Parser;
    std::process::ExitCode::from(app::run(cli::Cli::parse()))
}
