//! `run`'s output shapes: JSON Lines, CSV for Excel, and an input that already holds result columns.

use crate::util::{Workdir, stderr, stdout};

const FLOWS: &str = "hts,origin,entry_date,customs_value,note\n\
8703.23.01.90,JP,2025-11-03,40000.00,\"a, \"\"quoted\"\" note\"\n\
6109.10.00.12,VN,2025-04-10,900.00,\n";

#[test]
fn jsonl_has_one_object_per_row_with_every_column_by_name() {
    let w = Workdir::new();
    let f = w.create("flows.csv", FLOWS);
    let csv_out = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "-q"]).output().unwrap();
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "-q", "--format", "jsonl"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let objects: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objects.len(), 2);
    // The same values as the CSV output, column by column.
    let mut r = csv::Reader::from_reader(csv_out.stdout.as_slice());
    let header = r.headers().unwrap().clone();
    for (rec, obj) in r.records().map(Result::unwrap).zip(&objects) {
        assert_eq!(obj.as_object().unwrap().len(), header.len());
        for (name, v) in header.iter().zip(rec.iter()) {
            let got = &obj[name];
            match name {
                "measures" | "citations" => {
                    let list: Vec<&str> = got.as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
                    assert_eq!(list.join(";"), v, "{name}");
                }
                _ if v.is_empty() => assert!(got.is_null(), "{name}: {got}"),
                _ => assert_eq!(got.as_str(), Some(v), "{name}"),
            }
        }
    }
    assert_eq!(objects[0]["note"], "a, \"quoted\" note");
    assert_eq!(objects[0]["total_duty"], "6000.00");
    assert_eq!(objects[0]["measures"], serde_json::json!(["mfn", "s232_autos_jp_deal"]));
    assert!(objects[1]["note"].is_null());
}

#[test]
fn excel_output_has_a_bom_and_crlf_and_the_same_cells() {
    let w = Workdir::new();
    let f = w.create("flows.csv", FLOWS);
    let plain = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "-q"]).output().unwrap();
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "-q", "--excel"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with("\u{feff}hts,".as_bytes()));
    let text = String::from_utf8(o.stdout[3..].to_vec()).unwrap();
    assert_eq!(text.matches("\r\n").count(), 3, "header and two rows end in CRLF");
    assert_eq!(text.replace("\r\n", "\n"), stdout(&plain));
}

#[test]
fn an_output_given_again_is_refused_naming_the_columns() {
    let w = Workdir::new();
    let f = w.create("flows.csv", FLOWS);
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical", "-q", "-o", "out.csv"]).output().unwrap();
    assert!(o.status.success());
    let again = w.command(&["run", "out.csv", "-s", "historical", "-q", "-o", "again.csv"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    let e = stderr(&again);
    assert!(e.contains("already has result columns (mfn_duty, additional_duty"), "{e}");
    assert!(e.contains("give the flows it was made from"), "{e}");
    assert!(!w.path("again.csv").exists());
}

#[test]
fn an_input_scenario_column_passes_through_renamed() {
    let w = Workdir::new();
    let f = w.create(
        "cases.csv",
        "id,hts,origin,entry_date,customs_value,scenario\nA,6109.10.00.12,VN,2025-04-10,900.00,historical\n",
    );
    let o = w.command(&["run", f.to_str().unwrap(), "-s", "historical"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!(header.iter().filter(|h| **h == "scenario").count(), 1, "{header:?}");
    assert_eq!(&header[..7], ["id", "hts", "origin", "entry_date", "customs_value", "input_scenario", "scenario"]);
    assert!(text.lines().nth(1).unwrap().starts_with("A,6109.10.00.12,VN,2025-04-10,900.00,historical,historical,"));
    assert!(stderr(&o).contains("written as `input_scenario`"));
}

#[test]
fn scenarios_show_as_of_lists_what_is_in_force_that_day() {
    let w = Workdir::new();
    let show = |date: &str| {
        let o = w.command(&["scenarios", "show", "historical", "--as-of", date]).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // Section 232 autos from 2025-04-03 (Proclamation 10908, 9903.94.01); parts from 2025-05-03.
    let before = show("2025-04-02");
    assert!(before.contains("not in force that day:") && before.contains("s232_autos,"), "{before}");
    let after = show("2025-04-10");
    assert!(after.contains("\ns232_autos [primary]"), "{after}");
    assert!(after.contains("  9903.94.01 +25%"), "{after}");
    // The country-specific reciprocal rates were paused on 2025-04-10 (EO 14266).
    assert!(after.contains("suspended for 82 origins: paused by EO 14266"), "{after}");
    let not_in_force = after.lines().find(|l| l.starts_with("not in force that day:")).unwrap();
    assert!(not_in_force.contains("s232_auto_parts,"), "{not_in_force}");
    let o = w.command(&["scenarios", "show", "historical", "--as-of", "04/10/2025"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("write the date as YYYY-MM-DD: 2025-04-10"), "{}", stderr(&o));
}

#[test]
fn explain_advice_names_its_own_flags_and_the_nearest_lines() {
    let w = Workdir::new();
    let args = ["explain", "-s", "historical", "--origin", "JP", "--date", "2025-11-03", "--value", "1000"];
    let o = w.command(&[&args[..], &["--hts", "8708.29.50.60"]].concat()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("cannot price this flow (--hts): no MFN rate for HTS `8708.29.50.60`"), "{e}");
    assert!(e.contains("(nearest lines: 8708.29.51"), "{e}");
    assert!(e.contains("give --hts-file FILE with the official HTS file, or --mfn-rate VALUE"), "{e}");
    assert!(!e.contains("column"), "explain has flags, not columns: {e}");
    let o = w.command(&[&args[..], &["--hts", "0201.30.50"]].concat()).output().unwrap();
    assert!(stderr(&o).contains("cannot price this flow (--quantity): the MFN rate `4.4¢/kg`"), "{}", stderr(&o));
}

#[test]
fn compare_lines_keep_the_pass_through_columns() {
    let w = Workdir::new();
    let f = w.create(
        "flows.csv",
        "entry_number,hts,origin,entry_date,customs_value,Supplier,line\nE1,6109.10.00.12,VN,2025-04-10,900.00,\"Acme, Ltd\",7\n",
    );
    let o = w
        .command(&["compare", f.to_str().unwrap(), "-s", "historical", "-s", "no-ieepa", "--lines", "lines.csv", "-q"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(w.path("lines.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        h,
        [
            "line",
            "hts",
            "origin",
            "entry_date",
            "customs_value",
            "entry_number",
            "Supplier",
            "input_line",
            "total_historical",
            "total_no-ieepa",
            "difference_no-ieepa",
            "cause_no-ieepa"
        ]
    );
    let rec = r.records().next().unwrap().unwrap();
    assert_eq!(&rec[5], "E1");
    assert_eq!(&rec[6], "Acme, Ltd");
    assert_eq!(&rec[7], "7");
    assert_eq!(&rec[8], "238.50");
    assert_eq!(&rec[9], "148.50");
}
