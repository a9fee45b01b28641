//! The `tariffstack` binary: parse the command line, run, map the outcome to an exit code.
//! Exit codes: 0 all rows assessed; 1 some rows rejected; 2 usage or fatal error.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tariffstack::cli::Cli::parse();
    ExitCode::from(tariffstack::app::run(cli))
}
