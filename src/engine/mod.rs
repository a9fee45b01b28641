//! The rules engine: a pure function (flow, scenario) -> assessment.
//!
//! Stacking order, for every flow:
//! 1. MFN (column 1): the general rate, or the special rate of the program claimed in `spi` when
//!    the HTS line lists it. Specific and compound rates are priced on the flow's quantity,
//!    converted exactly to the rate's unit; without a usable quantity the row is rejected.
//! 2. The scenario's measures, in an order where every `replaces` replacer and every
//!    `excluded_by` excluder is decided first. For each: origin, products, in-force window at the
//!    rule date (the entry date, or the freeze date of a frozen scenario), suspension, `exempt_spi`,
//!    in-transit clause, the first matching rate, then exclusion (an `excluded_by` measure applies)
//!    and replacement (a measure that `replaces` it applies).
//! 3. An ad valorem measure applies when more than zero is owed (CBP's "subject to"); an inclusive
//!    measure applies also in its zero branch (`MFN_AVE >= target`), which must be declared.
//! 4. Each line is rounded half-up to the cent; totals are sums of rounded lines.

mod assessment;
mod claim;
mod index;
mod memo;
mod mfn_duty;
mod pricer;
mod sweep;

pub use assessment::{Assessment, Branch, DutyLine, MfnBasis, MfnOutcome, Priced, PricingError, Status, Warning};
pub(crate) use claim::ClaimEffects;
pub use index::{SplitCodes, long_prefixes};
pub use pricer::Pricer;
pub use sweep::{Sweep, SweepPricer};

use crate::date::Date;
use crate::flow::Flow;
use crate::mfn::MfnTable;
use crate::money::{mul_round_cents, round_cents};
use crate::scenario::{Base, Duty, ListMask, Measure, MeasureRate, Scenario};
use index::Index;
use rust_decimal::Decimal;
use std::sync::Arc;

/// A scenario ready to price flows: the rules ([`Engine::assess`]) over a checked scenario and an
/// MFN table, and the accelerator's index of them (used by [`Pricer`]).
#[derive(Clone, Debug)]
pub struct Engine {
    scenario: Arc<Scenario>,
    mfn: Arc<MfnTable>,
    /// Which measures can apply to an origin and a date, as bit sets (the fast path's pre-filter).
    index: Index,
}

/// The measures applied so far, as a flow's measures are decided in evaluation order.
enum AppliedSoFar<'s> {
    /// Bit j: measure j applied (scenarios of at most 128 measures), with the lines so far.
    Bits(u128, &'s [(usize, DutyLine)]),
    /// The statuses decided so far (by measure index).
    Statuses(&'s [Status]),
}

impl AppliedSoFar<'_> {
    fn contains(&self, j: usize) -> bool {
        match self {
            AppliedSoFar::Bits(b, _) => b & (1u128 << j) != 0,
            AppliedSoFar::Statuses(s) => s[j].line().is_some(),
        }
    }

    /// The first measure of `list` that applied; `mask` (the list as bits, when known) rules most
    /// flows out with one test.
    fn first_of(&self, list: &[usize], mask: Option<&u128>) -> Option<usize> {
        if let (AppliedSoFar::Bits(b, _), Some(m)) = (self, mask)
            && b & m == 0
        {
            return None;
        }
        list.iter().copied().find(|&j| self.contains(j))
    }

    /// The line of measure `j`, if it applied.
    fn line(&self, j: usize) -> Option<&DutyLine> {
        match self {
            AppliedSoFar::Bits(b, lines) if b & (1u128 << j) != 0 => {
                lines.iter().find(|(i, _)| *i == j).map(|(_, l)| l)
            }
            AppliedSoFar::Bits(..) => None,
            AppliedSoFar::Statuses(s) => s[j].line(),
        }
    }
}

/// See [`Engine::pricing_class`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricingClass {
    lists: crate::scenario::ListMask,
    mfn_line: Option<usize>,
    prefixes: Box<[u64]>,
}

impl Engine {
    /// Builds an engine over a checked scenario and an MFN table.
    pub fn new(scenario: Arc<Scenario>, mfn: Arc<MfnTable>) -> Engine {
        let index = Index::new(&scenario);
        Engine { scenario, mfn, index }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The MFN table.
    pub fn mfn_table(&self) -> &MfnTable {
        &self.mfn
    }

    /// Every prefix of 9 or 10 digits the scenario's scopes name, sorted: the lines a measure may
    /// split a shorter code at.
    pub fn long_prefixes(&self) -> &[crate::codes::HtsCode] {
        &self.index.long_prefixes
    }

    /// True when a scope of the scenario names 10-digit lines under `code` (8 digits or fewer): a
    /// flow given at that code may be priced as outside a measure that takes some of its lines.
    pub fn splits(&self, code: &crate::codes::HtsCode) -> bool {
        self.index.split_codes.splits(code)
    }

    /// What a flow's pricing takes from its code: the product lists that hold it (on any date), its
    /// MFN line, and for every product scope of the scenario (measures, rates, exemptions, base
    /// rates) whether its own prefixes include and exclude the code. Two codes with equal classes are
    /// priced alike on every date, everything else equal (the lists' dates select from equal
    /// memberships); the ranges use it to price one line of each class under a short code.
    pub fn pricing_class(&self, code: &crate::codes::HtsCode) -> PricingClass {
        let s = &self.scenario;
        let keys = code.prefix_keys();
        let len = code.len();
        let mut bits: Vec<u64> = Vec::new();
        let mut n = 0usize;
        let mut push = |p: &crate::scenario::ProductScope| {
            for b in [p.include.matches_keys(&keys, len), p.exclude.matches_keys(&keys, len)] {
                if n.is_multiple_of(64) {
                    bits.push(0);
                }
                if b {
                    *bits.last_mut().expect("a word was pushed") |= 1 << (n % 64);
                }
                n += 1;
            }
        };
        for m in &s.measures {
            push(&m.products);
            for r in &m.rates {
                if let Some(p) = &r.products {
                    push(p);
                }
            }
        }
        for e in &s.exemptions {
            push(&e.products);
        }
        for b in &s.base_rates {
            push(&b.products);
        }
        PricingClass {
            lists: s.list_index.members(&keys, len),
            mfn_line: self.mfn.lookup_index(code).ok(),
            prefixes: bits.into_boxed_slice(),
        }
    }

    /// The measures that cover `origin` and are in force on the rule date of an entry on `date`,
    /// not suspended for every origin: bit [`Engine::rank_bit`] of each. A measure outside them
    /// cannot apply to such a row, whatever it declares. `None` when the scenario is too large for
    /// the bit sets.
    pub(crate) fn live_measures(&self, origin: crate::codes::Country, date: Date) -> Option<u128> {
        let index = &self.index;
        index.bits_fit.then(|| index.origin_bits[origin.index()] & index.live[index.segment(date)])
    }

    /// The bit of measure `i` in [`Engine::live_measures`] (its evaluation rank); `None` when the
    /// scenario is too large for the bit sets.
    pub(crate) fn rank_bit(&self, i: usize) -> Option<u128> {
        self.index.bits_fit.then(|| 1u128 << self.index.rank_of[i])
    }

    /// The measures (as [`Engine::rank_bit`]s) whose decision can differ between codes `a` and `b`,
    /// everything else about a flow equal: those whose products, a rate's products or the products
    /// of an exemption that can lift them take in or leave out one code and not the other (by a
    /// prefix, or by a list that holds one and not the other). A flow for which none of them applies
    /// is priced alike under both codes: every other measure reads the same scopes, the same MFN
    /// duty and the same decisions before it. `None` when more than these measures can differ (the
    /// MFN line, a base rate's products) or the scenario is too large for the bit sets.
    pub(crate) fn measures_told_apart(&self, a: &crate::codes::HtsCode, b: &crate::codes::HtsCode) -> Option<u128> {
        let s = &self.scenario;
        let (keys_a, keys_b) = (a.prefix_keys(), b.prefix_keys());
        let (lists_a, lists_b) = (s.list_index.members(&keys_a, a.len()), s.list_index.members(&keys_b, b.len()));
        let differ = |p: &crate::scenario::ProductScope| {
            p.include.matches_keys(&keys_a, a.len()) != p.include.matches_keys(&keys_b, b.len())
                || p.exclude.matches_keys(&keys_a, a.len()) != p.exclude.matches_keys(&keys_b, b.len())
                || p.include_mask.and(&lists_a) != p.include_mask.and(&lists_b)
                || p.exclude_mask.and(&lists_a) != p.exclude_mask.and(&lists_b)
        };
        if !self.index.bits_fit
            || self.mfn.lookup_index(a).ok() != self.mfn.lookup_index(b).ok()
            || s.base_rates.iter().any(|r| differ(&r.products))
        {
            return None;
        }
        let mut bits = 0u128;
        for (i, m) in s.measures.iter().enumerate() {
            if differ(&m.products)
                || m.rates.iter().any(|r| r.products.as_ref().is_some_and(differ))
                || m.exemptions.iter().any(|&k| differ(&s.exemptions[k].products))
            {
                bits |= 1u128 << self.index.rank_of[i];
            }
        }
        Some(bits)
    }

    /// The measure at `index`.
    pub fn measure(&self, index: usize) -> &Measure {
        &self.scenario.measures[index]
    }

    /// Citation of an applied line.
    pub fn citation(&self, index: usize, line: &DutyLine) -> &str {
        let rate = &self.scenario.measures[index].rates[line.rate_index];
        match (&rate.duty, line.branch) {
            (Duty::Inclusive { citation_at_or_above, .. }, Branch::AtOrAbove) => citation_at_or_above,
            _ => &rate.citation,
        }
    }

    /// The date whose law prices a measure for an entry of `entry`: the entry date, or in a frozen
    /// scenario the freeze date for entries after it (unless the measure is `scheduled`).
    pub fn rule_date(&self, measure: &Measure, entry: Date) -> Date {
        index::rule_date(&self.scenario, measure, entry)
    }

    /// Prices one flow. Errors are rows that cannot be priced (never priced as zero).
    pub fn assess<'a>(&'a self, flow: &Flow) -> Result<Assessment<'a>, PricingError> {
        let keys = flow.hts.prefix_keys();
        let mut codes = self.codes(flow, &keys);
        let (mfn, mut warnings) = self.price_mfn(flow, self.base_rule(flow, &codes))?;
        codes.mfn_duty = mfn.duty;
        let scenario = &*self.scenario;
        let value = flow.customs_value;
        let mut statuses: Vec<Status> = vec![Status::NotInForce; scenario.measures.len()];
        for &i in &scenario.eval_order {
            let status = self.measure_status(i, flow, &codes, &AppliedSoFar::Statuses(&statuses), true, &mut warnings);
            statuses[i] = status;
        }
        if let Some(e) = statuses
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.line().map(|l| (i, l)))
            .find_map(|(i, l)| self.prohibition(i, l, flow))
        {
            return Err(e);
        }
        let mut additional: Decimal = statuses.iter().filter_map(Status::line).map(|l| l.amount).sum();
        additional.rescale(2);
        let mut total = mfn.duty + additional;
        total.rescale(2);
        Ok(Assessment {
            rule_date: self.scenario.freeze_on.map_or(flow.entry_date, |f| flow.entry_date.min(f)),
            mfn_duty: mfn.duty,
            additional_duty: additional,
            total_duty: total,
            customs_value: value,
            mfn,
            statuses,
            warnings,
        })
    }

    /// The first base rule (Column 2, a rate in lieu) that covers the flow on its rule date; none when
    /// the row gives its own `mfn_rate` (which wins over every rule).
    fn base_rule(&self, flow: &Flow, codes: &Codes) -> Option<usize> {
        if !self.index.base_origin[flow.origin.index()] || flow.mfn_rate.is_some() {
            return None;
        }
        let date = self.scenario.freeze_on.map_or(flow.entry_date, |f| flow.entry_date.min(f));
        let lists = if date == flow.entry_date { &codes.at_entry } else { &codes.at_freeze };
        self.scenario.base_rates.iter().position(|b| {
            b.origins.contains(flow.origin)
                && b.window.contains(date)
                && b.products.contains_fast(codes.keys, codes.len, lists)
        })
    }

    fn measure_status(
        &self,
        measure: usize,
        flow: &Flow,
        codes: &Codes,
        applied: &AppliedSoFar<'_>,
        check_scope: bool,
        warnings: &mut Vec<Warning>,
    ) -> Status {
        let m = &self.scenario.measures[measure];
        if check_scope && !m.origins.contains(flow.origin) {
            return Status::OriginNotCovered;
        }
        let date = self.rule_date(m, flow.entry_date);
        let lists = if date == flow.entry_date { &codes.at_entry } else { &codes.at_freeze };
        if check_scope && !m.products.contains_fast(codes.keys, codes.len, lists) {
            return Status::ProductNotCovered;
        }
        if !m.in_force.iter().any(|w| w.contains(date)) {
            return Status::NotInForce;
        }
        if let Some(k) = m
            .suspended
            .iter()
            .position(|s| s.window.contains(date) && s.origins.as_ref().is_none_or(|o| o.contains(flow.origin)))
        {
            return Status::Suspended(k);
        }
        let lifts = |k: usize| exemption_lifts(&self.scenario.exemptions[k], flow, flow.spi, date, codes, lists);
        let exemption = match self.index.exemption_bits.get(measure) {
            // Only the measure's exemptions whose products can cover the code, lowest index first
            // (the order of `m.exemptions`).
            Some(&bits) => {
                let mut bits = bits & codes.exemptions;
                let mut found = None;
                while bits != 0 {
                    let k = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if lifts(k) {
                        found = Some(k);
                        break;
                    }
                }
                found
            }
            None => {
                m.exemptions.iter().copied().find(|&k| (k >= 128 || codes.exemptions & (1u128 << k) != 0) && lifts(k))
            }
        };
        if let Some(k) = exemption {
            return Status::Exempt(k);
        }
        if let Some(p) = flow.spi
            && m.exempt_spi.iter().any(|e| e.as_bytes() == p.as_bytes())
        {
            return Status::ExemptSpi;
        }
        if let (Some(t), Some(loaded)) = (&m.in_transit, flow.loaded_date)
            && loaded < t.loaded_before
            && flow.entry_date < t.entered_before
        {
            return Status::InTransit;
        }
        let rate_matches = |r: &MeasureRate| {
            r.window.contains(date)
                && r.declared.is_none_or(|h| {
                    flow.declared.contains(h) || r.declared_also.is_some_and(|a| flow.declared.contains(a))
                })
                && r.origins.as_ref().is_none_or(|o| o.contains(flow.origin))
                && r.products.as_ref().is_none_or(|p| p.contains_fast(codes.keys, codes.len, lists))
                && (r.spi.is_empty() || flow.spi.is_some_and(|p| r.spi.iter().any(|s| s.as_bytes() == p.as_bytes())))
        };
        // The first rate that matches, in file order; for measures with many rates (one per
        // country), among those that can cover the origin only.
        let found = match &self.index.rates_by_origin[measure] {
            Some(index) => {
                index.rates_for(flow.origin).iter().map(|&k| usize::from(k)).find(|&k| rate_matches(&m.rates[k]))
            }
            None => m.rates.iter().position(rate_matches),
        };
        let Some(rate_index) = found else {
            return Status::NoRate;
        };
        // The value the measures of `excluded_portion_only_by` are charged on (U.S. note 2(v)(vii)).
        let mut carved = Decimal::ZERO;
        if m.excluded_until.is_none_or(|until| date < until)
            && let Some(j) = applied.first_of(&m.excluded_by, self.index.excluded_mask.get(measure))
        {
            let portion_only = m.excluded_portion_only_from.is_some_and(|from| date >= from);
            for &k in &m.excluded_by {
                match applied.line(k) {
                    Some(l) if portion_only && m.excluded_portion_only_by.contains(&k) => carved += l.base,
                    Some(_) => return Status::Excluded(k),
                    None => {}
                }
            }
            if carved >= flow.customs_value {
                return Status::Excluded(j);
            }
        }
        if let Some(j) = applied.first_of(&m.replaced_by, self.index.replaced_mask.get(measure)) {
            return Status::Replaced(j);
        }
        if m.prohibited.is_some() {
            // A ban: "applies" owes nothing; the caller refuses the row (see `prohibition`).
            let line = DutyLine {
                rate_index,
                branch: Branch::AddOn,
                base: flow.customs_value,
                rate: Decimal::ZERO,
                amount: Decimal::ZERO,
            };
            return Status::Applied(line);
        }
        match self.duty_line(m, rate_index, flow, codes.mfn_duty, carved, warnings) {
            Some(line) => Status::Applied(line),
            None => Status::ZeroOwed(rate_index),
        }
    }

    /// The row's refusal when measure `i`, applied with `line`, bans the goods: a prohibited import is
    /// never priced as if it could enter.
    fn prohibition(&self, i: usize, line: &DutyLine, flow: &Flow) -> Option<PricingError> {
        let m = &self.scenario.measures[i];
        m.prohibited.as_ref().map(|reason| PricingError {
            column: "hts",
            value: flow.hts.dotted(),
            reason: format!("import prohibited: {reason} ({}, measure {}); not priced", self.citation(i, line), m.id),
        })
    }

    /// The duty line of rate `rate_index` of measure `m` for a flow whose MFN duty is `mfn_duty`;
    /// `None` when nothing is owed (the flow is then not "subject to" the measure).
    fn duty_line(
        &self,
        m: &Measure,
        rate_index: usize,
        flow: &Flow,
        mfn_duty: Decimal,
        carved: Decimal,
        warnings: &mut Vec<Warning>,
    ) -> Option<DutyLine> {
        let value = flow.customs_value;
        let base_kind = m.rates[rate_index].base.unwrap_or(m.base);
        let content = match base_kind {
            Base::SteelContent => Some(flow.steel_content_value),
            Base::AluminumContent => Some(flow.aluminum_content_value),
            Base::CopperContent => Some(flow.copper_content_value),
            _ => None,
        };
        let base = match (base_kind, flow.us_content_value, content) {
            (Base::NonUsContent, Some(us), _) => m.us_content_rule.map_or(value, |rule| rule.base(value, us)),
            (_, _, Some(Some(c))) => c,
            (_, _, Some(None)) => {
                // CBP: when the content value of a derivative is not declared, the whole value is dutiable.
                if !warnings.contains(&Warning::ContentNotDeclared(base_kind)) {
                    warnings.push(Warning::ContentNotDeclared(base_kind));
                }
                value
            }
            _ => value,
        };
        // The value other measures are charged on is not charged again (`excluded_portion_only_by`).
        let base = if carved.is_zero() { base } else { (base - carved).max(Decimal::ZERO) };
        if !carved.is_zero() && base.is_zero() {
            return None;
        }
        match &m.rates[rate_index].duty {
            Duty::AddOn(rate) => {
                let amount = mul_round_cents(rate.fraction(), base);
                (!amount.is_zero()).then_some(DutyLine {
                    rate_index,
                    branch: Branch::AddOn,
                    base,
                    rate: rate.fraction(),
                    amount,
                })
            }
            Duty::Inclusive { target, .. } => {
                if value.is_zero() {
                    return None;
                }
                let target = target.fraction();
                // MFN_AVE = MFN duty / customs value (CBP's conversion for specific and compound rates).
                let mfn_ave = mfn_duty / value;
                if mfn_ave >= target {
                    return Some(DutyLine {
                        rate_index,
                        branch: Branch::AtOrAbove,
                        base,
                        rate: Decimal::ZERO,
                        amount: Decimal::ZERO,
                    });
                }
                // With the whole value as base, top-up = target x value - MFN duty exactly.
                let exact = if base == value { target * value - mfn_duty } else { (target - mfn_ave) * base };
                Some(DutyLine {
                    rate_index,
                    branch: Branch::TopUp,
                    base,
                    rate: target - mfn_ave,
                    amount: round_cents(exact),
                })
            }
        }
    }

    /// The code's list memberships on the entry and freeze dates; `keys` are its prefix keys.
    fn codes<'k>(&self, flow: &Flow, keys: &'k [u64; 11]) -> Codes<'k> {
        let scenario = &*self.scenario;
        let members = scenario.list_index.members(keys, flow.hts.len());
        let on = |d: Date| members.and(&scenario.list_index.active(&scenario.lists, d));
        Codes {
            keys,
            len: flow.hts.len(),
            at_entry: on(flow.entry_date),
            at_freeze: scenario.freeze_on.map(on).unwrap_or_default(),
            mfn_duty: Decimal::ZERO,
            exemptions: u128::MAX,
        }
    }
}

/// True when exemption `e` lifts the measures it applies to for `flow`, claiming `spi`, on rule
/// date `date` (`lists`: the code's product lists on that date).
#[inline(always)]
fn exemption_lifts(
    e: &crate::scenario::Exemption,
    flow: &Flow,
    spi: Option<crate::codes::Program>,
    date: Date,
    codes: &Codes,
    lists: &ListMask,
) -> bool {
    e.window.contains(date)
        && e.declared.is_none_or(|run| run.declared_in(&flow.declared))
        && e.claim_matches(spi)
        && e.origins.as_ref().is_none_or(|o| o.contains(flow.origin))
        && e.products.contains_fast(codes.keys, codes.len, lists)
}

/// A flow's code, prepared once for the scope checks of every measure: its prefix keys and the
/// product lists that hold it on the entry date and on the freeze date.
struct Codes<'k> {
    /// The code's prefix keys (read only by scopes that name prefixes: most name lists only).
    keys: &'k [u64; 11],
    len: usize,
    at_entry: ListMask,
    at_freeze: ListMask,
    /// The flow's MFN duty (rounded), for inclusive rates.
    mfn_duty: Decimal,
    /// Bit k: exemption k may cover the code (all bits when unknown).
    exemptions: u128,
}

#[cfg(test)]
mod tests {
    //! The engine's rules, one by one, on a small scenario written for the purpose. MFN is set per
    //! flow with `mfn_rate` where the test is about the arithmetic, and read from the embedded table
    //! where it is about special programs.

    use super::*;
    use crate::codes::Program;
    use crate::codes::{Country, HtsCode};
    use crate::rate_text::RateExpr;
    use crate::scenario::load_scenario_str;
    use crate::units::Unit;
    use std::str::FromStr;

    const RULES: &str = r#"
[scenario]
name = "rules"
title = "rules under test"

[lists.cars]
title = "cars"
source = "test"
include = ["8703"]

[[measure]]
id = "s232_autos"
title = "autos"
source = "test"
products = { include = ["list:cars"] }
origins = { include = ["*"] }
in_force = [{ from = "2025-04-03" }]
  [[measure.rate]]
  citation = "9903.94.01"
  duty = "25%"

[[measure]]
id = "s232_autos_jp_deal"
title = "autos, Japan deal"
source = "test"
products = { include = ["list:cars"] }
origins = { include = ["JP"] }
in_force = [{ from = "2025-09-16" }]
replaces = ["s232_autos"]
  [[measure.rate]]
  citation = "9903.94.41"
  inclusive = "15%"
  citation_at_or_above = "9903.94.40"

[[measure]]
id = "baseline"
title = "baseline"
source = "test"
products = { include = ["*"] }
origins = { include = ["*"], exclude = ["CA"] }
in_force = [{ from = "2025-04-05", until = "2026-02-24" }]
base = "non_us_content"
us_content_threshold = "20%"
excluded_by = ["s232_autos", "s232_autos_jp_deal"]
in_transit = { loaded_before = "2025-04-05", entered_before = "2025-05-27", citation = "9903.01.28" }
  [[measure.rate]]
  citation = "9903.01.25"
  duty = "10%"

[[measure]]
id = "country"
title = "country rate"
source = "test"
products = { include = ["*"] }
origins = { include = ["JP"] }
in_force = [{ from = "2025-04-09", until = "2025-08-07" }]
suspended = [{ from = "2025-04-10", until = "2025-07-09", reason = "pause" }]
replaces = ["baseline"]
excluded_by = ["s232_autos", "s232_autos_jp_deal"]
  [[measure.rate]]
  citation = "9903.01.53"
  duty = "24%"

[[measure]]
id = "jp_deal"
title = "Japan 15% inclusive"
source = "test"
products = { include = ["*"] }
origins = { include = ["JP"] }
in_force = [{ from = "2025-08-07", until = "2026-02-24" }]
base = "non_us_content"
us_content_threshold = "20%"
replaces = ["baseline", "country"]
excluded_by = ["s232_autos", "s232_autos_jp_deal"]
  [[measure.rate]]
  citation = "9903.02.73"
  inclusive = "15%"
  citation_at_or_above = "9903.02.72"

[[measure]]
id = "usmca_duty"
title = "Canada duty, USMCA exempt"
source = "test"
products = { include = ["*"] }
origins = { include = ["CA"] }
in_force = [{ from = "2025-03-04" }]
exempt_spi = ["S"]
  [[measure.rate]]
  citation = "9903.01.10"
  duty = "25%"

[[exemption]]
id = "annex_ii"
citation = "9903.01.32"
reason = "Annex II"
source = "test"
applies_to = ["baseline", "country", "jp_deal"]
products = { include = ["3004"] }
from = "2025-04-05"
"#;

    fn engine(text: &str) -> Engine {
        let s = load_scenario_str("rules.toml", text).unwrap_or_else(|e| panic!("{e}"));
        Engine::new(Arc::new(s), Arc::new(MfnTable::embedded()))
    }

    fn flow(hts: &str, origin: &str, date: &str, value: &str, mfn: Option<&str>) -> Flow {
        let mut f = Flow::new(
            HtsCode::parse(hts).unwrap(),
            Country::parse(origin).unwrap(),
            Date::parse(date).unwrap(),
            Decimal::from_str(value).unwrap(),
        );
        f.mfn_rate = mfn.map(|m| RateExpr::parse(m).unwrap());
        f
    }

    fn measures(e: &Engine, a: &Assessment<'_>) -> String {
        let mut ids = vec!["mfn".to_string()];
        ids.extend(a.applied().map(|(i, l)| format!("{}={}", e.measure(i).id, l.amount)));
        ids.join(";")
    }

    fn status<'a>(e: &Engine, a: &'a Assessment<'_>, id: &str) -> &'a Status {
        &a.statuses[e.scenario().measure_index(id).unwrap()]
    }

    fn total(e: &Engine, f: &Flow) -> String {
        e.assess(f).unwrap().total_duty.to_string()
    }

    /// A carve-out the law withdrew (`excluded_until`) and a ban (`prohibited`), on both paths.
    #[test]
    fn an_exclusion_can_end_and_a_ban_refuses_the_row() {
        let text = r#"
[scenario]
name = "rules"
title = "t"

[[measure]]
id = "s232_autos"
title = "autos"
source = "test"
products = { include = ["8703"] }
origins = { include = ["*"] }
in_force = [{ from = "2025-01-01" }]
  [[measure.rate]]
  citation = "9903.94.01"
  duty = "25%"

[[measure]]
id = "s338"
title = "stacks on 232 from 2026-09-15"
source = "test"
products = { include = ["8703", "2204"] }
origins = { include = ["CA"] }
in_force = [{ from = "2026-08-22" }]
excluded_by = ["s232_autos"]
excluded_until = "2026-09-15"
  [[measure.rate]]
  citation = "9903.03.14"
  duty = "50%"

[[measure]]
id = "ban"
title = "banned from 2026-09-29"
source = "test"
prohibited = "alcohol of Canada imported from 2026-09-29 is excluded from entry (Proclamation 11061)"
products = { include = ["2204"] }
origins = { include = ["CA"] }
in_force = [{ from = "2026-09-29" }]
  [[measure.rate]]
  citation = "9903.03.12"
  duty = "0%"
"#;
        let e = engine(text);
        let car = |d| flow("8703.23.01", "CA", d, "1000", Some("Free"));
        assert_eq!(measures(&e, &e.assess(&car("2026-09-14")).unwrap()), "mfn;s232_autos=250.00");
        assert_eq!(measures(&e, &e.assess(&car("2026-09-15")).unwrap()), "mfn;s232_autos=250.00;s338=500.00");
        let wine = |d| flow("2204.21.50", "CA", d, "1000", Some("Free"));
        assert_eq!(total(&e, &wine("2026-09-28")), "500.00");
        let err = e.assess(&wine("2026-09-29")).unwrap_err();
        assert_eq!(err.column, "hts");
        assert!(err.reason.starts_with("import prohibited: alcohol of Canada"), "{}", err.reason);
        assert!(err.reason.contains("9903.03.12, measure ban"), "{}", err.reason);
        let mut pricer = Pricer::new(&e);
        assert_eq!(pricer.price(&wine("2026-09-29")).unwrap_err(), err, "the fast path refuses it too");
        assert_eq!(pricer.price(&car("2026-09-15")).unwrap().total_duty.to_string(), "750.00");
    }

    #[test]
    fn window_edges_are_half_open() {
        let e = engine(RULES);
        let robot = |d| flow("8479.50.00", "KR", d, "1000", Some("2.5%"));
        assert_eq!(total(&e, &robot("2025-04-04")), "25.00", "day before the baseline");
        assert_eq!(total(&e, &robot("2025-04-05")), "125.00", "first day of the baseline");
        assert_eq!(total(&e, &robot("2026-02-23")), "125.00", "last day in");
        assert_eq!(total(&e, &robot("2026-02-24")), "25.00", "first day out");
        let car = |d| flow("8703.23.01", "KR", d, "1000", Some("2.5%"));
        assert_eq!(total(&e, &car("2025-04-02")), "25.00");
        assert_eq!(total(&e, &car("2025-04-03")), "275.00");
    }

    #[test]
    fn a_country_rate_replaces_the_baseline_and_is_suspended_by_the_pause() {
        let e = engine(RULES);
        let f = |d| flow("8479.50.00", "JP", d, "1000", Some("2.5%"));
        let a = e.assess(&f("2025-04-09")).unwrap();
        assert_eq!(measures(&e, &a), "mfn;country=240.00");
        assert!(matches!(status(&e, &a, "baseline"), Status::Replaced(_)));
        let a = e.assess(&f("2025-04-10")).unwrap();
        assert_eq!(measures(&e, &a), "mfn;baseline=100.00");
        assert!(matches!(status(&e, &a, "country"), Status::Suspended(0)));
        assert_eq!(measures(&e, &e.assess(&f("2025-07-08")).unwrap()), "mfn;baseline=100.00");
        assert_eq!(measures(&e, &e.assess(&f("2025-07-09")).unwrap()), "mfn;country=240.00");
    }

    #[test]
    fn section_232_excludes_the_reciprocal_tariff() {
        let e = engine(RULES);
        let a = e.assess(&flow("8703.23.01", "JP", "2025-04-16", "30000", Some("2.5%"))).unwrap();
        assert_eq!(measures(&e, &a), "mfn;s232_autos=7500.00");
        let Status::Excluded(j) = status(&e, &a, "baseline") else { panic!("baseline not excluded") };
        assert_eq!(e.measure(*j).id, "s232_autos");
        assert_eq!(a.total_duty.to_string(), "8250.00");
    }

    #[test]
    fn inclusive_target_with_mfn_below_equal_and_above() {
        let e = engine(RULES);
        let car = |m| flow("8703.23.01", "JP", "2025-09-16", "30000", Some(m));
        let below = e.assess(&car("2.5%")).unwrap();
        assert_eq!(measures(&e, &below), "mfn;s232_autos_jp_deal=3750.00");
        assert_eq!(below.total_duty.to_string(), "4500.00");
        assert!(matches!(status(&e, &below, "s232_autos"), Status::Replaced(_)));
        let equal = e.assess(&car("15%")).unwrap();
        assert_eq!(measures(&e, &equal), "mfn;s232_autos_jp_deal=0", "zero branch still declared");
        let (i, line) = equal.applied().next().unwrap();
        assert_eq!(line.branch, Branch::AtOrAbove);
        assert_eq!(e.citation(i, line), "9903.94.40");
        let above = e.assess(&car("25%")).unwrap();
        assert_eq!(above.total_duty.to_string(), "7500.00", "never less than MFN");
        assert!(matches!(status(&e, &above, "jp_deal"), Status::Excluded(_)), "declared 232 still excludes");
    }

    #[test]
    fn specific_mfn_is_converted_to_an_ad_valorem_equivalent() {
        let e = engine(RULES);
        // 4.4¢/kg on 1000 kg = $44 on $1000: AVE 4.4%, so the 15% target adds $106.
        let mut f = flow("0201.30.50", "JP", "2025-10-01", "1000", Some("4.4¢/kg"));
        f.quantity = Some(Decimal::from(1000));
        f.quantity_unit = Some(Unit::Kilogram);
        let a = e.assess(&f).unwrap();
        assert_eq!(a.mfn_duty.to_string(), "44.00");
        assert_eq!(measures(&e, &a), "mfn;jp_deal=106.00");
        // The same in grams converts exactly.
        f.quantity = Some(Decimal::from(1_000_000));
        f.quantity_unit = Some(Unit::Gram);
        assert_eq!(e.assess(&f).unwrap().mfn_duty.to_string(), "44.00");
        // Without a quantity the row cannot be priced.
        f.quantity = None;
        assert_eq!(e.assess(&f).unwrap_err().column, "quantity");
        // In a unit that does not convert, neither.
        f.quantity = Some(Decimal::from(1000));
        f.quantity_unit = Some(Unit::Liter);
        assert_eq!(e.assess(&f).unwrap_err().column, "quantity_unit");
    }

    #[test]
    fn us_content_at_twenty_percent_is_carved_out() {
        let e = engine(RULES);
        let mut f = flow("8479.50.00", "KR", "2025-05-01", "10000", Some("Free"));
        f.us_content_value = Some(Decimal::from_str("1999.99").unwrap());
        assert_eq!(total(&e, &f), "1000.00", "19.9999% is below the threshold");
        f.us_content_value = Some(Decimal::from(2000));
        assert_eq!(total(&e, &f), "800.00", "20%: only the non-US 8000 is dutiable");
    }

    #[test]
    fn in_transit_clause_before_and_after_the_cutoff() {
        let e = engine(RULES);
        let mut f = flow("8479.50.00", "KR", "2025-05-26", "1000", Some("Free"));
        f.loaded_date = Some(Date::parse("2025-04-04").unwrap());
        let a = e.assess(&f).unwrap();
        assert!(matches!(status(&e, &a, "baseline"), Status::InTransit));
        f.entry_date = Date::parse("2025-05-27").unwrap();
        assert_eq!(total(&e, &f), "100.00", "entered on the cut-off day: no longer in transit");
        f.entry_date = Date::parse("2025-05-26").unwrap();
        f.loaded_date = Some(Date::parse("2025-04-05").unwrap());
        assert_eq!(total(&e, &f), "100.00", "loaded on the first day: not in transit");
    }

    #[test]
    fn special_rate_claims() {
        let e = engine(RULES);
        let mut f = flow("8703.23.01", "KR", "2025-01-15", "30000", None);
        f.spi = Some(Program::parse("KR").unwrap());
        let a = e.assess(&f).unwrap();
        assert_eq!(a.mfn_duty.to_string(), "0.00");
        assert_eq!(a.mfn.basis, MfnBasis::Special(Program::parse("KR").unwrap()));
        f.spi = Some(Program::parse("JP").unwrap());
        let a = e.assess(&f).unwrap();
        assert_eq!(a.mfn_duty.to_string(), "750.00", "JP is not listed for 8703.23.01: general rate");
        assert_eq!(a.warnings, vec![Warning::ProgramNotListed(Program::parse("JP").unwrap())]);
    }

    #[test]
    fn program_claims_and_exemption_headings_lift_measures() {
        let e = engine(RULES);
        let mut f = flow("2208.30.60", "CA", "2025-08-15", "20000", Some("Free"));
        assert_eq!(total(&e, &f), "5000.00");
        f.spi = Some(Program::parse("S").unwrap());
        assert_eq!(total(&e, &f), "0.00");
        let pharma = e.assess(&flow("3004.90.92", "JP", "2025-04-09", "50000", None)).unwrap();
        assert_eq!(pharma.total_duty.to_string(), "0.00");
        assert!(matches!(status(&e, &pharma, "country"), Status::Exempt(0)));
    }

    #[test]
    fn each_line_rounds_half_up_and_the_total_sums_the_lines() {
        let e = engine(RULES);
        // 2.5% of 33.33 = 0.83325 -> 0.83; 10% of 33.33 = 3.333 -> 3.33.
        let a = e.assess(&flow("8479.50.00", "KR", "2025-05-01", "33.33", Some("2.5%"))).unwrap();
        assert_eq!((a.mfn_duty.to_string(), a.total_duty.to_string()), ("0.83".into(), "4.16".into()));
        // 10% of 0.05 = 0.005 -> 0.01 (half-up).
        let a = e.assess(&flow("8479.50.00", "KR", "2025-05-01", "0.05", Some("Free"))).unwrap();
        assert_eq!(a.total_duty.to_string(), "0.01");
        let zero = e.assess(&flow("8479.50.00", "KR", "2025-05-01", "0", Some("2.5%"))).unwrap();
        assert_eq!(zero.effective_rate(), None);
        assert_eq!(measures(&e, &zero), "mfn", "nothing owed: not subject to the baseline");
    }

    #[test]
    fn a_frozen_scenario_reads_the_rules_of_its_freeze_date() {
        let frozen = RULES.replace("title = \"rules under test\"", "title = \"frozen\"\nfreeze_on = \"2025-04-16\"");
        let e = engine(&frozen);
        let f = flow("8479.50.00", "JP", "2025-10-01", "1000", Some("2.5%"));
        let a = e.assess(&f).unwrap();
        assert_eq!(a.rule_date.to_string(), "2025-04-16");
        assert_eq!(measures(&e, &a), "mfn;baseline=100.00", "pause frozen in place, no deal");
        let scheduled = frozen.replace(
            "in_force = [{ from = \"2025-09-16\" }]",
            "in_force = [{ from = \"2025-09-16\" }]\nscheduled = true",
        );
        let e = engine(&scheduled);
        let car = flow("8703.23.01", "JP", "2025-10-01", "30000", Some("2.5%"));
        assert_eq!(total(&e, &car), "4500.00", "a scheduled measure follows the entry date");
    }

    #[test]
    fn assessments_are_deterministic() {
        let e = engine(RULES);
        let f = flow("8703.23.01", "JP", "2025-09-16", "30000", Some("2.5%"));
        let a = e.assess(&f).unwrap();
        let b = e.assess(&f).unwrap();
        assert_eq!(a.statuses, b.statuses);
        assert_eq!(a.total_duty, b.total_duty);
    }
}
