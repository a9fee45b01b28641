//! The one integration-test binary. Modules by purpose:
//! - `util`: a temporary work directory and a runner for the `tariffstack` binary;
//! - `estimates`: the compliance answer, estimates under assumption sets, and ranges;
//! - `known_rates`: the worked known-rate cases (regression on the law), through the library and the binary;
//! - `scenario_errors`: scenario files with mistakes and the message each must give;
//! - `bad_inputs`: the catalogue of bad flow files (`tests/data/bad/`), each with its golden message;
//! - `es003`: files an importer already has: ACE ES-003 reports (CSV and Excel), `;` and tab flow files;
//! - `faults`: a run killed mid-way, unwritable output paths, a full disk;
//! - `fees`: `run --fees` (MPF per line and per entry, HMF by vessel);
//! - `outputs`: `run --format jsonl`, `--excel`, and an input that already holds result columns;
//! - `fuzz_regressions`: the inputs kept from fuzzing (`fuzz/`), replayed through the fuzz targets' code.
//! - `panel`: the dense rate panel (`panel`): known rates against `explain`, row counts, lines left out.
//! - `parquet`: Parquet in and out (`run`, `compare`, `refund`), typed columns, rejects by data row;
//! - `census`: Census trade data (the API's JSON, CSV) read as flows, country codes, entry days;
//! - `html_report`: `compare --format html` (static checks, a headless browser, a golden page) and `--by entry`.

mod bad_inputs;
mod census;
mod cli;
mod es003;
mod estimates;
mod faults;
mod fees;
mod fuzz_regressions;
mod html_report;
mod hts;
mod known_rates;
mod outputs;
mod panel;
mod parquet;
mod properties;
mod refund;
mod scenario_errors;
mod util;
