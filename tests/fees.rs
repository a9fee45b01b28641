//! `run --fees`: the MPF of each line and of each entry (held between the fiscal year's minimum and
//! maximum), the HMF by vessel, exemptions, and the rows that leave a fee unknown.

use crate::util::{Workdir, stderr, stdout};

const FLOWS: &str = "\
entry_number,hts,origin,entry_date,customs_value,transport_mode,spi
E1,8703.23.01.90,JP,2025-11-03,40000.00,vessel,
E1,8703.23.01.90,JP,2025-11-03,160000.00,11,
E2,9401.61.60.11,MX,2025-11-03,5000.00,truck,S
E3,6109.10.00.12,VN,2025-04-10,900.00,air,
,6109.10.00.12,VN,2026-10-10,250000.00,,
";

/// The two fee columns of each output row (the last two fields).
fn fee_columns(out: &str) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h = r.headers().unwrap().clone();
    let (m, k) = (h.iter().position(|c| c == "mpf_ad_valorem").unwrap(), h.iter().position(|c| c == "hmf").unwrap());
    r.records().map(|rec| rec.unwrap()).map(|rec| (rec[m].to_string(), rec[k].to_string())).collect()
}

#[test]
fn fees_per_line_and_per_entry() {
    let w = Workdir::new();
    let f = w.create("flows.csv", FLOWS);
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "--fees"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let cols = fee_columns(&stdout(&o));
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        cols,
        [
            // 0.3464% of 40,000 = 138.56; 0.125% = 50.00 by vessel.
            s("138.56", "50.00"),
            // 0.3464% of 160,000 = 554.24; mode 11 (vessel, containerized): 200.00.
            s("554.24", "200.00"),
            // USMCA claimed on Mexican goods: exempt; by truck, no HMF.
            s("0.00", "0.00"),
            s("3.12", "0.00"),
            // No mode: HMF not computed (empty, never zero).
            s("866.00", ""),
        ]
    );
    let e = stderr(&o);
    // E1: 138.56 + 554.24 = 692.80, held at FY2026's maximum 651.50; E3: 3.12, raised to FY2025's
    // minimum 32.71; the row without an entry number: 866.00, held at 651.50 (FY2027 unread: FY2026's);
    // E2 (all exempt) owes none. 651.50 + 32.71 + 651.50 = 1335.71.
    assert!(e.contains("fees: MPF 1335.71 on 3 entries (1 at the minimum, 2 at the maximum"), "{e}");
    assert!(e.contains("1 rows claiming USMCA (S) are exempt"), "{e}");
    assert!(e.contains("1 entries fall in a fiscal year whose MPF minimum and maximum were not read"), "{e}");
    assert!(e.contains("1 rows without an entry_number were each taken as their own entry"), "{e}");
    assert!(e.contains("fees: HMF 250.00 on 2 rows by vessel"), "{e}");
    assert!(e.contains("1 rows without a transport_mode: HMF not computed"), "{e}");
    assert!(e.contains("not included: antidumping and countervailing duties"), "{e}");
}

#[test]
fn a_bad_transport_mode_is_rejected_where_it_is() {
    let w = Workdir::new();
    let f = w.create(
        "flows.csv",
        "hts,origin,entry_date,customs_value,transport_mode\n6109.10.00.12,VN,2025-04-10,900.00,boat\n6109.10.00.12,VN,2025-04-10,900.00,12\n6109.10.00.12,VN,2025-04-10,900.00,Air\n",
    );
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "--fees"]).output().unwrap();
    let e = stderr(&o);
    assert!(e.contains("flows.csv:2: column `transport_mode`: `boat` is not a transport mode"), "{e}");
    assert!(e.contains("flows.csv:3: column `transport_mode`"), "{e}");
    assert!(e.contains("depends on the port"), "{e}");
    assert!(e.contains("rows read: 3 = assessed 1 + rejected 2"), "{e}");
    assert_eq!(stdout(&o).lines().count(), 2, "the header and the one good row");
}

#[test]
fn without_fees_nothing_changes() {
    let w = Workdir::new();
    let f = w.create("flows.csv", FLOWS);
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical"]).output().unwrap();
    assert!(o.status.success());
    assert!(!stdout(&o).lines().next().unwrap().contains("mpf"));
    assert!(!stderr(&o).contains("fees:"));
}
