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
                assert!(r.citation.starts_with("99"), "{name}: {} cites {}", m.id, r.citation);
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
