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

// ------------------------------------------------------------------------------------------------
// the HTML page: helpers

use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The four bundled scenarios of the README's main job.
const FOUR: [&str; 8] = ["-s", "historical", "-s", "status-quo", "-s", "pause-expires", "-s", "deal-reached"];

/// Every chart of a page comparing several scenarios (one waterfall per scenario after the first).
const CHARTS: [&str; 6] = [
    "chart-rate-by-scenario",
    "chart-rate-by-origin",
    "chart-rate-by-chapter",
    "chart-waterfall-1",
    "chart-waterfall-2",
    "chart-waterfall-3",
];

/// Every CSV block of a page comparing several scenarios.
const BLOCKS: [&str; 7] = [
    "data-summary",
    "data-chart-origin",
    "data-by-origin",
    "data-chart-chapter",
    "data-by-chapter",
    "data-waterfall",
    "data-by-measure",
];

/// The Japan sample of the README.
fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/japan-2024.csv").display().to_string()
}

/// Flows from 20 origins over three chapters (so that the by-origin chart has an `(other)` group),
/// at the values of a few trade lines.
fn many_origins() -> String {
    let origins = [
        "JP", "CN", "DE", "FR", "GB", "KR", "TW", "VN", "MX", "CA", "IN", "BR", "IT", "ES", "NL", "CH", "TH", "MY",
        "ID", "AU",
    ];
    let mut s = String::from("hts,origin,entry_date,customs_value\n");
    for (i, o) in origins.iter().enumerate() {
        let v = 1000 * (i + 1) as u64;
        s.push_str(&format!("8703.23.01,{o},2025-10-01,{}.37\n", 30 * v));
        s.push_str(&format!("9403.60.80,{o},2025-05-01,{}\n", v + 17));
        s.push_str(&format!("8708.99.81,{o},2025-06-01,{}.05\n", 5 * v));
    }
    s
}

/// Runs the binary in `w`; panics unless it exits 0; returns standard output.
fn ok(w: &Workdir, args: &[&str]) -> String {
    let o = w.command(args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{args:?}\n{}", stderr(&o));
    stdout(&o)
}

/// `compare FILE SCENARIOS EXTRA --format html -o report.html` in `w`; returns the page.
fn html(w: &Workdir, file: &str, scenarios: &[&str], extra: &[&str]) -> String {
    let mut args = vec!["compare", file];
    args.extend(scenarios);
    args.extend(extra);
    args.extend(["--format", "html", "-o", "report.html", "-q"]);
    ok(w, &args);
    std::fs::read_to_string(w.path("report.html")).unwrap()
}

/// Undoes the page's escaping.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// The text of the CSV block `id`.
fn block(page: &str, id: &str) -> String {
    let open = format!("<pre class=\"csv\" id=\"{id}\">");
    let start = page.find(&open).unwrap_or_else(|| panic!("no block {id}")) + open.len();
    let end = start + page[start..].find("</pre>").unwrap();
    unescape(&page[start..end])
}

/// The cells of the table `id`, row by row (the header row first), unescaped.
fn html_table(page: &str, id: &str) -> Vec<Vec<String>> {
    let start = page.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("no table {id}"));
    let body = &page[start..start + page[start..].find("</table>").unwrap()];
    body.split("<tr>").skip(1).map(cells).collect()
}

/// The `<th>` and `<td>` cells of a table row, as text (line-break hints dropped, unescaped).
fn cells(row: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = row;
    while let Some(i) = rest.find("<t") {
        let after = &rest[i + 2..];
        rest = after;
        if !(after.starts_with("h ") || after.starts_with("h>") || after.starts_with("d ") || after.starts_with("d>")) {
            continue;
        }
        let open = after.find('>').unwrap() + 1;
        let close = after.find("</t").unwrap();
        out.push(unescape(&after[open..close].replace("<wbr>", "")));
        rest = &after[close..];
    }
    out
}

/// A money cell as shown (`1,234.50`, `+12.00`) as a decimal.
fn shown_money(s: &str) -> Decimal {
    s.replace(',', "").trim_start_matches('+').parse().unwrap_or_else(|e| panic!("`{s}`: {e}"))
}

// ------------------------------------------------------------------------------------------------
// the HTML page: static checks

#[test]
fn html_report_is_one_document_that_fetches_nothing() {
    let w = Workdir::new();
    let page = html(&w, &sample(), &FOUR, &["--as-of", "2025-10-17", "--assume", "bea", "--ranges"]);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"), "{}", &page[..200]);
    assert!(page.ends_with("</body>\n</html>\n"));
    for tag in ["<html", "<head>", "<body>", "</html>"] {
        assert_eq!(page.matches(tag).count(), 1, "{tag}");
    }
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    ));
    // Nothing that could be fetched: no URL anywhere, no script, and every src/href a data: URL or
    // a fragment.
    let lower = page.to_lowercase();
    for bad in ["http:", "https:", "<script", "<img", "<iframe", "<object", "<embed", "url(", "@import", "ftp:"] {
        assert!(!lower.contains(bad), "the page contains `{bad}`");
    }
    for attr in ["src=", "href="] {
        for (i, _) in lower.match_indices(attr) {
            let value = lower[i + attr.len()..].trim_start_matches(['"', '\'']);
            assert!(value.starts_with("data:") || value.starts_with('#'), "{attr}{}", &value[..value.len().min(40)]);
            assert!(!value.starts_with("//"));
        }
    }
    for id in CHARTS {
        let at = page.find(&format!("<svg id=\"{id}\"")).unwrap_or_else(|| panic!("no chart {id}"));
        let svg = &page[at..at + page[at..].find("</svg>").unwrap()];
        assert!(
            svg.contains(&format!("<title id=\"{id}-title\">")) && svg.contains(&format!("<desc id=\"{id}-desc\">"))
        );
        assert!(svg.contains("role=\"img\""));
    }
    assert_eq!(page.matches("<svg ").count(), CHARTS.len());
    for id in BLOCKS {
        assert!(!block(&page, id).is_empty(), "{id}");
    }
    // The text of the table format: the law line of each scenario and the answer line.
    assert_eq!(page.matches("law as of 2026-12-06").count(), 4);
    assert!(page.contains("answer: estimate under assumptions bea"));
    assert!(page.contains("<th scope=\"col\">total duty low</th>"));
    // Percent axes and a legend with every scenario.
    assert!(page.contains(">10%</text>"));
    for s in ["historical", "status-quo", "pause-expires", "deal-reached"] {
        assert!(page.contains(&format!("\">{s}</text>")), "legend {s}");
    }
}

#[test]
fn html_csv_blocks_equal_compare_csv() {
    let w = Workdir::new();
    w.create("flows.csv", &many_origins());
    let scenarios = ["-s", "historical", "-s", "pause-expires", "-s", "deal-reached"];
    for extra in [&[][..], &["--by", "origin"], &["--by", "chapter"], &["--by", "measure"], &["--by", "hts4"]] {
        let page = html(&w, "flows.csv", &scenarios, extra);
        let csv = |by: Option<&str>| {
            let mut args = vec!["compare", "flows.csv"];
            args.extend(scenarios);
            args.extend(["--format", "csv", "-q"]);
            if let Some(b) = by {
                args.extend(["--by", b]);
            }
            ok(&w, &args)
        };
        assert_eq!(block(&page, "data-summary"), csv(None), "{extra:?}");
        for by in ["origin", "chapter", "measure"] {
            assert_eq!(block(&page, &format!("data-by-{by}")), csv(Some(by)), "{by} {extra:?}");
        }
        if extra.contains(&"hts4") {
            assert_eq!(block(&page, "data-by-hts4"), csv(Some("hts4")));
            assert!(page.contains("<table id=\"by-hts4-table\">"));
        }
        for id in BLOCKS {
            assert_eq!(page.matches(&format!(" id=\"{id}\"")).count(), 1, "{id} once");
        }
    }
}

#[test]
fn html_chart_blocks_hold_the_top_groups_and_the_rest_summed() {
    let w = Workdir::new();
    w.create("flows.csv", &many_origins());
    let page = html(&w, "flows.csv", &["-s", "historical", "-s", "pause-expires"], &[]);
    let all = rows(&block(&page, "data-by-origin"));
    let plotted = rows(&block(&page, "data-chart-origin"));
    assert_eq!(all[0], plotted[0]);
    // 15 origins and (other), two scenarios each.
    assert_eq!(plotted.len(), 1 + 16 * 2);
    let other: Vec<&Vec<String>> = plotted.iter().filter(|r| r[0] == "(other)").collect();
    assert_eq!(other.len(), 2);
    let named: Vec<&Vec<String>> = plotted[1..].iter().filter(|r| r[0] != "(other)").collect();
    for r in &named {
        assert!(all.contains(r), "{r:?}");
    }
    // The largest origin by customs value comes first; (other) holds the 5 smallest.
    assert_eq!(plotted[1][0], "AU");
    for (col, name) in [(2, "rows"), (3, "customs_value"), (6, "total_duty")] {
        for o in &other {
            let sum: Decimal = all[1..]
                .iter()
                .filter(|r| r[1] == o[1] && !named.iter().any(|n| n[0] == r[0]))
                .map(|r| r[col].parse::<Decimal>().unwrap())
                .sum();
            assert_eq!(o[col].parse::<Decimal>().unwrap(), sum, "{name} of (other) under {}", o[1]);
        }
    }
    assert!(page.contains(">other (5 origins)</text>"));
}

#[test]
fn html_headline_table_shows_the_numbers_of_the_csv() {
    let w = Workdir::new();
    let page = html(&w, &sample(), &FOUR, &["--as-of", "2025-10-17", "--ranges"]);
    let csv = rows(&block(&page, "data-summary"));
    let shown = html_table(&page, "summary-table");
    assert_eq!(shown.len(), csv.len());
    assert_eq!(
        shown[0][..8],
        [
            "scenario",
            "rows",
            "customs value",
            "MFN duty",
            "additional duty",
            "total duty",
            "effective rate",
            "difference"
        ]
    );
    for (s, c) in shown[1..].iter().zip(&csv[1..]) {
        assert_eq!(s[0], c[0]);
        assert_eq!(s[1], c[1]);
        for k in 2..6 {
            assert!(s[k].contains(','), "thousands separators in the visible table: {}", s[k]);
            assert_eq!(shown_money(&s[k]), c[k].parse::<Decimal>().unwrap(), "{} column {k}", s[0]);
        }
        // The rate in percent, 4 places, as the table format rounds it.
        let rate: Decimal = c[6].parse().unwrap();
        assert_eq!(s[6], format!("{}%", (rate * Decimal::ONE_HUNDRED).round_dp(4).normalize()));
        if s[7] == "(reference)" {
            assert_eq!(c[7], "0.00");
        } else {
            assert_eq!(shown_money(&s[7]), c[7].parse::<Decimal>().unwrap());
        }
        assert_eq!(shown_money(&s[8]), c[8].parse::<Decimal>().unwrap(), "low");
        assert_eq!(shown_money(&s[9]), c[9].parse::<Decimal>().unwrap(), "high");
    }
}

#[test]
fn html_waterfall_steps_go_from_the_reference_total_to_each_total() {
    let w = Workdir::new();
    let page = html(&w, &sample(), &FOUR, &["--as-of", "2025-10-17"]);
    let summary = rows(&block(&page, "data-summary"));
    let total = |name: &str| summary.iter().find(|r| r[0] == name).unwrap()[5].parse::<Decimal>().unwrap();
    let steps = rows(&block(&page, "data-waterfall"));
    assert_eq!(steps[0], ["scenario", "step", "start", "end", "change"]);
    let by_measure = rows(&block(&page, "data-by-measure"));
    for s in ["status-quo", "pause-expires", "deal-reached"] {
        let mine: Vec<&Vec<String>> = steps.iter().filter(|r| r[0] == s).collect();
        let d = |r: &Vec<String>, k: usize| r[k].parse::<Decimal>().unwrap();
        assert_eq!(mine[0][1], "historical total");
        assert_eq!(d(mine[0], 3), total("historical"));
        let last = mine.last().unwrap();
        assert_eq!(last[1], format!("{s} total"));
        assert_eq!(d(last, 3), total(s));
        let mut at = total("historical");
        for r in &mine[1..mine.len() - 1] {
            assert_eq!(d(r, 2), at);
            at += d(r, 4);
            assert_eq!(d(r, 3), at);
            // The change is the measure's difference in the by-measure block.
            let m = by_measure.iter().find(|m| m[0] == r[1] && m[1] == s).unwrap();
            assert_eq!(m[8], r[4], "{s} {}", r[1]);
        }
        assert_eq!(at, total(s), "{s}: the steps add up to the difference");
    }
    // deal-reached owes what historical owes on this date: no step.
    assert_eq!(steps.iter().filter(|r| r[0] == "deal-reached").count(), 2);
    assert!(page.contains("No measure's duty differs."));
}

#[test]
fn html_with_one_scenario_is_a_summary_with_duty_by_measure() {
    let w = Workdir::new();
    let page = html(&w, &sample(), &["-s", "historical"], &[]);
    assert!(page.contains("<svg id=\"chart-duty-by-measure\""));
    assert!(!page.contains("chart-waterfall") && !page.contains("data-waterfall"));
    assert!(!html_table(&page, "summary-table")[0].contains(&"difference".to_string()));
    assert_eq!(
        block(&page, "data-by-measure"),
        ok(&w, &["compare", &sample(), "-s", "historical", "--by", "measure", "--format", "csv", "-q"])
    );
}

#[test]
fn html_escapes_file_names_and_entry_numbers() {
    let w = Workdir::new();
    let name = "a<b>&'c\".csv";
    w.create(name, "entry_number,hts,origin,entry_date,customs_value\n<i>E1&</i>,8703.23.01,JP,2025-10-01,30000\n");
    let page = html(&w, name, &["-s", "historical"], &["--by", "entry"]);
    assert!(page.contains("a&lt;b&gt;&amp;&#39;c&quot;.csv"));
    assert!(!page.contains("<b>") && !page.contains("<i>"));
    assert!(page.contains("<th scope=\"row\">&lt;i&gt;E1&amp;&lt;/i&gt;</th>"));
    assert_eq!(
        block(&page, "data-by-entry"),
        ok(&w, &["compare", name, "-s", "historical", "--by", "entry", "--format", "csv", "-q"])
    );
}

// ------------------------------------------------------------------------------------------------
// the HTML page: golden file

/// A small fixed input: Japanese cars, furniture and a part, a Chinese table, before and after the deal.
const SMALL: &str = "\
hts,origin,entry_date,customs_value
8703.23.01,JP,2025-04-16,30000
8703.23.01,JP,2025-10-01,30000
9403.60.80,JP,2025-05-01,1000
9403.60.80,JP,2025-08-20,1000
9403.60.80,CN,2025-05-01,1000
8704.31.01,JP,2025-10-01,40000
8708.99.81,JP,2025-06-01,5000
";

/// The page of a small fixed input, so that a change of layout is seen in review: `UPDATE_GOLDEN=1`
/// rewrites `tests/golden/compare-small.html` deliberately.
#[test]
fn golden_html_of_a_small_fixture() {
    let w = Workdir::new();
    w.create("small.csv", SMALL);
    let page = html(&w, "small.csv", &["-s", "historical", "-s", "pause-expires", "-s", "deal-reached"], &["--ranges"]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/compare-small.html");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    if expected != page {
        let first = expected.lines().zip(page.lines()).position(|(a, b)| a != b).map(|i| i + 1);
        panic!(
            "{} differs from the output (first differing line {first:?}; rerun with UPDATE_GOLDEN=1 if the change is intended)\n--- actual\n{page}",
            path.display()
        );
    }
}

// ------------------------------------------------------------------------------------------------
// the HTML page in a browser

/// Headless Chromium: `$CHROMIUM` (when it names no file: none), else `chromium` (or
/// `chromium-browser`, `google-chrome`) on the `PATH`, else `/usr/bin/chromium`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        if let Some(p) = std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()) {
            return Some(p);
        }
    }
    Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file())
}

/// Runs Chromium headless on `url` with `extra` flags, in a fresh profile under `w`; waits at most
/// two minutes. Returns (standard output, standard error).
fn run_chromium(exe: &Path, w: &Workdir, tag: &str, extra: &[String], url: &str) -> (String, String) {
    let profile = w.path(&format!("profile-{tag}"));
    let (out, err) = (w.path(&format!("{tag}.out")), w.path(&format!("{tag}.err")));
    let mut child = std::process::Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let err_text = std::fs::read_to_string(&err).unwrap_or_default();
            assert!(status.success(), "chromium {tag}: {status}\n{err_text}");
            return (std::fs::read_to_string(&out).unwrap_or_default(), err_text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {tag} did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The URLs a page asked for, from Chromium's NetLog (`--log-net-log`): the URL requests made for a
/// web page (whose `initiator` is an origin: `null` for a file:// page), not the browser's own
/// background requests (component updates, account checks: initiator `not an origin`), which no
/// flag fully turns off.
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).unwrap_or_else(|e| panic!("{}: {e}", netlog.display()));
    let log: serde_json::Value = serde_json::from_str(&text).expect("the NetLog is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64().expect("a NetLog event type");
    log["events"]
        .as_array()
        .expect("NetLog events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str().is_some_and(|i| i != "not an origin"))
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .collect()
}

/// Loads `page` (a file in `w`) in Chromium with every host name unresolvable (nothing leaves the
/// machine, but a request is still started, and logged, before it fails) and returns the URLs the
/// page asked for.
fn requests_of(exe: &Path, w: &Workdir, tag: &str, page: &str) -> Vec<String> {
    let netlog = w.path(&format!("{tag}.netlog.json"));
    run_chromium(
        exe,
        w,
        tag,
        &[
            "--dump-dom".into(),
            "--host-resolver-rules=MAP * ~NOTFOUND".into(),
            format!("--log-net-log={}", netlog.display()),
        ],
        &format!("file://{}", w.path(page).display()),
    );
    page_requests(&netlog)
}

#[test]
fn html_report_renders_in_headless_chromium_without_any_request() {
    let Some(exe) = chromium() else {
        crate::util::skipped("html_report_renders_in_headless_chromium", "chromium not installed");
        return;
    };
    let w = Workdir::new();
    let page = html(&w, &sample(), &FOUR, &["--as-of", "2025-10-17", "--assume", "bea", "--ranges"]);
    let url = format!("file://{}", w.path("report.html").display());

    // The page as written: a screenshot, and the document as the browser built it.
    let shot = w.path("report.png");
    run_chromium(
        &exe,
        &w,
        "screenshot",
        &[format!("--screenshot={}", shot.display()), "--window-size=1280,2000".into()],
        &url,
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG file");
    assert_eq!(&png[12..16], b"IHDR");
    let (width, height) =
        (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()));
    assert_eq!((width, height), (1280, 2000));
    // A blank page of that size compresses to a few kilobytes; text and charts take far more.
    assert!(png.len() > 40_000, "the screenshot is only {} bytes: is the page blank?", png.len());
    let (dom, _) = run_chromium(&exe, &w, "dom", &["--dump-dom".into()], &url);
    for id in CHARTS {
        assert!(dom.contains(&format!("<svg id=\"{id}\"")), "the browser's document lost {id}");
    }
    for id in BLOCKS {
        assert!(dom.contains(&format!("id=\"{id}\"")), "the browser's document lost {id}");
    }
    assert!(dom.contains("<rect"));

    // No request. The browser's NetLog records every URL request with the origin that made it (see
    // `page_requests`); the page is loaded with its Content-Security-Policy taken out, so that a
    // reference the policy would block still shows up as a request. First the detector is checked
    // on a page that does fetch a stylesheet and an image: it must see both.
    w.create(
        "probe.html",
        "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"https://cdn.example.com/x.css\"></head>\
         <body><img src=\"http://img.example.org/a.png\" alt=\"\"></body></html>",
    );
    let probe = requests_of(&exe, &w, "probe", "probe.html");
    assert!(
        probe.iter().any(|u| u == "https://cdn.example.com/x.css")
            && probe.iter().any(|u| u == "http://img.example.org/a.png"),
        "the NetLog no longer shows a page's requests: {probe:?}"
    );
    let csp_start = page.find("<meta http-equiv=\"Content-Security-Policy\"").unwrap();
    let csp_end = csp_start + page[csp_start..].find('>').unwrap() + 1;
    w.create("open.html", &format!("{}{}", &page[..csp_start], &page[csp_end..]));
    assert!(!std::fs::read_to_string(w.path("open.html")).unwrap().contains("Content-Security-Policy"));
    assert_eq!(requests_of(&exe, &w, "open", "open.html"), Vec::<String>::new(), "the page made requests");
}
