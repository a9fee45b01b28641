//! Known-rate cases: worked examples of the law with their sources (`tests/data/known-rates.csv`, facts
//! taken from the project's research notes; each row names its source). Every case must match to the
//! cent, with the same measure list, through the library and through the binary.
//! See: the `source` column of each case.

use crate::util::{Workdir, data, stdout};
use std::collections::BTreeMap;
use std::sync::Arc;
use tariffstack::engine::Engine;
use tariffstack::flow::FlowColumns;
use tariffstack::mfn::MfnTable;
use tariffstack::scenario::load_scenario;

struct Case {
    id: String,
    scenario: String,
    record: csv::ByteRecord,
    expected_total: String,
    expected_measures: Vec<String>,
}

fn cases(file: &str) -> (csv::ByteRecord, Vec<Case>) {
    let mut rdr = csv::Reader::from_path(data(file)).unwrap();
    let header = rdr.byte_headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n.as_bytes()).unwrap();
    let (id, sc, tot, me) = (col("id"), col("scenario"), col("expected_total_duty"), col("expected_measures"));
    let text = |r: &csv::ByteRecord, i: usize| String::from_utf8(r[i].to_vec()).unwrap();
    let mut out = Vec::new();
    for r in rdr.byte_records() {
        let r = r.unwrap();
        out.push(Case {
            id: text(&r, id),
            scenario: text(&r, sc),
            expected_total: text(&r, tot),
            expected_measures: text(&r, me).split(';').map(str::to_string).collect(),
            record: r,
        });
    }
    (header, out)
}

fn check_library(file: &str) {
    let (header, cases) = cases(file);
    let cols = FlowColumns::from_header(&header).unwrap();
    let mfn = Arc::new(MfnTable::embedded());
    let mut engines: BTreeMap<String, Engine> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        let engine = engines
            .entry(c.scenario.clone())
            .or_insert_with(|| Engine::new(Arc::new(load_scenario(&c.scenario).unwrap()), Arc::clone(&mfn)));
        let flow = cols.parse(&c.record).unwrap_or_else(|e| panic!("{}: {e:?}", c.id));
        let a = engine.assess(&flow).unwrap_or_else(|e| panic!("{}: {e:?}", c.id));
        let got_total = format!("{:.2}", a.total_duty);
        let mut got_measures = vec!["mfn".to_string()];
        got_measures.extend(a.base_rule().map(|b| engine.scenario().base_rates[b].id.clone()));
        got_measures.extend(a.applied().map(|(i, _)| engine.measure(i).id.clone()));
        let mut want = c.expected_measures.clone();
        want.sort();
        let mut got_sorted = got_measures.clone();
        got_sorted.sort();
        if got_total != c.expected_total || got_sorted != want {
            failures.push(format!(
                "{} [{}]: total {got_total} (want {}), measures {} (want {})",
                c.id,
                c.scenario,
                c.expected_total,
                got_measures.join(";"),
                c.expected_measures.join(";")
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Through the binary, as acceptance runs them: one `run` per scenario over a CSV of its cases.
fn check_binary(file: &str) {
    let (header, cases) = cases(file);
    let by_scenario: BTreeMap<&str, Vec<&Case>> = cases.iter().fold(BTreeMap::new(), |mut m, c| {
        m.entry(c.scenario.as_str()).or_default().push(c);
        m
    });
    let wd = Workdir::new();
    for (scenario, cs) in by_scenario {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_byte_record(&header).unwrap();
        for c in &cs {
            w.write_byte_record(&c.record).unwrap();
        }
        let input = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let out = wd.run(&["run", "--scenario", scenario, "-q"], &input);
        assert_eq!(out.status.code(), Some(0), "{scenario}: {}", String::from_utf8_lossy(&out.stderr));
        let text = stdout(&out);
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let h = rdr.headers().unwrap().clone();
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), cs.len());
        for (row, c) in rows.iter().zip(&cs) {
            assert_eq!(&row[col("id")], c.id);
            assert_eq!(&row[col("total_duty")], c.expected_total, "{} [{scenario}]", c.id);
            assert_eq!(row[col("measures")].split(';').next(), Some("mfn"), "{}: mfn first", c.id);
        }
    }
}

#[test]
fn public_known_rates_through_the_library() {
    check_library("known-rates.csv");
}

#[test]
fn public_known_rates_through_the_binary() {
    check_binary("known-rates.csv");
}

/// Further cases worked by hand from the law (window edges, every scenario, US content, in-transit,
/// program claims, inclusive branches), each with its source.
#[test]
fn extra_known_rates_through_the_library() {
    check_library("known-rates-extra.csv");
}

#[test]
fn extra_known_rates_through_the_binary() {
    check_binary("known-rates-extra.csv");
}

/// The 2026 window edges: last IEEPA day, first and last Section 122 day, first forced-labor 301 day,
/// the restructured 232 metals, China 301 with Section 122.
#[test]
fn known_rates_2026_edges_through_the_library() {
    check_library("known-rates-2026.csv");
}

#[test]
fn known_rates_2026_edges_through_the_binary() {
    check_binary("known-rates-2026.csv");
}

/// The measures added from the December 2026 law check (`docs/research/law-verified-2026-12.md`): each
/// just before and just after its dates, with the arithmetic in the `note` column.
#[test]
fn law_update_known_rates_through_the_library() {
    check_library("known-rates-law-update.csv");
}

#[test]
fn law_update_known_rates_through_the_binary() {
    check_binary("known-rates-law-update.csv");
}
