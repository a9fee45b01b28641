//! The `tariffstack` binary: parse the command line, run, map the outcome to an exit code.
//! Exit codes: 0 all rows assessed; 1 some rows rejected; 2 usage or fatal error.

fn main() -> std::process::ExitCode {
    tariffstack::cli_main()
}
