//! tariffstack: US import duties under tariff scenarios, to the cent, with citations.
pub mod app;
pub mod cli;
pub mod codes;
pub mod date;
pub mod engine;
pub mod explain_text;
pub mod flow;
pub mod hts_file;
pub mod mfn;
pub mod money;
pub mod rate_text;
pub mod report;
pub mod scenario;
pub mod units;
