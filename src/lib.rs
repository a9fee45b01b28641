//! tariffstack: US import duties under tariff scenarios, to the cent, with citations.
//!
//! # Data flow
//!
//! Scenario files (TOML, `scenarios/`) are loaded and checked once: [`scenario::load_scenario`] gives a
//! [`scenario::Scenario`] (measures with scopes, windows, relations, exemption headings), and
//! [`engine::Engine::new`] pairs it with an MFN table ([`mfn::MfnTable`]: the embedded default, or the
//! official USITC HTS file). Then, per row: a CSV record becomes a checked [`flow::Flow`] (or a reject
//! with its column and reason), and [`engine::Engine::assess`] prices it: the MFN line, then every
//! measure applied or not, with the reason, each line rounded half-up to the cent. The `tariffstack`
//! binary ([`app`]) streams files through this.
//!
//! # Example
//!
//! A Japanese car entered on 2025-04-16 pays MFN 2.5% and the Section 232 auto duty of 25%; the
//! reciprocal tariff is excluded because Section 232 applies:
//!
//! ```
//! use std::sync::Arc;
//! use tariffstack::codes::{Country, HtsCode};
//! use tariffstack::date::Date;
//! use tariffstack::engine::{Engine, Status};
//! use tariffstack::flow::Flow;
//! use tariffstack::mfn::MfnTable;
//! use tariffstack::scenario::load_scenario;
//!
//! let scenario = Arc::new(load_scenario("historical").unwrap());
//! let engine = Engine::new(scenario, Arc::new(MfnTable::embedded()));
//! let car = Flow::new(
//!     HtsCode::parse("8703.23.01").unwrap(),
//!     Country::parse("JP").unwrap(),
//!     Date::parse("2025-04-16").unwrap(),
//!     "30000".parse().unwrap(),
//! );
//! let a = engine.assess(&car).unwrap();
//! assert_eq!(a.mfn_duty.to_string(), "750.00");
//! assert_eq!(a.total_duty.to_string(), "8250.00");
//! let lines: Vec<_> = a.applied().map(|(i, l)| (engine.citation(i, l).to_string(), l.amount.to_string())).collect();
//! assert_eq!(lines, [("9903.94.01".to_string(), "7500.00".to_string())]);
//! let baseline = engine.scenario().measure_index("ieepa_reciprocal_baseline").unwrap();
//! assert!(matches!(a.statuses[baseline], Status::Excluded(_)));
//! ```
mod app;
mod cli;
pub mod codes;
pub mod date;
pub mod engine;
pub mod flow;
pub mod hts_file;
pub mod mfn;
pub mod money;
pub mod rate_text;
pub mod reasons;
pub mod result_columns;
pub mod scenario;
pub mod units;

/// The `tariffstack` command line: parses the process arguments, runs the command, and returns the
/// exit code (0 every row assessed; 1 some rows rejected; 2 usage or fatal error). The binary's
/// `main` is this call; the commands themselves are not part of the library's API.
pub fn cli_main() -> std::process::ExitCode {
    use clap::Parser;
    std::process::ExitCode::from(app::run(cli::Cli::parse()))
}
