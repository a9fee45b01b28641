//! Fuzz target `refund_rows`; the code it runs is shared with the stable regression test
//! `tests/fuzz_regressions.rs` (see `tests/fuzz_harness.rs`).
#![no_main]

#[path = "../../tests/fuzz_harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::refund_rows(data));
