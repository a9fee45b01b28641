//! The one integration-test binary. Modules by purpose:
//! - `util`: a temporary work directory and a runner for the `tariffstack` binary;
//! - `known_rates`: the worked known-rate cases (regression on the law), through the library and the binary;
//! - `scenario_errors`: scenario files with mistakes and the message each must give.

mod cli;
mod hts;
mod known_rates;
mod properties;
mod refund;
mod scenario_errors;
mod util;
