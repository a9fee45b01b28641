//! Sweeps: many variants of one scenario priced together. A variant that extends a scenario and
//! changes a few measures prices most rows exactly as the scenario does; [`Sweep`] finds, per row,
//! the variants whose answer is the reference's without pricing them, and for the others the few
//! measures to decide again.
//!
//! A variant is *aligned* with the reference when both have the same measures (ids, in the same
//! order and evaluation order), the same exemption headings (ids, in order), the same base rates,
//! product lists, freeze date, MFN table and split lines, and both fit the fast path's bit sets.
//! Its *differing* measures are those whose compiled content differs from the reference's, with
//! every measure an exemption of different content lifts. For a row, the fast path ([`Pricer`])
//! evaluates in evaluation order the *candidates*: the measures whose products can cover the code,
//! whose origins hold the origin and that are in force on the date; a measure outside them does not
//! apply. A measure's decision reads only its own content, its exemptions, the row, the MFN layer
//! and the decisions of the measures that exclude or replace it (decided before it).
//!
//! So when no differing measure is a candidate under the reference nor can be one under the
//! variant, the variant decides the same measures, with the same content, exemptions and MFN layer,
//! in the same order, as the reference: its answer is the reference's, line for line. When some are
//! (set D), every measure outside D and outside the candidates that read D (transitively) decides
//! as under the reference; those are decided again under the variant, the others keep the
//! reference's lines (`Pricer::reprice`). The reference's candidates are known exactly from its
//! pricing; the variant's side is checked on a superset (products that may cover the code on some
//! date, origins, in-force windows on the rule date). A row the reference priced with a warning is
//! priced in full under the variant (a warning is not tied to its measure).

use super::{Engine, Priced, Pricer, PricingError};
use crate::codes::{Country, HtsKeyHash};
use crate::flow::Flow;
use crate::scenario::Scenario;
use std::collections::HashMap;
use std::sync::Arc;

/// The plan of a sweep: for each engine after the first (the reference), whether and how it
/// aligns with the reference. Built once per command, shared by the workers.
#[derive(Debug)]
pub struct Sweep {
    /// Per engine (the reference's entry is `None`): the alignment, when it aligns.
    variants: Vec<Option<Alignment>>,
    /// The variants' versions of their differing measures (at most 128 in all), as bit `j`.
    items: Vec<Item>,
    /// Per country index: the items whose origins hold the country.
    item_origins: Vec<u128>,
}

/// How one aligned variant differs from the reference.
#[derive(Debug)]
struct Alignment {
    /// The differing measures, by evaluation rank (the same in both).
    ranks: u128,
    /// The items (in [`Sweep::items`]) of its versions of them.
    items: u128,
    /// Per evaluation rank: the measures (by rank) that read it, in either scenario (it is in their
    /// `excluded_by`, or it replaces them): when it is decided again, they must be too.
    readers: Vec<u128>,
}

/// A variant's version of one of its differing measures.
#[derive(Debug)]
struct Item {
    engine: usize,
    measure: usize,
    /// Its evaluation rank.
    rank: usize,
}

impl Sweep {
    /// The plan for `engines`, the first being the reference.
    pub fn new(engines: &[Engine]) -> Sweep {
        let mut sweep = Sweep { variants: vec![None], items: Vec::new(), item_origins: vec![0; Country::COUNT] };
        let Some((reference, variants)) = engines.split_first() else {
            return Sweep { variants: Vec::new(), ..sweep };
        };
        for (k, variant) in variants.iter().enumerate() {
            let k = k + 1;
            let aligned = differing(reference, variant).and_then(|differ| {
                if sweep.items.len() + differ.len() > u128::BITS as usize {
                    return None;
                }
                let rank_of = &reference.index.rank_of;
                let mut readers = vec![0u128; rank_of.len()];
                let (r, v) = (&reference.scenario().measures, &variant.scenario().measures);
                for (i, m) in r.iter().enumerate().chain(v.iter().enumerate()) {
                    for &j in m.excluded_by.iter().chain(&m.replaced_by) {
                        readers[rank_of[j]] |= 1u128 << rank_of[i];
                    }
                }
                let mut a = Alignment { ranks: 0, items: 0, readers };
                for i in differ {
                    a.ranks |= 1u128 << reference.index.rank_of[i];
                    let j = sweep.items.len();
                    a.items |= 1u128 << j;
                    for c in Country::all() {
                        if variant.measure(i).origins.contains(c) {
                            sweep.item_origins[c.index()] |= 1u128 << j;
                        }
                    }
                    sweep.items.push(Item { engine: k, measure: i, rank: reference.index.rank_of[i] });
                }
                Some(a)
            });
            sweep.variants.push(aligned);
        }
        sweep
    }

    /// True when engine `k` is aligned with the reference (its rows may take the reference's
    /// answer).
    pub fn aligned(&self, k: usize) -> bool {
        self.variants.get(k).is_some_and(Option::is_some)
    }

    /// True when no variant is aligned: every engine prices every row.
    pub fn is_empty(&self) -> bool {
        self.variants.iter().all(Option::is_none)
    }
}

/// The measures (indices) whose compiled content differs between `reference` and `variant`, or
/// `None` when the two do not align (see the module's documentation). Contents are compared whole,
/// titles and notes included, and prefix sets in the order written: a difference in wording or
/// order only is taken as a difference (the row is priced), never the other way round.
fn differing(reference: &Engine, variant: &Engine) -> Option<Vec<usize>> {
    let (r, v): (&Scenario, &Scenario) = (reference.scenario(), variant.scenario());
    let same_shape = reference.index.bits_fit
        && variant.index.bits_fit
        && Arc::ptr_eq(&reference.mfn, &variant.mfn)
        && Arc::ptr_eq(&r.lists, &v.lists)
        && Arc::ptr_eq(&r.list_index, &v.list_index)
        && r.freeze_on == v.freeze_on
        && r.measures.len() == v.measures.len()
        && r.measures.iter().zip(&v.measures).all(|(a, b)| a.id == b.id)
        && r.eval_order == v.eval_order
        && r.exemptions.len() == v.exemptions.len()
        && r.exemptions.iter().zip(&v.exemptions).all(|(a, b)| a.id == b.id)
        && r.base_rates == v.base_rates
        && reference.index.long_prefixes == variant.index.long_prefixes;
    if !same_shape {
        return None;
    }
    let mut differ: Vec<bool> = r.measures.iter().zip(&v.measures).map(|(a, b)| a != b).collect();
    for (a, b) in r.exemptions.iter().zip(&v.exemptions) {
        if a != b {
            for &i in a.applies_to.iter().chain(&b.applies_to) {
                differ[i] = true;
            }
        }
    }
    Some((0..differ.len()).filter(|&i| differ[i]).collect())
}

/// How a variant's answer to the last row was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// Priced by its own pricer.
    Priced,
    /// The reference's answer.
    Reused,
    /// The reference's answer with the measures its changes could touch decided again.
    Repriced,
}

/// One worker's side of a sweep: the pricers of every engine, and per code the items whose products
/// may cover it.
pub struct SweepPricer<'e> {
    sweep: &'e Sweep,
    engines: &'e [Engine],
    pricers: Vec<Pricer<'e>>,
    /// Per engine: how its answer to the last row was found.
    answers: Vec<Answer>,
    /// Per engine: its answer when [`Answer::Repriced`].
    repriced: Vec<Priced>,
    /// Per code key: the items whose products may cover the code on some date.
    codes: HashMap<u64, u128, HtsKeyHash>,
}

impl<'e> SweepPricer<'e> {
    /// Codes remembered at most; the memo is emptied when full.
    const CAPACITY: usize = 1 << 17;

    /// Pricers over `engines` (the first the reference), planned by `sweep`.
    pub fn new(sweep: &'e Sweep, engines: &'e [Engine]) -> SweepPricer<'e> {
        SweepPricer {
            sweep,
            engines,
            pricers: engines.iter().map(Pricer::new).collect(),
            answers: vec![Answer::Priced; engines.len()],
            repriced: vec![Priced::default(); engines.len()],
            codes: HashMap::default(),
        }
    }

    /// Prices a flow under every engine, in order, stopping at the first that cannot price it (its
    /// index and the error): the answer of each engine is then [`SweepPricer::priced`].
    ///
    /// An aligned variant takes the reference's answer when none of its differing measures is a
    /// candidate under the reference or may be one under the variant. Otherwise, when the reference
    /// priced the row without a warning, only those measures and the candidates that read them
    /// (their excluders' and replacers' decisions), and so on, are decided again under the variant
    /// (`Pricer::reprice`); else the variant prices the row in full.
    pub fn price(&mut self, flow: &Flow) -> Result<(), (usize, PricingError)> {
        let Some((reference, variants)) = self.pricers.split_first_mut() else {
            return Ok(());
        };
        reference.price(flow).map_err(|e| (0, e))?;
        if self.sweep.is_empty() {
            for (k, p) in variants.iter_mut().enumerate() {
                p.price(flow).map_err(|e| (k + 1, e))?;
            }
            return Ok(());
        }
        let candidates = reference.candidates();
        let clean = reference.priced().warnings.is_empty();
        let touched = touches(self.sweep, self.engines, &mut self.codes, flow);
        for (k, p) in variants.iter_mut().enumerate() {
            let k = k + 1;
            let Some(a) = &self.sweep.variants[k] else {
                self.answers[k] = Answer::Priced;
                p.price(flow).map_err(|e| (k, e))?;
                continue;
            };
            let mut redo = candidates & a.ranks;
            let mut items = touched & a.items;
            while items != 0 {
                let j = items.trailing_zeros() as usize;
                items &= items - 1;
                redo |= 1u128 << self.sweep.items[j].rank;
            }
            self.answers[k] = if redo == 0 {
                Answer::Reused
            } else if clean {
                // The candidates that read a measure decided again, to the end.
                let mut next = redo;
                while next != 0 {
                    let r = next.trailing_zeros() as usize;
                    next &= next - 1;
                    let more = a.readers[r] & candidates & !redo;
                    redo |= more;
                    next |= more;
                }
                reference.reprice(&self.engines[k], flow, redo, &mut self.repriced[k]).map_err(|e| (k, e))?;
                Answer::Repriced
            } else {
                p.price(flow).map_err(|e| (k, e))?;
                Answer::Priced
            };
        }
        Ok(())
    }

    /// The answer of engine `k` for the last row priced.
    pub fn priced(&self, k: usize) -> &Priced {
        match self.answers[k] {
            Answer::Priced => self.pricers[k].priced(),
            Answer::Reused => self.pricers[0].priced(),
            Answer::Repriced => &self.repriced[k],
        }
    }

    /// True when engine `k` was not priced in full for the last row (it took the reference's
    /// answer, or had some measures decided again).
    pub fn reused(&self, k: usize) -> bool {
        self.answers[k] != Answer::Priced
    }

    /// The engine of index `k`.
    pub fn engine(&self, k: usize) -> &'e Engine {
        &self.engines[k]
    }
}

/// The items that may be candidates for `flow` under their variant: products that may cover the
/// code on some date (remembered per code), origins, and an in-force window holding the rule date.
fn touches(sweep: &Sweep, engines: &[Engine], codes: &mut HashMap<u64, u128, HtsKeyHash>, flow: &Flow) -> u128 {
    let key = flow.hts.key();
    let by_code = match codes.get(&key) {
        Some(&b) => b,
        None => {
            if codes.len() >= SweepPricer::CAPACITY {
                codes.clear();
            }
            let keys = flow.hts.prefix_keys();
            let len = flow.hts.len();
            let mut b = 0u128;
            for (j, item) in sweep.items.iter().enumerate() {
                let s = engines[item.engine].scenario();
                let members = s.list_index.members(&keys, len);
                if s.measures[item.measure].products.may_contain(&keys, len, &members) {
                    b |= 1u128 << j;
                }
            }
            codes.insert(key, b);
            b
        }
    };
    let mut bits = by_code & sweep.item_origins[flow.origin.index()];
    let mut out = 0u128;
    while bits != 0 {
        let j = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        let item = &sweep.items[j];
        let e = &engines[item.engine];
        let m = e.measure(item.measure);
        let date = e.rule_date(m, flow.entry_date);
        if m.in_force.iter().any(|w| w.contains(date)) {
            out |= 1u128 << j;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mfn::MfnTable;
    use crate::scenario::ScenarioLoader;

    #[test]
    fn variants_that_change_measures_align_and_others_do_not() {
        let mfn = Arc::new(MfnTable::embedded());
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sweep/");
        let mut loader = ScenarioLoader::default();
        let specs = ["historical", "jp-10.toml", "chips-25.toml", "frozen-2025-10-01.toml", "annex-ii-later.toml"];
        let engines: Vec<Engine> = specs
            .iter()
            .map(|s| {
                let spec = if s.ends_with(".toml") { format!("{dir}{s}") } else { s.to_string() };
                Engine::new(Arc::new(loader.load(&spec).unwrap()), Arc::clone(&mfn))
            })
            .collect();
        assert_eq!(
            differing(&engines[0], &engines[1]).unwrap(),
            [engines[0].scenario().measure_index("ieepa_reciprocal_jp_deal").unwrap()]
        );
        assert_eq!(differing(&engines[0], &engines[4]).unwrap().len(), 6, "the measures the exemption lifts");
        let sweep = Sweep::new(&engines);
        assert!(sweep.aligned(1) && !sweep.aligned(2) && !sweep.aligned(3) && sweep.aligned(4));
    }
}
