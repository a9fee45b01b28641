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

use crate::date::Date;
use crate::flow::{Flow, Program};
use crate::mfn::{MfnLine, MfnLookupError, MfnTable};
use crate::money::{effective_rate, mul_round_cents, round_cents};
use crate::rate_text::{RateExpr, special_for};
use crate::scenario::{Base, Duty, ListMask, Measure, Scenario};
use crate::units::Unit;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

/// US content at or above this share of the customs value is not dutiable under measures whose
/// base is `non_us_content` (EO 14257 sec. 3(d), heading 9903.01.34).
pub fn us_content_threshold() -> Decimal {
    Decimal::new(20, 2)
}

/// Where the MFN rate of a flow came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfnBasis {
    /// The column-1 general rate.
    General,
    /// The special rate of the claimed program.
    Special(Program),
    /// The claimed program is not listed for this line: general rate, with a warning.
    ClaimNotEligible(Program),
    /// The row's `mfn_rate` column.
    Override,
}

/// The MFN duty line.
#[derive(Clone, Debug)]
pub struct MfnOutcome<'a> {
    /// The HTS line used (none with an override).
    pub line: Option<&'a MfnLine>,
    /// The rate applied (borrowed from the MFN table, or the row's own `mfn_rate`).
    pub rate: Cow<'a, RateExpr>,
    /// Where it came from.
    pub basis: MfnBasis,
    /// Quantity used for specific parts, in the rate's unit.
    pub quantity: Option<(Decimal, Unit)>,
    /// Exact duty before rounding.
    pub exact: Decimal,
    /// Duty rounded to the cent.
    pub duty: Decimal,
}

/// Which branch of a measure's duty was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// Ad valorem add-on.
    AddOn,
    /// Inclusive rate, MFN below the target: topped up.
    TopUp,
    /// Inclusive rate, MFN at or above the target: nothing added, heading declared.
    AtOrAbove,
}

/// A duty line of an applied measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutyLine {
    /// Index of the rate within the measure.
    pub rate_index: usize,
    /// Which branch.
    pub branch: Branch,
    /// The dutiable base.
    pub base: Decimal,
    /// The additional rate applied to the base (the add-on, or target - MFN_AVE).
    pub rate: Decimal,
    /// Amount, rounded to the cent.
    pub amount: Decimal,
}

/// What happened to one measure for one flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The origin is not covered.
    OriginNotCovered,
    /// The HTS code is not covered.
    ProductNotCovered,
    /// No in-force window contains the rule date.
    NotInForce,
    /// Suspended (index of the suspension).
    Suspended(usize),
    /// Lifted by an exemption heading (index in the scenario's exemptions).
    Exempt(usize),
    /// The claimed program exempts the flow.
    ExemptSpi,
    /// In-transit savings clause.
    InTransit,
    /// No rate of the measure matches (origin, product or date narrowing).
    NoRate,
    /// A measure that excludes this one applies (its index).
    Excluded(usize),
    /// A measure that replaces this one applies (its index).
    Replaced(usize),
    /// In force, but nothing is owed (zero base or zero rate): not "subject to".
    ZeroOwed(usize),
    /// Applied.
    Applied(DutyLine),
}

impl Status {
    /// The duty line when applied.
    pub fn line(&self) -> Option<&DutyLine> {
        match self {
            Status::Applied(l) => Some(l),
            _ => None,
        }
    }
}

/// A non-fatal remark about a flow's pricing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// A special program was claimed that the HTS line does not list; priced at the general rate.
    ProgramNotListed(Program),
    /// A measure charged on metal content found no declared content: charged on the whole value.
    ContentNotDeclared(Base),
}

/// The duty owed by one flow under one scenario.
#[derive(Clone, Debug)]
pub struct Assessment<'a> {
    /// The date the rules were read at (entry date, or the freeze date).
    pub rule_date: Date,
    /// The MFN line.
    pub mfn: MfnOutcome<'a>,
    /// One status per measure, in the scenario's file order.
    pub statuses: Vec<Status>,
    /// MFN duty (rounded).
    pub mfn_duty: Decimal,
    /// Sum of the additional lines.
    pub additional_duty: Decimal,
    /// MFN + additional.
    pub total_duty: Decimal,
    /// The customs value.
    pub customs_value: Decimal,
    /// Remarks.
    pub warnings: Vec<Warning>,
}

impl Assessment<'_> {
    /// `total / value` with 6 places; `None` for a zero value.
    pub fn effective_rate(&self) -> Option<Decimal> {
        effective_rate(self.total_duty, self.customs_value)
    }

    /// Indices of applied measures, in file order.
    pub fn applied(&self) -> impl Iterator<Item = (usize, &DutyLine)> {
        self.statuses.iter().enumerate().filter_map(|(i, s)| s.line().map(|l| (i, l)))
    }
}

/// Why a flow cannot be priced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricingError {
    /// The column at fault.
    pub column: &'static str,
    /// Its value.
    pub value: String,
    /// Why.
    pub reason: String,
}

/// A scenario ready to price flows.
#[derive(Clone, Debug)]
pub struct Engine {
    scenario: Arc<Scenario>,
    mfn: Arc<MfnTable>,
    /// Per measure: its product scope (or a rate's or an exemption's) uses a dated list, so
    /// membership must be checked on the rule date.
    dated_scope: Vec<bool>,
    /// Per exemption: its product scope uses a dated list.
    dated_exemption: Vec<bool>,
    /// The fast path's date index: every date on which a measure's in-force window or suspension,
    /// or a product list, starts or ends, and the day after the freeze (sorted, distinct). Between
    /// two of them (a segment) those states do not change.
    boundaries: Vec<Date>,
    /// Per segment: bit r is set when the measure of evaluation rank r is in force on its rule date
    /// and not suspended for every origin (a pre-filter: the full checks still run).
    live: Vec<u128>,
    /// The segment of every date from `first_tabled_day` (the day before the first boundary) to the
    /// last boundary, when there are fewer than 2^16 segments and the span is at most
    /// [`Engine::MAX_TABLED_DAYS`] (`segment` searches `boundaries` for the other dates).
    segment_of_day: Vec<u16>,
    /// The day number of `segment_of_day[0]`.
    first_tabled_day: i32,
    /// Per segment: the product lists in effect.
    segment_lists: Vec<ListMask>,
    /// The product lists in effect on the freeze date.
    freeze_lists: ListMask,
    /// Per country index: bit r is set when the measure of rank r covers the country.
    origin_bits: Vec<u128>,
    /// The measure index of each evaluation rank.
    by_rank: Vec<usize>,
    /// The evaluation rank of each measure.
    rank_of: Vec<usize>,
    /// Per measure with many rates: its rates by origin.
    rates_by_origin: Vec<Option<RatesByOrigin>>,
    /// Per measure, when the scenario has at most 128 exemptions: bit k when exemption k can lift it
    /// (empty otherwise).
    exemption_bits: Vec<u128>,
    /// Per measure, when the scenario has at most 128 measures: bit j when measure j is in its
    /// `excluded_by` (empty otherwise), so that one test on the applied bits decides it.
    excluded_mask: Vec<u128>,
    /// Likewise for the measures that replace it.
    replaced_mask: Vec<u128>,
}

/// The measures applied so far, as a flow's measures are decided in evaluation order.
enum AppliedSoFar<'s> {
    /// Bit j: measure j applied (scenarios of at most 128 measures).
    Bits(u128),
    /// The statuses decided so far (by measure index).
    Statuses(&'s [Status]),
}

impl AppliedSoFar<'_> {
    fn contains(&self, j: usize) -> bool {
        match self {
            AppliedSoFar::Bits(b) => b & (1u128 << j) != 0,
            AppliedSoFar::Statuses(s) => s[j].line().is_some(),
        }
    }

    /// The first measure of `list` that applied; `mask` (the list as bits, when known) rules most
    /// flows out with one test.
    fn first_of(&self, list: &[usize], mask: Option<&u128>) -> Option<usize> {
        if let (AppliedSoFar::Bits(b), Some(m)) = (self, mask)
            && b & m == 0
        {
            return None;
        }
        list.iter().copied().find(|&j| self.contains(j))
    }
}

/// The rates of a measure that can apply to each origin, in file order.
#[derive(Clone, Debug)]
struct RatesByOrigin {
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
        let mut offsets = Vec::with_capacity(26 * 26 + 1);
        let mut rates = Vec::new();
        offsets.push(0);
        for c in 0..26 * 26 {
            let country = crate::codes::Country::from_index(c);
            for (k, r) in m.rates.iter().enumerate() {
                if r.origins.as_ref().is_none_or(|o| o.contains(country)) {
                    rates.push(k as u16);
                }
            }
            offsets.push(rates.len() as u32);
        }
        Some(RatesByOrigin { offsets, rates })
    }

    fn rates_for(&self, c: crate::codes::Country) -> &[u16] {
        let i = c.index();
        &self.rates[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

impl Engine {
    /// Builds an engine over a checked scenario and an MFN table.
    pub fn new(scenario: Arc<Scenario>, mfn: Arc<MfnTable>) -> Engine {
        let mut dated = ListMask::default();
        for (i, l) in scenario.lists.iter().enumerate() {
            if l.window != crate::scenario::Window::ALWAYS {
                dated.insert(i);
            }
        }
        let uses_dated =
            |p: &crate::scenario::ProductScope| p.include_mask.intersects(&dated) || p.exclude_mask.intersects(&dated);
        let dated_scope = scenario.measures.iter().map(|m| uses_dated(&m.products)).collect();
        let dated_exemption = scenario.exemptions.iter().map(|e| uses_dated(&e.products)).collect();
        let by_rank = scenario.eval_order.clone();
        let rates_by_origin = scenario.measures.iter().map(RatesByOrigin::new).collect();
        let exemption_bits = if scenario.exemptions.len() <= 128 {
            scenario.measures.iter().map(|m| m.exemptions.iter().fold(0u128, |b, &k| b | (1u128 << k))).collect()
        } else {
            Vec::new()
        };
        let as_mask = |list: &[usize]| list.iter().fold(0u128, |b, &j| b | (1u128 << j));
        let (excluded_mask, replaced_mask) = if scenario.measures.len() <= 128 {
            (
                scenario.measures.iter().map(|m| as_mask(&m.excluded_by)).collect(),
                scenario.measures.iter().map(|m| as_mask(&m.replaced_by)).collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let mut rank_of = vec![0; scenario.measures.len()];
        for (r, &i) in by_rank.iter().enumerate() {
            rank_of[i] = r;
        }
        let mut engine = Engine {
            scenario,
            mfn,
            dated_scope,
            dated_exemption,
            boundaries: Vec::new(),
            segment_of_day: Vec::new(),
            first_tabled_day: 0,
            live: Vec::new(),
            segment_lists: Vec::new(),
            freeze_lists: ListMask::default(),
            origin_bits: Vec::new(),
            by_rank,
            rank_of,
            rates_by_origin,
            exemption_bits,
            excluded_mask,
            replaced_mask,
        };
        if engine.scenario.measures.len() <= 128 {
            engine.index_dates_and_origins();
        }
        engine
    }

    /// Builds the fast path's per-segment and per-origin bit sets.
    fn index_dates_and_origins(&mut self) {
        let scenario = &*self.scenario;
        let mut dates = Vec::new();
        let mut add = |w: &crate::scenario::Window| dates.extend(w.from.into_iter().chain(w.until));
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
                let date = self.rule_date(m, entry);
                let in_force = m.in_force.iter().any(|w| w.contains(date));
                let suspended_for_all = m.suspended.iter().any(|s| s.origins.is_none() && s.window.contains(date));
                if in_force && !suspended_for_all {
                    *bits |= 1u128 << self.rank_of[i];
                }
            }
            segment_lists.push(scenario.list_index.active(&scenario.lists, entry));
        }
        let mut origin_bits = vec![0u128; 26 * 26];
        for c in crate::codes::Country::all() {
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
        self.boundaries = dates;
        self.live = live;
        self.segment_lists = segment_lists;
        self.origin_bits = origin_bits;
    }

    /// The most days `segment_of_day` covers (about 55 years).
    const MAX_TABLED_DAYS: i64 = 20_000;

    /// The date segment of an entry date (see `boundaries`): one load for the dates of the
    /// segment table, a binary search for the others.
    #[inline]
    fn segment(&self, d: Date) -> usize {
        let day = i64::from(d.days()) - i64::from(self.first_tabled_day);
        match usize::try_from(day).ok().and_then(|k| self.segment_of_day.get(k)) {
            Some(&s) => usize::from(s),
            None => self.boundaries.partition_point(|b| *b <= d),
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The MFN table.
    pub fn mfn_table(&self) -> &MfnTable {
        &self.mfn
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

    fn rule_date(&self, measure: &Measure, entry: Date) -> Date {
        match self.scenario.freeze_on {
            Some(f) if entry > f && !measure.scheduled => f,
            _ => entry,
        }
    }

    /// Chooses the MFN rate of a flow: its own `mfn_rate`, the claimed program's special rate, or the
    /// general rate of its HTS line.
    fn select_mfn<'a>(
        &'a self,
        flow: &Flow,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Option<&'a MfnLine>, Cow<'a, RateExpr>, MfnBasis), PricingError> {
        if let Some(r) = &flow.mfn_rate {
            return Ok((None, Cow::Owned(r.clone()), MfnBasis::Override));
        }
        let line = self.mfn.lookup(&flow.hts).map_err(|e| PricingError {
            column: "hts",
            value: flow.hts.dotted(),
            reason: match e {
                MfnLookupError::TooShort => {
                    format!("HTS `{}` is not specific enough for an MFN rate (rates are set at 8 or 10 digits)", flow.hts)
                }
                MfnLookupError::NotFound => format!(
                    "no MFN rate for HTS `{}` in the {}; give --hts with the official HTS file, or an `mfn_rate` column",
                    flow.hts, self.mfn.origin
                ),
            },
        })?;
        let general = line.general.as_ref().map_err(|e| PricingError {
            column: "hts",
            value: flow.hts.dotted(),
            reason: format!("the MFN {e}; give an `mfn_rate` column for this row"),
        })?;
        Ok(match flow.spi {
            Some(p) => match special_for(&line.special, p.as_str()) {
                Some(special) => (Some(line), Cow::Borrowed(special), MfnBasis::Special(p)),
                None => {
                    warnings.push(Warning::ProgramNotListed(p));
                    (Some(line), Cow::Borrowed(general), MfnBasis::ClaimNotEligible(p))
                }
            },
            None => (Some(line), Cow::Borrowed(general), MfnBasis::General),
        })
    }

    /// The exact MFN duty of `rate` on a flow, and the quantity used for its specific parts.
    fn mfn_amount(rate: &RateExpr, flow: &Flow) -> Result<(Decimal, Option<(Decimal, Unit)>), PricingError> {
        let mut exact = rate.ad_valorem * flow.customs_value;
        let mut quantity = None;
        for part in &rate.specific {
            if part.usd_per_unit.is_zero() {
                continue;
            }
            let Some(q) = flow.quantity else {
                return Err(PricingError {
                    column: "quantity",
                    value: String::new(),
                    reason: format!(
                        "the MFN rate `{rate}` of HTS `{}` is specific: the row needs a quantity in {}",
                        flow.hts, part.unit
                    ),
                });
            };
            let Some(unit) = flow.quantity_unit else {
                return Err(PricingError {
                    column: "quantity_unit",
                    value: String::new(),
                    reason: format!(
                        "the row has a quantity but no `quantity_unit`; the rate `{rate}` is per {}",
                        part.unit
                    ),
                });
            };
            let Some(converted) = unit.convert(q, part.unit) else {
                let (what, found) = match (unit, &flow.unknown_unit) {
                    (Unit::Other, Some(text)) => {
                        (format!("`{text}` (a unit this tool does not know)"), text.to_string())
                    }
                    (Unit::Other, None) => ("a unit this tool does not know".to_string(), unit.to_string()),
                    _ => (unit.to_string(), unit.to_string()),
                };
                return Err(PricingError {
                    column: "quantity_unit",
                    value: found,
                    reason: format!(
                        "a quantity in {what} cannot be converted to {} for the specific rate `{rate}` of HTS `{}`",
                        part.unit, flow.hts
                    ),
                });
            };
            exact += part.usd_per_unit * converted;
            quantity = Some((converted, part.unit));
        }
        Ok((exact, quantity))
    }

    /// Prices the MFN layer.
    fn price_mfn<'a>(&'a self, flow: &Flow) -> Result<(MfnOutcome<'a>, Vec<Warning>), PricingError> {
        let mut warnings = Vec::new();
        let (line, rate, basis) = self.select_mfn(flow, &mut warnings)?;
        let (exact, quantity) = Self::mfn_amount(&rate, flow)?;
        let duty = round_cents(exact);
        Ok((MfnOutcome { line, rate, basis, quantity, exact, duty }, warnings))
    }

    /// Prices one flow. Errors are rows that cannot be priced (never priced as zero).
    pub fn assess<'a>(&'a self, flow: &Flow) -> Result<Assessment<'a>, PricingError> {
        let (mfn, mut warnings) = self.price_mfn(flow)?;
        let scenario = &*self.scenario;
        let value = flow.customs_value;
        let mut statuses: Vec<Status> = vec![Status::NotInForce; scenario.measures.len()];
        let keys = flow.hts.prefix_keys();
        let codes = Codes { mfn_duty: mfn.duty, ..self.codes(flow, &keys) };
        for &i in &scenario.eval_order {
            let status = self.measure_status(i, flow, &codes, &AppliedSoFar::Statuses(&statuses), true, &mut warnings);
            statuses[i] = status;
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
        let lifts = |k: usize| {
            let e = &self.scenario.exemptions[k];
            e.window.contains(date)
                && e.claim_matches(flow.spi.as_ref().map(Program::as_str))
                && e.origins.as_ref().is_none_or(|o| o.contains(flow.origin))
                && e.products.contains_fast(codes.keys, codes.len, lists)
        };
        let exemption = match self.exemption_bits.get(measure) {
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
            && m.exempt_spi.iter().any(|e| e == p.as_str())
        {
            return Status::ExemptSpi;
        }
        if let (Some(t), Some(loaded)) = (&m.in_transit, flow.loaded_date)
            && loaded < t.loaded_before
            && flow.entry_date < t.entered_before
        {
            return Status::InTransit;
        }
        let rate_matches = |r: &crate::scenario::MeasureRate| {
            r.window.contains(date)
                && r.origins.as_ref().is_none_or(|o| o.contains(flow.origin))
                && r.products.as_ref().is_none_or(|p| p.contains_fast(codes.keys, codes.len, lists))
        };
        // The first rate that matches, in file order; for measures with many rates (one per
        // country), among those that can cover the origin only.
        let found = match &self.rates_by_origin[measure] {
            Some(index) => {
                index.rates_for(flow.origin).iter().map(|&k| usize::from(k)).find(|&k| rate_matches(&m.rates[k]))
            }
            None => m.rates.iter().position(rate_matches),
        };
        let Some(rate_index) = found else {
            return Status::NoRate;
        };
        if let Some(j) = applied.first_of(&m.excluded_by, self.excluded_mask.get(measure)) {
            return Status::Excluded(j);
        }
        if let Some(j) = applied.first_of(&m.replaced_by, self.replaced_mask.get(measure)) {
            return Status::Replaced(j);
        }
        match self.duty_line(m, rate_index, flow, codes.mfn_duty, warnings) {
            Some(line) => Status::Applied(line),
            None => Status::ZeroOwed(rate_index),
        }
    }

    /// The duty line of rate `rate_index` of measure `m` for a flow whose MFN duty is `mfn_duty`;
    /// `None` when nothing is owed (the flow is then not "subject to" the measure).
    fn duty_line(
        &self,
        m: &Measure,
        rate_index: usize,
        flow: &Flow,
        mfn_duty: Decimal,
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
            (Base::NonUsContent, Some(us), _) if !value.is_zero() && us >= value * us_content_threshold() => value - us,
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

    /// Prices a flow like [`Engine::assess`], keeping only the applied lines, with every buffer
    /// reused from row to row (`scratch`, `out`): nothing is allocated on this per-row path unless
    /// the row has a warning or its own `mfn_rate`.
    ///
    /// Which measures' products cover a flow depends only on its HTS code, so `scratch` remembers,
    /// per code, those measures (as bits), the product lists that hold the code, and its MFN line; a
    /// row then evaluates only those measures that also cover its origin (dates, suspensions,
    /// exemptions, claims, in-transit clauses, relations, amounts). A measure whose scope uses a dated list is re-checked
    /// on the row's date. The memory is bounded: the memo is emptied when it holds `Scratch::CAPACITY`
    /// entries.
    pub fn price(&self, flow: &Flow, scratch: &mut Scratch, out: &mut Priced) -> Result<(), PricingError> {
        out.lines.clear();
        out.warnings.clear();
        let scenario = &*self.scenario;
        if scenario.measures.len() > 128 || scenario.exemptions.len() > 128 {
            return self.price_slow(flow, out);
        }
        let key = flow.hts.key();
        let full = scratch.memo.len() >= Scratch::CAPACITY
            || scratch.member_masks.len() >= usize::from(u16::MAX)
            || scratch.scopes.len() >= usize::from(u16::MAX);
        if full && !scratch.memo.contains_key(&key) {
            scratch.memo.clear();
            scratch.member_masks.clear();
            scratch.member_ids.clear();
            scratch.code_keys.clear();
            scratch.scopes.clear();
            scratch.scope_ids.clear();
        }
        let entry = match scratch.memo.get(&key) {
            Some(e) => *e,
            None => {
                let e = self.memo_entry(flow, scratch);
                scratch.memo.insert(key, e);
                e
            }
        };
        let members = scratch.member_masks[usize::from(entry.members)];
        let (products, exemptions) = scratch.scopes[usize::from(entry.scope)];
        let mfn_duty = if entry.mfn_line & MFN_AD_VALOREM != 0 && flow.mfn_rate.is_none() && flow.spi.is_none() {
            // The usual case: the general rate of the line, ad valorem only, remembered with the code.
            let rate = Decimal::from_parts(entry.mfn_ad_valorem, 0, 0, false, u32::from(entry.mfn_ad_valorem_scale));
            mul_round_cents(rate, flow.customs_value)
        } else {
            let rate = match (&flow.mfn_rate, entry.mfn_line) {
                (None, l) if l != MFN_NONE => {
                    let line = &self.mfn.lines()[(l & !MFN_AD_VALOREM) as usize];
                    match (&line.general, flow.spi) {
                        (Ok(general), None) => Cow::Borrowed(general),
                        _ => self.select_mfn(flow, &mut out.warnings)?.1,
                    }
                }
                _ => self.select_mfn(flow, &mut out.warnings)?.1,
            };
            round_cents(Self::mfn_amount(&rate, flow)?.0)
        };
        let segment = self.segment(flow.entry_date);
        let codes = Codes {
            keys: &scratch.code_keys[entry.keys as usize],
            len: flow.hts.len(),
            at_entry: members.and(&self.segment_lists[segment]),
            at_freeze: if scenario.freeze_on.is_some() { members.and(&self.freeze_lists) } else { ListMask::default() },
            mfn_duty,
            exemptions,
        };
        let mut applied_bits = 0u128;
        // Lines are rounded to the cent: summed as integer cents (a `Decimal` sum when one is not).
        let mut additional_cents = Some(0i128);
        // Only the measures that can cover the code, the origin and the date, in evaluation order.
        let mut candidates = products & self.origin_bits[flow.origin.index()] & self.live[segment];
        while candidates != 0 {
            let rank = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let i = self.by_rank[rank];
            let applied = AppliedSoFar::Bits(applied_bits);
            let st = self.measure_status(i, flow, &codes, &applied, self.dated_scope[i], &mut out.warnings);
            if let Status::Applied(l) = st {
                applied_bits |= 1u128 << i;
                additional_cents = additional_cents.zip(cents(l.amount)).map(|(a, c)| a + c);
                out.lines.push((i, l));
            }
        }
        out.lines.sort_unstable_by_key(|(i, _)| *i);
        let in_cents = additional_cents.and_then(|a| {
            let total = a + cents(mfn_duty)?;
            Some((Decimal::try_from_i128_with_scale(a, 2).ok()?, Decimal::try_from_i128_with_scale(total, 2).ok()?))
        });
        (out.additional_duty, out.total_duty) = match in_cents {
            Some(sums) => sums,
            None => {
                let mut additional: Decimal = out.lines.iter().map(|(_, l)| l.amount).sum();
                additional.rescale(2);
                let mut total = mfn_duty + additional;
                total.rescale(2);
                (additional, total)
            }
        };
        out.mfn_duty = mfn_duty;
        out.customs_value = flow.customs_value;
        Ok(())
    }

    fn price_slow(&self, flow: &Flow, out: &mut Priced) -> Result<(), PricingError> {
        let a = self.assess(flow)?;
        out.mfn_duty = a.mfn_duty;
        out.additional_duty = a.additional_duty;
        out.total_duty = a.total_duty;
        out.customs_value = a.customs_value;
        out.lines.clear();
        out.lines.extend(a.applied().map(|(i, l)| (i, l.clone())));
        out.warnings.clear();
        out.warnings.extend(a.warnings.iter().cloned());
        Ok(())
    }

    /// The measures whose products can cover a code (as bits), with the code's lists and MFN line.
    fn memo_entry(&self, flow: &Flow, scratch: &mut Scratch) -> MemoEntry {
        let scenario = &*self.scenario;
        let keys = flow.hts.prefix_keys();
        let members = scenario.list_index.members(&keys, flow.hts.len());
        let mut products = 0u128;
        for (i, m) in scenario.measures.iter().enumerate() {
            // A scope with a dated list is checked again on the row's date; here only whether it
            // can hold the code on some date.
            let can_cover = if self.dated_scope[i] {
                m.products.may_contain(&keys, flow.hts.len(), &members)
            } else {
                m.products.contains_fast(&keys, flow.hts.len(), &members)
            };
            if can_cover {
                products |= 1u128 << self.rank_of[i];
            }
        }
        let mut exemptions = 0u128;
        for (k, e) in scenario.exemptions.iter().enumerate().take(128) {
            let can_cover = if self.dated_exemption[k] {
                e.products.may_contain(&keys, flow.hts.len(), &members)
            } else {
                e.products.contains_fast(&keys, flow.hts.len(), &members)
            };
            if can_cover {
                exemptions |= 1u128 << k;
            }
        }
        let lines = self.mfn.lines();
        let (mut mfn_line, mut mfn_ad_valorem, mut mfn_ad_valorem_scale) = (MFN_NONE, 0u32, 0u8);
        if let Ok(l) = self.mfn.lookup(&flow.hts) {
            // The line's index, from its address in the table's slice.
            mfn_line =
                ((l as *const MfnLine as usize - lines.as_ptr() as usize) / std::mem::size_of::<MfnLine>()) as u32;
            if let Ok(general) = &l.general
                && general.specific.iter().all(|p| p.usd_per_unit.is_zero())
                && let (Ok(mantissa), false) =
                    (u32::try_from(general.ad_valorem.mantissa()), general.ad_valorem.is_sign_negative())
            {
                mfn_line |= MFN_AD_VALOREM;
                mfn_ad_valorem = mantissa;
                // A `Decimal` scale is at most 28.
                mfn_ad_valorem_scale = general.ad_valorem.scale() as u8;
            }
        }
        let members = match scratch.member_ids.get(&members) {
            Some(&id) => id,
            None => {
                let id = scratch.member_masks.len() as u16;
                scratch.member_masks.push(members);
                scratch.member_ids.insert(members, id);
                id
            }
        };
        let scope = *scratch.scope_ids.entry((products, exemptions)).or_insert_with(|| {
            scratch.scopes.push((products, exemptions));
            (scratch.scopes.len() - 1) as u16
        });
        let keys_at = scratch.code_keys.len() as u32;
        scratch.code_keys.push(keys);
        MemoEntry { scope, members, keys: keys_at, mfn_line, mfn_ad_valorem, mfn_ad_valorem_scale }
    }
}

const _: () = assert!(std::mem::size_of::<MemoEntry>() <= 20);

/// `MemoEntry::mfn_line` when the code has no MFN line.
const MFN_NONE: u32 = u32::MAX >> 1;
/// Flag in `MemoEntry::mfn_line`: the general rate is ad valorem only.
const MFN_AD_VALOREM: u32 = 1 << 31;

/// An amount of at most two decimal places (a rounded duty) in integer cents.
#[inline]
fn cents(d: Decimal) -> Option<i128> {
    let scale = d.scale();
    (scale <= 2).then(|| d.mantissa() * [100, 10, 1][scale as usize])
}

impl Engine {
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

/// What [`Engine::price`] remembers about a code, in 20 bytes (28 with its key): the memo is read
/// once per row, and the row data streaming through evicts it often; over the ~13,000 codes of the
/// official HTS it must stay small to stay in cache.
#[derive(Clone, Copy)]
struct MemoEntry {
    /// The measures and exemptions whose products can cover the code (see `Scratch::scopes`).
    scope: u16,
    /// The lists holding the code: an index in `Scratch::member_masks`.
    members: u16,
    /// The code's prefix keys: an index in `Scratch::code_keys`.
    keys: u32,
    /// The code's MFN line index (`MFN_NONE`: none), with the flag `MFN_AD_VALOREM`.
    mfn_line: u32,
    /// The general MFN rate when it is ad valorem only (see `MFN_AD_VALOREM`): its mantissa and
    /// scale.
    mfn_ad_valorem: u32,
    mfn_ad_valorem_scale: u8,
}

/// A hasher for the memo's code keys: a multiply.
#[derive(Default, Clone, Copy)]
struct MemoHasher(u64);

impl std::hash::Hasher for MemoHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(31);
    }
}

/// Per-thread state reused by [`Engine::price`] from row to row: the per-code memo.
#[derive(Default)]
pub struct Scratch {
    memo: HashMap<u64, MemoEntry, BuildHasherDefault<MemoHasher>>,
    /// The distinct list memberships of the codes in the memo (few: most codes are in no list).
    member_masks: Vec<ListMask>,
    member_ids: HashMap<ListMask, u16>,
    /// The prefix keys of the codes in the memo (`MemoEntry::keys`), made once per code.
    code_keys: Vec<[u64; 11]>,
    /// The distinct scopes of the codes in the memo (`MemoEntry::scope`): bit r of the first, the
    /// products of the measure of evaluation rank r can cover the code (always set when they use
    /// a dated list, checked again on the row's date); bit k of the second, exemption k's products
    /// can (likewise). Few: codes in the same lists share them.
    scopes: Vec<(u128, u128)>,
    scope_ids: HashMap<(u128, u128), u16>,
}

impl Scratch {
    /// Codes remembered at most (about 15 MB with their prefix keys; the official HTS has about
    /// 19,000 codes); the memo is emptied when full.
    pub const CAPACITY: usize = 1 << 17;

    /// An empty memo.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// The applied lines and totals of one flow, reused from row to row by [`Engine::price`].
#[derive(Clone, Debug, Default)]
pub struct Priced {
    /// MFN duty (rounded).
    pub mfn_duty: Decimal,
    /// Sum of the additional lines.
    pub additional_duty: Decimal,
    /// MFN + additional.
    pub total_duty: Decimal,
    /// The customs value.
    pub customs_value: Decimal,
    /// (measure index, line), in file order.
    pub lines: Vec<(usize, DutyLine)>,
    /// Remarks.
    pub warnings: Vec<Warning>,
}

impl Priced {
    /// `total / value` with 6 places; `None` for a zero value.
    pub fn effective_rate(&self) -> Option<Decimal> {
        effective_rate(self.total_duty, self.customs_value)
    }
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
    use crate::codes::{Country, HtsCode};
    use crate::flow::Program;
    use crate::scenario::load_scenario_str;
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
    fn the_segment_table_agrees_with_the_search_on_every_day() {
        for name in crate::scenario::bundled_names() {
            let scenario = crate::scenario::load_scenario(name).unwrap();
            let e = Engine::new(Arc::new(scenario), Arc::new(MfnTable::embedded()));
            assert!(!e.segment_of_day.is_empty(), "{name}: no table");
            let mut d = Date::parse("2019-01-01").unwrap();
            let last = Date::parse("2031-01-01").unwrap();
            while d <= last {
                assert_eq!(e.segment(d), e.boundaries.partition_point(|b| *b <= d), "{name} {d}");
                d = d.succ();
            }
        }
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
