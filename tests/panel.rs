//! `panel`: the dense rate panel (every line x origin x date), end to end: known rates equal what
//! `explain` says, the row count and the accounting of lines left out, `--unit-value`, the columns.

use crate::util::{Workdir, stderr};
use rust_decimal::Decimal;
use std::str::FromStr;

const HEADER: &str = "date,hts,origin,mfn_rate_ad_valorem,additional_rate,total_rate,measures,law_as_of";

/// Runs `panel` with `args` into `panel.csv`; (exit code, rows without the header, stderr).
fn panel(args: &[&str]) -> (i32, Vec<Vec<String>>, String) {
    let w = Workdir::new();
    let mut all = vec!["panel", "-o", "panel.csv"];
    all.extend_from_slice(args);
    let out = w.command(&all).output().unwrap();
    let text = std::fs::read_to_string(w.path("panel.csv")).unwrap_or_default();
    let mut lines = text.lines();
    if out.status.code() != Some(2) {
        assert_eq!(lines.next(), Some(HEADER), "{}", stderr(&out));
    }
    let rows = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    (out.status.code().unwrap_or(-1), rows, stderr(&out))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("`{s}`: {e}"))
}

/// `explain --format json` of a flow at a customs value of 1,000,000.
fn explain(scenario: &str, hts: &str, origin: &str, date: &str) -> serde_json::Value {
    let w = Workdir::new();
    let args = ["explain", "-s", scenario, "--hts", hts, "--origin", origin, "--date", date, "--value", "1000000"];
    let out = w.command(&[&args[..], &["--format", "json"]].concat()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn find<'r>(rows: &'r [Vec<String>], date: &str, hts: &str, origin: &str) -> &'r Vec<String> {
    rows.iter()
        .find(|r| r[0] == date && r[1] == hts && r[2] == origin)
        .unwrap_or_else(|| panic!("no row {date} {hts} {origin}"))
}

#[test]
fn known_rates_equal_what_explain_says() {
    // See: Proclamation 10908 (Section 232 autos, 25% from 2025-04-03; 9903.94.01); MFN 2.5%.
    let dates = ["2025-04-10", "2025-10-01"];
    let (code, rows, err) = panel(&[
        "-s",
        "historical",
        "--date",
        dates[0],
        "--date",
        dates[1],
        "--origin",
        "JP",
        "--origin",
        "cn",
        "--origin",
        "DE",
    ]);
    assert_eq!(code, 0, "{err}");
    let car = find(&rows, "2025-04-10", "8703.23.01", "JP");
    assert_eq!(car[3..7], ["0.025", "0.25", "0.275", "mfn;s232_autos"]);
    assert_eq!(car[7], "2026-12-06", "the law-as-of date of the scenario");
    for date in dates {
        for origin in ["JP", "CN", "DE"] {
            for hts in ["8703.23.01", "9403.60.80", "7326.90.86", "0101.21.00"] {
                let row = find(&rows, date, hts, origin);
                let e = explain("historical", hts, origin, date);
                let total = dec(e["total_duty"].as_str().unwrap()) / dec("1000000");
                assert_eq!(dec(&row[5]), total, "{date} {hts} {origin}: {row:?}");
                assert_eq!(dec(&row[3]), dec(e["mfn_duty"].as_str().unwrap()) / dec("1000000"));
                let measures: Vec<&str> =
                    e["lines"].as_array().unwrap().iter().map(|l| l["measure"].as_str().unwrap()).collect();
                assert_eq!(row[6], measures.join(";"), "{date} {hts} {origin}");
            }
        }
    }
}

#[test]
fn every_line_origin_and_date_is_a_row_or_counted() {
    let (code, rows, err) = panel(&[
        "-s",
        "historical",
        "--date",
        "2025-04-10",
        "--date",
        "2026-03-01",
        "--origin",
        "JP",
        "--origin",
        "MX",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines = tariffstack::mfn::MfnTable::embedded().len();
    // Lines with a specific or compound MFN rate are left out without --unit-value, and counted.
    let specific = tariffstack::mfn::MfnTable::embedded()
        .lines()
        .iter()
        .filter(|l| l.general.as_ref().is_ok_and(|r| r.is_specific()))
        .count();
    assert!(specific > 0);
    assert_eq!(rows.len(), (lines - specific) * 2 * 2);
    let all = lines * 4;
    assert!(
        err.contains(&format!("rows: {all} = written {} + left out {} + not priced 0", rows.len(), specific * 4)),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "left out {specific} lines ({} rows) with a specific or compound MFN rate",
            specific * 4
        )),
        "{err}"
    );
    assert!(!rows.iter().any(|r| r[1] == "0201.10.10"), "4.4¢/kg is left out");
    // Rows come date by date, line by line, origin by origin.
    assert_eq!((&rows[0][0][..], &rows[0][2][..], &rows[1][2][..]), ("2025-04-10", "JP", "MX"));
    assert_eq!(rows.last().unwrap()[0], "2026-03-01");

    // With a unit value, every line is priced: lines x origins x dates rows.
    let (code, rows, err) = panel(&[
        "-s",
        "historical",
        "--date",
        "2025-04-10",
        "--date",
        "2026-03-01",
        "--origin",
        "JP",
        "--origin",
        "MX",
        "--unit-value",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows.len(), lines * 2 * 2, "{err}");
    // 4.4¢/kg at $2/kg is 2.2% ad valorem.
    assert_eq!(find(&rows, "2025-04-10", "0201.10.10", "JP")[3], "0.022");
}

#[test]
fn quiet_keeps_only_the_reconciliation_line() {
    let args = ["-s", "historical", "--date", "2025-04-10", "--origin", "JP"];
    let (code, rows, err) = panel(&args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("panel: ") && err.contains("left out"), "{err}");
    let mut quiet = args.to_vec();
    quiet.push("-q");
    let (code, quiet_rows, quiet_err) = panel(&quiet);
    assert_eq!(code, 0, "{quiet_err}");
    assert_eq!(quiet_rows, rows, "the same panel");
    let last = err.lines().last().unwrap();
    assert!(last.starts_with("rows: "), "{err}");
    assert_eq!(quiet_err.trim_end(), last, "only the reconciliation line under -q");
}

#[test]
fn all_origins_and_column_two() {
    let (code, rows, err) =
        panel(&["-s", "historical", "--date", "2025-06-01", "--origins", "all", "--unit-value", "1"]);
    let origins = tariffstack::codes::Country::all().count();
    let all = tariffstack::mfn::MfnTable::embedded().len() * origins;
    // Rows the engine refuses (a Column 2 rate that needs a rule, for the four Column 2 origins) are
    // counted, named with an example, and make the exit code 1, as rejected rows do in `run`.
    let refused = all - rows.len();
    assert_eq!(refused % 4, 0, "{err}");
    assert_eq!(code, if refused > 0 { 1 } else { 0 }, "{err}");
    assert!(
        err.contains(&format!("rows: {all} = written {} + left out 0 + not priced {refused}", rows.len())),
        "{err}"
    );
    assert!(refused == 0 || err.contains("2523.29.00 BY 2025-06-01: hts: goods of BY pay the Column 2 rate"), "{err}");
    // Russia: Column 2 in place of column 1 (9903.90.08/.09 for the rates in lieu of it).
    let ru = find(&rows, "2025-06-01", "8703.23.01", "RU");
    assert!(ru[6].starts_with("mfn;"), "{ru:?}");
    assert_ne!(ru[3], "0.025", "Column 2, not MFN: {ru:?}");
}

#[test]
fn bad_flags_are_refused() {
    let (code, _, err) = panel(&["-s", "historical", "--date", "2025-02-30"]);
    assert_eq!(code, 2);
    assert!(err.contains("--date `2025-02-30`"), "{err}");
    let (code, _, err) = panel(&["-s", "historical", "--date", "2025-04-10", "--origin", "XX"]);
    assert_eq!(code, 2);
    assert!(err.contains("--origin"), "{err}");
    let (code, _, err) = panel(&["-s", "historical", "--date", "2025-04-10", "--unit-value", "-1"]);
    assert_eq!(code, 2, "{err}");
}
