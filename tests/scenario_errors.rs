//! Scenario files with mistakes (`tests/data/bad-scenarios/`): each is refused at load time with a
//! message that names the file, the line and column (where the mistake has a place), the key and the
//! fix. The first line of each file says `# expect: TEXT`, a part of the message it must give.

use crate::util::{Workdir, data, stderr};
use tariffstack::scenario::load_scenario;

#[test]
fn every_bad_scenario_is_refused_with_its_message() {
    let dir = data("bad-scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 30, "the catalogue has {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let expect =
            text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("first line `# expect: ...`");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match load_scenario(path.to_str().unwrap()) {
            Ok(_) => failures.push(format!("{name}: loaded, but should be refused ({expect})")),
            Err(e) => {
                let msg = e.to_string();
                if !msg.contains(expect) {
                    failures.push(format!("{name}: message `{msg}` lacks `{expect}`"));
                }
                if !e.file.ends_with(".toml") {
                    failures.push(format!("{name}: message does not name a file: {msg}"));
                }
                let located = e.line.is_some() && e.column.is_some();
                let placeless = name.starts_with("extends-cycle")
                    || name.starts_with("missing-extends")
                    || name.starts_with("no-rate")
                    || name.starts_with("missing-title");
                if !located && !placeless {
                    failures.push(format!("{name}: no line and column: {msg}"));
                }
                if e.fix.is_empty() {
                    failures.push(format!("{name}: no fix: {msg}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_message_points_at_the_line_and_column_of_the_mistake() {
    let path = data("bad-scenarios/unknown-relation-id.toml");
    let e = load_scenario(path.to_str().unwrap()).unwrap_err();
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().position(|l| l.starts_with("excluded_by")).unwrap() + 1;
    assert_eq!(e.line, Some(line));
    assert_eq!(e.key, "excluded_by");
    assert!(e.to_string().starts_with(&format!("{}:{line}:", path.display())), "{e}");
}

#[test]
fn every_bundled_scenario_loads() {
    for name in tariffstack::scenario::bundled_names() {
        let s = load_scenario(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!s.measures.is_empty(), "{name}");
        for m in &s.measures {
            assert!(!m.source.is_empty(), "{name}: measure {} has no source", m.id);
            for r in &m.rates {
                // A Chapter 99 heading, or for a ban (which has none) its instrument.
                let instrument = m.prohibited.is_some() && r.citation.starts_with("Proclamation ");
                assert!(r.citation.starts_with("99") || instrument, "{name}: {} cites {}", m.id, r.citation);
            }
        }
    }
}

#[test]
fn check_refuses_a_bad_file_with_exit_2() {
    let wd = Workdir::new();
    let out = wd.command(&["check", data("bad-scenarios/duplicate-id.toml").to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is defined twice"), "{}", stderr(&out));
}

/// Scenario files are confined to their folder, read only when regular and small, and a cycle is
/// found by file identity, however the path is spelled.
#[test]
fn references_stay_in_their_folder_and_cycles_are_found_by_identity() {
    let w = Workdir::new();
    let head =
        |name: &str, extends: &str| format!("[scenario]\nname = \"{name}\"\ntitle = \"t\"\nextends = \"{extends}\"\n");
    std::fs::create_dir_all(w.path("sub")).unwrap();
    // a.toml extends sub/../b.toml, b.toml extends ./sub/../a.toml: one cycle, found at once.
    w.create("a.toml", &head("a", "sub/../b.toml"));
    w.create("b.toml", &head("b", "./a.toml"));
    let e = load_scenario(w.path("a.toml").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("outside the folder") || e.to_string().contains("forms a cycle"), "{e}");
    w.create("c.toml", &head("c", "./d.toml"));
    w.create("d.toml", &head("d", "c.toml"));
    let e = load_scenario(w.path("c.toml").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("forms a cycle"), "{e}");
    // A symbolic link in the folder that leads out of it.
    let outside = Workdir::new();
    outside.create("secret.toml", "password = \"hunter2\"\n");
    std::os::unix::fs::symlink(outside.path("secret.toml"), w.path("link.toml")).unwrap();
    w.create("e.toml", "[scenario]\nname = \"e\"\ntitle = \"t\"\ninclude = [\"link.toml\"]\n");
    let e = load_scenario(w.path("e.toml").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("leads outside the folder"), "{e}");
    assert!(!e.to_string().contains("hunter2") && !e.to_string().contains("password"), "{e}");
    // A device as a scenario, as an include, and as the HTS file: refused at once.
    let e = load_scenario("/dev/zero").unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    std::os::unix::fs::symlink("/dev/urandom", w.path("random.toml")).unwrap();
    w.create("f.toml", "[scenario]\nname = \"f\"\ntitle = \"t\"\ninclude = [\"random.toml\"]\n");
    let e = load_scenario(w.path("f.toml").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("not a regular file") || e.to_string().contains("leads outside"), "{e}");
    let o = w.run(&["hts", "check", "/dev/zero"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    // A file over the size cap.
    let big = w.path("big.toml");
    std::fs::File::create(&big).unwrap().set_len(tariffstack::files::MAX_SCENARIO_BYTES + 1).unwrap();
    let e = load_scenario(big.to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("the most read is"), "{e}");
}

/// `check` warns, by measure and file, about what loads but can never apply; a sound file has no
/// warning.
#[test]
fn check_warns_about_measures_that_can_never_apply() {
    let w = Workdir::new();
    w.create(
        "odd.toml",
        r#"[scenario]
name = "odd"
title = "measures that can never apply"

[lists.empty]
title = "nothing"
source = "test"
include = []

[[measure]]
id = "no_products"
title = "t"
source = "test"
products = { include = ["list:empty"] }
origins = { include = ["*"] }
in_force = [{ from = "2025-01-01" }]
  [[measure.rate]]
  citation = "9903.01.25"
  duty = "10%"

[[measure]]
id = "rates_outside"
title = "t"
source = "test"
products = { include = ["8703"] }
origins = { include = ["*"] }
in_force = [{ from = "2025-01-01", until = "2025-06-01" }]
suspended = [{ from = "2026-01-01", until = "2026-02-01", reason = "late" }]
in_transit = { loaded_before = "2025-05-01", entered_before = "2025-04-01", citation = "9903.01.28" }
  [[measure.rate]]
  citation = "9903.01.26"
  duty = "10%"
  from = "2025-07-01"
"#,
    );
    let o = w.run(&["check", "odd.toml"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("measure `no_products`: its product scope includes nothing"), "{err}");
    assert!(err.contains("measure `rates_outside`: no rate's window overlaps its in-force window"), "{err}");
    assert!(err.contains("measure `rates_outside`: the suspension") && err.contains("suspends nothing"), "{err}");
    assert!(err.contains("in_transit loaded_before 2025-05-01 is after entered_before 2025-04-01"), "{err}");
    let o = w.run(&["check", "historical"], "");
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
}

/// `compare` refuses the same scenario twice: its columns would be indistinguishable.
#[test]
fn compare_refuses_the_same_scenario_twice() {
    let w = Workdir::new();
    w.create("f.csv", "hts,origin,entry_date,customs_value\n9403.60.80,JP,2025-05-01,1000\n");
    let o = w.run(&["compare", "f.csv", "-s", "historical", "-s", "status-quo", "-s", "historical"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("scenario `historical` is given twice (--scenario 1 and 3"), "{}", stderr(&o));
}

/// Lists that name lists (`include = ["list:..."]`): the composed Annex II of 2025-10-14 plus the
/// agricultural additions of 2025-11-13 holds exactly the codes of `annex_ii`, the list as printed in the
/// 2026 HTS; and each composition holds its parts and not what it excludes. Checked on every code any of
/// these lists names (at the length it is written, and at 10 digits under it).
#[test]
fn composed_annex_ii_lists_hold_what_they_say() {
    use tariffstack::codes::HtsCode;
    use tariffstack::date::Date;
    let s = load_scenario("historical").unwrap();
    let list = |n: &str| s.lists.iter().find(|l| l.name == n).unwrap_or_else(|| panic!("no list {n}"));
    let names = [
        "annex_ii",
        "annex_ii_2025_04_05",
        "electronics_2025_04_11",
        "annex_ii_added_2025_09_08",
        "annex_ii_removed_2025_09_08",
        "annex_ii_removed_2025_10_14",
        "ag_exempt_2025_11_13",
        "annex_ii_from_2025_04_05",
        "annex_ii_from_2025_09_08",
        "annex_ii_from_2025_10_14",
    ];
    let mut codes: Vec<HtsCode> = Vec::new();
    for n in names {
        for p in list(n).include.prefixes().iter().chain(list(n).exclude.prefixes()) {
            codes.push(*p);
            let digits: String = p.to_string().chars().filter(char::is_ascii_digit).collect();
            codes.push(HtsCode::parse(&format!("{digits:0<10}")).unwrap());
        }
    }
    let day = Date::parse("2025-12-01").unwrap();
    let on = |n: &str, c: &HtsCode| list(n).contains(c, day);
    let mut checked = 0;
    for c in &codes {
        let composed = on("annex_ii_from_2025_10_14", c) || on("ag_exempt_2025_11_13", c);
        assert_eq!(composed, on("annex_ii", c), "{c}: composed {composed}, printed {}", on("annex_ii", c));
        let a = on("annex_ii_2025_04_05", c) || on("electronics_2025_04_11", c);
        assert_eq!(on("annex_ii_from_2025_04_05", c), a, "{c}");
        let b = (a || on("annex_ii_added_2025_09_08", c)) && !on("annex_ii_removed_2025_09_08", c);
        assert_eq!(on("annex_ii_from_2025_09_08", c), b, "{c}");
        assert_eq!(on("annex_ii_from_2025_10_14", c), b && !on("annex_ii_removed_2025_10_14", c), "{c}");
        checked += 1;
    }
    assert!(checked > 2000, "{checked}");
}

/// `summary` (the `compare` verb with one scenario): no difference column, per-measure effective
/// rates (duty / value of the rows the measure applies to), and a breakdown by month of entry.
#[test]
fn summary_of_one_scenario_by_measure_and_month() {
    let w = Workdir::new();
    w.create(
        "f.csv",
        "hts,origin,entry_date,customs_value\n9403.60.80,CN,2025-05-01,1000\n9403.60.80,CN,2025-06-01,3000\n",
    );
    let o = w.run(&["summary", "f.csv", "-s", "historical", "--by", "measure"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = crate::util::stdout(&o);
    assert!(out.starts_with("Duty on f.csv under historical"), "{out}");
    assert!(!out.contains("difference") && !out.contains("(reference)"), "{out}");
    // List 3: 25% of the 4000 the two rows are worth.
    let line = out.lines().find(|l| l.starts_with("s301_china ")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.ends_with("25%"), "{line}");
    let o = w.run(&["summary", "f.csv", "-s", "historical", "--by", "month", "--format", "csv"], "");
    let out = crate::util::stdout(&o);
    assert!(
        out.contains("\n2025-05,historical,1,1000.00,") && out.contains("\n2025-06,historical,1,3000.00,"),
        "{out}"
    );
}
