//! Files an importer already has: an ACE ES-003 report ("Entry Summary Line Tariff Details"), as CSV
//! and as an Excel workbook, read by `run`, `compare` and `refund`; flow files separated by `;` or
//! tabs.
//!
//! `tests/data/es003/sample.csv` is an anonymised report of six entry lines (thirteen rows: each
//! goods row with its Chapter 99 rows, in either order); `sample-flows.csv` holds the same lines
//! as a flow file, written by hand (`declared` the Chapter 99 headings, `ieepa_paid` the duty
//! amounts of the 9903.01/9903.02 rows). The workbook is written by [`write_xlsx`] from the CSV
//! report at test time, with amounts as numbers, dates as date cells and HTS numbers as numbers
//! (the leading zero of chapter 09 lost), under a title row as ACE puts one.

use crate::util::{Workdir, data, stderr, stdout};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

fn sample(name: &str) -> String {
    data("es003").join(name).to_str().unwrap().to_string()
}

/// A refund report's rows keyed by (by, group).
type RefundRows = BTreeMap<(String, String), Vec<String>>;

/// `refund FILE --format csv`: the report's rows keyed by (by, group), the exit code, stderr.
fn refund_rows(wd: &Workdir, file: &str, extra: &[&str]) -> (RefundRows, Option<i32>, String) {
    let mut args = vec!["refund", file, "--format", "csv"];
    args.extend_from_slice(extra);
    let out = wd.command(&args).output().unwrap();
    let mut rows = BTreeMap::new();
    let text = stdout(&out);
    for r in csv::Reader::from_reader(text.as_bytes()).records() {
        let r = r.unwrap();
        rows.insert((r[0].to_string(), r[1].to_string()), r.iter().skip(2).map(str::to_string).collect());
    }
    (rows, out.status.code(), stderr(&out))
}

/// `run FILE -s historical`: per output row, the columns that carry the answer.
fn run_duties(wd: &Workdir, args: &[&str]) -> (Vec<Vec<String>>, Option<i32>, String) {
    let out = wd.command(args).output().unwrap();
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let cols = [
        "entry_number",
        "hts",
        "origin",
        "entry_date",
        "customs_value",
        "declared",
        "ieepa_paid",
        "mfn_duty",
        "additional_duty",
        "total_duty",
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
fn refund_on_the_es003_report_equals_refund_on_the_flows() {
    let wd = Workdir::new();
    let (want, code, err) = refund_rows(&wd, &sample("sample-flows.csv"), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(want[&("total".into(), String::new())], ["6", "160000.00", "28360.00", "28360.00", "3360.00", "0"]);
    let (got, code, err) = refund_rows(&wd, &sample("sample.csv"), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(got, want);
    assert!(err.contains("read as an ACE ES-003 report"), "{err}");
    assert!(err.contains("rows read: 6 = assessed 6 + rejected 0"), "one row read per entry line: {err}");
    // Forced, the same; and from standard input (found from the header there too).
    let (forced, _, _) = refund_rows(&wd, &sample("sample.csv"), &["--input-format", "es003"]);
    assert_eq!(forced, want);
    let piped = wd.run(&["refund", "-", "--format", "csv"], &std::fs::read_to_string(sample("sample.csv")).unwrap());
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    let (flows, _, _) = refund_rows(&wd, &sample("sample-flows.csv"), &[]);
    let mut got = BTreeMap::new();
    for r in csv::Reader::from_reader(stdout(&piped).as_bytes()).records() {
        let r = r.unwrap();
        got.insert((r[0].to_string(), r[1].to_string()), r.iter().skip(2).map(str::to_string).collect::<Vec<_>>());
    }
    assert_eq!(got, flows);
}

#[test]
fn refund_on_the_es003_workbook_equals_refund_on_the_flows() {
    let wd = Workdir::new();
    let book = wd.path("sample.xlsx");
    write_xlsx(&book, &std::fs::read_to_string(sample("sample.csv")).unwrap(), "Main Report");
    let (want, _, _) = refund_rows(&wd, &sample("sample-flows.csv"), &[]);
    let (got, code, err) = refund_rows(&wd, book.to_str().unwrap(), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(got, want);
    assert!(err.contains("from sheet `Main Report`"), "{err}");
    assert!(err.contains("rows read: 6 = assessed 6 + rejected 0"), "{err}");
}

#[test]
fn run_and_compare_on_the_es003_report_give_the_flows_duties() {
    let wd = Workdir::new();
    let book = wd.path("sample.xlsx");
    write_xlsx(&book, &std::fs::read_to_string(sample("sample.csv")).unwrap(), "Main Report");
    let (want, code, err) = run_duties(&wd, &["run", &sample("sample-flows.csv"), "-s", "historical"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(want.len(), 6);
    for file in [sample("sample.csv"), book.to_str().unwrap().to_string()] {
        let (got, code, err) = run_duties(&wd, &["run", &file, "-s", "historical"]);
        assert_eq!(code, Some(0), "{file}: {err}");
        assert_eq!(got, want, "{file}");
    }
    let summary = |file: &str| {
        let out =
            wd.command(&["compare", file, "-s", "historical", "-s", "no-ieepa", "--format", "csv"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(summary(&sample("sample.csv")), summary(&sample("sample-flows.csv")));
}

/// The header of the sample report, and a row of it with fields replaced.
const HEADER: &str = "Entry Summary Number,Entry Summary Line Number,Entry Type Code,Importer Number,Port of Entry Code,Entry Date,Entry Summary Date,Country of Origin Code,Country of Export Code,Line SPI Code,Tariff Ordinal Number,HTS Number - Full,Line Tariff Goods Value Amount,Line Tariff Duty Amount,Line Tariff Quantity (1),Line Tariff UOM (1) Code";

fn row(entry: &str, line: &str, date: &str, origin: &str, hts: &str, value: &str, duty: &str) -> String {
    format!("{entry},{line},01,ZZ-0000000AA,4601,{date},{date},{origin},{origin},,1,{hts},\"{value}\",\"{duty}\",,")
}

/// A flow table saved as Excel (values as numbers, dates as date cells) gives what its CSV gives;
/// its rejects name the sheet row.
#[test]
fn a_flow_table_in_a_workbook_reads_as_its_csv() {
    let wd = Workdir::new();
    let flows = std::fs::read_to_string(sample("sample-flows.csv")).unwrap();
    let book = wd.path("flows.xlsx");
    write_xlsx(&book, &flows, "Flows");
    let (want, _, _) = run_duties(&wd, &["run", &sample("sample-flows.csv"), "-s", "historical"]);
    let (got, code, err) = run_duties(&wd, &["run", book.to_str().unwrap(), "-s", "historical"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("flows read from sheet `Flows`"), "{err}");
    // The value passes through as the number cell reads (`10000`, the CSV's `10000.00`).
    let plain = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|mut r| {
                r[4] = r[4].trim_end_matches(".00").to_string();
                r
            })
            .collect()
    };
    assert_eq!(plain(got), plain(want));
    let (r1, _, _) = refund_rows(&wd, book.to_str().unwrap(), &[]);
    let (r2, _, _) = refund_rows(&wd, &sample("sample-flows.csv"), &[]);
    assert_eq!(r1, r2);
    // A bad value: its sheet row (title, blank row, header on row 3: the second flow is on row 5).
    let bad = flows.replacen(",IN,", ",UK,", 2).replacen(",UK,", ",IN,", 1);
    write_xlsx(&book, &bad, "Flows");
    let out = wd.command(&["run", book.to_str().unwrap(), "-s", "historical"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("rejected: {}:5: column `origin`: `UK` is not", book.display())), "{err}");
    // Forced as an ES-003 report, it is refused: no sheet has that header.
    let out =
        wd.command(&["run", book.to_str().unwrap(), "-s", "historical", "--input-format", "es003"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no sheet has an ES-003 header"), "{}", stderr(&out));
}

#[test]
fn bad_es003_rows_are_rejected_at_their_row_and_column() {
    let wd = Workdir::new();
    let rows = [
        HEADER.to_string(),
        // line 2-3: good
        row("E1", "1", "04/08/2025", "IN", "9903.01.25", "$0.00", "$1,000.00"),
        row("E1", "1", "04/08/2025", "IN", "3923900080", "$10,000.00", "$300.00"),
        // line 4-5: `UK` on the goods row
        row("E1", "2", "04/08/2025", "UK", "3923900080", "$10,000.00", "$300.00"),
        row("E1", "2", "04/08/2025", "UK", "9903.01.25", "$0.00", "$1,000.00"),
        // line 6: a misgrouped amount
        row("E2", "1", "04/08/2025", "IN", "3923900080", "$10,00.00", "$300.00"),
        // line 7: an IEEPA duty amount that is not one
        row("E2", "2", "04/08/2025", "IN", "3923900080", "$10,000.00", "$300.00"),
        row("E2", "2", "04/08/2025", "IN", "9903.01.25", "$0.00", "n/a"),
        // line 9: a date that is no day
        row("E3", "1", "02/30/2025", "IN", "3923900080", "$10,000.00", "$300.00"),
        // line 10: only a Chapter 99 row
        row("E4", "1", "04/08/2025", "IN", "9903.01.25", "$0.00", "$1,000.00"),
        // line 11-12: two goods rows on one line
        row("E5", "1", "04/08/2025", "IN", "3923900080", "$10,000.00", "$300.00"),
        row("E5", "1", "04/08/2025", "IN", "8471300100", "$1,000.00", "$0.00"),
        // line 13: a short row
        "E6,1,01".to_string(),
        // line 14: good again, after line 1 of E1 turned up earlier
        row("E1", "1", "04/08/2025", "IN", "3923900080", "$10,000.00", "$300.00"),
    ];
    let report = wd.create("report.csv", &(rows.join("\n") + "\n"));
    let out = wd
        .command(&["run", report.to_str().unwrap(), "-s", "historical", "--rejects", "rejects.csv"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("rows read: 9 = assessed 1 + rejected 8"), "{err}");
    let text = std::fs::read_to_string(wd.path("rejects.csv")).unwrap();
    let rejects: Vec<csv::StringRecord> =
        csv::Reader::from_reader(text.as_bytes()).records().map(Result::unwrap).collect();
    let got: Vec<(String, String, String)> =
        rejects.iter().map(|r| (r[1].to_string(), r[2].to_string(), r[4].to_string())).collect();
    let file = report.to_str().unwrap();
    assert!(rejects.iter().all(|r| &r[0] == file), "{text}");
    let expect = [
        ("4", "Country of Origin Code", "did you mean `GB`?"),
        ("6", "Line Tariff Goods Value Amount", "`$10,00.00` is not an amount"),
        ("8", "Line Tariff Duty Amount", "IEEPA duty amount of 9903.01.25"),
        ("9", "Entry Date", "`02/30/2025`: no such day"),
        ("10", "HTS Number - Full", "has only Chapter 99 rows"),
        ("12", "HTS Number - Full", "a second goods HTS number on entry E5 line 1 (the first on row 11)"),
        ("13", "", "the row has 3 fields; the header has 16"),
        ("14", "Entry Summary Number", "entry E1 turns up again after other entries"),
    ];
    assert_eq!(got.len(), expect.len(), "{text}");
    for ((line, column, reason), (l, c, r)) in got.iter().zip(expect) {
        assert_eq!((line.as_str(), column.as_str()), (l, c), "{text}");
        assert!(reason.contains(r), "line {l}: `{reason}` lacks `{r}`");
    }
    // The first sample on standard error names the file, the row and the report's column.
    assert!(err.contains(&format!("rejected: {file}:4: column `Country of Origin Code`:")), "{err}");
}

#[test]
fn a_bad_cell_of_a_workbook_is_rejected_at_its_sheet_row() {
    let wd = Workdir::new();
    let text = [
        HEADER.to_string(),
        row("E1", "1", "04/08/2025", "IN", "3923900080", "$10,000.00", "$300.00"),
        row("E2", "1", "04/08/2025", "EL", "3923900080", "$10,000.00", "$300.00"),
    ]
    .join("\n");
    let book = wd.path("bad.xlsx");
    write_xlsx(&book, &text, "Sheet1");
    let out = wd.command(&["refund", book.to_str().unwrap(), "--rejects", "rejects.csv"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("rows read: 2 = assessed 1 + rejected 1"), "{err}");
    // The title row and a blank row come first: the header is on sheet row 3, E2 on row 5.
    assert!(
        err.contains(&format!("rejected: {}:5: column `Country of Origin Code`: `EL` is not an ISO 3166-1 alpha-2 code; did you mean `GR`?", book.display())),
        "{err}"
    );
}

#[test]
fn a_report_without_a_column_read_is_refused_naming_it() {
    let wd = Workdir::new();
    let header = HEADER.replace(",Line Tariff Duty Amount", "");
    let f = wd.create("short.csv", &format!("{header}\n"));
    let out = wd.command(&["refund", f.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("short.csv:1: the ES-003 report lacks the column `Line Tariff Duty Amount`"),
        "{}",
        stderr(&out)
    );
    // A flow file forced as a report, and a report forced as flows.
    let out = wd
        .command(&["run", &sample("sample-flows.csv"), "-s", "historical", "--input-format", "es003"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the ES-003 report lacks the columns `Entry Summary Number`"), "{}", stderr(&out));
    let out =
        wd.command(&["run", &sample("sample.csv"), "-s", "historical", "--input-format", "flows"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing required columns `hts`"), "{}", stderr(&out));
}

/// The bundled scenarios' IEEPA measures (tag `ieepa`, what `refund` gives back) cite only
/// 9903.01.xx and 9903.02.xx headings, and no other measure cites one: the rule by which an ES-003
/// report's duty amounts are summed into `ieepa_paid` (`flow::es003::is_ieepa_heading`) agrees
/// with the law as the scenarios encode it.
#[test]
fn the_ieepa_headings_of_the_reports_are_those_of_the_scenarios() {
    use tariffstack::codes::Heading;
    use tariffstack::flow::es003::is_ieepa_heading;
    for name in tariffstack::scenario::bundled_names() {
        let s = tariffstack::scenario::load_scenario(name).unwrap();
        let mut ieepa_cited = 0;
        for m in &s.measures {
            let ieepa = m.tags.iter().any(|t| t == "ieepa");
            for r in &m.rates {
                for c in r.citation.split([';', ',', ' ']).filter(|c| c.starts_with("99")) {
                    let Ok(h) = Heading::parse(c) else { continue };
                    assert_eq!(is_ieepa_heading(h), ieepa, "{name}: measure {} cites {h}", m.id);
                    ieepa_cited += usize::from(ieepa);
                }
            }
        }
        if name != "no-ieepa" {
            assert!(ieepa_cited > 10, "{name}: {ieepa_cited} IEEPA citations");
        }
    }
}

/// Writes `csv` (a header and rows) as the first sheet of a workbook, the way an ES-003 export
/// holds it: a title row, a blank row, then the table; money as numbers, dates as date cells, HTS
/// numbers as numbers, other fields as text. A minimal SpreadsheetML package, stored uncompressed.
pub fn write_xlsx(path: &Path, csv_text: &str, sheet: &str) {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv_text.as_bytes());
    let rows: Vec<Vec<String>> = rdr.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let header = rows[0].clone();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let col = |i: usize| {
        let mut n = i + 1;
        let mut s = String::new();
        while n > 0 {
            s.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
            n = (n - 1) / 26;
        }
        s
    };
    let text_cell =
        |r: usize, c: usize, v: &str| format!(r#"<c r="{}{r}" t="inlineStr"><is><t>{}</t></is></c>"#, col(c), esc(v));
    let mut sheet_rows =
        vec![format!("<row r=\"1\">{}</row>", text_cell(1, 0, "ES-003 Entry Summary Line Tariff Details"))];
    for (k, fields) in rows.iter().enumerate() {
        let r = k + 3;
        let mut cells = String::new();
        for (c, v) in fields.iter().enumerate() {
            let name = header.get(c).map(String::as_str).unwrap_or("");
            if k == 0 || v.is_empty() {
                if !v.is_empty() {
                    cells.push_str(&text_cell(r, c, v));
                }
                continue;
            }
            let money = name.ends_with("Amount") || name == "customs_value";
            let number = v.trim_start_matches('$').replace(',', "");
            if money && number.parse::<f64>().is_ok() {
                cells.push_str(&format!(r#"<c r="{}{r}" s="2"><v>{number}</v></c>"#, col(c)));
            } else if name == "HTS Number - Full" && v.bytes().all(|b| b.is_ascii_digit()) {
                cells.push_str(&format!(r#"<c r="{}{r}"><v>{}</v></c>"#, col(c), v.trim_start_matches('0')));
            } else if name.ends_with("Date") && v.len() == 10 && v.as_bytes()[2] == b'/' {
                let (m, d, y): (u32, u32, i32) =
                    (v[0..2].parse().unwrap(), v[3..5].parse().unwrap(), v[6..10].parse().unwrap());
                cells.push_str(&format!(r#"<c r="{}{r}" s="1"><v>{}</v></c>"#, col(c), excel_serial(y, m, d)));
            } else if name == "entry_date" && v.len() == 10 && v.as_bytes()[4] == b'-' {
                let (y, m, d): (i32, u32, u32) =
                    (v[0..4].parse().unwrap(), v[5..7].parse().unwrap(), v[8..10].parse().unwrap());
                cells.push_str(&format!(r#"<c r="{}{r}" s="1"><v>{}</v></c>"#, col(c), excel_serial(y, m, d)));
            } else {
                cells.push_str(&text_cell(r, c, v));
            }
        }
        sheet_rows.push(format!("<row r=\"{r}\">{cells}</row>"));
    }
    let parts: [(&str, String); 6] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                esc(sheet)
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/styles.xml",
            // Style 1: a date (built-in format 14, m/d/yyyy); style 2: currency (built-in 7).
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="7" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>"#,
                sheet_rows.join("")
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in parts {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// The Excel serial (1900 date system) of a date after 1900-03-01.
fn excel_serial(y: i32, m: u32, d: u32) -> i64 {
    // Days from 1899-12-30 (Excel's day 0 once its 1900-02-29 is counted).
    let days = |y: i32, m: u32, d: u32| {
        let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
        i64::from(365 * y + y / 4 - y / 100 + y / 400) + i64::from((153 * (m - 3) + 2) / 5 + d)
    };
    days(y, m, d) - days(1899, 12, 30)
}

/// A flow file separated by `;` or by tabs (as European Excel and many tools export CSV) gives
/// what the same file separated by commas gives; `--delimiter` forces one, and a forced comma on a
/// `;` file is refused with a message that names the `;` it holds.
#[test]
fn semicolon_and_tab_flow_files_read_as_the_comma_file() {
    let wd = Workdir::new();
    let comma = "entry_number,hts,origin,entry_date,customs_value,declared,note\n\
                 E1,3923.90.00.80,IN,2025-04-08,10000.00,9903.01.25,\"a, b\"\n\
                 E2,9503.00.00.90,CN,2025-05-20,5000,9903.01.24;9903.01.25,plain\n";
    let semi = "entry_number;hts;origin;entry_date;customs_value;declared;note\n\
                E1;3923.90.00.80;IN;2025-04-08;10000.00;9903.01.25;\"a, b\"\n\
                E2;9503.00.00.90;CN;2025-05-20;5000;\"9903.01.24;9903.01.25\";plain\n";
    let tab = comma.replace(",\"a, b\"", "\ta, b").replace(',', "\t").replace("a\t b", "a, b");
    let files = [wd.create("comma.csv", comma), wd.create("semi.csv", semi), wd.create("tab.tsv", &tab)];
    let run = |args: &[&str]| wd.command(args).output().unwrap();
    let want = run(&["run", files[0].to_str().unwrap(), "-s", "historical"]);
    assert_eq!(want.status.code(), Some(0), "{}", stderr(&want));
    for (f, flag) in [(&files[1], "auto"), (&files[2], "auto"), (&files[1], ";"), (&files[2], "tab")] {
        let got = run(&["run", f.to_str().unwrap(), "-s", "historical", "--delimiter", flag]);
        assert_eq!(got.status.code(), Some(0), "{}: {}", f.display(), stderr(&got));
        // The output is comma-separated whatever the input's delimiter.
        assert_eq!(stdout(&got), stdout(&want), "{} --delimiter {flag}", f.display());
        if flag == "auto" {
            assert!(stderr(&got).contains("(found from the header)"), "{}", stderr(&got));
        }
    }
    let forced = run(&["run", files[1].to_str().unwrap(), "-s", "historical", "--delimiter", ","]);
    assert_eq!(forced.status.code(), Some(2));
    let err = stderr(&forced);
    assert!(
        err.contains("(the header was split at `,`, as given by --delimiter; it also holds 6 `;`: if that separates the fields, give --delimiter ';')"),
        "{err}"
    );
    let bad = run(&["run", files[1].to_str().unwrap(), "-s", "historical", "--delimiter", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--delimiter: `x` is not a delimiter"), "{}", stderr(&bad));
    // `refund` takes the same flags.
    let r = run(&["refund", files[1].to_str().unwrap(), "--format", "csv", "-q"]);
    let c = run(&["refund", files[0].to_str().unwrap(), "--format", "csv", "-q"]);
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(stdout(&r), stdout(&c));
}
