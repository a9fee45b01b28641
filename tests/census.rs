//! Census trade data read as it comes: the international trade API's JSON and a tidy CSV of HS10 x
//! country x month (`tests/data/census/api.json`, `tidy.csv`: the same seven rows), each giving the
//! duties of the equivalent flow file written by hand (`flows.csv`: Schedule C codes as ISO codes,
//! each month's flows entered on the 15th, Census units in the tool's spelling, `X` no quantity).
//! `aggregates.csv` holds rows that are not one country (a group, a continent, the total), a month
//! that is not one and a value with a thousands separator: each is rejected with its reason.

use crate::util::{Workdir, data, stderr, stdout};

fn fixture(name: &str) -> String {
    data("census").join(name).to_str().unwrap().to_string()
}

/// `run` with `args`: per output row, the flow and result columns; the exit code and stderr.
fn run_duties(wd: &Workdir, args: &[&str]) -> (Vec<Vec<String>>, Option<i32>, String) {
    let out = wd.command(args).output().unwrap();
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let cols = [
        "hts",
        "origin",
        "entry_date",
        "customs_value",
        "quantity",
        "quantity_unit",
        "mfn_duty",
        "additional_duty",
        "total_duty",
        "effective_rate",
        "measures",
        "citations",
    ];
    let idx: Vec<usize> =
        cols.iter().map(|c| h.iter().position(|x| x == *c).unwrap_or_else(|| panic!("{c} in {h:?}"))).collect();
    let rows = rdr.records().map(|r| {
        let r = r.unwrap();
        idx.iter().map(|&i| r[i].to_string()).collect()
    });
    (rows.collect(), out.status.code(), stderr(&out))
}

#[test]
fn census_json_and_csv_give_the_duties_of_the_flows() {
    let wd = Workdir::new();
    let (want, code, err) = run_duties(&wd, &["run", &fixture("flows.csv"), "-s", "historical"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(want.len(), 7);
    // Duty is owed on these rows (the test would prove little on zeros).
    assert!(want.iter().filter(|r| r[8] != "0.00").count() >= 5, "{want:?}");
    for file in ["api.json", "tidy.csv"] {
        let (got, code, err) = run_duties(&wd, &["run", &fixture(file), "-s", "historical"]);
        assert_eq!(code, Some(0), "{file}: {err}");
        assert_eq!(got, want, "{file}");
        assert!(err.contains("read as Census trade data"), "{err}");
        assert!(err.contains("entered on day 15 of the month"), "{err}");
        assert!(err.contains("rows read: 7 = assessed 7 + rejected 0"), "{err}");
    }
    // Forced, and the JSON from standard input (found from its `[`).
    let (got, code, _) =
        run_duties(&wd, &["run", &fixture("tidy.csv"), "--input-format", "census", "-s", "historical"]);
    assert_eq!((got, code), (want.clone(), Some(0)));
    let json = std::fs::read_to_string(fixture("api.json")).unwrap();
    let out = wd.run(&["run", "-", "-s", "historical"], &json);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 8);
    // The Census columns pass on.
    let out = wd.command(&["run", &fixture("api.json"), "-s", "historical", "-q"]).output().unwrap();
    let first = stdout(&out).lines().nth(1).unwrap().to_string();
    assert!(first.starts_with("8703230120,JP,2025-04-15,4604000,150,No.,5880,2025-04,historical,"), "{first}");
}

#[test]
fn compare_on_census_data_equals_compare_on_the_flows() {
    let wd = Workdir::new();
    let args = |f: String| {
        let mut a: Vec<String> =
            ["compare", "-s", "historical", "-s", "status-quo", "--by", "origin", "--format", "csv", "-q"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        a.insert(1, f);
        a
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        wd.command(&a).output().unwrap()
    };
    let want = run(args(fixture("flows.csv")));
    assert_eq!(want.status.code(), Some(0), "{}", stderr(&want));
    for file in ["api.json", "tidy.csv"] {
        let got = run(args(fixture(file)));
        assert_eq!(got.status.code(), Some(0), "{}", stderr(&got));
        assert_eq!(stdout(&got), stdout(&want), "{file}");
    }
}

#[test]
fn census_day_and_as_of_set_the_entry_date() {
    let wd = Workdir::new();
    let (rows, code, err) = run_duties(&wd, &["run", &fixture("api.json"), "-s", "historical", "--census-day", "1"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(rows[0][2], "2025-04-01");
    assert!(err.contains("entered on day 1 of the month"), "{err}");
    // Past the month's end: its last day (February 2025 has 28).
    let (rows, _, _) = run_duties(&wd, &["run", &fixture("api.json"), "-s", "historical", "--census-day", "31"]);
    assert_eq!(rows[3][2], "2025-02-28");
    assert_eq!(rows[0][2], "2025-04-30");
    // --as-of prices every row at that date (the rows keep their own `entry_date`), as for flows.
    let as_of = |f: &str| run_duties(&wd, &["run", &fixture(f), "-s", "historical", "--as-of", "2025-10-17"]).0;
    let (got, want) = (as_of("api.json"), as_of("flows.csv"));
    assert_eq!(got, want);
    assert_ne!(got, run_duties(&wd, &["run", &fixture("flows.csv"), "-s", "historical"]).0);
    let out = wd.command(&["run", &fixture("api.json"), "-s", "historical", "--census-day", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn aggregate_codes_and_bad_rows_are_rejected_with_their_reason() {
    let wd = Workdir::new();
    let out = wd
        .command(&["run", &fixture("aggregates.csv"), "-s", "historical", "--rejects", "rej.csv", "-q"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("rows read: 6 = assessed 1 + rejected 5"), "{err}");
    let text = std::fs::read_to_string(wd.path("rej.csv")).unwrap();
    let rej: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes()).records().map(|r| r.unwrap()).collect();
    let at = |i: usize| (rej[i][1].to_string(), rej[i][2].to_string(), rej[i][3].to_string());
    assert_eq!(at(0), ("3".into(), "CTY_CODE".into(), "0003".into()));
    assert!(rej[0][4].contains("aggregate"), "{:?}", rej[0]);
    assert_eq!(at(1), ("4".into(), "CTY_CODE".into(), "-".into()));
    assert!(rej[1][4].contains("total for all countries"), "{:?}", rej[1]);
    assert_eq!(at(2), ("5".into(), "CTY_CODE".into(), "4XXX".into()));
    assert!(rej[2][4].contains("continent"), "{:?}", rej[2]);
    assert_eq!(at(3), ("6".into(), "MONTH".into(), "13".into()));
    // The value reaches the flow checks, which name the Census column.
    assert_eq!(at(4), ("7".into(), "CON_VAL_MO".into(), "1,000".into()));
    // A header without the Census columns it needs: a one-line cause.
    wd.create("short.csv", "I_COMMODITY,CTY_CODE,YEAR,MONTH\n8703230120,5880,2025,04\n");
    let out = wd.command(&["run", "short.csv", "-s", "historical"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CON_VAL_MO (or GEN_VAL_MO)"), "{}", stderr(&out));
    // Broken JSON stops the run with the row.
    wd.create("cut.json", "[[\"I_COMMODITY\",\"CTY_CODE\",\"GEN_VAL_MO\",\"time\"],\n[\"8703230120\",\"5880\",\"100\",\"2025-04\"],\n[\"87032");
    let out = wd.command(&["run", "cut.json", "-s", "historical"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cut.json: row 3"), "{}", stderr(&out));
}
