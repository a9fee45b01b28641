//! The accelerator's static half: which measures can apply to an origin, on a date, and in which
//! order they are decided, as bit sets built once per scenario. The rules ([`super::Engine::assess`])
//! never need it; the fast path ([`super::Pricer`]) uses it to evaluate only the measures that can
//! apply to a row. Every bit set here is a pre-filter: the full checks of a measure still run.

use crate::codes::{Country, HtsCode};
use crate::date::Date;
use crate::scenario::{ListMask, Measure, ProductScope, Scenario, Window};

/// The most measures (and, separately, exemption headings) a scenario may have for the bit sets:
/// one bit each in a `u128`. A larger scenario is priced by the full assessment, row by row.
pub(crate) const MAX_INDEXED: usize = u128::BITS as usize;

/// The bit set of a list of indices (each below [`MAX_INDEXED`]).
fn as_mask(list: &[usize]) -> u128 {
    list.iter().fold(0u128, |b, &j| b | (1u128 << j))
}

/// The date the rules of `measure` are read at for an entry on `entry`: the entry date, or the
/// scenario's freeze date for an entry after it (unless the measure is `scheduled`).
pub(crate) fn rule_date(scenario: &Scenario, measure: &Measure, entry: Date) -> Date {
    match scenario.freeze_on {
        Some(f) if entry > f && !measure.scheduled => f,
        _ => entry,
    }
}

/// The per-scenario bit sets and tables of the fast path.
#[derive(Clone, Debug)]
pub(crate) struct Index {
    /// Every measure and every exemption heading has a bit: the fast path can run.
    pub(crate) bits_fit: bool,
    /// Per measure: its product scope (or a rate's or an exemption's) uses a dated list, so
    /// membership must be checked on the rule date.
    pub(crate) dated_scope: Vec<bool>,
    /// Per exemption: its product scope uses a dated list.
    pub(crate) dated_exemption: Vec<bool>,
    /// Every date on which a measure's in-force window or suspension, or a product list, starts or
    /// ends, and the day after the freeze (sorted, distinct). Between two of them (a segment) those
    /// states do not change.
    boundaries: Vec<Date>,
    /// Per segment: bit r is set when the measure of evaluation rank r is in force on its rule date
    /// and not suspended for every origin.
    pub(crate) live: Vec<u128>,
    /// The segment of every date from `first_tabled_day` (the day before the first boundary) to the
    /// last boundary, when there are fewer than 2^16 segments and the span is at most
    /// [`Index::MAX_TABLED_DAYS`] (`segment` searches `boundaries` for the other dates).
    segment_of_day: Vec<u16>,
    /// The day number of `segment_of_day[0]`.
    first_tabled_day: i32,
    /// Per segment: the product lists in effect.
    pub(crate) segment_lists: Vec<ListMask>,
    /// The product lists in effect on the freeze date.
    pub(crate) freeze_lists: ListMask,
    /// Per country index: bit r is set when the measure of rank r covers the country.
    pub(crate) origin_bits: Vec<u128>,
    /// Bit r is set when every rate of the measure of rank r needs a declaration: on a line that
    /// declares nothing it cannot apply (most lines declare nothing).
    pub(crate) needs_declaration: u128,
    /// Every prefix of 9 or 10 digits the scenario's scopes name, sorted.
    pub(crate) long_prefixes: Vec<HtsCode>,
    /// The codes of 8 digits or fewer under which those prefixes fall.
    pub(crate) split_codes: SplitCodes,
    /// Per country index: some base rule (Column 2, a rate in lieu) may cover the country, so the
    /// MFN layer of its flows is chosen in full ([`super::Engine::base_rule`]).
    pub(crate) base_origin: Vec<bool>,
    /// Bit i is set when measure i (by index, as the applied bits) bans the goods.
    pub(crate) prohibited_mask: u128,
    /// The measure index of each evaluation rank.
    pub(crate) by_rank: Vec<usize>,
    /// The evaluation rank of each measure.
    pub(crate) rank_of: Vec<usize>,
    /// Per measure with many rates: its rates by origin.
    pub(crate) rates_by_origin: Vec<Option<RatesByOrigin>>,
    /// Per measure, when the exemptions fit the bit sets: bit k when exemption k can lift it
    /// (empty otherwise).
    pub(crate) exemption_bits: Vec<u128>,
    /// Per measure, when the measures fit the bit sets: bit j when measure j is in its
    /// `excluded_by` (empty otherwise), so that one test on the applied bits decides it.
    pub(crate) excluded_mask: Vec<u128>,
    /// Likewise for the measures that replace it.
    pub(crate) replaced_mask: Vec<u128>,
}

impl Index {
    /// The most days `segment_of_day` covers (about 55 years).
    const MAX_TABLED_DAYS: i64 = 20_000;

    /// Builds the index of a checked scenario.
    pub(crate) fn new(scenario: &Scenario) -> Index {
        let mut dated = ListMask::default();
        for (i, l) in scenario.lists.iter().enumerate() {
            if l.window != Window::ALWAYS {
                dated.insert(i);
            }
        }
        let uses_dated = |p: &ProductScope| p.include_mask.intersects(&dated) || p.exclude_mask.intersects(&dated);
        let measures_fit = scenario.measures.len() <= MAX_INDEXED;
        let exemptions_fit = scenario.exemptions.len() <= MAX_INDEXED;
        let by_rank = scenario.eval_order.clone();
        let mut rank_of = vec![0; scenario.measures.len()];
        for (r, &i) in by_rank.iter().enumerate() {
            rank_of[i] = r;
        }
        let mut index = Index {
            bits_fit: measures_fit && exemptions_fit,
            dated_scope: scenario.measures.iter().map(|m| uses_dated(&m.products)).collect(),
            dated_exemption: scenario.exemptions.iter().map(|e| uses_dated(&e.products)).collect(),
            boundaries: Vec::new(),
            live: Vec::new(),
            segment_of_day: Vec::new(),
            first_tabled_day: 0,
            segment_lists: Vec::new(),
            freeze_lists: ListMask::default(),
            origin_bits: Vec::new(),
            needs_declaration: 0,
            long_prefixes: long_prefixes(scenario),
            split_codes: SplitCodes::default(),
            base_origin: (0..Country::COUNT)
                .map(|c| scenario.base_rates.iter().any(|b| b.origins.contains(Country::from_index(c))))
                .collect(),
            prohibited_mask: if measures_fit {
                scenario
                    .measures
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.prohibited.is_some())
                    .fold(0, |b, (i, _)| b | 1u128 << i)
            } else {
                0
            },
            by_rank,
            rank_of,
            rates_by_origin: scenario.measures.iter().map(RatesByOrigin::new).collect(),
            exemption_bits: if exemptions_fit {
                scenario.measures.iter().map(|m| as_mask(&m.exemptions)).collect()
            } else {
                Vec::new()
            },
            excluded_mask: if measures_fit {
                scenario.measures.iter().map(|m| as_mask(&m.excluded_by)).collect()
            } else {
                Vec::new()
            },
            replaced_mask: if measures_fit {
                scenario.measures.iter().map(|m| as_mask(&m.replaced_by)).collect()
            } else {
                Vec::new()
            },
        };
        if measures_fit {
            index.index_dates_and_origins(scenario);
        }
        index.split_codes = SplitCodes::new(&index.long_prefixes);
        index
    }

    /// Builds the per-segment and per-origin bit sets.
    fn index_dates_and_origins(&mut self, scenario: &Scenario) {
        let mut dates = Vec::new();
        let mut add = |w: &Window| dates.extend(w.from.into_iter().chain(w.until));
        for m in &scenario.measures {
            m.in_force.iter().for_each(&mut add);
            m.suspended.iter().for_each(|s| add(&s.window));
        }
        scenario.lists.iter().for_each(|l| add(&l.window));
        dates.extend(scenario.freeze_on.map(Date::succ));
        dates.sort_unstable();
        dates.dedup();
        let segments = dates.len() + 1;
        // Any date of a segment stands for it; before the first boundary, the day before it.
        let any_date = Date::from_ymd(2000, 1, 1).unwrap_or_else(|_| unreachable!("a valid date"));
        let representative =
            |k: usize| if k == 0 { dates.first().map_or(any_date, |d| d.pred()) } else { dates[k - 1] };
        let mut live = vec![0u128; segments];
        let mut segment_lists = Vec::with_capacity(segments);
        for (k, bits) in live.iter_mut().enumerate() {
            let entry = representative(k);
            for (i, m) in scenario.measures.iter().enumerate() {
                let date = rule_date(scenario, m, entry);
                let in_force = m.in_force.iter().any(|w| w.contains(date));
                let suspended_for_all = m.suspended.iter().any(|s| s.origins.is_none() && s.window.contains(date));
                if in_force && !suspended_for_all {
                    *bits |= 1u128 << self.rank_of[i];
                }
            }
            segment_lists.push(scenario.list_index.active(&scenario.lists, entry));
        }
        let mut origin_bits = vec![0u128; Country::COUNT];
        for c in Country::all() {
            for (i, m) in scenario.measures.iter().enumerate() {
                if m.origins.contains(c) {
                    origin_bits[c.index()] |= 1u128 << self.rank_of[i];
                }
            }
        }
        self.freeze_lists =
            scenario.freeze_on.map(|f| scenario.list_index.active(&scenario.lists, f)).unwrap_or_default();
        if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
            let span = i64::from(last.days()) - i64::from(first.days()) + 2;
            if span <= Self::MAX_TABLED_DAYS && segments <= usize::from(u16::MAX) {
                let start = first.pred();
                let mut k = 0;
                let mut day = start;
                for _ in 0..span {
                    while k < dates.len() && dates[k] <= day {
                        k += 1;
                    }
                    self.segment_of_day.push(k as u16);
                    day = day.succ();
                }
                self.first_tabled_day = start.days();
            }
        }
        for (i, m) in scenario.measures.iter().enumerate() {
            if !m.rates.is_empty() && m.rates.iter().all(|r| r.declared.is_some()) {
                self.needs_declaration |= 1u128 << self.rank_of[i];
            }
        }
        self.boundaries = dates;
        self.live = live;
        self.segment_lists = segment_lists;
        self.origin_bits = origin_bits;
    }

    /// The date segment of an entry date (see `boundaries`): one load for the dates of the
    /// segment table, a binary search for the others.
    #[inline]
    pub(crate) fn segment(&self, d: Date) -> usize {
        let day = i64::from(d.days()) - i64::from(self.first_tabled_day);
        match usize::try_from(day).ok().and_then(|k| self.segment_of_day.get(k)) {
            Some(&s) => usize::from(s),
            None => self.boundaries.partition_point(|b| *b <= d),
        }
    }
}

/// The rates of a measure that can apply to each origin, in file order.
#[derive(Clone, Debug)]
pub(crate) struct RatesByOrigin {
    /// Per country index `c`: its rates are `rates[offsets[c]..offsets[c + 1]]`.
    offsets: Vec<u32>,
    rates: Vec<u16>,
}

impl RatesByOrigin {
    /// Measures with more rates than this get an index.
    const FROM_RATES: usize = 6;

    fn new(m: &Measure) -> Option<RatesByOrigin> {
        if m.rates.len() <= Self::FROM_RATES || m.rates.len() > usize::from(u16::MAX) {
            return None;
        }
        let mut offsets = Vec::with_capacity(Country::COUNT + 1);
        let mut rates = Vec::new();
        offsets.push(0);
        for c in 0..Country::COUNT {
            let country = Country::from_index(c);
            for (k, r) in m.rates.iter().enumerate() {
                if r.origins.as_ref().is_none_or(|o| o.contains(country)) {
                    rates.push(k as u16);
                }
            }
            offsets.push(rates.len() as u32);
        }
        Some(RatesByOrigin { offsets, rates })
    }

    /// The indices of the rates that can apply to origin `c`, in file order.
    pub(crate) fn rates_for(&self, c: Country) -> &[u16] {
        let i = c.index();
        &self.rates[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_segment_table_agrees_with_the_search_on_every_day() {
        for name in crate::scenario::bundled_names() {
            let index = Index::new(&crate::scenario::load_scenario(name).unwrap());
            assert!(!index.segment_of_day.is_empty(), "{name}: no table");
            let mut d = Date::parse("2019-01-01").unwrap();
            let last = Date::parse("2031-01-01").unwrap();
            while d <= last {
                assert_eq!(index.segment(d), index.boundaries.partition_point(|b| *b <= d), "{name} {d}");
                d = d.succ();
            }
        }
    }
}

/// The prefixes of 9 or 10 digits named by a scenario's lists and scopes, sorted and distinct: the
/// lines a measure may split a shorter code at. Computed once per scenario (kept in the index).
pub fn long_prefixes(s: &Scenario) -> Vec<HtsCode> {
    let mut out: Vec<HtsCode> = Vec::new();
    let mut take = |set: &crate::scenario::PrefixSet| {
        out.extend(set.prefixes().iter().filter(|p| p.len() >= 9).copied());
    };
    for l in s.lists.iter() {
        take(&l.include);
        take(&l.exclude);
    }
    for m in &s.measures {
        take(&m.products.include);
        take(&m.products.exclude);
        for r in &m.rates {
            if let Some(p) = &r.products {
                take(&p.include);
                take(&p.exclude);
            }
        }
    }
    for e in &s.exemptions {
        take(&e.products.include);
        take(&e.products.exclude);
    }
    out.sort_by(|a, b| a.digits().cmp(b.digits()));
    out.dedup_by(|a, b| a.digits() == b.digits());
    out
}

/// The codes of 8 digits or fewer under which a scenario names longer lines (a measure may split
/// them): a hash set of their keys, for a per-row test in constant time.
#[derive(Clone, Debug, Default)]
pub struct SplitCodes(std::collections::HashSet<u64, crate::codes::HtsKeyHash>);

impl SplitCodes {
    /// The set for `long_prefixes` (see [`long_prefixes`]).
    pub fn new(long_prefixes: &[HtsCode]) -> SplitCodes {
        let mut set = std::collections::HashSet::default();
        for p in long_prefixes {
            let keys = p.prefix_keys();
            set.extend(keys[2..=8].iter().copied());
        }
        SplitCodes(set)
    }

    /// True when a measure's scope may split `code` (a code shorter than 9 digits with named lines
    /// under it).
    #[inline]
    pub fn splits(&self, code: &HtsCode) -> bool {
        code.len() <= 8 && self.0.contains(&code.key())
    }
}
