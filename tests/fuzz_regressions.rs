//! Fuzzing regressions, on stable Rust: every file under `tests/data/fuzz/<target>/` (the crash
//! inputs the fuzzer found, and a small set of inputs that reach new code) is run through the very
//! code of the fuzz target (`fuzz_harness.rs`, shared with `fuzz/fuzz_targets/`): no panic, and the
//! same invariants (`assess` and `price` agree, ...). To add a case, drop the file in the directory.

#[path = "fuzz_harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let mut failed = Vec::new();
    let files = inputs(target);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| run(&data)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{}: {msg}", path.display()));
        }
    }
    assert!(failed.is_empty(), "{} of {} {target} inputs fail:\n{}", failed.len(), files.len(), failed.join("\n"));
}

#[test]
fn flow_row_inputs() {
    replay("flow_row", harness::flow_row);
}

#[test]
fn scenario_toml_inputs() {
    replay("scenario_toml", harness::scenario_toml);
}

#[test]
fn rate_text_inputs() {
    replay("rate_text", harness::rate_text);
}

#[test]
fn refund_rows_inputs() {
    replay("refund_rows", harness::refund_rows);
}

#[test]
fn scenario_refs_inputs() {
    replay("scenario_refs", harness::scenario_refs);
}
