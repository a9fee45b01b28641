//! The catalogue of bad flow files (`tests/data/bad/`): each `NAME.csv` is run with
//! `tariffstack run NAME.csv -s historical --rejects rejects.csv` and must give what `NAME.expected`
//! says. (Bad scenario files have their own catalogue: `scenario_errors`.)
//!
//! `NAME.expected`, one item a line:
//! - `# ...` what the case is and, where the behaviour is a choice, the decision;
//! - `exit: N` the exit code;
//! - `stderr: LINE` the lines of standard error that matter, exactly and in order: every
//!   `error: ...`, every `rejected: ...` sample and the `rows read: ...` reconciliation line;
//! - `reject: FILE:LINE column="C" value="V"` the rows of the reject report, in order.
//!
//! Those are golden: `UPDATE_GOLDEN=1 cargo test --release bad_inputs` rewrites them (the `#` lines
//! are kept). A case whose file has a `bug: ...` line shows a bug in the tool: its expectations are
//! written by hand as the tool should behave (`stderr:` and `reject:` lines must be present,
//! `contains: TEXT` must be part of some line of standard error), it is left out of the main test
//! and run by its own `#[ignore]`d test below; `UPDATE_GOLDEN` does not touch it.
//!
//! Every case, golden or not, is also held to the rules of the README: exit 0, 1 or 2 with 1 exactly
//! when rows were rejected; a fatal error is one `error:` line naming the file, with nothing written;
//! otherwise `rows read: N = assessed A + rejected R` adds up, the output has A rows, the report R
//! rows, each naming the file, a line after the header, and the column (a column of the file, whose
//! value is the one in the file) unless the whole row is at fault, and each is sampled on standard
//! error as `rejected: FILE:LINE: ...`.

use crate::util::{Workdir, data, stderr, stdout};
use std::path::PathBuf;
use std::process::Stdio;

/// The cases (file names without `.csv`), sorted.
fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".csv").map(str::to_string))
        .collect();
    names.sort();
    names
}

fn expected_path(name: &str) -> PathBuf {
    data("bad").join(format!("{name}.expected"))
}

/// A parsed `.expected` file.
#[derive(Default, Debug)]
struct Expected {
    comments: Vec<String>,
    bug: Option<String>,
    exit: Option<i32>,
    stderr: Vec<String>,
    contains: Vec<String>,
    rejects: Vec<String>,
}

fn read_expected(name: &str) -> Expected {
    let path = expected_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    let mut x = Expected::default();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            x.comments.push(line.to_string());
        } else if let Some(v) = line.strip_prefix("bug: ") {
            x.bug = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("exit: ") {
            x.exit = Some(v.trim().parse().unwrap_or_else(|_| panic!("{}:{}: bad exit code", path.display(), i + 1)));
        } else if let Some(v) = line.strip_prefix("stderr: ") {
            x.stderr.push(v.to_string());
        } else if let Some(v) = line.strip_prefix("contains: ") {
            x.contains.push(v.to_string());
        } else if let Some(v) = line.strip_prefix("reject: ") {
            x.rejects.push(v.to_string());
        } else if !line.is_empty() {
            panic!("{}:{}: unknown item `{line}`", path.display(), i + 1);
        }
    }
    x
}

/// What one run gave.
struct Outcome {
    file: String,
    code: i32,
    stdout: String,
    stderr: String,
    /// The reject report's rows (file, line, column, value, reason), when the file was written.
    rejects: Option<Vec<Vec<String>>>,
    /// The files left in the work directory.
    files: Vec<String>,
}

impl Outcome {
    /// The lines of standard error that matter.
    fn matter(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error: ") || l.starts_with("rejected: ") || l.starts_with("rows read: "))
            .map(str::to_string)
            .collect()
    }

    /// The reject report's rows in the `reject:` form.
    fn reject_lines(&self) -> Vec<String> {
        self.rejects.iter().flatten().map(|r| format!("{}:{} column={:?} value={:?}", r[0], r[1], r[2], r[3])).collect()
    }
}

fn run_case(name: &str) -> Outcome {
    let w = Workdir::new();
    let file = format!("{name}.csv");
    std::fs::copy(data("bad").join(&file), w.path(&file)).unwrap();
    let o = w
        .command(&["run", &file, "-s", "historical", "--rejects", "rejects.csv"])
        .stdin(Stdio::null())
        .output()
        .expect("run tariffstack");
    let rejects = std::fs::read(w.path("rejects.csv")).ok().map(|bytes| {
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
        let mut rows: Vec<Vec<String>> = r
            .byte_records()
            .map(|x| x.unwrap().iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect())
            .collect();
        assert_eq!(
            rows.first().map(Vec::as_slice),
            Some(&["file", "line", "column", "value", "reason"].map(String::from)[..])
        );
        rows.remove(0);
        rows
    });
    let mut files: Vec<String> =
        std::fs::read_dir(w.dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    Outcome { file, code: o.status.code().unwrap_or(-1), stdout: stdout(&o), stderr: stderr(&o), rejects, files }
}

/// The input's column names (as the tool matches them) and its records, as text.
fn input_table(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(data("bad").join(format!("{name}.csv"))).unwrap();
    // Split as the tool splits it: at the delimiter it finds from the first line.
    let first = bytes.split(|&b| b == b'\n' || b == b'\r').find(|l| !l.is_empty()).unwrap_or(&[]);
    let delimiter = tariffstack::flow::reader::detect_delimiter(first);
    let mut r =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(bytes.as_slice());
    let mut rows: Vec<Vec<String>> = r
        .byte_records()
        .map(|x| x.unwrap().iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect())
        .collect();
    if rows.is_empty() {
        return (Vec::new(), rows);
    }
    let header = rows.remove(0).iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()).collect();
    (header, rows)
}

/// The README's rules, for every case. Returns what is wrong.
fn check_rules(name: &str, o: &Outcome) -> Vec<String> {
    let mut bad = Vec::new();
    let matter = o.matter();
    for l in &matter {
        if l.chars().any(|c| c.is_control() && c != '\t') {
            bad.push(format!("a message holds control characters: {l:?}"));
        }
    }
    match o.code {
        2 => {
            let errors: Vec<&String> = matter.iter().filter(|l| l.starts_with("error: ")).collect();
            if errors.len() != 1 {
                bad.push(format!("exit 2 wants one `error:` line, got {errors:?}"));
            }
            if !errors.iter().all(|l| l.contains(&o.file)) {
                bad.push(format!("the error does not name {}: {errors:?}", o.file));
            }
            if o.files != [o.file.clone()] {
                bad.push(format!("a fatal error left files: {:?}", o.files));
            }
            if !o.stdout.is_empty() {
                bad.push(format!("a fatal error wrote to standard output: {:?}", o.stdout));
            }
        }
        0 | 1 => {
            let recon: Vec<&String> = matter.iter().filter(|l| l.starts_with("rows read: ")).collect();
            let [line] = recon.as_slice() else {
                bad.push(format!("want one reconciliation line, got {recon:?}"));
                return bad;
            };
            let n: Vec<u64> = line
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let (read, assessed, rejected) = (n[0], n[1], n[2]);
            if read != assessed + rejected {
                bad.push(format!("`{line}` does not add up"));
            }
            if (o.code == 1) != (rejected > 0) {
                bad.push(format!("exit {} with {rejected} rows rejected", o.code));
            }
            let mut out = csv::ReaderBuilder::new().flexible(true).from_reader(o.stdout.as_bytes());
            let written = out.byte_records().count() as u64;
            if written != assessed {
                bad.push(format!("{written} rows written, {assessed} assessed"));
            }
            let Some(rejects) = &o.rejects else {
                bad.push("no reject report written".into());
                return bad;
            };
            if rejects.len() as u64 != rejected {
                bad.push(format!("the report has {} rows, {rejected} rejected", rejects.len()));
            }
            let (header, records) = input_table(name);
            for r in rejects {
                let [file, line, column, value, reason] = &r[..] else {
                    bad.push(format!("a report row has {} fields: {r:?}", r.len()));
                    continue;
                };
                if file != &o.file {
                    bad.push(format!("report names file `{file}`, not `{}`", o.file));
                }
                if !line.parse::<u64>().is_ok_and(|l| l >= 2) {
                    bad.push(format!("report line `{line}` is not a line after the header"));
                }
                if reason.is_empty() {
                    bad.push(format!("no reason: {r:?}"));
                }
                if column.is_empty() {
                    if !reason.starts_with("the row ") {
                        bad.push(format!("no column for a reject that is not about the whole row: {r:?}"));
                    }
                } else {
                    match header.iter().position(|h| h == column) {
                        None => bad.push(format!("report column `{column}` is not a column of the file {header:?}")),
                        Some(i) => {
                            // As in the file, or as shown (cut with its length, invisible characters escaped).
                            let found = records.iter().any(|rec| {
                                rec.get(i).is_some_and(|f| {
                                    f.trim() == value.trim() || tariffstack::text::shown(f.trim()) == value.trim()
                                })
                            });
                            if !found {
                                bad.push(format!("report value {value:?} is not a `{column}` value of the file"));
                            }
                        }
                    }
                }
                if rejected <= 5 {
                    let at = format!("rejected: {file}:{line}:");
                    let sampled = matter.iter().any(|l| {
                        l.starts_with(&at) && (column.is_empty() || l.contains(&format!("column `{column}`")))
                    });
                    if !sampled {
                        bad.push(format!("no `{at} column `{column}`` line on standard error"));
                    }
                }
            }
        }
        c => bad.push(format!("exit code {c}")),
    }
    bad
}

/// Checks one case against its `.expected` (rewriting it when `UPDATE_GOLDEN=1` and the case is not
/// a known bug). Returns what is wrong.
fn check_case(name: &str) -> Vec<String> {
    let o = run_case(name);
    let mut x = read_expected(name);
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    if update && x.bug.is_none() {
        let mut text = String::new();
        for c in &x.comments {
            text.push_str(c);
            text.push('\n');
        }
        text.push_str(&format!("exit: {}\n", o.code));
        for l in o.matter() {
            text.push_str(&format!("stderr: {l}\n"));
        }
        for l in o.reject_lines() {
            text.push_str(&format!("reject: {l}\n"));
        }
        std::fs::write(expected_path(name), text).unwrap();
        x = read_expected(name);
    }
    let mut bad = Vec::new();
    if x.comments.is_empty() {
        bad.push("no `# ...` line says what the case is".into());
    }
    match x.exit {
        Some(code) if code != o.code => bad.push(format!("exit {}, expected {code}", o.code)),
        None => bad.push("no `exit:` line".into()),
        _ => {}
    }
    let matter = o.matter();
    let rejects = o.reject_lines();
    if x.bug.is_none() {
        if matter != x.stderr {
            bad.push(format!(
                "standard error differs (rerun with UPDATE_GOLDEN=1 if the change is intended)\n  expected: {:#?}\n  actual: {matter:#?}",
                x.stderr
            ));
        }
        if rejects != x.rejects {
            bad.push(format!("reject report differs\n  expected: {:#?}\n  actual: {rejects:#?}", x.rejects));
        }
        if !x.contains.is_empty() {
            bad.push("`contains:` is for hand-written (bug) cases; golden cases give whole lines".into());
        }
    } else {
        for l in &x.stderr {
            if !matter.contains(l) {
                bad.push(format!("standard error lacks the line `{l}`"));
            }
        }
        for l in &x.rejects {
            if !rejects.contains(l) {
                bad.push(format!("the reject report lacks `{l}`"));
            }
        }
    }
    for t in &x.contains {
        if !o.stderr.lines().any(|l| l.contains(t.as_str())) {
            bad.push(format!("no line of standard error contains `{t}`"));
        }
    }
    bad.extend(check_rules(name, &o));
    if !bad.is_empty() {
        bad.push(format!("standard error was:\n{}", o.stderr));
    }
    bad.into_iter().map(|b| format!("{name}: {b}")).collect()
}

/// The cases with a known bug, each run by its own ignored test below.
const KNOWN_BUGS: [&str; 0] = [];

fn assert_case(name: &str) {
    let bad = check_case(name);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_catalogue_has_at_least_40_distinct_cases_each_with_its_expectations() {
    let names = case_names();
    let mut bugs = Vec::new();
    let mut contents = std::collections::BTreeMap::new();
    for n in &names {
        let x = read_expected(n);
        if x.bug.is_some() {
            bugs.push(n.as_str());
        }
        let bytes = std::fs::read(data("bad").join(format!("{n}.csv"))).unwrap();
        if let Some(other) = contents.insert(bytes, n.clone()) {
            panic!("{n}.csv and {other}.csv are the same file");
        }
    }
    assert_eq!(bugs, KNOWN_BUGS, "cases marked `bug:` and the ignored tests that run them");
    assert!(names.len() - bugs.len() >= 40, "{} working cases", names.len() - bugs.len());
    for e in std::fs::read_dir(data("bad")).unwrap() {
        let f = e.unwrap().file_name().to_string_lossy().into_owned();
        let stem = f.strip_suffix(".expected").or_else(|| f.strip_suffix(".csv")).unwrap_or("");
        assert!(
            names.iter().any(|n| n == stem) || f == "README.md",
            "{f}: neither a case (`NAME.csv` with `NAME.expected`) nor the README"
        );
    }
}

#[test]
fn every_bad_flow_file_gives_its_message_exit_code_and_reject_report() {
    let names: Vec<String> = case_names().into_iter().filter(|n| !KNOWN_BUGS.contains(&n.as_str())).collect();
    // Two at a time: each case is a short process, and the suite shares 2 cores.
    let failures: Vec<String> = std::thread::scope(|s| {
        let (a, b) = names.split_at(names.len() / 2);
        let h: Vec<_> =
            [a, b].map(|part| s.spawn(move || part.iter().flat_map(|n| check_case(n)).collect::<Vec<_>>())).into();
        h.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn bug_unterminated_quote_at_the_end_is_rejected() {
    assert_case("unterminated-quote-at-end");
}

#[test]
fn bug_unterminated_quote_does_not_swallow_rows_silently() {
    assert_case("unterminated-quote-swallows-rows");
}

#[test]
fn bug_utf16_file_is_refused_saying_utf16() {
    assert_case("utf16-le");
}

#[test]
fn unknown_unit_reject_gives_the_value_found() {
    let o = run_case("specific-rate-unknown-unit");
    assert!(o.stderr.contains("a quantity in `lbs` (a unit this tool does not know)"), "{}", o.stderr);
}

#[test]
fn bug_whole_row_reject_sample_has_no_empty_column_slot() {
    let o = run_case("too-few-fields");
    assert!(
        o.matter().contains(&"rejected: too-few-fields.csv:3: the row has 3 fields; the header has 4".to_string()),
        "{}",
        o.stderr
    );
}

// ------------------------------------------------------------------------------------------------
// the decisions, beyond the golden messages

/// Output records of a run, as maps by column name.
fn output_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records().map(|x| h.iter().cloned().zip(x.unwrap().iter().map(str::to_string)).collect()).collect()
}

const RESULT: [&str; 7] =
    ["scenario", "mfn_duty", "additional_duty", "total_duty", "effective_rate", "measures", "citations"];

#[test]
fn lower_case_origin_is_accepted_and_priced_as_upper_case() {
    let o = run_case("origin-lower-case");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows = output_rows(&o.stdout);
    assert_eq!((rows[0]["origin"].as_str(), rows[1]["origin"].as_str()), ("jp", "JP"), "passes through as written");
    for c in RESULT {
        assert_eq!(rows[0][c], rows[1][c], "{c}");
    }
    assert_eq!(rows[0]["measures"], "mfn;ieepa_reciprocal_baseline");
}

#[test]
fn a_leading_plus_sign_is_priced_as_the_plain_number() {
    let o = run_case("value-plus-sign");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let plus = &output_rows(&o.stdout)[1];
    assert_eq!(plus["customs_value"], "+5");
    let w = Workdir::new();
    let plain =
        w.run(&["run", "-s", "historical"], "hts,origin,entry_date,customs_value\n9403.60.80,JP,2025-05-01,5\n");
    let plain = &output_rows(&stdout(&plain))[0];
    for c in RESULT {
        assert_eq!(plus[c], plain[c], "{c}");
    }
    assert_eq!(plus["total_duty"], "0.50");
}

#[test]
fn an_unnamed_header_column_passes_through_like_any_other() {
    let o = run_case("header-empty-column-name");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.lines().next().unwrap();
    assert!(first.starts_with("hts,origin,,entry_date,customs_value,scenario,"), "{first}");
}
