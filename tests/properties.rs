//! Property tests against simple models: the fast pricing path equals the full assessment; a total is
//! the sum of its lines; duty never falls when the value rises; an inclusive rate never yields less
//! than MFN nor more than its target when MFN is below it; pricing is deterministic and independent
//! of row order; money survives text round trips exactly; every row read is assessed or rejected.

use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use tariffstack::codes::Program;
use tariffstack::codes::{Country, HtsCode};
use tariffstack::date::Date;
use tariffstack::engine::{Engine, Pricer};
use tariffstack::flow::Flow;
use tariffstack::mfn::MfnTable;
use tariffstack::money::{parse_amount, push_fixed};
use tariffstack::scenario::{bundled_names, load_scenario, load_scenario_str};

fn engines() -> &'static Vec<Engine> {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        let mfn = Arc::new(MfnTable::embedded());
        bundled_names().iter().map(|n| Engine::new(Arc::new(load_scenario(n).unwrap()), Arc::clone(&mfn))).collect()
    })
}

fn table_codes() -> &'static Vec<HtsCode> {
    static C: OnceLock<Vec<HtsCode>> = OnceLock::new();
    C.get_or_init(|| MfnTable::embedded().lines().iter().map(|l| l.hts).collect())
}

const ORIGINS: [&str; 19] =
    ["JP", "CN", "CA", "MX", "DE", "FR", "GB", "KR", "VN", "IN", "BR", "CH", "TW", "HK", "AU", "SG", "RU", "BY", "CU"];

/// Headings a flow may declare: branches of the bundled scenarios (quota runs, end-use and claim
/// headings, certified parts, inclusive at-or-above headings).
const DECLARED: [&str; 12] = [
    "9903.81.31",
    "9903.85.27",
    "9903.81.85",
    "9903.82.23",
    "9903.82.24",
    "9903.82.26",
    "9903.96.03",
    "9903.05.89",
    "9903.91.13",
    "9903.92.80",
    "9903.94.55",
    "9903.04.67",
];

prop_compose! {
    fn arb_flow()(
        code in 0usize..10_000,
        origin in 0usize..ORIGINS.len(),
        day in 0i32..700,
        cents in 0u64..5_000_000_000,
        qty in 1u64..100_000,
        spi in prop::option::of(prop::sample::select(vec!["S", "KR", "JP", "C", "A"])),
        us_pct in prop::option::of(0u64..=100),
        loaded_back in prop::option::of(0i32..40),
        steel_pct in prop::option::of(0u64..=100),
        own_mfn in prop::option::weighted(0.1, 0u64..=30),
        declared in prop::option::weighted(0.3, prop::sample::select(DECLARED.to_vec())),
    ) -> Flow {
        let codes = table_codes();
        let hts = codes[code % codes.len()];
        let date = {
            let mut d = Date::parse("2025-01-01").unwrap();
            for _ in 0..day { d = d.succ(); }
            d
        };
        let value = Decimal::new(cents as i64, 2);
        let mut f = Flow::new(hts, Country::parse(ORIGINS[origin]).unwrap(), date, value);
        f.quantity = Some(Decimal::from(qty));
        f.quantity_unit = MfnTable::embedded_unit(&hts);
        f.spi = spi.map(|p| Program::parse(p).unwrap());
        f.us_content_value = us_pct.map(|p| (value * Decimal::from(p) / Decimal::from(100)).round_dp(2));
        f.steel_content_value = steel_pct.map(|p| (value * Decimal::from(p) / Decimal::from(100)).round_dp(2));
        f.loaded_date = loaded_back.map(|b| { let mut d = date; for _ in 0..b { d = d.pred(); } d });
        f.mfn_rate = own_mfn.map(|p| tariffstack::rate_text::RateExpr::parse(&format!("{p}%")).unwrap());
        if let Some(h) = declared {
            f.declared = tariffstack::codes::Declared::parse(h).unwrap();
        }
        f
    }
}

trait EmbeddedUnit {
    fn embedded_unit(hts: &HtsCode) -> Option<tariffstack::units::Unit>;
}

impl EmbeddedUnit for MfnTable {
    fn embedded_unit(hts: &HtsCode) -> Option<tariffstack::units::Unit> {
        static T: OnceLock<MfnTable> = OnceLock::new();
        T.get_or_init(MfnTable::embedded).lookup(hts).ok().and_then(|l| l.unit)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The per-row fast path gives exactly the full assessment's lines and totals, in every scenario,
    /// on the row that puts its code in the memo and on a row that finds it there.
    #[test]
    fn fast_path_equals_full_assessment(flow in arb_flow()) {
        for e in engines() {
            let mut pricer = Pricer::new(e);
            match (e.assess(&flow), pricer.price(&flow).cloned()) {
                (Ok(a), Ok(p)) => {
                    prop_assert_eq!(a.total_duty, p.total_duty);
                    prop_assert_eq!(a.mfn_duty, p.mfn_duty);
                    let lines: Vec<_> = a.applied().map(|(i, l)| (i, l.clone())).collect();
                    prop_assert_eq!(&lines, &p.lines);
                    prop_assert_eq!(&a.warnings, &p.warnings);
                    prop_assert_eq!(a.base_rule(), p.base_rule);
                    // Again, the code now remembered: the same pricing.
                    let again = pricer.price(&flow);
                    prop_assert!(again.is_ok());
                    let again = again.unwrap();
                    prop_assert_eq!((again.mfn_duty, again.total_duty), (p.mfn_duty, p.total_duty));
                    prop_assert_eq!(&again.lines, &lines);
                }
                (Err(x), Err(y)) => prop_assert_eq!(x, y),
                (a, b) => prop_assert!(false, "paths disagree: {:?} vs {:?}", a.map(|a| a.total_duty), b),
            }
        }
    }

    /// The total is MFN plus the sum of the rounded lines; every line has exactly two places.
    #[test]
    fn total_is_the_sum_of_the_lines(flow in arb_flow()) {
        for e in engines() {
            if let Ok(a) = e.assess(&flow) {
                let sum: Decimal = a.applied().map(|(_, l)| l.amount).sum::<Decimal>() + a.mfn_duty;
                prop_assert_eq!(sum, a.total_duty);
                prop_assert_eq!(a.total_duty.scale(), 2);
                prop_assert!(a.total_duty >= Decimal::ZERO);
            }
        }
    }

    /// Raising the customs value (all else equal) never lowers the duty.
    #[test]
    fn duty_never_falls_when_the_value_rises(flow in arb_flow(), extra in 1u64..10_000_000) {
        let mut more = flow.clone();
        more.customs_value += Decimal::new(extra as i64, 2);
        for e in engines() {
            if let (Ok(a), Ok(b)) = (e.assess(&flow), e.assess(&more)) {
                prop_assert!(b.total_duty >= a.total_duty, "{}: {} then {}", e.scenario().name, a.total_duty, b.total_duty);
            }
        }
    }

    /// Pricing is deterministic and does not depend on what was priced before (row order).
    #[test]
    fn pricing_is_independent_of_row_order(flows in prop::collection::vec(arb_flow(), 1..30)) {
        let e = &engines()[0];
        let price_all = |fs: &[Flow]| -> Decimal {
            let mut pricer = Pricer::new(e);
            fs.iter().filter_map(|f| pricer.price(f).ok().map(|p| p.total_duty)).sum()
        };
        let mut reversed = flows.clone();
        reversed.reverse();
        prop_assert_eq!(price_all(&flows), price_all(&reversed));
    }

    /// Money written with two places reads back to the same number, and no float is involved.
    #[test]
    fn money_round_trips_exactly(units in 0u64..u64::MAX / 4, scale in 0u32..6) {
        let v = Decimal::from_i128_with_scale(units as i128, scale);
        let mut text = String::new();
        push_fixed(&mut text, v, scale);
        prop_assert_eq!(parse_amount(&text).unwrap(), v);
        prop_assert_eq!(Decimal::from_str(&text).unwrap(), v);
    }
}

const INCLUSIVE: &str = r#"
[scenario]
name = "inclusive"
title = "one inclusive measure"

[[measure]]
id = "deal"
title = "15% inclusive of MFN"
source = "test"
products = { include = ["*"] }
origins = { include = ["*"] }
in_force = [{ from = "2025-01-01" }]
  [[measure.rate]]
  citation = "9903.02.73"
  inclusive = "15%"
  citation_at_or_above = "9903.02.72"
"#;

proptest! {
    /// An inclusive target never yields less than MFN, nor (with MFN below it) more than the target.
    #[test]
    fn inclusive_target_bounds(cents in 1u64..1_000_000_000, mfn_bp in 0u32..4000) {
        static E: OnceLock<Engine> = OnceLock::new();
        let e = E.get_or_init(|| Engine::new(Arc::new(load_scenario_str("inclusive.toml", INCLUSIVE).unwrap()), Arc::new(MfnTable::embedded())));
        let value = Decimal::new(cents as i64, 2);
        let mut f = Flow::new(HtsCode::parse("8479.50.00").unwrap(), Country::parse("JP").unwrap(), Date::parse("2025-10-01").unwrap(), value);
        let mfn_rate = Decimal::new(i64::from(mfn_bp), 2);
        f.mfn_rate = Some(tariffstack::rate_text::RateExpr::parse(&format!("{mfn_rate}%")).unwrap());
        let a = e.assess(&f).unwrap();
        prop_assert!(a.total_duty >= a.mfn_duty);
        let target = (value * Decimal::new(15, 2)).round_dp(2);
        if a.mfn_duty < target {
            prop_assert!(a.total_duty <= target + Decimal::new(1, 2), "{} > {}", a.total_duty, target);
        } else {
            prop_assert_eq!(a.total_duty, a.mfn_duty);
        }
    }
}

/// Every row read is assessed or rejected, on files with random bad rows (through the binary).
#[test]
fn rows_read_equal_rows_assessed_plus_rejected() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let row = prop::sample::select(vec![
        "8703.23.01,JP,2025-04-16,30000",
        "8703.23.01,JP,2025-02-30,30000",
        "8703.23.01,XX,2025-04-16,30000",
        "8703.23.01,JP,2025-04-16,-5",
        "9999.99.99,JP,2025-04-16,100",
        "0201.30.50,JP,2025-04-16,100",
        "8703.23.01,JP,2025-04-16",
        "\"8479.50.00\",\"JP\",\"2025-04-16\",\"1,000.00\"",
        "8479.50.00,jp,2025-04-16,1000.50",
    ]);
    for _ in 0..12 {
        let rows = prop::collection::vec(row.clone(), 0..40).new_tree(&mut runner).unwrap().current();
        let input = format!("hts,origin,entry_date,customs_value\n{}\n", rows.join("\n"));
        let wd = crate::util::Workdir::new();
        let out = wd.run(&["run", "-s", "historical", "-q"], &input);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let line = stderr.lines().find(|l| l.starts_with("rows read:")).expect("reconciliation line");
        let nums: Vec<u64> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|t| t.parse().ok()).collect();
        assert_eq!(nums[0], rows.len() as u64, "{line}");
        assert_eq!(nums[0], nums[1] + nums[2], "{line}");
        let written = String::from_utf8_lossy(&out.stdout).lines().count() as u64 - 1;
        assert_eq!(written, nums[1], "rows written = rows assessed");
        assert_eq!(out.status.code(), Some(if nums[2] > 0 { 1 } else { 0 }));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Every running sum (MoneySum, under every command's totals) never panics, whatever it is given
    /// (amounts up to Decimal::MAX, any scale), and is either exact (the Decimal sum, the largest
    /// scale added) or refused: never a rounded or wrapped number. Split in two and merged, it gives
    /// the same.
    #[test]
    fn running_sums_are_exact_or_refused(
        amounts in prop::collection::vec((any::<u64>(), any::<u32>(), 0u32..29, any::<bool>()), 0..40)
    ) {
        use tariffstack::money::MoneySum;
        let values: Vec<Decimal> = amounts
            .iter()
            .map(|&(lo, hi, scale, huge)| {
                let hi = if huge { hi } else { hi % 4 };
                Decimal::from_parts(lo as u32, (lo >> 32) as u32, hi, false, scale)
            })
            .collect();
        let (mut sum, mut halves) = (MoneySum::default(), [MoneySum::default(), MoneySum::default()]);
        let mut reference = Some(Decimal::ZERO);
        let mut scale = 0;
        for (i, v) in values.iter().enumerate() {
            sum.add(*v);
            halves[i % 2].add(*v);
            reference = reference.and_then(|r| r.checked_add(*v));
            scale = scale.max(v.scale());
        }
        let [mut first, second] = halves;
        first.add_sum(&second);
        if let Some(got) = sum.value() {
            let want = reference.expect("an exact sum where Decimal overflows");
            prop_assert_eq!(got, want);
            prop_assert_eq!(got.scale(), scale);
        }
        prop_assert_eq!(first.value().is_some(), sum.value().is_some());
        if let (Some(a), Some(b)) = (first.value(), sum.value()) {
            prop_assert_eq!(a, b);
        }
    }
}

/// Every bundled scenario and the sweep variants of `tests/data/sweep` (rates, dates, origins,
/// exemptions, claims, relations changed; a measure added, measures removed, a list redefined, a
/// base rate added, a freeze), loaded together as `compare` loads them, with `reference` first.
fn sweep_engines(reference: &str) -> Vec<Engine> {
    let mfn = Arc::new(MfnTable::embedded());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sweep");
    let mut specs: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    specs.sort();
    specs.extend(bundled_names().iter().map(|n| n.to_string()));
    let at = specs.iter().position(|s| s.ends_with(reference)).unwrap();
    let first = specs.remove(at);
    specs.insert(0, first);
    let mut loader = tariffstack::scenario::ScenarioLoader::default();
    specs.iter().map(|s| Engine::new(Arc::new(loader.load(s).unwrap()), Arc::clone(&mfn))).collect()
}

fn sweeps() -> &'static Vec<(Vec<Engine>, tariffstack::engine::Sweep)> {
    static S: OnceLock<Vec<(Vec<Engine>, tariffstack::engine::Sweep)>> = OnceLock::new();
    S.get_or_init(|| {
        ["historical", "jp-10.toml", "status-quo"]
            .iter()
            .map(|r| {
                let engines = sweep_engines(r);
                let sweep = tariffstack::engine::Sweep::new(&engines);
                (engines, sweep)
            })
            .collect()
    })
}

/// Prices `flow` under every engine of a sweep, with the sweep's reuse and with one pricer per
/// engine, and checks that the two agree on every engine (result or refusal); returns how many
/// engines took the reference's answer.
fn check_sweep(engines: &[Engine], sweep: &tariffstack::engine::Sweep, flow: &Flow) -> usize {
    let mut together = tariffstack::engine::SweepPricer::new(sweep, engines);
    let result = together.price(flow);
    let mut reused = 0;
    for (k, e) in engines.iter().enumerate() {
        let alone = Pricer::new(e).price(flow).map(|p| format!("{p:?}"));
        match &result {
            Err((at, err)) if *at == k => {
                assert_eq!(alone, Err(err.clone()), "{} {flow:?}", e.scenario().name);
                break;
            }
            Err((at, _)) if *at < k => break,
            _ => {
                assert_eq!(Ok(format!("{:?}", together.priced(k))), alone, "{} {flow:?}", e.scenario().name);
                reused += usize::from(together.reused(k));
            }
        }
    }
    reused
}

/// The sweep's reuse gives every scenario the answer of its own pricing, on a grid of flows over
/// the codes the variants change (autos, chips, wine, pharmaceuticals, steel), the table's codes,
/// the origins they change and every week of 2025-2026.
#[test]
fn a_sweep_prices_every_variant_as_alone() {
    let special = [
        "8703.23.01",
        "8704.31.01",
        "8542.31.00",
        "8541.43.00",
        "2204.21.50",
        "3004.90.92",
        "7208.10.15",
        "8479.50.00",
    ];
    let mut codes: Vec<HtsCode> = special.iter().map(|c| HtsCode::parse(c).unwrap()).collect();
    codes.extend(table_codes().iter().step_by(7).copied());
    let origins = ["JP", "DE", "FR", "CN", "HK", "CA", "MX", "KR", "GB", "VN", "BR", "IN", "RU", "CH"];
    for (engines, sweep) in sweeps() {
        let aligned = (1..engines.len()).filter(|&k| sweep.aligned(k)).count();
        // Under `status-quo` (a freeze date) no variant aligns: every one is priced in full.
        let frozen = engines[0].scenario().freeze_on.is_some();
        assert!(if frozen { aligned == 0 } else { aligned >= 14 }, "{} aligned of {}", aligned, engines.len());
        let (mut rows, mut reused) = (0usize, 0usize);
        let mut n = 0u64;
        for (ci, code) in codes.iter().enumerate() {
            for (oi, origin) in origins.iter().enumerate() {
                // A pseudo-random walk over dates, claims, US content and values.
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407 + (ci * 31 + oi) as u64);
                let mut date = Date::parse("2025-01-01").unwrap();
                for _ in 0..(n >> 33) % 730 {
                    date = date.succ();
                }
                let value = Decimal::new(((n >> 20) % 10_000_000) as i64, 2);
                let mut f = Flow::new(*code, Country::parse(origin).unwrap(), date, value);
                f.quantity = Some(Decimal::from(1 + (n >> 40) % 1000));
                f.quantity_unit = MfnTable::embedded_unit(code);
                f.spi = match (n >> 50) % 6 {
                    0 => Some(Program::parse("S").unwrap()),
                    1 => Some(Program::parse("KR").unwrap()),
                    _ => None,
                };
                if (n >> 54).is_multiple_of(5) {
                    f.us_content_value = Some((value * Decimal::new(25, 2)).round_dp(2));
                }
                if (n >> 57).is_multiple_of(7) {
                    f.declared = tariffstack::codes::Declared::parse(DECLARED[(n % 12) as usize]).unwrap();
                }
                reused += check_sweep(engines, sweep, &f);
                rows += 1;
            }
        }
        assert!(frozen || reused > rows, "{reused} answers reused over {rows} rows");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Likewise on the flows of the other properties (own MFN rates, steel content, loading dates,
    /// declarations).
    #[test]
    fn a_sweep_agrees_with_pricing_each_variant(flow in arb_flow()) {
        for (engines, sweep) in sweeps() {
            check_sweep(engines, sweep, &flow);
        }
    }
}
