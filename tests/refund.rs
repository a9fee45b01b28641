//! `refund` end to end on entries across 2025 and 2026, with totals checked by hand:
//! - E100 robot, JP, 2025-04-16, 100,000: 10% baseline = 10,000 refunded; the car beside it owed
//!   Section 232 only (no IEEPA): 0.
//! - E200 green tea, JP, 2025-10-01, 10,000: the Japan deal tops MFN 6.4% up to 15% (860.00), but
//!   1,500.00 was deposited: flagged; 1,500.00 refunded (none of it is owed without IEEPA).
//! - E300 steel, CA, 2025-05-01, 100,000: the Canada IEEPA duty (25%) had priority over 232 steel (EO
//!   14289); without IEEPA the 232 duty (25%) is owed: refund 0.
//! - E400 coat, JP, 2026-03-10: after the ruling (Section 122 instead): 0.
//! - E500 toys, CN, 2025-04-15, 10,000: fentanyl 20% + reciprocal 125% = 14,500 (no Section 301:
//!   List 4B); furniture, CN, 2025-06-01, 1,000: fentanyl 200 + reciprocal 100 = 300 (List 3 stays).
//! - E600: an impossible date, rejected (line 9).
//!
//! Totals: refund 26,300.00; by entry E100 10,000, E200 1,500, E300 0, E400 0, E500 14,800; by
//! origin CA 0, CN 14,800, JP 11,500; by month 2025-04 24,500, 2025-05 0, 2025-06 300, 2025-10
//! 1,500, 2026-03 0.

use crate::util::{Workdir, data, stderr, stdout};
use std::collections::BTreeMap;

/// The report rows keyed by (by, group), the per-line file, the exit code and standard error.
type Report = (BTreeMap<(String, String), Vec<String>>, String, Option<i32>, String);

fn report() -> Report {
    let wd = Workdir::new();
    let out = wd
        .command(&["refund", data("refund-entries.csv").to_str().unwrap(), "--format", "csv", "--lines", "lines.csv"])
        .output()
        .unwrap();
    let mut rows = BTreeMap::new();
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    for r in rdr.records() {
        let r = r.unwrap();
        rows.insert((r[0].to_string(), r[1].to_string()), r.iter().skip(2).map(str::to_string).collect());
    }
    let lines = std::fs::read_to_string(wd.path("lines.csv")).unwrap();
    (rows, lines, out.status.code(), stderr(&out))
}

#[test]
fn refund_totals_per_entry_origin_and_month() {
    let (rows, _, code, err) = report();
    let refund = |by: &str, g: &str| rows[&(by.to_string(), g.to_string())][4].clone();
    assert_eq!(rows[&("total".into(), String::new())][4], "26300.00");
    assert_eq!(refund("entry", "E100"), "10000.00");
    assert_eq!(refund("entry", "E200"), "1500.00");
    assert_eq!(refund("entry", "E300"), "0.00");
    assert_eq!(refund("entry", "E400"), "0.00");
    assert_eq!(refund("entry", "E500"), "14800.00");
    assert_eq!(refund("origin", "CA"), "0.00");
    assert_eq!(refund("origin", "CN"), "14800.00");
    assert_eq!(refund("origin", "JP"), "11500.00");
    assert_eq!(refund("month", "2025-04"), "24500.00");
    assert_eq!(refund("month", "2025-06"), "300.00");
    assert_eq!(refund("month", "2025-10"), "1500.00");
    assert_eq!(refund("month", "2026-03"), "0.00");
    assert_eq!(rows[&("total".into(), String::new())][5], "1", "one line flagged");
    assert_eq!(code, Some(1), "one row rejected");
    assert!(err.contains("rows read: 8 = assessed 7 + rejected 1"), "{err}");
}

#[test]
fn refund_lines_flag_a_deposit_that_differs_from_the_law() {
    let (_, lines, _, _) = report();
    let mut rdr = csv::Reader::from_reader(lines.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7);
    let tea = rows.iter().find(|r| &r[col("hts")] == "0902.10.10").unwrap();
    assert_eq!(&tea[col("ieepa_duty")], "860.00");
    assert_eq!(&tea[col("ieepa_deposited")], "1500.00");
    assert!(tea[col("flag")].contains("paid 1500.00 but historical computes 860.00"));
    let steel = rows.iter().find(|r| &r[col("hts")] == "7208.51.00").unwrap();
    assert_eq!(
        (&steel[col("ieepa_duty")], &steel[col("total_no_ieepa")], &steel[col("refund")]),
        ("25000.00", "25000.00", "0.00")
    );
}

/// Declared amounts are bounded like customs values: an `ieepa_paid` too large to sum exactly is
/// rejected with its place (it once overflowed the totals and panicked, exit 101, with no
/// reconciliation line); amounts up to the bound sum exactly.
#[test]
fn huge_declared_amounts_are_rejected_not_panicked() {
    let w = Workdir::new();
    let mut csv = String::from("entry_number,hts,origin,entry_date,customs_value,ieepa_paid\n");
    for _ in 0..3 {
        csv.push_str("E1,9403.60.80,CN,2025-05-01,1000,9999999999999999999999999999\n");
    }
    csv.push_str("E2,9403.60.80,CN,2025-05-01,1000,999999999999999\n");
    csv.push_str("E2,9403.60.80,CN,2025-05-01,1000,999999999999999\n");
    w.create("entries.csv", &csv);
    let o = w.run(&["refund", "entries.csv", "--format", "csv"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("rows read: 5 = assessed 2 + rejected 3"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "column `ieepa_paid`: IEEPA duty paid 9999999999999999999999999999 is above the largest amount priced"
        ),
        "{}",
        stderr(&o)
    );
    let total = stdout(&o).lines().find(|l| l.starts_with("total,")).unwrap_or_default().to_string();
    assert!(total.contains(",1999999999999998.00,"), "the deposits sum exactly: {total}");
}

/// Interest (19 U.S.C. 1505(c)) on E100's refund: 10,000.00 deposited on the entry date 2025-04-16 (no
/// deposit_date column), 274 days to 2026-01-15 at the 7% non-corporate rate of 2025 Q2-2026 Q1,
/// compounded daily: 10,000 x ((1 + 0.07/365)^274 - 1) = 539.4778 -> 539.48 (computed independently).
/// A deposit_date column moves the start; a later date past 2026-03-31 (no rate read) gives a lower
/// bound, said so per line and in the report.
#[test]
fn refund_interest_from_deposit_to_liquidation() {
    let wd = Workdir::new();
    let entries = data("refund-entries.csv");
    let out = wd
        .command(&[
            "refund",
            entries.to_str().unwrap(),
            "--format",
            "csv",
            "--interest-to",
            "2026-01-15",
            "--lines",
            "l.csv",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(rdr.headers().unwrap().iter().next_back(), Some("interest"));
    let e100 = rdr.records().map(Result::unwrap).find(|r| &r[0] == "entry" && &r[1] == "E100").unwrap();
    assert_eq!(&e100[8], "539.48");
    let lines = std::fs::read_to_string(wd.path("l.csv")).unwrap();
    assert!(lines.lines().next().unwrap().ends_with(",flag,interest,interest_accrual"));
    assert!(lines.lines().nth(1).unwrap().ends_with(",539.48,complete"), "{lines}");
    // No refund, no interest.
    assert!(lines.lines().nth(2).unwrap().ends_with(",0.00,complete"), "{lines}");

    // The same robot deposited on 2025-04-30: 260 days: 10,000 x ((1 + 0.07/365)^260 - 1) = 511.2207 -> 511.22.
    let f = wd.create(
        "deposits.csv",
        "entry_number,hts,origin,entry_date,customs_value,deposit_date\nE100,8479.50.00,JP,2025-04-16,100000,2025-04-30\n",
    );
    let o = wd
        .command(&["refund", f.to_str().unwrap(), "--format", "json", "--interest-to", "2026-01-15"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["total"]["interest"], "511.22", "{v}");
    assert!(!v["interest"].as_str().unwrap().contains("no deposit_date"));

    // Past the last quarter with a rate read: accrued through 2026-03-31 and marked a lower bound.
    let o =
        wd.command(&["refund", f.to_str().unwrap(), "--interest-to", "2026-09-30", "--corporate"]).output().unwrap();
    let t = stdout(&o);
    assert!(t.contains("the corporate overpayment rate"), "{t}");
    assert!(
        t.contains("1 lines accrue only through 2026-03-31 (no rate read for later quarters): a lower bound"),
        "{t}"
    );
}
