//! The official USITC HTS export (`--hts FILE`, `hts lookup`, `hts check`): end to end on a fixture
//! of real lines, and over the real 2025 files in the folder named by `TARIFFSTACK_HTS_DIR` (the
//! files `hts_2025_basic_usitc.csv` and `hts_2025_apr_rev9or10_usitc.csv`, as USITC exports them).
//! Without it those tests say `SKIPPED` and leave a marker that `.ci/run` counts; run with
//! `-- --nocapture` to see the counts they report.

use crate::util::{Workdir, stderr, stdout};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tariffstack::hts_file::HtsFile;
use tariffstack::mfn::MfnTable;
use tariffstack::rate_text::NeedsRule;

/// Real lines of the 2025 Basic Edition, as exported (BOM, quoted fields, JSON unit lists).
const FIXTURE: &str = "\u{feff}HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties
\"0101\",\"0\",\"Live horses, asses, mules and hinnies:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"\",\"1\",\"Horses:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"0101.21.00\",\"2\",\"Purebred breeding animals\",\"\",\"Free\",\"\",\"Free\",\"\",\"\"
\"0101.21.00.10\",\"3\",\"Males\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"0101.30.00.00\",\"1\",\"Asses\",\"[\"\"No.\"\"]\",\"6.8%\",\"Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)\",\"15%\",\"\",\"\"
\"0201\",\"0\",\"Meat of bovine animals, fresh or chilled:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"0201.30\",\"1\",\"Boneless:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"\",\"2\",\"Described in additional U.S. note 3 to this chapter and entered pursuant to its provisions:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"0201.30.50\",\"3\",\"Other\",\"\",\"4.4¢/kg\",\"Free (A+,AU,BH,CL,CO,D,E*,IL,JO,KR,MA,OM,P,PA,PE,S,SG)\",\"13.2¢/kg\",\"\",\"\"
\"0201.30.50.15\",\"4\",\"Fresh or chilled boneless veal cuts\",\"[\"\"kg\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"0402\",\"0\",\"Milk and cream, concentrated or containing added sugar or other sweetening matter:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"0402.29.50.00\",\"3\",\"Other\",\"[\"\"kg\"\",\"\"kg cmsc\"\"]\",\"$1.104/kg + 14.9%\",\"Free (BH,CL,JO,KR,MA,OM,P,PE,SG) 7.3¢/kg + 0.9% (PA) See 9822.04.25 (AU) See 9823.05.01-9823.05.06 (S+) See 9918.04.60, 9918.04.61 (CO)\",\"$1.299/kg + 17.5%\",\"\",\"\"
\"2204\",\"0\",\"Wine of fresh grapes, including fortified wines; grape must other than that of heading 2009:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"2204.30.00.00\",\"1\",\"Other grape must\",\"[\"\"liters\"\",\"\"pf.liters\"\"]\",\"4.4¢/liter + 31.4¢/pf. liter\",\"Free (A+,AU,BH,CL,CO,D,E,IL,KR,MA,OM,P,PA,PE,S,SG) 1.9¢/liter + 13.9¢/pf. liter (JO)\",\"18.5¢/liter + $1.32/pf. liter\",\"\",\"\"
\"2607.00.00\",\"0\",\"Lead ores and concentrates\",\"\",\"1.1¢/kg on lead content\",\"Free (A,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)\",\"8.8¢/kg on copper content + 3.3¢/kg on lead content + 3.7¢/kg on zinc content\",\"\",\"\"
\"2607.00.00.10\",\"1\",\"Copper content\",\"[\"\"Cu kg\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"2607.00.00.20\",\"1\",\"Lead content\",\"[\"\"Pb kg\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"5810\",\"0\",\"Embroidery in the piece, in strips or in motifs:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"5810.91.00\",\"2\",\"Of cotton\",\"\",\"See additional U.S. note 1\",\"Free (AU,BH, CL,CO,IL,JO,KR, MA,OM, P,PA,PE,S,SG)\",\"See additional U.S. note 1\",\"\",\"\"
\"5810.91.00.10\",\"3\",\"Weighing over 200 g/m²\",\"[\"\"kg\"\"]\",\"\",\"\",\"\",\"\",\"\"
\"8703\",\"0\",\"Motor cars and other motor vehicles principally designed for the transport of persons (other than those of heading 8702), including station wagons and racing cars:\",\"\",\"\",\"\",\"\",\"\",\"\"
\"8703.23.01\",\"2\",\"Of a cylinder capacity exceeding 1,500 cc but not exceeding 3,000 cc\",\"\",\"2.5%\",\"Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,KR,MA,OM, P,PA,PE,S,SG)\",\"10%\",\"\",\"\"
\"8703.23.01.90\",\"4\",\"Used\",\"[\"\"No.\"\"]\",\"\",\"\",\"\",\"\",\"\"
";

/// The real 2025 exports beside the repository.
const OFFICIAL: [&str; 2] = ["hts_2025_basic_usitc.csv", "hts_2025_apr_rev9or10_usitc.csv"];

/// The environment variable naming the folder of the official HTS files.
const HTS_DIR: &str = "TARIFFSTACK_HTS_DIR";

/// The path of a real HTS file, or `None` (the test is reported skipped, under `test`'s name) when
/// `TARIFFSTACK_HTS_DIR` is not set or the file is not in it.
fn official(name: &str, test: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os(HTS_DIR) else {
        crate::util::skipped(test, &format!("{HTS_DIR} is not set (the folder of the official USITC HTS exports)"));
        return None;
    };
    let p = Path::new(&dir).join(name);
    if p.is_file() {
        Some(p)
    } else {
        crate::util::skipped(
            test,
            &format!("{} is not present ({HTS_DIR}={})", p.display(), Path::new(&dir).display()),
        );
        None
    }
}

/// Parses CSV text into maps keyed by column name.
fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records().map(|x| h.iter().cloned().zip(x.unwrap().iter().map(str::to_string)).collect()).collect()
}

#[test]
fn hts_lookup_prints_the_line_its_description_path_rates_and_unit() {
    let w = Workdir::new();
    w.create("hts.csv", FIXTURE);
    let o = w.run(&["hts", "lookup", "0201.30.50.15", "--hts", "hts.csv"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "HTS 0201.30.50.15 — HTS file hts.csv, line 11",
        "  0201          Meat of bovine animals, fresh or chilled:",
        "  0201.30         Boneless:",
        "                    Described in additional U.S. note 3 to this chapter",
        "  0201.30.50.15         Fresh or chilled boneless veal cuts",
        "rate set on 0201.30.50",
        "general   4.4¢/kg",
        "priced (specific): 0.044 USD per kg",
        "special   Free (A+,AU,BH,CL,CO,D,E*,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",
        "unit      kg",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let o = w.run(&["hts", "lookup", "0402.29.50", "--hts", "hts.csv"], "");
    let out = stdout(&o);
    assert!(
        out.contains("PA: 7.3¢/kg + 0.9% — priced (compound): 0.9% of the customs value + 0.073 USD per kg"),
        "{out}"
    );
    assert!(out.contains("AU: See 9822.04.25 — needs a rule (refers to another provision)"), "{out}");
    assert!(out.contains("unit      kg (reported in kg, kg cmsc)"), "{out}");
    let o = w.run(&["hts", "lookup", "5810.91.00", "--hts", "hts.csv"], "");
    assert!(stdout(&o).contains("needs a rule (refers to another provision)"), "{}", stdout(&o));
    // A heading: its lines, no rate of its own.
    let o = w.run(&["hts", "lookup", "5810", "--hts", "hts.csv"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("5810.91.00.10 Weighing over 200 g/m²  [kg]"), "{}", stdout(&o));
    let o = w.run(&["hts", "lookup", "9999.99.99", "--hts", "hts.csv"], "");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: no HTS line 9999.99.99 in the HTS file hts.csv\n");
}

#[test]
fn hts_lookup_without_a_file_reads_the_embedded_table() {
    let w = Workdir::new();
    let o = w.run(&["hts", "lookup", "8703.23.01.90"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("HTS 8703.23.01.90 — embedded default table"), "{out}");
    assert!(out.contains("rate set on 8703.23.01\ngeneral   2.5%\n"), "{out}");
}

#[test]
fn hts_check_reports_coverage_and_lists_the_texts_that_need_a_rule() {
    let w = Workdir::new();
    w.create("hts.csv", FIXTURE);
    let o = w.run(&["hts", "check", "hts.csv"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "HTS file hts.csv: 23 rows",
        "  8-digit lines            5 (5 with a General rate)",
        "General rate texts: 8 lines, 8 distinct",
        "  priced             6 lines (75.00%), 6 distinct: free 1, ad valorem 2, specific 2, compound 1",
        "  need a rule        2 lines (25.00%), 2 distinct",
        "`See additional U.S. note 1` — 1 line: 5810.91.00",
        "`4.4¢/liter + 31.4¢/pf. liter` — 1 line: 2204.30.00.00",
        "Every General rate text is handled: priced, or classed with the rule it needs.",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let o = w.run(&["hts", "check", "hts.csv", "--time", "3"], "");
    assert!(stdout(&o).contains("load time (read, parse, build the MFN table), 3 runs: median"), "{}", stdout(&o));
    w.create("bad.csv", "hts,general\n8703.23.01,2.5%\n");
    let o = w.run(&["hts", "check", "bad.csv"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: bad.csv:1: no column `HTS Number`"), "{}", stderr(&o));
}

/// One flow per case: (id, hts, quantity, unit, spi).
const FLOWS: &str = "\
id,hts,origin,entry_date,customs_value,quantity,quantity_unit,spi
asses,0101.30.00,JP,2024-06-01,1000,,,
veal,0201.30.50.15,BR,2024-06-01,1000,500,kg,
veal_g,0201.30.50.15,BR,2024-06-01,1000,500000,g,
veal_t,0201.30.50.15,BR,2024-06-01,1000,0.5,t,
veal_no_qty,0201.30.50.15,BR,2024-06-01,1000,,,
veal_pieces,0201.30.50.15,BR,2024-06-01,1000,3,No.,
milk,0402.29.50.00,NZ,2024-06-01,1000,100,kg,
milk_pa,0402.29.50.00,PA,2024-06-01,1000,100,kg,PA
milk_au,0402.29.50.00,AU,2024-06-01,1000,100,kg,AU
must,2204.30.00.00,FR,2024-06-01,1000,100,liters,
lead,2607.00.00.20,PE,2024-06-01,1000,100,Pb kg,
lead_kg,2607.00.00.20,PE,2024-06-01,1000,100,kg,
copper_line,2607.00.00.10,PE,2024-06-01,1000,100,Cu kg,
embroidery,5810.91.00.10,IN,2024-06-01,1000,10,kg,
car_kr,8703.23.01.90,KR,2024-06-01,30000,1,No.,KR
car_jp,8703.23.01.90,JP,2024-06-01,30000,1,No.,JP
";

#[test]
fn run_with_hts_prices_from_the_official_file_and_rejects_with_precise_reasons() {
    let w = Workdir::new();
    w.create("hts.csv", FIXTURE);
    w.create("flows.csv", FLOWS);
    let o =
        w.run(&["run", "flows.csv", "--scenario", "historical", "--hts", "hts.csv", "--rejects", "rej.csv", "-q"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let mfn: BTreeMap<String, String> =
        records(&stdout(&o)).into_iter().map(|r| (r["id"].clone(), r["mfn_duty"].clone())).collect();
    let expected = [
        ("asses", "68.00"),    // 6.8% from 0101.30.00.00, found from the 8-digit code
        ("veal", "22.00"),     // 4.4¢/kg x 500 kg
        ("veal_g", "22.00"),   // 500 000 g = 500 kg
        ("veal_t", "22.00"),   // 0.5 t = 500 kg
        ("milk", "259.40"),    // $1.104/kg x 100 + 14.9% x 1000
        ("milk_pa", "16.30"),  // PA: 7.3¢/kg x 100 + 0.9% x 1000
        ("milk_au", "259.40"), // AU's rate is "See 9822.04.25": the general rate
        ("lead", "1.10"),      // 1.1¢/kg of lead content x 100
        ("car_kr", "0.00"),    // KR listed: Free
        ("car_jp", "750.00"),  // JP not listed: general 2.5%
    ];
    let got: Vec<(&str, &str)> = mfn.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut want: Vec<(&str, &str)> = expected.to_vec();
    want.sort();
    assert_eq!(got, want);
    let rejects = records(&std::fs::read_to_string(w.path("rej.csv")).unwrap());
    let reasons: Vec<(String, String)> = rejects.iter().map(|r| (r["line"].clone(), r["reason"].clone())).collect();
    let expect = [
        ("6", "the MFN rate `4.4¢/kg` of HTS `0201.30.50.15` is specific: the row needs a quantity in kg"),
        ("7", "a quantity in No. cannot be converted to kg for the specific rate `4.4¢/kg` of HTS `0201.30.50.15`"),
        (
            "11",
            "the MFN rate text `4.4¢/liter + 31.4¢/pf. liter` has specific parts on two quantities (liters and \
             pf.liters) and a flow carries one quantity: it needs a rule; give an `mfn_rate` column for this row",
        ),
        (
            "13",
            "a quantity in kg cannot be converted to Pb kg for the specific rate `1.1¢/kg on lead content` of HTS \
             `2607.00.00.20`",
        ),
        (
            "14",
            "a quantity in Cu kg cannot be converted to Pb kg for the specific rate `1.1¢/kg on lead content` of \
             HTS `2607.00.00.10`",
        ),
        (
            "15",
            "the MFN rate text `See additional U.S. note 1` refers to another provision: it needs a rule; give an \
             `mfn_rate` column for this row",
        ),
    ];
    let want: Vec<(String, String)> = expect.iter().map(|(l, r)| (l.to_string(), r.to_string())).collect();
    assert_eq!(reasons, want);
    assert!(stderr(&o).contains("rows read: 16 = assessed 10 + rejected 6"), "{}", stderr(&o));
}

/// Goods of Russia, Belarus, Cuba and North Korea pay the Column 2 rate of the file's line (HTSUS
/// General Note 3(b); Pub. L. 117-110); a line the file gives no Column 2 rate is refused.
#[test]
fn column_2_origins_pay_the_files_column_2_rate() {
    let w = Workdir::new();
    w.create("hts.csv", FIXTURE);
    w.create(
        "flows.csv",
        "id,hts,origin,entry_date,customs_value,quantity,quantity_unit\n\
         asses_ru,0101.30.00,RU,2025-02-01,1000,,\n\
         asses_by,0101.30.00,BY,2025-02-01,1000,,\n\
         asses_ru_before,0101.30.00,RU,2022-04-08,1000,,\n\
         veal_cu,0201.30.50.15,CU,2025-02-01,1000,500,kg\n\
         horse_kp,0101.21.00,KP,2025-02-01,1000,,\n",
    );
    let o = w.run(&["run", "flows.csv", "--scenario", "historical", "--hts", "hts.csv", "-q"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got: Vec<(String, String, String)> = records(&stdout(&o))
        .into_iter()
        .map(|r| (r["id"].clone(), r["mfn_duty"].clone(), r["measures"].clone()))
        .collect();
    let want = [
        ("asses_ru", "150.00", "mfn;column2_russia_belarus"), // Column 2 15% (asses are not in note 30(b))
        ("asses_by", "150.00", "mfn;column2_russia_belarus"),
        ("asses_ru_before", "68.00", "mfn"), // before 2022-04-09: column 1 6.8%
        ("veal_cu", "66.00", "mfn;column2_cuba_north_korea"), // 13.2¢/kg x 500 kg
        ("horse_kp", "0.00", "mfn;column2_cuba_north_korea"), // Column 2 Free
    ];
    let want: Vec<(String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    // A file without the Column 2 field: such rows are refused, never priced at column 1.
    let no_col2: String = FIXTURE.replace("Column 2 Rate of Duty", "Other");
    w.create("hts2.csv", &no_col2);
    let o =
        w.run(&["run", "flows.csv", "--scenario", "historical", "--hts", "hts2.csv", "--rejects", "rej.csv", "-q"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rej = std::fs::read_to_string(w.path("rej.csv")).unwrap();
    assert!(rej.contains("goods of RU pay the Column 2 rate (column2_russia_belarus); the HTS file hts2.csv gives no Column 2 rate for HTS `0101.30.00`"), "{rej}");
    assert!(stderr(&o).contains("rows read: 5 = assessed 1 + rejected 4"), "{}", stderr(&o));
}

#[test]
fn compare_and_explain_take_the_official_file_too() {
    let w = Workdir::new();
    w.create("hts.csv", FIXTURE);
    w.create("flows.csv", "hts,origin,entry_date,customs_value\n0101.30.00.00,JP,2025-10-01,1000\n");
    let o = w.run(
        &["compare", "flows.csv", "-s", "historical", "-s", "status-quo", "--hts", "hts.csv", "--format", "csv"],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("68.00"), "{}", stdout(&o));
    let o = w.run(
        &[
            "explain",
            "-s",
            "historical",
            "--hts",
            "0402.29.50.00",
            "--origin",
            "NZ",
            "--date",
            "2024-06-01",
            "--value",
            "1000",
            "--quantity",
            "100",
            "--unit",
            "kg",
            "--hts-file",
            "hts.csv",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("$1.104/kg + 14.9%, on 100 kg"), "{out}");
    assert!(out.contains("HTS line 0402.29.50.00 (HTS file hts.csv, line 13)"), "{out}");
    let o = w.run(&["run", "flows.csv", "-s", "historical", "--hts", "missing.csv"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: --hts: missing.csv: cannot read the HTS file:"), "{}", stderr(&o));
}

#[test]
fn official_files_every_general_rate_text_is_priced_or_classed_with_its_rule() {
    for name in OFFICIAL {
        let Some(path) = official(
            name,
            &format!("official_files_every_general_rate_text_is_priced_or_classed_with_its_rule-{name}"),
        ) else {
            continue;
        };
        let file = HtsFile::from_path(&path).unwrap();
        let c = file.coverage();
        let mut report = format!(
            "{name}: General rate texts on {} lines ({} distinct): priced {} lines ({} distinct), need a rule {} \
             lines ({} distinct)\n",
            c.general.lines,
            c.general.distinct,
            c.general.priced_lines,
            c.general.priced_distinct,
            c.general.lines - c.general.priced_lines,
            c.general.needs_rule.len()
        );
        for (kind, (lines, distinct)) in c.general.needs_rule_by_kind() {
            let _ = writeln!(report, "  {:<60} {lines:>4} lines, {distinct:>3} distinct", kind.label());
        }
        eprint!("{report}");
        let unread: Vec<&str> =
            c.general.needs_rule.iter().filter(|n| !n.kind.is_understood()).map(|n| n.text.as_str()).collect();
        assert!(unread.is_empty(), "{name}: texts not understood: {unread:?}");
        assert!(c.all_general_handled());
        assert_eq!(
            c.general.priced_lines + c.general.needs_rule.iter().map(|n| n.lines.len()).sum::<usize>(),
            c.general.lines
        );
        // Rates that can be priced must be the common case: Free and ad valorem alone are > 90%.
        assert!(c.general.priced_lines * 100 > c.general.lines * 95, "{report}");
        let w = Workdir::new();
        let o = w.run(&["hts", "check", path.to_str().unwrap()], "");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("Every General rate text is handled"), "{}", stdout(&o));
    }
}

/// What a flow on a statistical line should come to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    /// Ad valorem or free: priced with no quantity.
    AdValorem,
    /// Specific or compound, with a quantity in a unit of the line that converts to the rate's.
    SpecificWithQuantity,
    /// Specific, but the line reports in no unit the rate's converts from (`kg` for a rate per kg
    /// of drained weight, `Cu kg` for a rate on lead content).
    SpecificUnitNotReported,
    /// The rate text needs a rule.
    Rule(NeedsRule),
    /// No rate on the line or above it.
    NoRate,
}

#[test]
fn official_file_run_over_every_statistical_line() {
    let Some(path) = official(OFFICIAL[0], "official_file_run_over_every_statistical_line") else { return };
    let file = HtsFile::from_path(&path).unwrap();
    let table = MfnTable::from_hts_file(&file);
    let mut flows = String::from("hts,origin,entry_date,customs_value,quantity,quantity_unit\n");
    let mut expect = Vec::new();
    for row in file.rows.iter().filter(|r| r.hts.is_some_and(|h| h.len() == 10)) {
        let hts = row.hts.unwrap();
        let (e, unit) = match table.lookup(&hts) {
            Err(_) => (Expect::NoRate, row.unit_texts.first()),
            Ok(line) => match &line.general {
                Err(err) => (Expect::Rule(err.kind), row.unit_texts.first()),
                Ok(r) => match r.specific_unit() {
                    None => (Expect::AdValorem, row.unit_texts.first()),
                    Some(ru) => match row.units.iter().position(|u| u.converts_to(ru)) {
                        Some(k) => (Expect::SpecificWithQuantity, row.unit_texts.get(k)),
                        None => (Expect::SpecificUnitNotReported, row.unit_texts.first()),
                    },
                },
            },
        };
        // The quantity in the line's (first, or rate's) HTS unit, as the HTS spells it.
        let (q, u) = unit.map_or(("", ""), |u| ("250", u.as_str()));
        let _ = writeln!(flows, "{},JP,2025-06-02,1000.00,{q},\"{u}\"", hts.digits());
        expect.push((hts, e));
    }
    let w = Workdir::new();
    w.create("flows.csv", &flows);
    let start = std::time::Instant::now();
    let o = w.run(
        &[
            "run",
            "flows.csv",
            "--scenario",
            "historical",
            "--hts",
            path.to_str().unwrap(),
            "--rejects",
            "rej.csv",
            "-o",
            "out.csv",
            "-q",
        ],
        "",
    );
    let elapsed = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rejects: BTreeMap<usize, String> = records(&std::fs::read_to_string(w.path("rej.csv")).unwrap())
        .into_iter()
        .map(|r| (r["line"].parse::<usize>().unwrap() - 2, r["reason"].clone()))
        .collect();
    let mut counts: BTreeMap<Expect, (usize, usize)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (hts, e)) in expect.iter().enumerate() {
        let rejected = rejects.get(&i);
        let c = counts.entry(*e).or_default();
        match rejected {
            None => c.0 += 1,
            Some(r) => {
                c.1 += 1;
                // The reason without the line's own numbers, to count reasons by kind.
                let kind = match e {
                    Expect::Rule(k) => format!("rate needs a rule: {}", k.label()),
                    _ if r.contains("cannot be converted") => "quantity unit cannot be converted to the rate's".into(),
                    _ if r.contains("needs a quantity") => "no quantity for a specific rate".into(),
                    _ => r.clone(),
                };
                *reasons.entry(kind).or_default() += 1;
            }
        }
        match e {
            Expect::AdValorem | Expect::SpecificWithQuantity => {
                assert!(rejected.is_none(), "{hts} ({e:?}) was rejected: {rejected:?}");
            }
            Expect::SpecificUnitNotReported => {
                let r = rejected.unwrap_or_else(|| panic!("{hts} was priced with a unit that does not convert"));
                assert!(r.contains("cannot be converted") || r.contains("needs a quantity"), "{hts}: {r}");
            }
            Expect::Rule(_) => {
                let r = rejected.unwrap_or_else(|| panic!("{hts}: a rate that needs a rule was priced"));
                assert!(r.contains("needs a rule"), "{hts}: {r}");
            }
            Expect::NoRate => {
                let r = rejected.unwrap_or_else(|| panic!("{hts}: a line with no rate was priced"));
                assert!(r.contains("no MFN rate"), "{hts}: {r}");
            }
        }
    }
    let (priced, rejected): (usize, usize) = counts.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut report = format!(
        "run over every 10-digit line of {}: {} flows, {priced} priced, {rejected} rejected ({:.1} s)\n",
        OFFICIAL[0],
        expect.len(),
        elapsed.as_secs_f64()
    );
    for (e, (p, r)) in &counts {
        let _ = writeln!(report, "  {e:?}: {p} priced, {r} rejected");
    }
    let _ = writeln!(report, "  rejected by reason:");
    for (k, n) in &reasons {
        let _ = writeln!(report, "    {n:>5}  {k}");
    }
    eprint!("{report}");
    assert!(stderr(&o).contains(&format!("rows read: {} = assessed {priced} + rejected {rejected}", expect.len())));
    // Every priced row is in the output, in order.
    let out = std::fs::read_to_string(w.path("out.csv")).unwrap();
    assert_eq!(out.lines().count() - 1, priced);
}

#[test]
fn official_file_load_time() {
    let Some(path) = official(OFFICIAL[0], "official_file_load_time") else { return };
    let w = Workdir::new();
    let o = w.run(&["hts", "check", path.to_str().unwrap(), "--time", "11"], "");
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("load time")).unwrap_or_default().to_string();
    // Reported, not asserted: the time depends on the machine (`hts check FILE --time` is the benchmark).
    eprintln!("{}: {line}", OFFICIAL[0]);
    assert!(line.contains("median"), "{out}");
}

#[test]
fn embedded_table_agrees_with_the_official_basic_edition() {
    let Some(path) = official(OFFICIAL[0], "embedded_table_agrees_with_the_official_basic_edition") else { return };
    let official = MfnTable::from_hts_path(&path).unwrap();
    let embedded = MfnTable::embedded();
    for line in embedded.lines() {
        let o = official.lookup(&line.hts).unwrap_or_else(|e| panic!("{}: {e:?}", line.hts));
        assert_eq!(o.general_text, line.general_text, "{}", line.hts);
        assert_eq!(o.general, line.general, "{}", line.hts);
        assert_eq!(o.special, line.special, "{}", line.hts);
    }
}

#[test]
fn the_japan_sample_prices_the_same_from_the_official_file() {
    let Some(path) = official(OFFICIAL[0], "the_japan_sample_prices_the_same_from_the_official_file") else { return };
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/japan-2024.csv");
    let w = Workdir::new();
    let args = ["run", sample.to_str().unwrap(), "-s", "historical", "--as-of", "2025-10-01", "-q"];
    let embedded = w.run(&args, "");
    let mut with_file = args.to_vec();
    with_file.extend(["--hts", path.to_str().unwrap()]);
    let official = w.run(&with_file, "");
    assert_eq!(embedded.status.code(), Some(0), "{}", stderr(&embedded));
    assert_eq!(official.status.code(), Some(0), "{}", stderr(&official));
    assert_eq!(stdout(&official), stdout(&embedded));
}
