//! The command line, end to end: the contracts (`docs/contracts.md`) of `run`, `compare`, `explain`, `scenarios`
//! and `check` (columns, formats, exit codes, reject reports, atomic output, `| head`), checked by
//! running the built binary. Expected whole outputs live in `tests/golden/`; run with
//! `UPDATE_GOLDEN=1` to rewrite them deliberately.

use crate::util::{Workdir, stderr, stdout};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::str::FromStr;

const RESULT_COLUMNS: [&str; 7] =
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"];
const BUNDLED: [&str; 5] = ["historical", "status-quo", "pause-expires", "deal-reached", "no-ieepa"];

/// A Japanese car (2.5% MFN), Japanese furniture (Free), a Chinese table, a Japanese light truck
/// (25% MFN, the zero branch of the inclusive 15%), a part; with one unknown column.
const MIXED: &str = "\
hts,origin,entry_date,customs_value,note
8703.23.01,JP,2025-04-16,30000,car before the deal
8703.23.01,JP,2025-10-01,30000,car after the deal
9403.60.80,JP,2025-05-01,1000,furniture
9403.60.80,JP,2025-08-20,1000,furniture after the deal
9403.60.80,CN,2025-05-01,1000,table from China
8704.31.01,JP,2025-10-01,40000,light truck
8708.99.81,JP,2025-06-01,5000,auto part
";

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn sample() -> String {
    manifest("data/sample/japan-2024.csv").display().to_string()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("`{s}` is not a decimal: {e}"))
}

/// Parses CSV text into (header, rows).
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// Parses CSV text into maps keyed by column name.
fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let (h, rows) = table(text);
    rows.into_iter().map(|r| h.iter().cloned().zip(r).collect()).collect()
}

/// The reconciliation line's numbers (read, assessed, rejected).
fn reconciliation(err: &str) -> (u64, u64, u64) {
    let line = err
        .lines()
        .find(|l| l.starts_with("rows read: "))
        .unwrap_or_else(|| panic!("no reconciliation line on stderr:\n{err}"));
    let nums: Vec<u64> =
        line.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    assert_eq!(line, format!("rows read: {} = assessed {} + rejected {}", nums[0], nums[1], nums[2]));
    (nums[0], nums[1], nums[2])
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Compares `actual` with `tests/golden/NAME`, or rewrites the file when `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = manifest("tests/golden").join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{} differs from the output (first differing line {:?}; rerun with UPDATE_GOLDEN=1 if the change is intended)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display(),
            first.map(|i| i + 1)
        );
    }
}

/// `run` over `input` (a file name in `w`) under one scenario; returns (code, stdout, stderr).
fn run_file(w: &Workdir, args: &[&str]) -> (i32, String, String) {
    let o = run(w, args, "");
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// Runs the binary with `stdin` as standard input. Unlike `Workdir::run`, a binary that exits before
/// reading its input (a usage error) is not a test failure.
fn run(w: &Workdir, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = w
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tariffstack");
    let mut input = child.stdin.take().unwrap();
    let text = stdin.to_string();
    let writer = std::thread::spawn(move || match input.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.unwrap(),
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    o
}

fn sum_total_duty(run_output: &str) -> Decimal {
    records(run_output).iter().map(|r| dec(&r["total_duty"])).sum()
}

// ------------------------------------------------------------------------------------------------
// run: result columns

#[test]
fn run_appends_the_result_columns_in_design_order() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    let (code, out, _) = run_file(&w, &["run", "f.csv", "-s", "historical"]);
    assert_eq!(code, 0);
    let (header, rows) = table(&out);
    let mut want: Vec<String> = ["hts", "origin", "entry_date", "customs_value", "note"].map(String::from).to_vec();
    want.extend(RESULT_COLUMNS.map(String::from));
    assert_eq!(header, want);
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| r.len() == want.len()));
}

#[test]
fn run_values_for_a_japanese_car_money_two_places_rate_six_places() {
    let w = Workdir::new();
    let o =
        run(&w, &["run", "-s", "historical"], "hts,origin,entry_date,customs_value\n8703.23.01,JP,2025-04-16,30000\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).lines().nth(1).unwrap(),
        "8703.23.01,JP,2025-04-16,30000,historical,750.00,7500.00,8250.00,0.275000,mfn;s232_autos,9903.94.01"
    );
}

#[test]
fn run_money_columns_always_have_two_places_and_rate_six() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    let (_, out, _) = run_file(&w, &["run", "f.csv", "-s", "historical"]);
    for r in records(&out) {
        for c in ["mfn_duty", "additional_duty", "total_duty"] {
            let v = &r[c];
            let (_, frac) = v.split_once('.').unwrap_or_else(|| panic!("{c} `{v}` has no decimal point"));
            assert_eq!(frac.len(), 2, "{c} `{v}`");
        }
        let rate = &r["effective_rate"];
        assert_eq!(rate.split_once('.').unwrap().1.len(), 6, "effective_rate `{rate}`");
        assert_eq!(dec(&r["mfn_duty"]) + dec(&r["additional_duty"]), dec(&r["total_duty"]));
    }
}

#[test]
fn run_effective_rate_is_empty_when_customs_value_is_zero() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "historical"], "hts,origin,entry_date,customs_value\n9403.60.80,JP,2025-05-01,0\n");
    assert_eq!(o.status.code(), Some(0));
    let r = &records(&stdout(&o))[0];
    assert_eq!(r["effective_rate"], "");
    assert_eq!(r["total_duty"], "0.00");
}

#[test]
fn run_measures_start_with_mfn_and_citations_follow_in_the_same_order() {
    let w = Workdir::new();
    let o =
        run(&w, &["run", "-s", "historical"], "hts,origin,entry_date,customs_value\n9403.60.80,CN,2025-05-01,1000\n");
    let r = &records(&stdout(&o))[0];
    assert_eq!(r["measures"], "mfn;ieepa_fentanyl_cn;ieepa_reciprocal_country;s301_china");
    assert_eq!(r["citations"], "9903.01.24;9903.01.63;9903.88.03");
}

#[test]
fn run_every_row_lists_mfn_first_and_one_citation_per_additional_measure() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    let (_, out, _) = run_file(&w, &["run", "f.csv", "-s", "historical"]);
    for r in records(&out) {
        let measures: Vec<&str> = r["measures"].split(';').collect();
        assert_eq!(measures[0], "mfn", "{r:?}");
        let citations: Vec<&str> = r["citations"].split(';').filter(|c| !c.is_empty()).collect();
        assert_eq!(citations.len(), measures.len() - 1, "{r:?}");
        assert!(citations.iter().all(|c| c.starts_with("9903.")), "{r:?}");
    }
}

#[test]
fn run_declares_the_zero_branch_of_an_inclusive_rate() {
    // A light truck (MFN 25%) under the Japan deal (15% inclusive): nothing added, 9903.94.40 declared.
    let w = Workdir::new();
    let o =
        run(&w, &["run", "-s", "historical"], "hts,origin,entry_date,customs_value\n8704.31.01,JP,2025-10-01,40000\n");
    let r = &records(&stdout(&o))[0];
    assert_eq!(r["additional_duty"], "0.00");
    assert_eq!(r["measures"], "mfn;s232_autos_jp_deal");
    assert_eq!(r["citations"], "9903.94.40");
}

#[test]
fn run_passes_unknown_columns_through_unchanged() {
    let w = Workdir::new();
    let input = "ref,Customs_Value,HTS,Entry_Date,ORIGIN,comment\n\
                 A-1,1000,9403.60.80,2025-05-01,jp,\"a, \"\"quoted\"\" note é\"\n\
                 A-2,1000,9403.60.80,2025-05-01,JP,\n";
    let o = run(&w, &["run", "-s", "historical"], input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (header, rows) = table(&stdout(&o));
    assert_eq!(&header[..6], ["ref", "Customs_Value", "HTS", "Entry_Date", "ORIGIN", "comment"]);
    assert_eq!(&rows[0][..6], ["A-1", "1000", "9403.60.80", "2025-05-01", "jp", "a, \"quoted\" note é"]);
    assert_eq!(&rows[1][..6], ["A-2", "1000", "9403.60.80", "2025-05-01", "JP", ""]);
    assert_eq!(rows[0][6], "historical");
}

// ------------------------------------------------------------------------------------------------
// run: input, output, --as-of

#[test]
fn run_reads_stdin_given_dash() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-", "-s", "historical"], MIXED);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(records(&stdout(&o)).len(), 7);
    assert_eq!(reconciliation(&stderr(&o)), (7, 7, 0));
}

#[test]
fn run_reads_stdin_given_no_path() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "historical"], MIXED);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(records(&stdout(&o)).len(), 7);
}

#[test]
fn run_stdin_and_file_give_the_same_output() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    let (_, from_file, _) = run_file(&w, &["run", "f.csv", "-s", "historical"]);
    let from_stdin = stdout(&run(&w, &["run", "-s", "historical"], MIXED));
    assert_eq!(from_file, from_stdin);
}

#[test]
fn run_output_file_has_the_same_content_as_stdout_and_no_temp_file_is_left() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    let (_, to_stdout, _) = run_file(&w, &["run", "f.csv", "-s", "historical"]);
    let (code, printed, _) = run_file(&w, &["run", "f.csv", "-s", "historical", "-o", "out.csv"]);
    assert_eq!(code, 0);
    assert_eq!(printed, "", "nothing on stdout with -o");
    assert_eq!(std::fs::read_to_string(w.path("out.csv")).unwrap(), to_stdout);
    assert_eq!(files_in(w.dir()), ["f.csv", "out.csv"]);
}

#[test]
fn run_output_into_a_subdirectory_leaves_no_temp_file() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    w.create("out/keep.txt", "");
    let (code, _, _) =
        run_file(&w, &["run", "f.csv", "-s", "historical", "-o", "out/result.csv", "--rejects", "out/rej.csv"]);
    assert_eq!(code, 0);
    assert_eq!(files_in(&w.path("out")), ["keep.txt", "rej.csv", "result.csv"]);
}

#[test]
fn run_with_a_bad_scenario_creates_nothing_at_the_output_path() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    let (code, _, _) =
        run_file(&w, &["run", "f.csv", "-s", "no-such-scenario", "-o", "out.csv", "--rejects", "rej.csv"]);
    assert_eq!(code, 2);
    assert_eq!(files_in(w.dir()), ["f.csv"]);
}

#[test]
fn run_with_a_missing_input_creates_nothing_at_the_output_path() {
    let w = Workdir::new();
    let (code, _, _) = run_file(&w, &["run", "missing.csv", "-s", "historical", "-o", "out.csv"]);
    assert_eq!(code, 2);
    assert!(files_in(w.dir()).is_empty());
}

#[test]
fn run_failure_leaves_an_existing_output_file_untouched() {
    let w = Workdir::new();
    w.create("f.csv", MIXED);
    w.create("out.csv", "previous result\n");
    let (code, _, _) =
        run_file(&w, &["run", "f.csv", "-s", "historical", "-o", "out.csv", "--rejects", "no/dir/rej.csv"]);
    assert_eq!(code, 2);
    assert_eq!(std::fs::read_to_string(w.path("out.csv")).unwrap(), "previous result\n");
    assert_eq!(files_in(w.dir()), ["f.csv", "out.csv"]);
}

#[test]
fn run_as_of_assesses_every_flow_on_that_date() {
    let w = Workdir::new();
    let input = "hts,origin,entry_date,customs_value\n8703.23.01,JP,2025-04-16,30000\n9403.60.80,JP,2025-05-01,1000\n";
    let o = run(&w, &["run", "-s", "historical", "--as-of", "2025-10-01"], input);
    assert_eq!(o.status.code(), Some(0));
    let rows = records(&stdout(&o));
    assert_eq!(rows[0]["entry_date"], "2025-04-16", "input columns pass through unchanged");
    assert_eq!(rows[0]["total_duty"], "4500.00");
    assert_eq!(rows[0]["measures"], "mfn;s232_autos_jp_deal");
    assert_eq!(rows[1]["total_duty"], "150.00");
    assert_eq!(rows[1]["measures"], "mfn;ieepa_reciprocal_jp_deal");
    let same_day =
        "hts,origin,entry_date,customs_value\n8703.23.01,JP,2025-10-01,30000\n9403.60.80,JP,2025-10-01,1000\n";
    let direct = records(&stdout(&run(&w, &["run", "-s", "historical"], same_day)));
    assert_eq!(rows[0]["total_duty"], direct[0]["total_duty"]);
    assert_eq!(rows[1]["total_duty"], direct[1]["total_duty"]);
}

#[test]
fn run_as_of_refuses_an_invalid_date() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "historical", "--as-of", "2025-02-30"], MIXED);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--as-of"), "{}", stderr(&o));
}

// ------------------------------------------------------------------------------------------------
// exit codes

#[test]
fn exit_0_when_every_row_is_assessed() {
    let w = Workdir::new();
    assert_eq!(run(&w, &["run", "-s", "historical"], MIXED).status.code(), Some(0));
}

#[test]
fn exit_1_with_bad_rows_which_are_left_out_while_good_rows_are_written() {
    let w = Workdir::new();
    let input = "hts,origin,entry_date,customs_value,id\n\
                 9403.60.80,JP,2025-05-01,1000,good-1\n\
                 9403.60.80,JP,2025-05-01,1e5,bad-value\n\
                 9403.60.80,XX1,2025-05-01,1000,bad-origin\n\
                 9999.99.99,JP,2025-05-01,1000,unknown-hts\n\
                 9403.60.80,JP,2025-05-01,1000,good-2\n";
    let o = run(&w, &["run", "-s", "historical"], input);
    assert_eq!(o.status.code(), Some(1));
    let ids: Vec<String> = records(&stdout(&o)).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, ["good-1", "good-2"]);
    assert_eq!(reconciliation(&stderr(&o)), (5, 2, 3));
}

#[test]
fn exit_2_for_an_unknown_scenario_name() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "no-such-scenario"], MIXED);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-scenario"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn exit_2_for_a_missing_input_file() {
    let w = Workdir::new();
    let o = run(&w, &["run", "missing.csv", "-s", "historical"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.csv"), "{}", stderr(&o));
}

#[test]
fn exit_2_for_an_unreadable_input() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("dir.csv")).unwrap();
    let o = run(&w, &["run", "dir.csv", "-s", "historical"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("dir.csv"), "{}", stderr(&o));
}

#[test]
fn exit_2_for_an_empty_file() {
    let w = Workdir::new();
    w.create("empty.csv", "");
    let o = run(&w, &["run", "empty.csv", "-s", "historical"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
}

#[test]
fn exit_2_for_empty_stdin() {
    let w = Workdir::new();
    assert_eq!(run(&w, &["run", "-s", "historical"], "").status.code(), Some(2));
}

#[test]
fn exit_2_for_a_missing_required_column_naming_it() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "historical"], "hts,origin,entry_date\n8703.23.01,JP,2025-04-16\n");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("customs_value"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1, "one-line cause: {err}");
}

#[test]
fn exit_2_for_missing_required_columns_names_each() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "historical"], "hts,value\n8703.23.01,1\n");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for c in ["origin", "entry_date", "customs_value"] {
        assert!(err.contains(&format!("`{c}`")), "{c}: {err}");
    }
}

// ------------------------------------------------------------------------------------------------
// reject report and reconciliation

const WITH_BAD_ROWS: &str = "hts,origin,entry_date,customs_value,note\n\
9403.60.80,JP,2025-05-01,100,ok\n\
9403.60.80,XX1,2025-05-01,100,bad origin\n\
9403.60.80,JP,2025-05-01,1e5,bad value\n\
9403.60.80,JP,2025-13-01,100,bad date\n\
9999.99.99,JP,2025-05-01,100,unknown hts\n\
9403.60.80,JP,2025-05-01,100\n";

fn rejects_of(w: &Workdir, input: &str) -> Vec<BTreeMap<String, String>> {
    w.create("in.csv", input);
    let (_, _, _) = run_file(w, &["run", "in.csv", "-s", "historical", "--rejects", "rej.csv"]);
    records(&std::fs::read_to_string(w.path("rej.csv")).unwrap())
}

#[test]
fn rejects_report_has_the_design_columns() {
    let w = Workdir::new();
    w.create("in.csv", WITH_BAD_ROWS);
    let (code, _, _) = run_file(&w, &["run", "in.csv", "-s", "historical", "--rejects", "rej.csv"]);
    assert_eq!(code, 1);
    let (header, rows) = table(&std::fs::read_to_string(w.path("rej.csv")).unwrap());
    assert_eq!(header, ["file", "line", "column", "value", "reason"]);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r[0] == "in.csv" && !r[4].is_empty()), "{rows:?}");
}

#[test]
fn rejects_report_gives_line_column_and_value_of_each_bad_row() {
    let w = Workdir::new();
    let got: Vec<(String, String, String)> = rejects_of(&w, WITH_BAD_ROWS)
        .into_iter()
        .map(|r| (r["line"].clone(), r["column"].clone(), r["value"].clone()))
        .collect();
    let want = [
        ("3", "origin", "XX1"),
        ("4", "customs_value", "1e5"),
        ("5", "entry_date", "2025-13-01"),
        ("6", "hts", "9999.99.99"),
        ("7", "", ""),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, want);
}

#[test]
fn rejects_report_short_row_reason_gives_the_field_counts() {
    let w = Workdir::new();
    let r = rejects_of(&w, WITH_BAD_ROWS);
    assert!(r[4]["reason"].contains('4') && r[4]["reason"].contains('5'), "{:?}", r[4]);
}

#[test]
fn rejects_report_lines_shift_after_a_quoted_field_with_a_newline() {
    let w = Workdir::new();
    let input = "hts,origin,entry_date,customs_value,note\n\
                 9403.60.80,JP,2025-05-01,100,\"two\nlines\"\n\
                 9403.60.80,JP,2025-13-01,100,bad date on line 4\n\
                 9403.60.80,JP,2025-05-01,100,\"three\nmore\nlines\"\n\
                 9403.60.80,XX1,2025-05-01,100,bad origin on line 8\n";
    let lines: Vec<String> = rejects_of(&w, input).iter().map(|r| r["line"].clone()).collect();
    assert_eq!(lines, ["4", "8"]);
}

#[test]
fn rejects_report_lines_count_blank_lines() {
    let w = Workdir::new();
    let input = "hts,origin,entry_date,customs_value\n\
                 9403.60.80,JP,2025-05-01,100\n\
                 \n\
                 9403.60.80,JP,2025-13-01,100\n";
    let lines: Vec<String> = rejects_of(&w, input).iter().map(|r| r["line"].clone()).collect();
    assert_eq!(lines, ["4"]);
}

#[test]
fn rejects_report_lines_are_right_with_crlf_line_ends() {
    let w = Workdir::new();
    let input = "hts,origin,entry_date,customs_value\r\n\
                 9403.60.80,JP,2025-13-01,100\r\n\
                 9403.60.80,JP,2025-05-01,100\r\n\
                 9403.60.80,XX1,2025-05-01,100\r\n";
    let lines: Vec<String> = rejects_of(&w, input).iter().map(|r| r["line"].clone()).collect();
    assert_eq!(lines, ["2", "4"]);
}

#[test]
fn rejects_report_is_written_with_only_a_header_when_nothing_is_rejected() {
    let w = Workdir::new();
    w.create("in.csv", MIXED);
    let (code, _, _) = run_file(&w, &["run", "in.csv", "-s", "historical", "--rejects", "rej.csv"]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(w.path("rej.csv")).unwrap().trim_end(), "file,line,column,value,reason");
}

#[test]
fn rejects_summary_on_stderr_names_the_file_and_line() {
    let w = Workdir::new();
    w.create("in.csv", WITH_BAD_ROWS);
    let (_, _, err) = run_file(&w, &["run", "in.csv", "-s", "historical"]);
    assert!(err.contains("in.csv:3"), "{err}");
    assert!(err.contains("origin"), "{err}");
}

#[test]
fn reconciliation_line_when_every_row_is_assessed() {
    let w = Workdir::new();
    assert_eq!(reconciliation(&stderr(&run(&w, &["run", "-s", "historical"], MIXED))), (7, 7, 0));
}

#[test]
fn reconciliation_line_counts_rejected_rows() {
    let w = Workdir::new();
    assert_eq!(reconciliation(&stderr(&run(&w, &["run", "-s", "historical"], WITH_BAD_ROWS))), (6, 1, 5));
}

#[test]
fn reconciliation_line_stays_with_quiet() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-q", "-s", "historical"], WITH_BAD_ROWS);
    assert_eq!(reconciliation(&stderr(&o)), (6, 1, 5));
}

#[test]
fn reconciliation_line_for_a_header_only_file() {
    let w = Workdir::new();
    let o = run(&w, &["run", "-s", "historical"], "hts,origin,entry_date,customs_value\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(reconciliation(&stderr(&o)), (0, 0, 0));
    assert_eq!(table(&stdout(&o)).1.len(), 0);
}

#[test]
fn reconciliation_line_after_compare() {
    let w = Workdir::new();
    let o = run(&w, &["compare", "-s", "historical", "-s", "status-quo"], WITH_BAD_ROWS);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(reconciliation(&stderr(&o)), (6, 1, 5));
}

// ------------------------------------------------------------------------------------------------
// | head

#[test]
fn run_into_a_pipe_closed_early_exits_0_quietly() {
    let w = Workdir::new();
    let mut big = String::from("hts,origin,entry_date,customs_value,id\n");
    for i in 0..200_000 {
        big.push_str(&format!("9403.60.80,JP,2025-05-01,{}.{:02},{i}\n", 1000 + i % 997, i % 100));
    }
    w.create("big.csv", &big);
    let mut child = w
        .command(&["run", "big.csv", "-s", "historical"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for _ in 0..3 {
            lines.next().unwrap().unwrap();
        }
    } // the pipe is closed here, like `| head -3`
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.to_lowercase().contains("error"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ------------------------------------------------------------------------------------------------
// compare

fn compare_mixed(w: &Workdir, extra: &[&str]) -> (i32, String, String) {
    w.create("mixed.csv", MIXED);
    let mut args = vec!["compare", "mixed.csv", "-s", "historical", "-s", "pause-expires", "-s", "deal-reached"];
    args.extend_from_slice(extra);
    run_file(w, &args)
}

#[test]
fn compare_table_has_a_row_per_scenario_and_marks_the_reference() {
    let w = Workdir::new();
    let (code, out, _) = compare_mixed(&w, &[]);
    assert_eq!(code, 0);
    let line = |name: &str| out.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{out}"));
    assert!(line("historical").contains("(reference)"), "{out}");
    assert!(line("pause-expires").contains('+'), "{out}");
    assert!(line("deal-reached").ends_with("0.00"), "{out}");
}

#[test]
fn compare_csv_has_one_row_per_scenario_with_plain_decimals() {
    let w = Workdir::new();
    let (code, out, _) = compare_mixed(&w, &["--format", "csv"]);
    assert_eq!(code, 0);
    let (header, rows) = table(&out);
    assert_eq!(
        header,
        [
            "scenario",
            "rows",
            "customs_value",
            "mfn_duty",
            "additional_duty",
            "total_duty",
            "effective_rate",
            "difference"
        ]
    );
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["historical", "pause-expires", "deal-reached"]);
    for r in &rows {
        assert_eq!(r[2], "108000.00");
        assert_eq!(dec(&r[3]) + dec(&r[4]), dec(&r[5]));
        assert_eq!(dec(&r[7]), dec(&r[5]) - dec(&rows[0][5]));
    }
}

#[test]
fn compare_json_parses_and_has_every_scenario() {
    let w = Workdir::new();
    let (code, out, _) = compare_mixed(&w, &["--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["reference"], "historical");
    let names: Vec<&str> = v["scenarios"].as_array().unwrap().iter().map(|s| s["scenario"].as_str().unwrap()).collect();
    assert_eq!(names, ["historical", "pause-expires", "deal-reached"]);
    assert_eq!(v["scenarios"][0]["rows"], 7);
}

#[test]
fn compare_markdown_is_a_table_with_a_row_per_scenario() {
    let w = Workdir::new();
    let (code, out, _) = compare_mixed(&w, &["--format", "markdown"]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with('|')).collect();
    assert!(rows[0].starts_with("| scenario |"), "{out}");
    assert!(rows[1].starts_with("|---|"), "{out}");
    assert_eq!(rows.len(), 2 + 3, "{out}");
    let cells = rows[0].matches('|').count();
    assert!(rows.iter().all(|r| r.matches('|').count() == cells), "{out}");
}

/// The breakdown of `--by KEY --format csv`: group -> scenario -> total_duty.
fn breakdown(w: &Workdir, by: &str) -> (Vec<String>, BTreeMap<String, BTreeMap<String, Decimal>>) {
    let (code, out, _) = compare_mixed(w, &["--by", by, "--format", "csv"]);
    assert_eq!(code, 0);
    let (header, _) = table(&out);
    let mut groups: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();
    for r in records(&out) {
        groups.entry(r[by].clone()).or_default().insert(r["scenario"].clone(), dec(&r["total_duty"]));
    }
    (header, groups)
}

fn scenario_totals(w: &Workdir) -> BTreeMap<String, Decimal> {
    let (_, out, _) = compare_mixed(w, &["--format", "csv"]);
    records(&out).into_iter().map(|r| (r["scenario"].clone(), dec(&r["total_duty"]))).collect()
}

fn assert_groups_add_up(w: &Workdir, groups: &BTreeMap<String, BTreeMap<String, Decimal>>) {
    for (name, total) in scenario_totals(w) {
        let sum: Decimal = groups.values().map(|g| g[&name]).sum();
        assert_eq!(sum, total, "{name}");
    }
}

#[test]
fn compare_by_origin_groups_by_country_and_adds_up() {
    let w = Workdir::new();
    let (header, groups) = breakdown(&w, "origin");
    assert_eq!(header[0], "origin");
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["CN", "JP"]);
    assert_groups_add_up(&w, &groups);
}

#[test]
fn compare_by_chapter_groups_by_two_digits_and_adds_up() {
    let w = Workdir::new();
    let (header, groups) = breakdown(&w, "chapter");
    assert_eq!(header[0], "chapter");
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["87", "94"]);
    assert_groups_add_up(&w, &groups);
}

#[test]
fn compare_by_hts4_groups_by_heading_and_adds_up() {
    let w = Workdir::new();
    let (header, groups) = breakdown(&w, "hts4");
    assert_eq!(header[0], "hts4");
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["8703", "8704", "8708", "9403"]);
    assert_groups_add_up(&w, &groups);
}

#[test]
fn compare_by_measure_has_mfn_and_the_applied_measures_and_adds_up() {
    let w = Workdir::new();
    let (header, groups) = breakdown(&w, "measure");
    assert_eq!(header[0], "measure");
    for m in ["mfn", "s232_autos", "s232_autos_jp_deal", "ieepa_reciprocal_baseline", "ieepa_fentanyl_cn"] {
        assert!(groups.contains_key(m), "{m}: {groups:?}");
    }
    assert_groups_add_up(&w, &groups);
}

#[test]
fn compare_by_shows_the_breakdown_in_the_table_too() {
    let w = Workdir::new();
    let (_, out, _) = compare_mixed(&w, &["--by", "origin"]);
    assert!(out.contains("By origin"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("CN ")), "{out}");
}

fn assert_compare_equals_separate_runs(w: &Workdir, file: &str, as_of: Option<&str>) {
    let mut args = vec!["compare", file, "--format", "csv"];
    for s in BUNDLED {
        args.extend(["-s", s]);
    }
    if let Some(d) = as_of {
        args.extend(["--as-of", d]);
    }
    let (code, out, _) = run_file(w, &args);
    assert_eq!(code, 0);
    let totals: BTreeMap<String, (Decimal, String)> = records(&out)
        .into_iter()
        .map(|r| (r["scenario"].clone(), (dec(&r["total_duty"]), r["rows"].clone())))
        .collect();
    for s in BUNDLED {
        let mut run_args = vec!["run", file, "-s", s];
        if let Some(d) = as_of {
            run_args.extend(["--as-of", d]);
        }
        let (code, run_out, _) = run_file(w, &run_args);
        assert_eq!(code, 0, "{s}");
        assert_eq!(totals[s].0, sum_total_duty(&run_out), "{s}");
        assert_eq!(totals[s].1, records(&run_out).len().to_string(), "{s}");
    }
}

#[test]
fn compare_totals_equal_separate_runs_on_the_japan_sample_as_of_2025_10_01() {
    let w = Workdir::new();
    assert_compare_equals_separate_runs(&w, &sample(), Some("2025-10-01"));
}

#[test]
fn compare_totals_equal_separate_runs_on_a_small_mixed_file() {
    let w = Workdir::new();
    w.create("mixed.csv", MIXED);
    assert_compare_equals_separate_runs(&w, "mixed.csv", None);
}

#[test]
fn compare_lines_has_one_row_per_assessed_flow_with_each_total() {
    let w = Workdir::new();
    w.create("in.csv", &format!("{MIXED}9403.60.80,JP,bad,1000,rejected row\n"));
    let (code, _, _) =
        run_file(&w, &["compare", "in.csv", "-s", "historical", "-s", "pause-expires", "--lines", "lines.csv", "-q"]);
    assert_eq!(code, 1);
    let rows = records(&std::fs::read_to_string(w.path("lines.csv")).unwrap());
    assert_eq!(rows.len(), 7, "the rejected row has no line");
    let (_, run_out, _) = run_file(&w, &["run", "in.csv", "-s", "pause-expires"]);
    let run_rows = records(&run_out);
    for (l, r) in rows.iter().zip(&run_rows) {
        assert_eq!(l["total_pause-expires"], r["total_duty"]);
        assert_eq!(dec(&l["difference_pause-expires"]), dec(&l["total_pause-expires"]) - dec(&l["total_historical"]));
    }
    let line_numbers: Vec<&str> = rows.iter().map(|r| r["line"].as_str()).collect();
    assert_eq!(line_numbers, ["2", "3", "4", "5", "6", "7", "8"]);
}

#[test]
fn compare_lines_give_a_cause_wherever_totals_differ_on_the_japan_sample() {
    let w = Workdir::new();
    let mut args = vec![
        "compare".to_string(),
        sample(),
        "--as-of".into(),
        "2025-10-01".into(),
        "--lines".into(),
        "lines.csv".into(),
    ];
    for s in BUNDLED {
        args.extend(["-s".to_string(), s.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, _) = run_file(&w, &args);
    assert_eq!(code, 0);
    let rows = records(&std::fs::read_to_string(w.path("lines.csv")).unwrap());
    assert_eq!(rows.len(), 3328);
    let mut differing = 0;
    for r in &rows {
        for s in &BUNDLED[1..] {
            if r[&format!("total_{s}")] != r["total_historical"] {
                differing += 1;
                assert!(!r[&format!("cause_{s}")].is_empty(), "line {}: no cause under {s}", r["line"]);
            }
        }
    }
    assert!(differing > 0);
}

#[test]
fn compare_output_file_is_written_atomically() {
    let w = Workdir::new();
    let (_, printed, _) = compare_mixed(&w, &["--format", "csv"]);
    let (code, to_stdout, _) = compare_mixed(&w, &["--format", "csv", "-o", "report.csv", "--lines", "lines.csv"]);
    assert_eq!(code, 0);
    assert_eq!(to_stdout, "");
    assert_eq!(std::fs::read_to_string(w.path("report.csv")).unwrap(), printed);
    assert_eq!(files_in(w.dir()), ["lines.csv", "mixed.csv", "report.csv"]);
}

/// One scenario is a summary (issue: "compare refuses one"): totals without a difference column.
#[test]
fn compare_with_one_scenario_is_a_summary() {
    let w = Workdir::new();
    let o = run(&w, &["compare", "-s", "historical"], MIXED);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("under historical") && !out.contains("difference"), "{out}");
}

#[test]
fn compare_with_a_bad_scenario_creates_no_files() {
    let w = Workdir::new();
    let (code, _, _) = compare_mixed(&w, &["-s", "nope", "-o", "report.csv", "--lines", "lines.csv"]);
    assert_eq!(code, 2);
    assert_eq!(files_in(w.dir()), ["mixed.csv"]);
}

// ------------------------------------------------------------------------------------------------
// golden files

const CAR_2025_04_16: [&str; 12] = [
    "explain",
    "-s",
    "historical",
    "--hts",
    "8703.23.01",
    "--origin",
    "JP",
    "--date",
    "2025-04-16",
    "--value",
    "30000",
    "--format=text",
];

#[test]
fn golden_explain_japanese_car_on_talks_day_under_historical() {
    let w = Workdir::new();
    let o = run(&w, &CAR_2025_04_16, "");
    assert_eq!(o.status.code(), Some(0));
    golden("explain-jp-car-2025-04-16-historical.txt", &stdout(&o));
}

#[test]
fn explain_japanese_car_shows_mfn_s232_and_why_the_reciprocal_tariff_is_excluded() {
    let w = Workdir::new();
    let out = stdout(&run(&w, &CAR_2025_04_16, ""));
    assert!(out.lines().any(|l| l.trim_start().starts_with("mfn ") && l.contains("2.5%")), "{out}");
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("s232_autos ") && l.contains("9903.94.01") && l.contains("25%")),
        "{out}"
    );
    assert!(out.contains("excluded because s232_autos applies"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("total") && l.contains("8250.00")), "{out}");
}

#[test]
fn golden_compare_csv_of_a_small_fixture() {
    let w = Workdir::new();
    let (code, out, _) = compare_mixed(&w, &["--format", "csv"]);
    assert_eq!(code, 0);
    golden("compare-mixed.csv", &out);
}

#[test]
fn golden_compare_csv_by_measure_of_a_small_fixture() {
    let w = Workdir::new();
    let (code, out, _) = compare_mixed(&w, &["--format", "csv", "--by", "measure"]);
    assert_eq!(code, 0);
    golden("compare-mixed-by-measure.csv", &out);
}

// ------------------------------------------------------------------------------------------------
// explain, scenarios, check

#[test]
fn explain_json_parses_and_has_the_lines_and_total() {
    let w = Workdir::new();
    let mut args = CAR_2025_04_16.to_vec();
    *args.last_mut().unwrap() = "--format=json";
    let o = run(&w, &args, "");
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let lines = v["lines"].as_array().unwrap();
    let measures: Vec<&str> = lines.iter().map(|l| l["measure"].as_str().unwrap()).collect();
    assert_eq!(measures, ["mfn", "s232_autos"]);
    assert_eq!(lines[1]["citation"], "9903.94.01");
    assert_eq!(v["total_duty"], "8250.00");
    let sum: Decimal = lines.iter().map(|l| dec(l["amount"].as_str().unwrap())).sum();
    assert_eq!(sum, dec("8250.00"));
}

#[test]
fn explain_refuses_a_bad_flag_value_with_exit_2() {
    let w = Workdir::new();
    let o = run(
        &w,
        &[
            "explain",
            "-s",
            "historical",
            "--hts",
            "8703.23.01",
            "--origin",
            "JPN",
            "--date",
            "2025-04-16",
            "--value",
            "1",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--origin"), "{}", stderr(&o));
}

#[test]
fn scenarios_lists_the_four_bundled_names() {
    let w = Workdir::new();
    let o = run(&w, &["scenarios"], "");
    assert_eq!(o.status.code(), Some(0));
    let names: Vec<String> =
        stdout(&o).lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect();
    assert_eq!(names, BUNDLED);
}

#[test]
fn scenarios_show_historical_prints_the_file() {
    let w = Workdir::new();
    let o = run(&w, &["scenarios", "show", "historical"], "");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), std::fs::read_to_string(manifest("scenarios/historical.toml")).unwrap());
}

#[test]
fn scenarios_show_summary_lists_the_measures() {
    let w = Workdir::new();
    let o = run(&w, &["scenarios", "show", "historical", "--summary"], "");
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for m in ["s232_autos", "ieepa_reciprocal_baseline", "ieepa_reciprocal_jp_deal"] {
        assert!(out.lines().any(|l| l.starts_with(m)), "{m}: {out}");
    }
}

#[test]
fn scenarios_show_unknown_name_is_exit_2() {
    let w = Workdir::new();
    assert_eq!(run(&w, &["scenarios", "show", "nope"], "").status.code(), Some(2));
}

#[test]
fn check_is_ok_on_the_bundled_names() {
    let w = Workdir::new();
    let mut args = vec!["check"];
    args.extend(BUNDLED);
    let o = run(&w, &args, "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().filter(|l| l.starts_with("ok: ")).count(), BUNDLED.len(), "{out}");
}

#[test]
fn check_is_exit_2_on_a_bad_file_naming_the_place() {
    let w = Workdir::new();
    w.create("bad.toml", "name = \"x\"\n[[measure]]\nid = 3\n");
    let o = run(&w, &["check", "bad.toml"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml:3"), "{}", stderr(&o));
}

#[test]
fn check_is_exit_2_when_any_file_is_bad() {
    let w = Workdir::new();
    w.create("bad.toml", "this is not toml = = \n");
    let o = run(&w, &["check", "historical", "bad.toml"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("ok: historical"), "{}", stdout(&o));
}

// ------------------------------------------------------------------------------------------------
// docs/contracts.md: `run ... [--hts HTS_CSV]`

#[test]
fn run_hts_option_prices_a_line_missing_from_the_embedded_table() {
    let w = Workdir::new();
    w.create(
        "hts.csv",
        "HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties\n\
         \"7208.10.15.00\",\"2\",\"Pickled\",\"[\"\"kg\"\"]\",\"Free\",\"\",\"0.4¢/kg + 20%\",\"\",\"\"\n",
    );
    let o = run(
        &w,
        &["run", "-s", "historical", "--hts", "hts.csv"],
        "hts,origin,entry_date,customs_value\n7208.10.15,JP,2025-05-01,1000\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(records(&stdout(&o))[0]["mfn_duty"], "0.00");
}

/// Found by fuzzing the flow parser: explain must refuse values the arithmetic cannot hold, not panic.
#[test]
fn explain_refuses_values_outside_the_priced_range_with_exit_2() {
    let w = Workdir::new();
    for value in ["0.0000000000000000000000000001", "9999999999999999999999999999"] {
        let o = run(
            &w,
            &[
                "explain",
                "--scenario",
                "historical",
                "--hts",
                "8703.23.01",
                "--origin",
                "JP",
                "--date",
                "2025-04-16",
                "--value",
                value,
            ],
            "",
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("--value"), "{}", stderr(&o));
    }
}

/// `explain` checks its flags with the CSV rules (one validator): a loaded date after the entry date,
/// which `run` rejects, is refused too, naming the flag; metal content is taken as `run` takes it.
#[test]
fn explain_checks_its_flags_as_run_checks_a_row() {
    let w = Workdir::new();
    let base = ["explain", "-s", "historical", "--hts", "7326.90.86", "--origin", "JP", "--date", "2025-06-16"];
    let o = run(&w, &[&base[..], &["--value", "1000", "--loaded", "2025-06-20"]].concat(), "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--loaded: loaded on 2025-06-20, after the entry date 2025-06-16"), "{}", stderr(&o));
    let csv = "hts,origin,entry_date,customs_value,loaded_date\n7326.90.86,JP,2025-06-16,1000,2025-06-20\n";
    let o = run(&w, &["run", "-", "--scenario", "historical"], csv);
    assert_eq!(o.status.code(), Some(1), "run rejects the same row");
    let o = run(&w, &[&base[..], &["--value", "1000", "--steel-content", "2000"]].concat(), "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--steel-content: metal content 2000 is more than the customs value 1000"),
        "{}",
        stderr(&o)
    );
    let o = run(&w, &[&base[..], &["--value", "1000", "--steel-content", "400", "--format", "json"]].concat(), "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let steel = v["lines"].as_array().unwrap().iter().find(|l| l["measure"] == "s232_steel").expect("steel line");
    assert_eq!(
        (steel["base"].as_str(), steel["amount"].as_str()),
        (Some("400.00"), Some("200.00")),
        "50% on the declared content: {steel}"
    );
}

/// A code that is no HTS program is named as unknown, apart from real programs that the line does
/// not list.
#[test]
fn an_unknown_program_code_is_named_not_counted_with_valid_claims() {
    let w = Workdir::new();
    let csv = "hts,origin,entry_date,customs_value,spi\n9403.60.80,JP,2025-05-01,1000,ZZ\n9403.60.80,JP,2025-05-01,1000,ZZ\n8703.23.01,JP,2025-04-16,1000,JP\n";
    let o = run(&w, &["run", "-", "--scenario", "historical"], csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("note: 2 rows claimed `ZZ`, which is not an HTS special program indicator"), "{err}");
    assert!(err.contains("note: 1 rows claimed a special program their HTS line does not list"), "{err}");
}

/// Every output says how current its law is: `--version`, `scenarios`, the run and compare summaries,
/// explain and the JSON outputs; rows entered after the date the law was checked through, or before
/// the first date it covers, are counted and said.
#[test]
fn outputs_state_the_law_as_of_date_and_count_rows_outside_it() {
    let w = Workdir::new();
    let o = run(&w, &["--version"], "");
    assert!(stdout(&o).contains("(bundled law as of 2026-12-06)"), "{}", stdout(&o));
    let o = run(&w, &["scenarios"], "");
    assert!(stdout(&o).lines().all(|l| l.contains("[law as of 2026-12-06]")), "{}", stdout(&o));
    let csv = "hts,origin,entry_date,customs_value\n9403.60.80,JP,2027-01-04,1000\n9403.60.80,JP,2027-02-01,1000\n9403.60.80,JP,2024-12-31,1000\n9403.60.80,JP,2025-06-01,1000\n";
    let o = run(&w, &["run", "-", "--scenario", "historical"], csv);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: 2 rows entered after 2026-12-06, the date `historical`'s law was checked through"),
        "{err}"
    );
    assert!(err.contains("note: 1 rows entered before 2025-01-01, the first date `historical` covers"), "{err}");
    assert!(err.contains("historical: law as of 2026-12-06 (HTS 2026 Rev. 21), entries from 2025-01-01"), "{err}");
    // Quiet runs still say it (like the reconciliation line).
    let o = run(&w, &["run", "-", "--scenario", "historical", "-q"], csv);
    assert!(stderr(&o).contains("warning: 2 rows entered after 2026-12-06"), "{}", stderr(&o));
    let o = run(&w, &["compare", "-", "-s", "historical", "-s", "no-ieepa", "--format", "json"], csv);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scenarios"][0]["law"]["law_as_of"], "2026-12-06");
    assert!(v["scenarios"][1]["law"]["known_gaps"].as_array().is_some_and(|g| !g.is_empty()));
    let o = run(
        &w,
        &[
            "explain",
            "-s",
            "historical",
            "--hts",
            "9403.60.80",
            "--origin",
            "JP",
            "--date",
            "2027-01-04",
            "--value",
            "1000",
        ],
        "",
    );
    assert!(stdout(&o).contains("Law        law as of 2026-12-06"), "{}", stdout(&o));
    assert!(stdout(&o).contains("entered after the date the law was checked through"), "{}", stdout(&o));
}

/// Banned goods are never priced as if they could enter: from 2026-09-29 listed Canadian alcohol, dairy
/// and motorcycles go to the rejects with the proclamation cited, and the reconciliation counts them.
#[test]
fn banned_goods_are_rejected_with_the_proclamation_not_priced() {
    let w = Workdir::new();
    let csv = "hts,origin,entry_date,customs_value,mfn_rate\n\
               2204.21.50,CA,2026-09-28,10000,Free\n\
               2204.21.50,CA,2026-09-29,10000,Free\n\
               8711.50.00,CA,2026-10-01,10000,Free\n\
               2204.21.50,FR,2026-10-01,10000,Free\n";
    w.create("f.csv", csv);
    let o = run(&w, &["run", "f.csv", "--scenario", "historical", "--rejects", "rej.csv"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("rows read: 4 = assessed 2 + rejected 2"), "{}", stderr(&o));
    let rejects = std::fs::read_to_string(w.path("rej.csv")).unwrap();
    assert!(
        rejects.contains("f.csv,3,hts,2204.21.50,\"import prohibited")
            && rejects.contains("(Proclamation 11061, measure s338_canada_import_ban)"),
        "{rejects}"
    );
    assert!(
        rejects.contains("f.csv,4,hts,8711.50.00,\"import prohibited") && rejects.contains("(Proclamation 11063"),
        "{rejects}"
    );
    // The day before, the same wine owes the Section 338 duty (50%) and the forced-labor 301 duty (10%).
    let out = stdout(&o);
    assert!(out.lines().nth(1).is_some_and(|l| l.contains(",6000.00,")), "{out}");
}

/// `explain` names the declarations that would change the duty, and by how much; declared, they do.
#[test]
fn explain_names_the_declarations_that_would_change_the_duty() {
    let w = Workdir::new();
    let base = [
        "explain",
        "-s",
        "historical",
        "--hts",
        "3004.90.92.10",
        "--origin",
        "IN",
        "--date",
        "2026-10-01",
        "--value",
        "10000",
        "--mfn-rate",
        "Free",
    ];
    let o = run(&w, &base, "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Declarations that would change the duty"), "{out}");
    assert!(out.contains("9903.04.67  -10000.00 (total 0.00)"), "{out}");
    assert!(out.contains("9903.04.64  -8000.00 (total 2000.00)"), "{out}");
    let o = run(&w, &[&base[..], &["--declared", "9903.04.67", "--format", "json"]].concat(), "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["total_duty"], "0.00");
    assert_eq!(v["declared"][0], "9903.04.67");
}

/// `scenarios where ID` finds a measure from its id: the file and line it is defined on.
#[test]
fn scenarios_where_prints_the_file_and_line_of_a_measure() {
    let w = Workdir::new();
    let o = run(&w, &["scenarios", "where", "s301_brazil"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    let (file, line) = first.rsplit_once(':').unwrap();
    assert_eq!(file, "scenarios/parts/section-301-brazil.toml");
    let text = std::fs::read_to_string(manifest(file)).unwrap();
    let at: usize = line.parse().unwrap();
    assert_eq!(text.lines().nth(at - 1), Some("id = \"s301_brazil\""), "{first}");
    assert_eq!(run(&w, &["scenarios", "where", "nope"], "").status.code(), Some(2));
}
