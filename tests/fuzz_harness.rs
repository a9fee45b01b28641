//! The code the fuzz targets run (`fuzz/fuzz_targets/*.rs` include this file), shared with the
//! stable regression test `fuzz_regressions`, so that a saved input is replayed exactly as the
//! fuzzer ran it. Each function takes the raw fuzz input and panics only on a real defect.
//!
//! - [`flow_row`]: a flow CSV through `FlowColumns`, then `Engine::assess` and `Engine::price`, which
//!   must agree (same totals and lines, or the same error).
//! - [`scenario_toml`]: a scenario text through `load_scenario_str`; a scenario that loads prices a
//!   few fixed flows on both paths.
//! - [`rate_text`]: an HTS rate text through `RateExpr::parse`, the special-column parsers and
//!   `Unit::parse`, and as rows of a USITC export through `HtsFile::from_bytes` and
//!   `MfnTable::from_hts_file`.
//! - [`refund_rows`]: flow rows with `ieepa_paid` through the refund of each line and its sums.
//! - [`scenario_refs`]: up to four scenario files that extend and include each other, loaded.

#![allow(dead_code)]

use rust_decimal::Decimal;
use std::sync::{Arc, OnceLock};
use tariffstack::codes::Program;
use tariffstack::codes::{Country, HtsCode};
use tariffstack::date::Date;
use tariffstack::engine::{Engine, Pricer};
use tariffstack::flow::Flow;
use tariffstack::flow::RowParser;
use tariffstack::flow::reader::{Chunk, RecordReader};
use tariffstack::hts_file::HtsFile;
use tariffstack::mfn::MfnTable;
use tariffstack::money::push_fixed;
use tariffstack::rate_text::{RateExpr, parse_special, parse_special_groups, special_for, special_group_for};
use tariffstack::reasons;
use tariffstack::refund::{LineRefund, RefundSums};
use tariffstack::result_columns::ResultColumnWriter;
use tariffstack::scenario::{bundled_names, load_scenario, load_scenario_str};
use tariffstack::units::Unit;

/// The header put before the rows when the first input byte is even (every flow column).
pub const FLOW_HEADER: &str = "hts,origin,entry_date,customs_value,quantity,quantity_unit,spi,us_content_value,\
loaded_date,mfn_rate,steel_content_value,aluminum_content_value,copper_content_value\n";

/// The header of a USITC export, put before the rows given to [`HtsFile::from_bytes`].
pub const HTS_HEADER: &str = "HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,\
Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties\n";

/// Rows read from one flow input at most.
const MAX_ROWS: usize = 200;

fn mfn() -> Arc<MfnTable> {
    static T: OnceLock<Arc<MfnTable>> = OnceLock::new();
    Arc::clone(T.get_or_init(|| Arc::new(MfnTable::embedded())))
}

/// An engine per bundled scenario, `historical` first; loaded once per process.
pub fn engines() -> &'static [Engine] {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        let mut names = bundled_names();
        names.sort_by_key(|n| *n != "historical");
        names.iter().map(|n| Engine::new(Arc::new(load_scenario(n).expect("bundled scenario")), mfn())).collect()
    })
}

/// Prices `flow` on both paths and checks that they agree, then formats the result as the
/// commands do.
pub fn check_flow(engine: &Engine, flow: &Flow, pricer: &mut Pricer<'_>) {
    let full = engine.assess(flow);
    let fast = pricer.price(flow).cloned();
    match (full, fast) {
        (Ok(a), Ok(priced)) => {
            assert_eq!(a.total_duty, priced.total_duty, "total: assess vs price for {flow:?}");
            assert_eq!(a.mfn_duty, priced.mfn_duty, "MFN: assess vs price for {flow:?}");
            assert_eq!(a.additional_duty, priced.additional_duty, "additional: assess vs price for {flow:?}");
            let lines: Vec<_> = a.applied().map(|(i, l)| (i, l.clone())).collect();
            assert_eq!(lines, priced.lines, "lines: assess vs price for {flow:?}");
            assert_eq!(a.warnings, priced.warnings, "warnings: assess vs price for {flow:?}");
            let sum: Decimal = lines.iter().map(|(_, l)| l.amount).sum::<Decimal>() + a.mfn_duty;
            assert_eq!(sum, a.total_duty, "total is not MFN + lines for {flow:?}");
            assert_eq!(a.total_duty.scale(), 2, "total has not two places for {flow:?}");
            assert!(!a.total_duty.is_sign_negative() || a.total_duty.is_zero(), "negative duty for {flow:?}");
            // Formatting, as `run` and `explain` do.
            let writer = ResultColumnWriter::new(engine);
            let (mut cols, mut cols2) = (Vec::new(), Vec::new());
            writer.append_assessment(engine, &a, &mut cols);
            writer.append_priced(engine, &priced, &mut cols2);
            assert_eq!(cols, cols2, "result columns: assess vs price for {flow:?}");
            let mut s = String::new();
            push_fixed(&mut s, a.total_duty, 2);
            if let Some(r) = a.effective_rate() {
                push_fixed(&mut s, r, 6);
            }
            for (i, st) in a.statuses.iter().enumerate() {
                s.push_str(&reasons::reason(engine, i, st, flow, &a));
                s.push_str(&reasons::short_state(engine, i, st, flow, &a));
                if let Some(l) = st.line() {
                    s.push_str(&reasons::rate_text(engine, i, l, &a));
                    s.push_str(engine.citation(i, l));
                }
            }
            std::hint::black_box(s);
        }
        (Err(x), Err(y)) => assert_eq!(x, y, "errors: assess vs price for {flow:?}"),
        (a, b) => panic!("assess and price disagree for {flow:?}: {:?} vs {b:?}", a.map(|a| a.total_duty)),
    }
}

/// Flow target: byte 0 chooses the header (even: [`FLOW_HEADER`] then the rest as rows; odd: the
/// rest is the whole CSV, header included) and the scenario (`byte0 >> 1`, `historical` = 0).
pub fn flow_row(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let owned;
    let bytes: &[u8] = if mode & 1 == 0 {
        owned = [FLOW_HEADER.as_bytes(), rest].concat();
        &owned
    } else {
        rest
    };
    let engines = engines();
    let engine = &engines[usize::from(mode >> 1) % engines.len()];
    // As `run` reads it: the chunked record reader (fed a few bytes at a time, so that records
    // are cut at odd places), the row parser, then the engine.
    let step = usize::from(mode >> 4).max(1);
    let source = Trickle { data: bytes.to_vec(), at: 0, step };
    let Ok(mut input) = RecordReader::from_reader(Box::new(source), "fuzz.csv".into()) else { return };
    let Ok(mut parser) = RowParser::with_delimiter(&input.header, input.delimiter) else { return };
    let mut pricer = Pricer::new(engine);
    let mut chunk = Chunk::default();
    let mut seen = 0;
    while seen < MAX_ROWS && matches!(input.fill(&mut chunk), Ok(true)) {
        for span in &chunk.spans {
            seen += 1;
            assert!(span.start <= span.end && span.end <= chunk.bytes.len());
            match parser.parse(&chunk, span) {
                Ok(row) => check_flow(engine, row.flow, &mut pricer),
                Err(e) => {
                    assert!(e.line >= 2, "a record after the header starts on line 2 or later");
                    std::hint::black_box(format!("{}: {} ({})", e.column, e.reason, e.value));
                }
            }
        }
    }
}

/// A reader that gives `step` bytes at a time.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl std::io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Fixed flows priced under every scenario the scenario target loads.
fn fixed_flows() -> Vec<Flow> {
    let f = |hts: &str, origin: &str, date: &str, value: i64| {
        Flow::new(
            HtsCode::parse(hts).unwrap(),
            Country::parse(origin).unwrap(),
            Date::parse(date).unwrap(),
            Decimal::new(value, 0),
        )
    };
    let mut v = vec![
        f("8703.23.01", "JP", "2025-04-16", 30000),
        f("7208.10.15", "CN", "2025-06-10", 10000),
        f("8479.50.00", "DE", "2026-03-01", 5000),
    ];
    let mut mx = f("8708.29.50", "MX", "2025-05-10", 1000);
    mx.spi = Some(Program::parse("S").unwrap());
    mx.us_content_value = Some(Decimal::new(300, 0));
    mx.steel_content_value = Some(Decimal::new(200, 0));
    mx.loaded_date = Some(Date::parse("2025-03-01").unwrap());
    v.push(mx);
    let mut wine = f("2204.21.50", "FR", "2025-08-20", 700);
    wine.mfn_rate = Some(RateExpr::parse("6.3¢/liter + 2%").unwrap());
    wine.quantity = Some(Decimal::new(90, 0));
    wine.quantity_unit = Unit::parse("liters");
    v.push(wine);
    v
}

/// Scenario target: the input as UTF-8 text is a scenario file `fuzz.toml`. Texts that name device
/// or process files are skipped (an `include` of `/dev/zero` would read forever).
pub fn scenario_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if ["/dev", "/proc", "/sys", "\\\\"].iter().any(|p| text.contains(p)) {
        return;
    }
    let Ok(s) = load_scenario_str("fuzz.toml", text) else { return };
    let engine = Engine::new(Arc::new(s), mfn());
    let mut pricer = Pricer::new(&engine);
    for flow in fixed_flows() {
        check_flow(&engine, &flow, &mut pricer);
    }
}

/// Rate target: the input as UTF-8 text through every rate-text reader, and as the body of a USITC
/// export (after [`HTS_HEADER`]).
pub fn rate_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for line in std::iter::once(text).chain(text.lines().take(20)) {
        rate_line(line);
    }
    let body = [HTS_HEADER.as_bytes(), data].concat();
    if let Ok(file) = HtsFile::from_bytes(&body, "fuzz.csv") {
        let c = file.coverage();
        std::hint::black_box((c.all_general_handled(), c.general.needs_rule_by_kind(), c.special.needs_rule_by_kind()));
        for i in 0..file.rows.len() {
            std::hint::black_box((file.rate_row(i), file.ancestry(i), file.short_path(i)));
            if let Some(h) = file.rows[i].hts {
                assert!(file.find(&h).is_some(), "row {i} not found by its own code");
            }
        }
        let table = MfnTable::from_hts_file(&file);
        // Rates are set at 8 or 10 digits (a 9-digit number, which the HTS does not have, is never looked up).
        for line in table.lines().iter().filter(|l| matches!(l.hts.len(), 8 | 10)) {
            assert!(table.lookup(&line.hts).is_ok(), "line {} not found in the table", line.hts);
        }
    }
}

fn rate_line(text: &str) {
    match RateExpr::parse(text) {
        Ok(r) => {
            std::hint::black_box((r.is_free(), r.is_specific(), r.specific_unit(), r.form(), r.to_string()));
            // The normalised text (what is displayed) reads back to the same rate.
            match RateExpr::parse(&r.text) {
                Ok(again) => assert!(
                    again.ad_valorem == r.ad_valorem && again.specific == r.specific,
                    "normalised text `{}` of `{text}` reads as another rate",
                    r.text
                ),
                Err(e) => panic!("normalised text `{}` of `{text}` does not read: {e}", r.text),
            }
            for p in &r.specific {
                for u in ["kg", "g", "t", "liters", "ml", "No.", "doz.", "m3", "Pb kg", "pf.liters"] {
                    let unit = Unit::parse(u).unwrap();
                    std::hint::black_box(unit.convert(Decimal::new(12345, 2), p.unit));
                }
                std::hint::black_box(p.unit.to_string());
            }
        }
        Err(e) => {
            std::hint::black_box((e.to_string(), e.kind.label(), e.kind.is_understood()));
        }
    }
    let groups = parse_special_groups(text);
    let specials = parse_special(text);
    for g in &groups {
        for p in &g.programs {
            assert!(special_group_for(&groups, p.as_str()).is_some());
            std::hint::black_box(special_for(&specials, p.as_str()));
        }
    }
    if let Some(u) = Unit::parse(text) {
        std::hint::black_box((u.to_string(), u.hts_name(), u.converts_to(Unit::Kilogram)));
    }
}

/// Refund target: the input as flow rows with an `ieepa_paid` column (byte 0 even: [`FLOW_HEADER`]
/// plus `ieepa_paid` is put first), each row priced under `historical` and `no-ieepa` and summed as
/// `refund` sums it: no panic, a refund never below zero, and sums that are exact or refused, never
/// wrong: the totals of all lines equal the totals of two halves merged.
pub fn refund_rows(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let owned;
    let bytes: &[u8] = if mode & 1 == 0 {
        owned = [FLOW_HEADER.trim_end().as_bytes(), b",ieepa_paid\n", rest].concat();
        &owned
    } else {
        rest
    };
    let engines = engines();
    let (Some(owed), Some(without)) = (
        engines.iter().find(|e| e.scenario().name == "historical"),
        engines.iter().find(|e| e.scenario().name == "no-ieepa"),
    ) else {
        panic!("bundled scenarios missing")
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let Ok(header) = rdr.byte_headers().cloned() else { return };
    let Ok(cols) = tariffstack::flow::FlowColumns::from_header(&header) else { return };
    let paid_col = header.iter().position(|h| h == b"ieepa_paid");
    let (mut pa, mut pb) = (Pricer::new(owed), Pricer::new(without));
    let (mut all, mut halves) = (RefundSums::default(), [RefundSums::default(), RefundSums::default()]);
    for (i, rec) in rdr.byte_records().take(MAX_ROWS).enumerate() {
        let Ok(rec) = rec else { continue };
        let Ok(flow) = cols.parse(&rec) else { continue };
        let paid = paid_col
            .and_then(|c| rec.get(c))
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| tariffstack::money::parse_amount(t).ok())
            .filter(|v| *v <= tariffstack::flow::max_amount());
        let (Ok(a), Ok(b)) = (pa.price(&flow).cloned(), pb.price(&flow).cloned()) else { continue };
        let line = LineRefund::compute(flow.customs_value, owed, &a, &b, paid);
        assert!(line.refund >= Decimal::ZERO, "negative refund for {flow:?}");
        all.add(&line);
        halves[i % 2].add(&line);
    }
    let [mut first, second] = halves;
    first.merge(&second);
    match (all.totals(), first.totals()) {
        (Some(x), Some(y)) => assert_eq!((x.refund, x.ieepa_paid, x.value), (y.refund, y.ieepa_paid, y.value)),
        (None, None) => {}
        (x, y) => panic!("sums disagree on exactness: {x:?} vs {y:?}"),
    }
}

/// Scenario-reference target: the input, split at NUL bytes, is up to four files `a.toml`,
/// `b.toml`, `sub/c.toml` and `sub/d.toml` in a fresh folder, and `a.toml` is loaded: whatever they
/// extend or include (cycles, `..`, absolute paths, links out of the folder), loading ends, and a
/// scenario that loads prices the fixed flows on both paths.
pub fn scenario_refs(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tariffstack-fuzz-refs-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("a temporary folder");
    for (name, body) in ["a.toml", "b.toml", "sub/c.toml", "sub/d.toml"].iter().zip(text.split('\0')) {
        std::fs::write(dir.join(name), body).expect("a temporary file");
    }
    let loaded = load_scenario(dir.join("a.toml").to_str().unwrap_or("a.toml"));
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(s) = loaded {
        let engine = Engine::new(Arc::new(s), mfn());
        let mut pricer = Pricer::new(&engine);
        for flow in fixed_flows() {
            check_flow(&engine, &flow, &mut pricer);
        }
    }
}
