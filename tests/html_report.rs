//! `compare --format html` (one self-contained page: tables, inline SVG charts, the data of each as
//! CSV) and `compare --by entry`, end to end. The browser test runs headless Chromium when it is
//! installed; without it, it says `SKIPPED: chromium not installed` and leaves a marker under
//! `target/skipped-tests/` that `.ci/run` counts.

use crate::util::{Workdir, stderr, stdout};

/// Entry lines of three entries, one line without an entry number.
const ENTRIES: &str = "\
entry_number,hts,origin,entry_date,customs_value
E100,8703.23.01,JP,2025-10-01,30000
E100,9403.60.80,JP,2025-08-20,1000
E200,9403.60.80,CN,2025-05-01,1000
,8708.99.81,JP,2025-06-01,5000
E300 ,8704.31.01,JP,2025-10-01,40000
";

/// Parses CSV text into rows of fields (the header first).
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn compare_by_entry_groups_by_the_entry_number_column() {
    let w = Workdir::new();
    w.create("entries.csv", ENTRIES);
    let o = w
        .command(&["compare", "entries.csv", "-s", "historical", "-s", "no-ieepa", "--by", "entry", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = rows(&stdout(&o));
    assert_eq!(t[0][..3], ["entry", "scenario", "rows"]);
    let keys: Vec<(&str, &str, &str)> = t[1..].iter().map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str())).collect();
    assert_eq!(
        keys,
        [
            ("(no entry number)", "historical", "1"),
            ("(no entry number)", "no-ieepa", "1"),
            ("E100", "historical", "2"),
            ("E100", "no-ieepa", "2"),
            ("E200", "historical", "1"),
            ("E200", "no-ieepa", "1"),
            ("E300", "historical", "1"),
            ("E300", "no-ieepa", "1"),
        ]
    );
    // E100 holds a car (30000) and furniture (1000).
    assert_eq!(t[3][3], "31000.00");
}

#[test]
fn compare_by_entry_totals_add_up_to_the_summary() {
    let w = Workdir::new();
    w.create("entries.csv", ENTRIES);
    let csv = |extra: &[&str]| {
        let mut args = vec!["compare", "entries.csv", "-s", "historical", "--format", "csv"];
        args.extend(extra);
        stdout(&w.command(&args).output().unwrap())
    };
    let summary = rows(&csv(&[]));
    let by_entry = rows(&csv(&["--by", "entry"]));
    let sum = |col: usize| -> rust_decimal::Decimal {
        by_entry[1..].iter().map(|r| r[col].parse::<rust_decimal::Decimal>().unwrap()).sum()
    };
    assert_eq!(format!("{:.2}", sum(3)), summary[1][2], "customs value");
    assert_eq!(format!("{:.2}", sum(6)), summary[1][5], "total duty");
}

#[test]
fn compare_by_entry_without_the_column_is_refused_naming_it() {
    let w = Workdir::new();
    w.create("flows.csv", "hts,origin,entry_date,customs_value\n8703.23.01,JP,2025-10-01,30000\n");
    let o =
        w.command(&["compare", "flows.csv", "-s", "historical", "--by", "entry", "-o", "out.csv"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`entry_number`") && err.contains("flows.csv"), "{err}");
    assert!(!w.path("out.csv").exists());
}
