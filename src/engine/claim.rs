//! What a special-program claim can change in a row's pricing, worked out once per scenario, so
//! that the ranges can price a row "as if it claimed USMCA" from the row's own pricing instead of
//! pricing it again ([`super::Pricer::claimed_total`]).
//!
//! A claim (the flow's `spi`) is read in four places of a measure's decision
//! ([`Engine::measure_status`](super::Engine)): an exemption's `spi` or `unless_spi`, the measure's
//! `exempt_spi`, a rate's `spi`, and, through the MFN duty it changes, an inclusive rate. Every
//! other check (origin, products, in force, suspension, in transit, the amounts of add-on rates)
//! reads the same row either way. So, for a measure that no rate ties to the claim, and no
//! `unless_spi` exemption whose window holds the row's rule date:
//! - when the claim is in its `exempt_spi`, it never applies to the claiming row (that test comes
//!   right after the scope, force and suspension checks, which do not read the claim);
//! - when an exemption lifts it only for the claim, it applies to the claiming row exactly when it
//!   applied without the claim and that exemption does not lift it (a claim can only add lifting
//!   exemptions, never take one away: those are the `unless_spi` ones, excluded here);
//! - otherwise it is decided alike.
//!
//! A measure that reads another's decision (`excluded_by`, `replaced_by`) is decided alike only if
//! the measures it reads are; when one it reads may be lifted, the row is priced in full.

use super::Engine;
use crate::codes::Program;
use crate::scenario::Duty;

/// What claiming one program can change, by measure (see the module notes). Built for scenarios
/// that fit the bit sets; bits are evaluation ranks ([`Engine::rank_bit`]) unless said otherwise.
#[derive(Clone, Debug)]
pub(crate) struct ClaimEffects {
    /// The program claimed.
    pub(crate) program: Program,
    /// Measures the claim may change other than by lifting them: a rate for the program, an
    /// inclusive rate (it reads the MFN duty).
    pub(crate) unsettled: u128,
    /// Measures with an exemption the claim turns off (`unless_spi`): changed by the claim on the
    /// rule dates of that exemption's window.
    pub(crate) turned_off: u128,
    /// Per measure index: those exemptions (bit k: exemption k).
    pub(crate) turned_off_exemptions: Vec<u128>,
    /// Measures the claim may lift: `exempt_spi`, or an exemption only for the program.
    pub(crate) liftable: u128,
    /// Measures that read the decision of another (`excluded_by`, `replaced_by`).
    pub(crate) readers: u128,
    /// Per rank: the measures the measure of that rank reads.
    pub(crate) reads: Vec<u128>,
    /// Per measure index: the claim is in its `exempt_spi`.
    pub(crate) exempt_spi: Vec<bool>,
    /// Per measure index: the exemptions (bit k: exemption k) that lift it only for the claim.
    pub(crate) claim_exemptions: Vec<u128>,
}

impl ClaimEffects {
    /// The effects of claiming `program` under `engine`'s scenario; `None` when the scenario is
    /// too large for the bit sets.
    pub(crate) fn new(engine: &Engine, program: Program) -> Option<ClaimEffects> {
        let index = &engine.index;
        if !index.bits_fit {
            return None;
        }
        let s = engine.scenario();
        let listed = |list: &[String]| list.iter().any(|p| p.as_bytes() == program.as_bytes());
        let rank = |i: usize| 1u128 << index.rank_of[i];
        let mut effects = ClaimEffects {
            program,
            unsettled: 0,
            turned_off: 0,
            turned_off_exemptions: vec![0; s.measures.len()],
            liftable: 0,
            readers: 0,
            reads: vec![0; s.measures.len()],
            exempt_spi: s.measures.iter().map(|m| listed(&m.exempt_spi)).collect(),
            claim_exemptions: vec![0; s.measures.len()],
        };
        for (i, m) in s.measures.iter().enumerate() {
            let rate_reads_claim = m.rates.iter().any(|r| listed(&r.spi) || matches!(r.duty, Duty::Inclusive { .. }));
            for &k in &m.exemptions {
                let e = &s.exemptions[k];
                // Lifts with the claim and not without it (`Exemption::claim_matches`).
                if !e.spi.is_empty() && listed(&e.spi) && !listed(&e.unless_spi) {
                    effects.claim_exemptions[i] |= 1u128 << k;
                }
                // Lifts without the claim and not with it.
                if e.spi.is_empty() && listed(&e.unless_spi) {
                    effects.turned_off_exemptions[i] |= 1u128 << k;
                }
            }
            if rate_reads_claim {
                effects.unsettled |= rank(i);
            }
            if effects.turned_off_exemptions[i] != 0 {
                effects.turned_off |= rank(i);
            }
            if effects.exempt_spi[i] || effects.claim_exemptions[i] != 0 {
                effects.liftable |= rank(i);
            }
            let reads = m.excluded_by.iter().chain(&m.replaced_by).fold(0u128, |b, &j| b | rank(j));
            if reads != 0 {
                effects.readers |= rank(i);
                effects.reads[index.rank_of[i]] = reads;
            }
        }
        Some(effects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{Country, Declared};
    use crate::date::Date;
    use crate::flow::Flow;
    use crate::mfn::MfnTable;
    use crate::scenario::load_scenario_str;
    use rust_decimal::Decimal;
    use std::sync::Arc;

    /// Every code of the embedded table, from Canada and Mexico, on 22 dates from 2025-02-01 to
    /// 2026-12-05, as declared, with metal content, with US content and with each heading the
    /// scenario's declared rates and exemptions name: whenever [`Pricer::claimed_total`] answers,
    /// its total is the full pricing's of the row claiming USMCA, under every bundled scenario.
    #[test]
    fn the_claimed_total_is_the_full_pricing_of_the_claim() {
        let mut dates = Vec::new();
        let mut d = Date::parse("2025-02-01").unwrap();
        while d <= Date::parse("2026-12-05").unwrap() {
            dates.push(d);
            d = Date::from_days(i64::from(d.days()) + 31).unwrap();
        }
        let (mut answered, mut compared, mut lifted) = (0usize, 0usize, 0usize);
        for name in crate::scenario::bundled_names() {
            let scenario = crate::scenario::load_scenario(name).unwrap();
            let headings: Vec<Declared> = scenario
                .measures
                .iter()
                .flat_map(|m| m.rates.iter().filter_map(|r| r.declared))
                .chain(scenario.exemptions.iter().filter_map(|e| e.declared.map(|run| run.first)))
                .map(|h| {
                    let mut d = Declared::default();
                    d.insert(h).unwrap();
                    d
                })
                .collect();
            let engine = Engine::new(Arc::new(scenario), Arc::new(MfnTable::embedded()));
            let effects = ClaimEffects::new(&engine, Program::USMCA).expect("fits the bit sets");
            let mut pricer = super::super::Pricer::new(&engine);
            let mut full = super::super::Priced::default();
            let codes: Vec<_> = engine.mfn_table().lines().iter().map(|l| l.hts).collect();
            for (n, code) in codes.iter().enumerate() {
                for origin in ["CA", "MX"] {
                    for (k, &date) in dates.iter().enumerate() {
                        let mut f = Flow::new(*code, Country::parse(origin).unwrap(), date, Decimal::new(1234567, 2));
                        f.quantity = Some(Decimal::from(100));
                        f.quantity_unit = crate::units::Unit::parse("kg");
                        // One variant per row, in turn: as declared, metal content, US content, a heading.
                        match (n + k) % 4 {
                            1 => f.steel_content_value = Some(Decimal::new(400000, 2)),
                            2 => f.us_content_value = Some(Decimal::new(300000, 2)),
                            3 if !headings.is_empty() => f.declared = headings[(n + k) % headings.len()],
                            _ => {}
                        }
                        let Ok(own) = pricer.price(&f).map(|p| p.total_duty) else { continue };
                        let shortcut = pricer.claimed_total(&f, &effects);
                        let mut claimed = f.clone();
                        claimed.spi = Some(Program::USMCA);
                        let Ok(p) = pricer.price_into(&claimed, &mut full) else {
                            assert!(shortcut.is_none(), "{name} {code} {origin} {date}: the claim is refused");
                            continue;
                        };
                        compared += 1;
                        if let Some(t) = shortcut {
                            assert_eq!(t, p.total_duty, "{name} {} {origin} {date} ({f:?})", code.dotted());
                            answered += 1;
                            lifted += usize::from(t != own);
                        }
                    }
                }
            }
        }
        eprintln!("{compared} claims priced, {answered} answered by the shortcut, {lifted} of them lower");
        assert!(answered * 2 > compared && lifted > 10_000, "{compared} {answered} {lifted}");
    }

    const SCENARIO: &str = r#"
[scenario]
name = "claims"
title = "what a claim changes"

[[measure]]
id = "lifted_by_exempt_spi"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["*"] }
origins = { include = ["CA"] }
exempt_spi = ["S"]
  [[measure.rate]]
  citation = "9903.01.10"
  duty = "25%"

[[measure]]
id = "lifted_by_exemption"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["*"] }
origins = { include = ["MX"] }
  [[measure.rate]]
  citation = "9903.01.01"
  duty = "25%"

[[measure]]
id = "reads_lifted"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["72"] }
origins = { include = ["*"] }
excluded_by = ["lifted_by_exemption"]
  [[measure.rate]]
  citation = "9903.81.87"
  duty = "50%"

[[measure]]
id = "turned_off"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["76"] }
origins = { include = ["*"] }
  [[measure.rate]]
  citation = "9903.85.02"
  duty = "50%"

[[measure]]
id = "rate_for_claim"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["87"] }
origins = { include = ["*"] }
  [[measure.rate]]
  citation = "9903.94.06"
  duty = "0%"
  spi = ["S"]
  [[measure.rate]]
  citation = "9903.94.05"
  duty = "25%"

[[measure]]
id = "inclusive"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["*"] }
origins = { include = ["JP"] }
  [[measure.rate]]
  citation = "9903.02.73"
  inclusive = "15%"
  citation_at_or_above = "9903.02.72"

[[measure]]
id = "untouched"
title = "t"
source = "test"
in_force = [{ from = "2025-01-01" }]
products = { include = ["*"] }
origins = { include = ["CN"] }
  [[measure.rate]]
  citation = "9903.01.24"
  duty = "10%"

[[exemption]]
id = "claim_lifts"
citation = "9903.01.04"
reason = "t"
source = "test"
applies_to = ["lifted_by_exemption"]
spi = ["S"]
products = { include = ["*"] }

[[exemption]]
id = "claim_turns_off"
citation = "9903.01.10"
reason = "t"
source = "test"
applies_to = ["turned_off"]
unless_spi = ["S"]
products = { include = ["*"] }

[[exemption]]
id = "other_program"
citation = "9903.01.05"
reason = "t"
source = "test"
applies_to = ["untouched"]
spi = ["C"]
products = { include = ["*"] }
"#;

    #[test]
    fn each_way_a_claim_reaches_a_measure_is_found() {
        let scenario = load_scenario_str("claims.toml", SCENARIO).expect("scenario loads");
        let engine = Engine::new(Arc::new(scenario), Arc::new(MfnTable::embedded()));
        let effects = ClaimEffects::new(&engine, Program::USMCA).expect("fits the bit sets");
        let id_of = |i: usize| engine.measure(i).id.as_str();
        let named = |bits: u128| -> Vec<&str> {
            let mut ids: Vec<&str> = (0..engine.scenario().measures.len())
                .filter(|&i| bits & engine.rank_bit(i).unwrap() != 0)
                .map(id_of)
                .collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(named(effects.liftable), ["lifted_by_exempt_spi", "lifted_by_exemption"]);
        assert_eq!(named(effects.unsettled), ["inclusive", "rate_for_claim"]);
        assert_eq!(named(effects.turned_off), ["turned_off"]);
        assert_eq!(named(effects.readers), ["reads_lifted"]);
        let reader = (0..engine.scenario().measures.len()).find(|&i| id_of(i) == "reads_lifted").unwrap();
        let lifted = (0..engine.scenario().measures.len()).find(|&i| id_of(i) == "lifted_by_exemption").unwrap();
        assert_eq!(effects.reads[engine.index.rank_of[reader]], engine.rank_bit(lifted).unwrap());
        let exempt: Vec<&str> =
            (0..engine.scenario().measures.len()).filter(|&i| effects.exempt_spi[i]).map(id_of).collect();
        assert_eq!(exempt, ["lifted_by_exempt_spi"]);
        assert_eq!(effects.claim_exemptions[lifted].count_ones(), 1);
        let untouched = (0..engine.scenario().measures.len()).find(|&i| id_of(i) == "untouched").unwrap();
        assert_eq!(effects.claim_exemptions[untouched], 0, "an exemption for another program");
    }
}
