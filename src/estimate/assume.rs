//! Assumption sets: published estimates of the facts a flow file usually lacks (metal content shares,
//! USMCA claim shares), named so that every output can say which it used. They are economic
//! estimates, not law: the compliance answer (what CBP charges on what a row declares) never uses
//! them, and a row's own columns always win over them.
//!
//! Bundled sets (data embedded from `data/assumptions/`, provenance in its README):
//! - `bea`: steel, aluminum and copper content shares by HTS10 from the BEA 2017 input-output table;
//! - `flat50`: metal content of 50% of the value (the Tax Policy Center's method), split equally
//!   between the metals the row's measures charge;
//! - `usmca-2024`, `usmca-2025`: the share of imports claimed under USMCA by HTS10, for Canada and
//!   Mexico (USITC DataWeb).
//!
//! A file given instead of a name holds `hts,steel,aluminum,copper` (metal shares) or `hts,CA,MX`
//! (USMCA claim shares) with shares as fractions from 0 to 1.

use crate::codes::HtsCode;
use crate::scenario::Base;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

const BEA_SHARES: &str = include_str!("../../data/assumptions/metal-content-bea.csv");
const BEA_CODES: &str = include_str!("../../data/assumptions/metal-content-hts10.csv");
const USMCA_2024: &str = include_str!("../../data/assumptions/usmca-2024.csv");
const USMCA_2025: &str = include_str!("../../data/assumptions/usmca-2025.csv");

/// The names of the bundled sets, in the order `--help` lists them.
pub const BUNDLED: [&str; 4] = ["bea", "flat50", "usmca-2024", "usmca-2025"];

/// Metal content shares of one HTS10 line (fractions of the customs value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetalShares {
    /// Steel.
    pub steel: Decimal,
    /// Aluminum.
    pub aluminum: Decimal,
    /// Copper.
    pub copper: Decimal,
}

impl MetalShares {
    /// The share of one content base.
    pub fn of(&self, base: Base) -> Decimal {
        match base {
            Base::SteelContent => self.steel,
            Base::AluminumContent => self.aluminum,
            Base::CopperContent => self.copper,
            _ => Decimal::ZERO,
        }
    }
}

/// What a set estimates.
#[derive(Clone, Debug)]
enum Estimates {
    /// Metal content shares by HTS10 (an 8-digit code finds its lines' shares when they all agree).
    Metal(Arc<CodeMap<MetalShares>>),
    /// A flat metal content share of the value, split equally between the metals charged.
    FlatMetal(Decimal),
    /// USMCA claim shares by HTS10: (Canada, Mexico).
    Usmca(Arc<UsmcaMap>),
}

/// One named assumption set.
#[derive(Clone, Debug)]
pub struct AssumptionSet {
    /// Its name (`bea`, or the file's stem).
    pub name: String,
    /// Where its figures come from.
    pub provenance: String,
    estimates: Estimates,
}

/// The sets a command was given (`--assume`, repeatable); empty for the compliance answer.
#[derive(Clone, Debug, Default)]
pub struct Assumptions {
    /// The sets, in the order given.
    pub sets: Vec<AssumptionSet>,
}

fn share(text: &str, what: &str) -> Result<Option<Decimal>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let d: Decimal = t.parse().map_err(|_| format!("{what}: `{t}` is not a decimal share"))?;
    if d < Decimal::ZERO || d > Decimal::ONE {
        return Err(format!("{what}: share `{t}` is not between 0 and 1"));
    }
    Ok(Some(d))
}

fn hts_key(text: &str, what: &str) -> Result<u64, String> {
    let code = HtsCode::parse(text).map_err(|e| format!("{what}: {e}"))?;
    if code.len() != 10 {
        return Err(format!("{what}: `{text}` is not a 10-digit HTS line"));
    }
    Ok(code.key())
}

/// Adds, for every 8-digit subheading whose 10-digit lines all carry the same value, that value
/// under the 8-digit key (so that a flow given at 8 digits finds it only when it is not in doubt).
fn add_agreeing_parents<V: Copy + PartialEq>(map: &mut CodeMap<V>) {
    let mut parents: HashMap<u64, Option<V>> = HashMap::new();
    for (&k, &v) in map.iter() {
        // Keys are the digits as a number, tagged with the length in the low 4 bits.
        let parent = (((k >> 4) / 100) << 4) | 8;
        parents.entry(parent).and_modify(|p| *p = p.filter(|x| *x == v)).or_insert(Some(v));
    }
    for (k, v) in parents {
        if let Some(v) = v {
            map.insert(k, v);
        }
    }
}

/// A 10-digit line's value, or an 8-digit code's when all its lines agree (keys carry the length).
fn lookup<V: Copy>(map: &CodeMap<V>, code: &HtsCode) -> Option<V> {
    match code.len() {
        10 | 8 => map.get(&code.key()).copied(),
        _ => None,
    }
}

fn parse_metal_csv(text: &str, origin: &str) -> Result<CodeMap<MetalShares>, String> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let h = rdr.headers().map_err(|e| format!("{origin}: {e}"))?.clone();
    let col = |n: &str| h.iter().position(|x| x.trim().eq_ignore_ascii_case(n));
    let (Some(c), Some(s), Some(a), Some(cu)) =
        (col("hts").or(col("hts10")), col("steel"), col("aluminum"), col("copper"))
    else {
        return Err(format!("{origin}: a metal-content set needs columns hts, steel, aluminum, copper"));
    };
    let mut map = CodeMap::default();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| format!("{origin}: line {}: {e}", i + 2))?;
        let at = format!("{origin}: line {}", i + 2);
        let get = |k: usize| r.get(k).unwrap_or("");
        let m = MetalShares {
            steel: share(get(s), &at)?.unwrap_or_default(),
            aluminum: share(get(a), &at)?.unwrap_or_default(),
            copper: share(get(cu), &at)?.unwrap_or_default(),
        };
        if m.steel + m.aluminum + m.copper > Decimal::ONE {
            return Err(format!("{at}: the metal shares add up past the customs value (more than 1)"));
        }
        map.insert(hts_key(get(c), &at)?, m);
    }
    add_agreeing_parents(&mut map);
    Ok(map)
}

type UsmcaMap = CodeMap<(Option<Decimal>, Option<Decimal>)>;

/// A map keyed by HTS keys (the per-row lookups use the cheap hasher of the engine's memo).
type CodeMap<V> = HashMap<u64, V, crate::codes::HtsKeyHash>;

fn parse_usmca_csv(text: &str, origin: &str) -> Result<UsmcaMap, String> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let h = rdr.headers().map_err(|e| format!("{origin}: {e}"))?.clone();
    let col = |n: &str| h.iter().position(|x| x.trim().eq_ignore_ascii_case(n));
    let (Some(c), Some(ca), Some(mx)) = (col("hts").or(col("hts10")), col("CA"), col("MX")) else {
        return Err(format!("{origin}: a USMCA set needs columns hts, CA, MX"));
    };
    let mut map = CodeMap::default();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| format!("{origin}: line {}: {e}", i + 2))?;
        let at = format!("{origin}: line {}", i + 2);
        let get = |k: usize| r.get(k).unwrap_or("");
        map.insert(hts_key(get(c), &at)?, (share(get(ca), &at)?, share(get(mx), &at)?));
    }
    add_agreeing_parents(&mut map);
    Ok(map)
}

fn bea() -> Result<Arc<CodeMap<MetalShares>>, String> {
    static BEA: OnceLock<Result<Arc<CodeMap<MetalShares>>, String>> = OnceLock::new();
    BEA.get_or_init(|| {
        let mut by_bea: HashMap<String, MetalShares> = HashMap::new();
        let mut rdr = csv::ReaderBuilder::new().from_reader(BEA_SHARES.as_bytes());
        for (i, r) in rdr.records().enumerate() {
            let r = r.map_err(|e| format!("embedded BEA shares: {e}"))?;
            let at = format!("embedded metal-content-bea.csv line {}", i + 2);
            let m = MetalShares {
                steel: share(r.get(1).unwrap_or(""), &at)?.unwrap_or_default(),
                aluminum: share(r.get(2).unwrap_or(""), &at)?.unwrap_or_default(),
                copper: share(r.get(3).unwrap_or(""), &at)?.unwrap_or_default(),
            };
            by_bea.insert(r.get(0).unwrap_or("").to_string(), m);
        }
        let mut map = CodeMap::default();
        let mut rdr = csv::ReaderBuilder::new().from_reader(BEA_CODES.as_bytes());
        for (i, r) in rdr.records().enumerate() {
            let r = r.map_err(|e| format!("embedded BEA codes: {e}"))?;
            let at = format!("embedded metal-content-hts10.csv line {}", i + 2);
            let Some(m) = by_bea.get(r.get(1).unwrap_or("")) else {
                return Err(format!("{at}: BEA code without shares"));
            };
            map.insert(hts_key(r.get(0).unwrap_or(""), &at)?, *m);
        }
        add_agreeing_parents(&mut map);
        Ok(Arc::new(map))
    })
    .clone()
}

fn usmca(year: u16) -> Result<Arc<UsmcaMap>, String> {
    static Y2024: OnceLock<Result<Arc<UsmcaMap>, String>> = OnceLock::new();
    static Y2025: OnceLock<Result<Arc<UsmcaMap>, String>> = OnceLock::new();
    let (cell, text) = if year == 2024 { (&Y2024, USMCA_2024) } else { (&Y2025, USMCA_2025) };
    cell.get_or_init(|| parse_usmca_csv(text, &format!("embedded usmca-{year}.csv")).map(Arc::new)).clone()
}

impl AssumptionSet {
    /// A bundled set by name, or a set read from a CSV file.
    pub fn load(name_or_file: &str) -> Result<AssumptionSet, String> {
        let bundled = |name: &str, provenance: &str, estimates| AssumptionSet {
            name: name.to_string(),
            provenance: provenance.to_string(),
            estimates,
        };
        Ok(match name_or_file {
            "bea" => bundled(
                "bea",
                "metal content shares by HTS10 from the BEA 2017 input-output table (Budget Lab tariff-rate-tracker @ 8315fffd; data/assumptions/README.md)",
                Estimates::Metal(bea()?),
            ),
            "flat50" => bundled(
                "flat50",
                "metal content of 50% of the customs value (the Tax Policy Center's method), split equally between the metals charged",
                Estimates::FlatMetal(Decimal::new(5, 1)),
            ),
            "usmca-2024" | "usmca-2025" => {
                let year = if name_or_file.ends_with("2024") { 2024 } else { 2025 };
                bundled(
                    name_or_file,
                    &format!(
                        "share of imports claimed under USMCA by HTS10 in {year}, Canada and Mexico (USITC DataWeb via the Budget Lab tariff-rate-tracker @ 8315fffd; data/assumptions/README.md)"
                    ),
                    Estimates::Usmca(usmca(year)?),
                )
            }
            path => {
                let p = Path::new(path);
                if !p.exists() {
                    return Err(format!(
                        "`{path}` is neither a bundled assumption set ({}) nor a file",
                        BUNDLED.join(", ")
                    ));
                }
                let text = crate::files::read_regular_text(p, crate::files::MAX_SCENARIO_BYTES)
                    .map_err(|e| format!("cannot read {path}: {e}"))?;
                let first = text.lines().next().unwrap_or("").to_ascii_lowercase();
                let name = p.file_stem().map_or_else(|| path.to_string(), |s| s.to_string_lossy().into_owned());
                let estimates = if first.contains("steel") {
                    Estimates::Metal(Arc::new(parse_metal_csv(&text, path)?))
                } else if first.contains("ca") && first.contains("mx") {
                    Estimates::Usmca(Arc::new(parse_usmca_csv(&text, path)?))
                } else {
                    return Err(format!(
                        "{path}: the header names neither metal shares (hts,steel,aluminum,copper) nor USMCA shares (hts,CA,MX)"
                    ));
                };
                AssumptionSet { name, provenance: format!("file {path}"), estimates }
            }
        })
    }
}

impl Assumptions {
    /// The sets named by `--assume` (each a bundled name or a file), in order.
    pub fn load(names: &[String]) -> Result<Assumptions, String> {
        let mut sets: Vec<AssumptionSet> = Vec::new();
        for n in names {
            let s = AssumptionSet::load(n)?;
            if sets.iter().any(|x| x.name == s.name) {
                return Err(format!("assumption set `{}` is given twice", s.name));
            }
            sets.push(s);
        }
        let metal =
            sets.iter().filter(|s| matches!(s.estimates, Estimates::Metal(_) | Estimates::FlatMetal(_))).count();
        let usmca = sets.iter().filter(|s| matches!(s.estimates, Estimates::Usmca(_))).count();
        if metal > 1 || usmca > 1 {
            return Err("give at most one metal-content set and one USMCA set".into());
        }
        Ok(Assumptions { sets })
    }

    /// True when no set is given (the compliance answer).
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// `bea, usmca-2025` (empty for none).
    pub fn names(&self) -> String {
        self.sets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The metal content value the sets estimate for the `bases` a row's measures charge without a
    /// declared content: `(base, value)`, never more than the customs value together, rounded to the
    /// cent. Empty when no metal set is given or it has no figure for the code.
    pub fn metal_contents(&self, code: &HtsCode, value: Decimal, bases: &[Base]) -> Vec<(Base, Decimal)> {
        if bases.is_empty() {
            return Vec::new();
        }
        for s in &self.sets {
            match &s.estimates {
                Estimates::Metal(map) => {
                    let Some(m) = lookup(map, code) else { return Vec::new() };
                    return bases.iter().map(|&b| (b, crate::money::mul_round_cents(m.of(b), value))).collect();
                }
                Estimates::FlatMetal(total) if !bases.is_empty() => {
                    let each = *total / Decimal::from(bases.len());
                    return bases.iter().map(|&b| (b, crate::money::mul_round_cents(each, value))).collect();
                }
                _ => {}
            }
        }
        Vec::new()
    }

    /// The share of a Canadian or Mexican flow's value claimed under USMCA, when a USMCA set is given
    /// and has a figure for the code.
    pub fn usmca_share(&self, code: &HtsCode, origin: &str) -> Option<Decimal> {
        self.sets.iter().find_map(|s| match &s.estimates {
            Estimates::Usmca(map) => lookup(map, code).and_then(|(ca, mx)| {
                if origin == "CA" {
                    ca
                } else if origin == "MX" {
                    mx
                } else {
                    None
                }
            }),
            _ => None,
        })
    }

    /// True when a USMCA set is given.
    pub fn has_usmca(&self) -> bool {
        self.sets.iter().any(|s| matches!(s.estimates, Estimates::Usmca(_)))
    }

    /// The sets as JSON (name and provenance), for every JSON output.
    pub fn json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.sets.iter().map(|s| serde_json::json!({ "name": s.name, "provenance": s.provenance })).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(t: &str) -> HtsCode {
        HtsCode::parse(t).unwrap()
    }

    /// The embedded sets reproduce the figures of data/assumptions/README.md (pinned from the source
    /// files by data/tools/make_assumptions.py).
    #[test]
    fn embedded_sets_match_their_source_figures() {
        let bea = bea().unwrap();
        let m = lookup(&bea, &code("8703.23.01.40")).unwrap();
        assert_eq!((m.steel, m.aluminum, m.copper), (Decimal::new(71, 3), Decimal::new(193, 4), Decimal::new(221, 4)));
        let m = lookup(&bea, &code("3304.99.50.00")).unwrap();
        assert_eq!((m.steel, m.aluminum, m.copper), (Decimal::new(95, 4), Decimal::new(33, 4), Decimal::new(28, 4)));
        let m = lookup(&bea, &code("7208.51.00.30")).unwrap();
        assert_eq!(m.steel, Decimal::new(9366, 4));
        let u = usmca(2025).unwrap();
        assert_eq!(
            lookup(&u, &code("8703.23.01.40")).unwrap(),
            (Some(Decimal::new(9993, 4)), Some(Decimal::new(8396, 4)))
        );
        let u = usmca(2024).unwrap();
        assert_eq!(lookup(&u, &code("8703.23.01.30")).unwrap(), (Some(Decimal::new(7538, 4)), Some(Decimal::ONE)));
        // Row counts of the README.
        assert_eq!(BEA_CODES.lines().count() - 1, 20_481);
        assert_eq!(USMCA_2025.lines().count() - 1, 20_129);
    }

    #[test]
    fn an_eight_digit_code_finds_its_lines_value_only_when_they_agree() {
        let bea = bea().unwrap();
        // 3304.99.50 has one line (.00): its shares.
        assert_eq!(lookup(&bea, &code("3304.99.50")), lookup(&bea, &code("3304.99.50.00")));
        assert!(lookup(&bea, &code("3304.99.50")).is_some());
    }

    #[test]
    fn flat50_splits_between_the_metals_charged_and_never_exceeds_the_value() {
        let a = Assumptions::load(&["flat50".to_string()]).unwrap();
        let v = Decimal::new(1000, 0);
        let one = a.metal_contents(&code("7616.99.51.90"), v, &[Base::AluminumContent]);
        assert_eq!(one, vec![(Base::AluminumContent, Decimal::new(500, 0))]);
        let two = a.metal_contents(&code("3304.99.50.00"), v, &[Base::SteelContent, Base::AluminumContent]);
        let sum: Decimal = two.iter().map(|(_, d)| *d).sum();
        assert_eq!(sum, Decimal::new(500, 0));
    }

    #[test]
    fn sets_are_refused_with_the_fix() {
        assert!(Assumptions::load(&["nope".to_string()]).unwrap_err().contains("neither a bundled assumption set"));
        let twice = Assumptions::load(&["bea".to_string(), "flat50".to_string()]).unwrap_err();
        assert!(twice.contains("at most one metal-content set"));
    }
}
