//! The two kinds of answer (`--assume`, `--ranges`): the compliance answer stays what CBP charges on
//! what a row declares; estimates fill what it lacks from named sets; ranges span what it leaves
//! unknown. Worked rows with their arithmetic, warnings with their counts, and properties of the span.

use crate::util::{Workdir, stderr, stdout};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use tariffstack::codes::{Country, HtsCode, Program};
use tariffstack::date::Date;
use tariffstack::engine::Engine;
use tariffstack::estimate::{Assumptions, Estimator, declarable};
use tariffstack::flow::Flow;
use tariffstack::mfn::MfnTable;
use tariffstack::scenario::load_scenario;

fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records().map(|x| h.iter().cloned().zip(x.unwrap().iter().map(str::to_string)).collect()).collect()
}

const ROWS: &str = "id,hts,origin,entry_date,customs_value,steel_content_value,aluminum_content_value,spi
makeup,3304.99.50.00,JP,2025-10-17,1000,,,
makeup_declared,3304.99.50.00,JP,2025-10-17,1000,10,5,
seats8,9401.61.60,CN,2025-11-01,1000,,,
seats10,9401.61.60.11,CN,2025-11-01,1000,,,
car_ca,8703.23.01.40,CA,2025-10-17,10000,,,
car_ca_claimed,8703.23.01.40,CA,2025-10-17,10000,,,S
";

fn run(w: &Workdir, extra: &[&str]) -> (BTreeMap<String, BTreeMap<String, String>>, String) {
    let mut args = vec!["run", "flows.csv", "--scenario", "historical"];
    args.extend_from_slice(extra);
    let o = w.run(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = records(&stdout(&o)).into_iter().map(|r| (r["id"].clone(), r)).collect();
    (rows, stderr(&o))
}

/// Make-up 3304.99.50 from Japan on 2025-10-17 is on both the steel and the aluminum derivative lists.
/// Without contents each metal's 50% is charged on the whole 1000 (1000.00, warned). With steel 10 and
/// aluminum 5 declared: 5.00 + 2.50, and the reciprocal 15% (inclusive of a Free column 1) on the
/// other 985 (U.S. note 2(v)(vii), (ix)): 147.75, total 155.25. Estimates: bea puts 0.95% steel and
/// 0.33% aluminum (4.75 + 1.65, and 15% of the other 987.20 = 148.08: 154.48); flat50 puts 50% of the
/// value into the two bases together (125.00 + 125.00 + 15% of 500 = 325.00), never more than the
/// value. A row's own columns win.
#[test]
fn a_derivative_row_with_and_without_content_and_under_each_set() {
    let w = Workdir::new();
    w.create("flows.csv", ROWS);
    let (plain, err) = run(&w, &[]);
    assert_eq!(plain["makeup"]["total_duty"], "1000.00");
    assert_eq!(plain["makeup_declared"]["total_duty"], "155.25");
    assert!(err.contains("warning: 1 rows are on two or more metal lists with no content declared"), "{err}");
    assert!(err.contains("answer: compliance"), "{err}");
    let (bea, err) = run(&w, &["--assume", "bea"]);
    assert_eq!((bea["makeup"]["total_duty"].as_str(), bea["makeup"]["answer"].as_str()), ("154.48", "estimate"));
    assert_eq!(bea["makeup"]["estimated"], "metal");
    assert_eq!(
        (bea["makeup_declared"]["total_duty"].as_str(), bea["makeup_declared"]["answer"].as_str()),
        ("155.25", "compliance")
    );
    assert!(err.contains("answer: estimate under assumptions bea for 1 rows (metal content 1)"), "{err}");
    let (flat, _) = run(&w, &["--assume", "flat50"]);
    assert_eq!(flat["makeup"]["total_duty"], "325.00");
    assert_eq!(flat["makeup_declared"]["total_duty"], "155.25");
}

/// A code of 8 digits that a measure splits at 10: 9401.61.60 from China is priced as outside the
/// timber measure (IEEPA 20% + reciprocal 10% + List 3 25% = 550.00), warned with the lines in scope;
/// its line 9401.61.60.11 is in it (timber 25% replaces the reciprocal duty: 700.00). With --ranges
/// the 8-digit row spans both (and the US content it does not give, which would lift the reciprocal
/// 10%: low 450.00).
#[test]
fn a_split_eight_digit_code_is_warned_and_spanned() {
    let w = Workdir::new();
    w.create("flows.csv", ROWS);
    let (plain, err) = run(&w, &[]);
    assert_eq!(plain["seats8"]["total_duty"], "550.00");
    assert_eq!(plain["seats10"]["total_duty"], "700.00");
    assert!(
        err.contains("1 rows of 9401.61.60: split by s232_timber (9401.61.60.11, 9401.61.60.31 in scope)"),
        "{err}"
    );
    let (r, err) = run(&w, &["--ranges"]);
    let s = &r["seats8"];
    assert_eq!(
        (s["total_duty_low"].as_str(), s["total_duty"].as_str(), s["total_duty_high"].as_str()),
        ("450.00", "550.00", "700.00")
    );
    assert_eq!(s["unknown"], "short_code;us_content");
    assert!(err.contains("range of the total duty over what the rows leave unknown: low "), "{err}");
}

/// A Canadian car without a USMCA claim pays MFN 2.5% (250) + Section 232 25% (2500) = 2750.00; with
/// the claim, 2500.00. --ranges spans the two; usmca-2025 estimates the claim share of 8703.23.01.40
/// from Canada at 99.93%: MFN 0.07% x 250 = 0.175 -> 0.18, total 2500.18.
#[test]
fn a_canadian_row_with_and_without_usmca() {
    let w = Workdir::new();
    w.create("flows.csv", ROWS);
    let (plain, _) = run(&w, &[]);
    assert_eq!(plain["car_ca"]["total_duty"], "2750.00");
    assert_eq!(plain["car_ca_claimed"]["total_duty"], "2500.00");
    let (r, _) = run(&w, &["--ranges"]);
    assert_eq!(
        (r["car_ca"]["total_duty_low"].as_str(), r["car_ca"]["total_duty_high"].as_str()),
        ("2500.00", "2750.00")
    );
    assert_eq!(
        (r["car_ca_claimed"]["total_duty_low"].as_str(), r["car_ca_claimed"]["total_duty_high"].as_str()),
        ("2500.00", "2500.00")
    );
    let (e, _) = run(&w, &["--assume", "usmca-2025"]);
    assert_eq!((e["car_ca"]["mfn_duty"].as_str(), e["car_ca"]["total_duty"].as_str()), ("0.18", "2500.18"));
    assert_eq!(e["car_ca_claimed"]["total_duty"], "2500.00");
}

/// A penalty branch marked `spanned = false` (aluminum smelted or cast in Russia, 9903.85.67) is priced
/// when declared but never widens a range: an Indian aluminum ingot (7601.10.30, 2025-08-01, MFN 2.6%)
/// owes 260.00 + 50% = 5260.00 and its range stays there, while `explain` still names the heading
/// (+15000.00: 200% in place of 50%).
#[test]
fn a_penalty_declaration_is_priced_when_declared_and_never_spanned() {
    let w = Workdir::new();
    w.create(
        "flows.csv",
        "id,hts,origin,entry_date,customs_value,declared\n\
         plain,7601.10.30,IN,2025-08-01,10000,\n\
         smelt,7601.10.30,IN,2025-08-01,10000,9903.85.67\n",
    );
    let (r, _) = run(&w, &["--ranges"]);
    let span = |id: &str| {
        (
            r[id]["total_duty"].clone(),
            r[id]["total_duty_low"].clone(),
            r[id]["total_duty_high"].clone(),
            r[id]["unknown"].clone(),
        )
    };
    assert_eq!(span("plain"), ("5260.00".into(), "5260.00".into(), "5260.00".into(), String::new()));
    assert_eq!(span("smelt"), ("20260.00".into(), "20260.00".into(), "20260.00".into(), String::new()));
    let o = w.run(
        &[
            "explain",
            "-s",
            "historical",
            "--hts",
            "7601.10.30",
            "--origin",
            "IN",
            "--date",
            "2025-08-01",
            "--value",
            "10000",
        ],
        "",
    );
    assert!(stdout(&o).contains("9903.85.67  +15000.00 (total 20260.00)"), "{}", stdout(&o));
}

#[test]
fn unknown_sets_and_two_metal_sets_are_refused() {
    let w = Workdir::new();
    w.create("flows.csv", ROWS);
    let o = w.run(&["run", "flows.csv", "-s", "historical", "--assume", "nope"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither a bundled assumption set (bea, flat50, usmca-2024, usmca-2025) nor a file"));
    let o = w.run(&["run", "flows.csv", "-s", "historical", "--assume", "bea", "--assume", "flat50"], "");
    assert!(stderr(&o).contains("at most one metal-content set"), "{}", stderr(&o));
}

/// compare gives low / central / high per scenario and names the answer.
/// `explain` names its answer: the lines are the compliance answer; `--assume` adds the estimate and
/// `--ranges` the span (make-up without contents: compliance 1000.00, both metals on the whole value;
/// bea 154.48; low 150.00, no metal at all and the reciprocal 15% on the whole 1000; high 1000.00).
#[test]
fn explain_names_its_answer_and_span() {
    let w = Workdir::new();
    let args = ["explain", "-s", "historical", "--hts", "3304.99.50.00", "--origin", "JP", "--date", "2025-10-17"];
    let plain = w.run(&[&args[..], &["--value", "1000"]].concat(), "");
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert!(stdout(&plain).contains("Answer     the duty lines above are the compliance answer"), "{}", stdout(&plain));
    let o = w.run(&[&args[..], &["--value", "1000", "--assume", "bea", "--ranges", "--format", "json"]].concat(), "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let a = &v["answer"];
    assert_eq!((a["kind"].as_str(), a["estimated"].as_str()), (Some("estimate"), Some("metal")), "{a}");
    assert_eq!(a["compliance_total_duty"], "1000.00");
    assert_eq!(a["central_total_duty"], "154.48");
    let d = |k: &str| a[k].as_str().unwrap().parse::<Decimal>().unwrap();
    assert_eq!((d("total_duty_low"), d("total_duty_high")), (Decimal::from(150), Decimal::from(1000)), "{a}");
    assert_eq!(a["unknown"], "metal");
}

#[test]
fn compare_reports_the_answer_and_the_span() {
    let w = Workdir::new();
    w.create("flows.csv", ROWS);
    let o = w.run(
        &[
            "compare",
            "flows.csv",
            "-s",
            "historical",
            "-s",
            "pause-expires",
            "--assume",
            "bea",
            "--ranges",
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["answer"]["kind"], "estimate");
    assert_eq!(v["answer"]["assumptions"][0]["name"], "bea");
    let s = &v["scenarios"][0];
    let d = |k: &str| s[k].as_str().unwrap().parse::<Decimal>().unwrap();
    assert!(d("total_duty_low") <= d("total_duty") && d("total_duty") <= d("total_duty_high"), "{s}");
}

fn engines() -> &'static Vec<Engine> {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        let mfn = Arc::new(MfnTable::embedded());
        ["historical", "deal-reached"]
            .iter()
            .map(|n| Engine::new(Arc::new(load_scenario(n).unwrap()), Arc::clone(&mfn)))
            .collect()
    })
}

fn codes() -> &'static Vec<HtsCode> {
    static C: OnceLock<Vec<HtsCode>> = OnceLock::new();
    C.get_or_init(|| MfnTable::embedded().lines().iter().map(|l| l.hts).collect())
}

const ORIGINS: [&str; 8] = ["JP", "CN", "CA", "MX", "DE", "KR", "VN", "GB"];

prop_compose! {
    fn arb_flow()(code in 0usize..10_000, origin in 0usize..ORIGINS.len(), day in 0i32..700, cents in 1u64..500_000_000, all_given in any::<bool>(), share in 0u64..=100) -> (Flow, bool) {
        let hts = codes()[code % codes().len()];
        let mut date = Date::parse("2025-01-01").unwrap();
        for _ in 0..day { date = date.succ(); }
        let value = Decimal::new(cents as i64, 2);
        let mut f = Flow::new(hts, Country::parse(ORIGINS[origin]).unwrap(), date, value);
        f.quantity = Some(Decimal::from(100));
        f.quantity_unit = MfnTable::embedded().lookup(&hts).ok().and_then(|l| l.unit);
        if all_given {
            let part = (value * Decimal::from(share) / Decimal::from(300)).round_dp(2);
            f.steel_content_value = Some(part);
            f.aluminum_content_value = Some(part);
            f.copper_content_value = Some(part);
            f.us_content_value = Some(Decimal::ZERO);
            if ORIGINS[origin] == "CA" || ORIGINS[origin] == "MX" {
                f.spi = Program::parse("S").ok();
            }
        }
        (f, all_given)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// low <= central <= high for every row, with and without estimates; a row that gives every fact
    /// (10-digit code, contents, US content, USMCA claim) and for which no declaration would change
    /// the duty has low = central = high, and the estimate equals the compliance answer.
    #[test]
    fn the_span_holds_the_central_figure_and_closes_when_every_fact_is_given((flow, all_given) in arb_flow()) {
        let none = Assumptions::default();
        let sets = Assumptions::load(&["bea".to_string(), "usmca-2025".to_string()]).unwrap();
        for engine in engines() {
            for a in [&none, &sets] {
                let mut est = Estimator::new(engine, a, true);
                let Ok(e) = est.estimate(&flow) else { continue };
                let (lo, c, hi) = (e.low, e.central.total_duty, e.high);
                prop_assert!(lo <= c && c <= hi, "{lo} {c} {hi}");
                let complete = all_given && flow.hts.len() == 10 && declarable(engine, &flow).is_empty();
                if complete {
                    prop_assert_eq!((lo, hi), (c, c), "{:?}", e.unknown);
                    prop_assert!(e.estimated.is_empty());
                }
            }
        }
    }
}
