//! Two kinds of answer, named. The *compliance* answer is what CBP charges on what a row declares
//! ([`crate::engine::Pricer`]; e.g. a Section 232 derivative charged on the whole value when no metal
//! content is declared). An *estimate* fills the facts a row lacks from named assumption sets
//! ([`Assumptions`]; a row's own columns always win). With ranges, each row also gets the span of its
//! total duty over the facts it leaves unknown:
//! - metal content: from none to the whole value (one metal at a time, so that the bases of different
//!   metals never add up past the customs value), and the compliance figure itself (CBP's charge on the
//!   whole value for each metal);
//! - a code shorter than 10 digits that a measure splits: each 10-digit line the scenario names under
//!   it, and one it does not name;
//! - a declaration that would change the duty (a certification, a claim, an in-quota heading): made or
//!   not;
//! - USMCA for a Canadian or Mexican row that claims nothing: claimed or not;
//! - US content for a row whose measures carve it out: none, or the whole value.
//!
//! The low and high ends combine the lowest (highest) choice of every unknown fact, each found one
//! at a time; the span always contains the central figure. Central is the compliance answer, or the
//! estimate when assumption sets are given. See README "Two kinds of answer".

mod assume;

pub use crate::engine::SplitCodes;
pub use assume::{AssumptionSet, Assumptions, BUNDLED, MetalShares};

use crate::codes::{Heading, HtsCode, Program};
use crate::engine::{ClaimEffects, Engine, Priced, Pricer, PricingError, Warning};
use crate::flow::Flow;
use crate::scenario::Base;
use rust_decimal::Decimal;

/// Which facts of a row were estimated or left unknown (bits, for counting and for the `answer`
/// column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts(u8);

impl Facts {
    /// Metal content.
    pub const METAL: Facts = Facts(1);
    /// The 10-digit line under a shorter code.
    pub const SHORT_CODE: Facts = Facts(2);
    /// A declaration (certification, claim, in-quota heading).
    pub const DECLARATION: Facts = Facts(4);
    /// A USMCA claim.
    pub const USMCA: Facts = Facts(8);
    /// US content.
    pub const US_CONTENT: Facts = Facts(16);

    /// True when every fact of `other` is in `self`.
    pub fn contains(self, other: Facts) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when no fact is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn insert(&mut self, other: Facts) {
        self.0 |= other.0;
    }

    const NAMES: [(Facts, &'static str); 5] = [
        (Facts::METAL, "metal"),
        (Facts::SHORT_CODE, "short_code"),
        (Facts::DECLARATION, "declaration"),
        (Facts::USMCA, "usmca"),
        (Facts::US_CONTENT, "us_content"),
    ];

    /// The names of the facts, `;`-separated (`metal;usmca`).
    pub fn names(self) -> String {
        let mut out = Vec::new();
        self.push_names(&mut out);
        String::from_utf8(out).expect("the names are ASCII")
    }

    /// Appends [`Facts::names`] to `out` (the per-row path: nothing allocated).
    pub fn push_names(self, out: &mut Vec<u8>) {
        let mut first = true;
        for (f, name) in Facts::NAMES {
            if self.contains(f) {
                if !first {
                    out.push(b';');
                }
                out.extend_from_slice(name.as_bytes());
                first = false;
            }
        }
    }
}

/// One row's answer: the central figures (with the lines of the pricing they come from), the span of
/// its total duty, and which facts were estimated or spanned. Borrowed from its [`Estimator`] until
/// the next row.
#[derive(Clone, Copy, Debug)]
pub struct Estimate<'a> {
    /// The central figures: the compliance answer, or the estimate. When a USMCA share blends two
    /// pricings, the totals are the blend (each rounded to the cent) and the lines are those of the
    /// likelier one.
    pub central: &'a Priced,
    /// Lowest total duty over the unknown facts (the central total without ranges).
    pub low: Decimal,
    /// Highest total duty.
    pub high: Decimal,
    /// Facts filled from an assumption set.
    pub estimated: Facts,
    /// Facts left unknown that move the total (only with ranges).
    pub unknown: Facts,
}

/// The span and facts of the last row (its central figures stay in the pricers).
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    /// The low and high ends, in cents (see [`cents_of`]).
    low: i128,
    high: i128,
    estimated: Facts,
    unknown: Facts,
    /// The central figures are `Estimator::estimate_priced`, not the compliance pricing.
    from_estimate: bool,
}

/// Prices flows with assumption sets and, optionally, ranges; one per worker, like [`Pricer`].
pub struct Estimator<'e> {
    /// Prices the row as declared (the compliance answer; its lines are the central ones unless an
    /// estimate moved them).
    pricer: Pricer<'e>,
    /// The figures of an alternative (an estimate, a choice of a range), priced by `pricer` into
    /// this buffer so that its compliance answer stays (a buffer kept from row to row).
    alternative: Priced,
    /// The estimate's figures, when assumption sets moved the row (a buffer kept from row to row).
    estimate_priced: Priced,
    /// The row with a choice applied (a buffer kept from row to row; each choice is undone after).
    scratch: Option<Flow>,
    assumptions: &'e Assumptions,
    ranges: bool,
    /// Per code: what a range needs that depends on it only (see [`RangeMemo`]), by the slot of
    /// the code in the pricer's memo ([`Pricer::code_slot`]: read without a second hash lookup).
    range_memo: Vec<Option<RangeMemo>>,
    /// The generation of the pricer's memo that the slots of `range_memo` belong to.
    range_memo_generation: u32,
    /// Per code key, when the pricer prices without its memo (a scenario too large for its bit
    /// sets).
    range_memo_by_key: std::collections::HashMap<u64, RangeMemo, crate::codes::HtsKeyHash>,
    /// The alternatives of a row's unknown facts, grouped by fact (a buffer kept from row to row).
    choices: Vec<(Facts, Choice)>,
    /// Price every alternative, without the shortcuts that skip those known to change nothing (a
    /// test compares the two).
    exhaustive: bool,
    /// What the US-content span reads of each line a row owes (see [`NonUsTable`]).
    non_us: NonUsTable,
    /// What a USMCA claim can change, for pricing the USMCA alternative from the row's own pricing
    /// ([`Pricer::claimed_total`]; `None` for a scenario too large for the bit sets).
    usmca: Option<ClaimEffects>,
    out: Span,
}

/// What the US-content span reads of the lines a row owes, per measure and rate, in small tables
/// read for every line of every row (the measures themselves are large, and mostly out of cache).
struct NonUsTable {
    /// Per measure: the index in `on_non_us` of its first rate.
    first_rate: Vec<usize>,
    /// Per rate of each measure, in order: charged on the value less US content.
    on_non_us: Vec<bool>,
    /// Per measure: see [`non_us_linked`].
    linked: Vec<bool>,
    /// Per measure: US content is carved out only up to a share (a base with the whole value US
    /// content keeps a part).
    capped: Vec<bool>,
}

impl NonUsTable {
    fn new(engine: &Engine) -> NonUsTable {
        let measures = &engine.scenario().measures;
        let mut table = NonUsTable {
            first_rate: Vec::with_capacity(measures.len()),
            on_non_us: Vec::new(),
            linked: non_us_linked(engine),
            capped: measures
                .iter()
                .map(|m| matches!(m.us_content_rule, Some(crate::scenario::UsContentRule::UpToShare(_))))
                .collect(),
        };
        for m in measures {
            table.first_rate.push(table.on_non_us.len());
            table.on_non_us.extend(m.rates.iter().map(|r| r.base.unwrap_or(m.base) == Base::NonUsContent));
        }
        table
    }
}

/// Per measure of `engine`: true when a measure that is not charged wholly on non-US content names it
/// in `replaces` or `excluded_by`. A line of such a measure that drops to nothing (the whole value
/// US content) can bring back the measure it displaced, so a row with one is priced; a row whose
/// non-US lines are all of unnamed measures loses exactly those lines.
fn non_us_linked(engine: &Engine) -> Vec<bool> {
    let s = engine.scenario();
    let all_non_us = |i: usize| {
        let m = &s.measures[i];
        m.rates.iter().all(|r| r.base.unwrap_or(m.base) == Base::NonUsContent)
    };
    let mut linked = vec![false; s.measures.len()];
    for (i, m) in s.measures.iter().enumerate() {
        if all_non_us(i) {
            continue;
        }
        for &j in m.replaces.iter().chain(&m.excluded_by) {
            linked[j] = true;
        }
    }
    linked
}

/// The lines named under `code` (a code of 8 digits or fewer), from `long_prefixes`.
pub fn named_lines_under<'p>(long_prefixes: &'p [HtsCode], code: &HtsCode) -> &'p [HtsCode] {
    if code.len() >= 9 {
        return &[];
    }
    let d = code.digits();
    let start = long_prefixes.partition_point(|p| p.digits() < d);
    let end = start + long_prefixes[start..].partition_point(|p| p.digits().starts_with(d));
    &long_prefixes[start..end]
}

/// A 10-digit line under `code` that none of `named` is: `code` padded with the largest statistical
/// suffix not named (the lines a measure does not name share one answer).
fn unnamed_line(code: &HtsCode, named: &[HtsCode]) -> Option<HtsCode> {
    let d = code.digits();
    let pad = 10 - d.len();
    (0..10u32.pow(pad as u32)).rev().map(|k| format!("{d}{k:0pad$}")).find_map(|cand| {
        let c = HtsCode::parse(&cand).ok()?;
        (!named.iter().any(|n| cand.starts_with(n.digits()))).then_some(c)
    })
}

/// The contents bases a priced row charged on the whole value for want of a declared content.
fn undeclared_bases(p: &Priced) -> Vec<Base> {
    let mut out: Vec<Base> = Vec::new();
    for w in &p.warnings {
        if let Warning::ContentNotDeclared(b) = w
            && !out.contains(b)
        {
            out.push(*b);
        }
    }
    out
}

fn set_content(flow: &mut Flow, base: Base, v: Option<Decimal>) {
    match base {
        Base::SteelContent => flow.steel_content_value = v,
        Base::AluminumContent => flow.aluminum_content_value = v,
        Base::CopperContent => flow.copper_content_value = v,
        _ => {}
    }
}

/// One alternative of an unknown fact: a change to the flow.
#[derive(Clone, Copy, Debug)]
enum Choice {
    /// Metal content: `None` puts no metal in any undeclared base; `Some(b)` the whole value in `b`
    /// and none in the others (so that the bases never add up past the value).
    Metal(Option<Base>),
    /// The flow's code is this 10-digit line.
    Code(HtsCode),
    /// The heading is declared.
    Declare(Heading),
    /// USMCA is claimed.
    Usmca,
    /// The whole value is US content.
    UsContent,
}

impl Choice {
    fn apply(&self, f: &mut Flow, bases: &[Base]) {
        match *self {
            Choice::Metal(one) => {
                let v = f.customs_value;
                for &b in bases {
                    set_content(f, b, Some(if Some(b) == one { v } else { Decimal::ZERO }));
                }
            }
            Choice::Code(c) => f.hts = c,
            Choice::Declare(h) => {
                let _ = f.declared.insert(h);
            }
            Choice::Usmca => f.spi = Some(Program::USMCA),
            Choice::UsContent => f.us_content_value = Some(f.customs_value),
        }
    }

    /// Undoes [`Choice::apply`]: the fields it set are those of `row` again.
    fn undo(&self, f: &mut Flow, row: &Flow) {
        match *self {
            Choice::Metal(_) => {
                f.steel_content_value = row.steel_content_value;
                f.aluminum_content_value = row.aluminum_content_value;
                f.copper_content_value = row.copper_content_value;
            }
            Choice::Code(_) => f.hts = row.hts,
            Choice::Declare(_) => f.declared = row.declared,
            Choice::Usmca => f.spi = row.spi,
            Choice::UsContent => f.us_content_value = row.us_content_value,
        }
    }
}

/// What a range remembers per code: the 10-digit lines to try for a short code that a measure
/// splits (one of each pricing class other than the code's own; empty when none is left), each with
/// the measures that can tell it from the code ([`Engine::measures_told_apart`]; every bit when
/// more can), and the declared branches whose products may cover the code (each row checks its
/// origin, date and declarations).
///
/// Read once per row: 32 bytes, with what only some rows need behind a pointer.
struct RangeMemo {
    /// The measures (as [`Engine::rank_bit`]s) that a line or a branch can change: a row to which
    /// none of them applies needs neither (every bit when the scenario is too large for the bit
    /// sets).
    ranks: u128,
    detail: Box<RangeDetail>,
}

/// The lines and branches of a [`RangeMemo`].
struct RangeDetail {
    lines: Box<[(HtsCode, u128)]>,
    declarable: Box<[DeclaredBranch]>,
}

impl RangeMemo {
    /// The most codes remembered by key (when the pricer prices without its memo); that memo is
    /// emptied when it is full.
    const CAPACITY: usize = 1 << 16;

    fn new(engine: &Engine, code: &HtsCode, exhaustive: bool) -> RangeMemo {
        let lines = if engine.splits(code) {
            let named = named_lines_under(engine.long_prefixes(), code);
            let mut lines: Vec<HtsCode> = named.iter().filter_map(pad_to_10).collect();
            lines.extend(unnamed_line(code, named));
            lines.dedup_by(|a, b| a.digits() == b.digits());
            // One line of each pricing class, and none of the short code's own class (those lines
            // are priced as the row already is).
            let mut seen = vec![engine.pricing_class(code)];
            lines.retain(|l| {
                if exhaustive {
                    return true;
                }
                let class = engine.pricing_class(l);
                let new = !seen.contains(&class);
                if new {
                    seen.push(class);
                }
                new
            });
            lines.iter().map(|l| (*l, engine.measures_told_apart(code, l).unwrap_or(u128::MAX))).collect()
        } else {
            Box::default()
        };
        let declarable: Box<[DeclaredBranch]> = declared_branches(engine, code, true).into_boxed_slice();
        let ranks = declarable.iter().map(|b| b.ranks).chain(lines.iter().map(|l| l.1)).fold(0, |a, b| a | b);
        RangeMemo { ranks, detail: Box::new(RangeDetail { lines, declarable }) }
    }
}

impl<'e> Estimator<'e> {
    /// An estimator over `engine` with the given sets; `ranges` adds the low and high ends.
    pub fn new(engine: &'e Engine, assumptions: &'e Assumptions, ranges: bool) -> Self {
        Estimator {
            pricer: Pricer::new(engine),
            alternative: Priced::default(),
            estimate_priced: Priced::default(),
            scratch: None,
            assumptions,
            ranges,
            range_memo: Vec::new(),
            range_memo_generation: 0,
            range_memo_by_key: std::collections::HashMap::default(),
            choices: Vec::new(),
            exhaustive: false,
            non_us: NonUsTable::new(engine),
            usmca: if ranges { ClaimEffects::new(engine, Program::USMCA) } else { None },
            out: Span::default(),
        }
    }

    /// The answer of the last successful [`Estimator::estimate`].
    pub fn last(&self) -> Estimate<'_> {
        let o = &self.out;
        Estimate {
            central: if o.from_estimate { &self.estimate_priced } else { self.pricer.priced() },
            low: from_cents(o.low),
            high: from_cents(o.high),
            estimated: o.estimated,
            unknown: o.unknown,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &'e Engine {
        self.pricer.engine()
    }

    /// The row's answer. Errors are rows that cannot be priced as declared.
    pub fn estimate(&mut self, flow: &Flow) -> Result<Estimate<'_>, PricingError> {
        self.estimate_into(flow)?;
        Ok(self.last())
    }

    fn estimate_into(&mut self, flow: &Flow) -> Result<(), PricingError> {
        let engine = self.pricer.engine();
        let compliance = self.pricer.price(flow)?;
        let bases = undeclared_bases(compliance);
        // In one pass over the lines: the measures the row owes, by index (for the declarations that
        // could only lift others); the duty of the lines charged on non-US content (the US-content
        // carve-out's reach); whether those lines can go without pricing, no other measure turning
        // on them (see `non_us_linked`); and whether one carves US content out only up to a share,
        // which keeps a base with the whole value US content (its span is then priced, not
        // subtracted).
        let mut applied_bits = [0u64; 4];
        let applied_known = engine.scenario().measures.len() <= 64 * applied_bits.len();
        let mut non_us: Option<i128> = None;
        let (mut non_us_separable, mut capped) = (true, false);
        for (i, l) in &compliance.lines {
            if applied_known {
                applied_bits[i / 64] |= 1 << (i % 64);
            }
            let table = &self.non_us;
            if table.on_non_us[table.first_rate[*i] + l.rate_index] {
                non_us = Some(non_us.unwrap_or_default() + cents_of(l.amount));
                non_us_separable &= !table.linked[*i];
                capped |= table.capped[*i];
            }
        }
        let applied = |i: usize| !applied_known || applied_bits[i / 64] & (1 << (i % 64)) != 0;
        let compliance_total = compliance.total_duty;
        self.out = Span::default();
        let usmca_origin = flow.origin.is_usmca_party() && flow.spi.is_none();
        // The estimate: metal contents from the sets, then the USMCA blend.
        let mut estimated_flow: Option<Flow> = None;
        if !self.assumptions.is_empty() {
            let filled = self.assumptions.metal_contents(&flow.hts, flow.customs_value, &bases);
            if !filled.is_empty() {
                let mut f = flow.clone();
                for (b, v) in &filled {
                    set_content(&mut f, *b, Some(*v));
                }
                if let Ok(p) = self.pricer.price_into(&f, &mut self.alternative) {
                    self.estimate_priced.clone_from(p);
                    self.out.from_estimate = true;
                    self.out.estimated.insert(Facts::METAL);
                    estimated_flow = Some(f);
                }
            }
            if usmca_origin && let Some(share) = self.assumptions.usmca_share(&flow.hts, flow.origin.as_str()) {
                let mut f = estimated_flow.clone().unwrap_or_else(|| flow.clone());
                f.spi = Some(Program::USMCA);
                if !self.out.from_estimate {
                    self.estimate_priced.clone_from(self.pricer.priced());
                }
                if let Ok(claimed) = self.pricer.price_into(&f, &mut self.alternative) {
                    let central = &mut self.estimate_priced;
                    // Rounded as every duty line is: half away from zero, to the cent.
                    let blend =
                        |a: Decimal, b: Decimal| crate::money::round_cents(share * a + (Decimal::ONE - share) * b);
                    let mfn = blend(claimed.mfn_duty, central.mfn_duty);
                    let additional = blend(claimed.additional_duty, central.additional_duty);
                    if share > Decimal::new(5, 1) {
                        central.clone_from(claimed);
                    }
                    central.mfn_duty = mfn;
                    central.additional_duty = additional;
                    central.total_duty = mfn + additional;
                    self.out.from_estimate = true;
                    self.out.estimated.insert(Facts::USMCA);
                }
            }
        }
        // The span's totals are compared by their cents: one comparison of integers each.
        let compliance_total = cents_of(compliance_total);
        let central = if self.out.from_estimate { cents_of(self.estimate_priced.total_duty) } else { compliance_total };
        let (mut low, mut high) = (central.min(compliance_total), central.max(compliance_total));
        if self.ranges {
            let mut choices = std::mem::take(&mut self.choices);
            choices.clear();
            if !bases.is_empty() {
                choices.push((Facts::METAL, Choice::Metal(None)));
                // With one undeclared base, the whole value in it is what the row is charged already.
                if bases.len() > 1 || self.exhaustive {
                    choices.extend(bases.iter().map(|&b| (Facts::METAL, Choice::Metal(Some(b)))));
                }
            }
            let exhaustive = self.exhaustive;
            let make = || RangeMemo::new(engine, &flow.hts, exhaustive);
            let memo = match self.pricer.code_slot() {
                Some((generation, slot)) => {
                    if generation != self.range_memo_generation {
                        self.range_memo.clear();
                        self.range_memo_generation = generation;
                    }
                    let slot = slot as usize;
                    if self.range_memo.len() <= slot {
                        self.range_memo.resize_with(slot + 1, || None);
                    }
                    self.range_memo[slot].get_or_insert_with(make)
                }
                None => {
                    let key = flow.hts.key();
                    if self.range_memo_by_key.len() >= RangeMemo::CAPACITY && !self.range_memo_by_key.contains_key(&key)
                    {
                        self.range_memo_by_key.clear();
                    }
                    self.range_memo_by_key.entry(key).or_insert_with(make)
                }
            };
            // The measures that cover the row's origin and are in force (and not suspended for every
            // origin) on its date, by evaluation rank: any other measure does not apply to the row,
            // whatever its code or declarations.
            let live = engine.live_measures(flow.origin, flow.entry_date).unwrap_or(u128::MAX);
            // Can change the duty of a measure that may apply to the row (always, for the test that
            // prices without the shortcuts).
            let may_change = |ranks: u128| exhaustive || ranks & live != 0;
            let memo: Option<&RangeDetail> = may_change(memo.ranks).then_some(&memo.detail);
            // A line that only measures not applying to the row tell from the code is priced as the
            // row is.
            if let Some(memo) = memo {
                choices.extend(
                    memo.lines
                        .iter()
                        .filter(|&&(_, told_apart_by)| may_change(told_apart_by))
                        .map(|&(c, _)| (Facts::SHORT_CODE, Choice::Code(c))),
                );
            }
            if let Some(memo) = memo
                && !memo.declarable.is_empty()
            {
                // Which branches can apply to this row (each tested once); a branch that can change
                // only measures not applying to the row cannot change its duty.
                let open: u64 = memo
                    .declarable
                    .iter()
                    .take(64)
                    .enumerate()
                    .filter(|(_, b)| may_change(b.ranks) && b.open(engine, flow))
                    .fold(0, |bits, (n, _)| bits | 1 << n);
                let is_open = |n: usize| n < 64 && open & (1 << n) != 0;
                let declarations_from = choices.len();
                for (n, b) in memo.declarable.iter().enumerate() {
                    let h = b.heading;
                    if !is_open(n)
                        || flow.declared.contains(h)
                        || choices[declarations_from..].iter().any(|(_, c)| matches!(c, Choice::Declare(x) if *x == h))
                    {
                        continue;
                    }
                    // A heading that only lifts measures the row does not owe changes nothing.
                    let inert =
                        memo.declarable.iter().enumerate().skip(n).filter(|(k, b)| b.heading == h && is_open(*k)).all(
                            |(_, b)| match b.at {
                                BranchAt::Exemption(k) => {
                                    engine.scenario().exemptions[k].applies_to.iter().all(|&i| !applied(i))
                                }
                                BranchAt::Rate(..) => false,
                            },
                        );
                    if !inert || self.exhaustive {
                        choices.push((Facts::DECLARATION, Choice::Declare(h)));
                    }
                }
            }
            if usmca_origin {
                choices.push((Facts::USMCA, Choice::Usmca));
            }
            if flow.us_content_value.is_none() && non_us.is_some() {
                choices.push((Facts::US_CONTENT, Choice::UsContent));
            }
            if choices.is_empty() {
                self.choices = choices;
                self.out.low = low;
                self.out.high = high;
                return Ok(());
            }
            // One unknown at a time: its lowest and highest choice; then all lowest, all highest.
            // The lowest and highest choices (their indices in `choices`), one per fact at most.
            let (mut lowest, mut highest) = ([0usize; 5], [0usize; 5]);
            let (mut n_low, mut n_high) = (0usize, 0usize);
            // The row with a choice applied, copied from the row only once a choice is priced.
            let mut copied = false;
            // With the whole value US content, the lines on non-US content owe nothing and, as no
            // other measure turns on them, nothing else moves.
            let us_content_total = non_us
                .filter(|_| non_us_separable && !capped && !self.exhaustive)
                .map(|lines| compliance_total - lines);
            // One choice (the most common case): it is the low or the high end, or neither.
            if let [(fact, c)] = choices[..] {
                let t = self.choice_total(flow, c, &bases, us_content_total, &mut copied);
                if let Some(t) = t {
                    if t != compliance_total {
                        self.out.unknown.insert(fact);
                    }
                    // `low` <= the compliance total <= `high`.
                    low = low.min(t);
                    high = high.max(t);
                }
                self.choices = choices;
                self.out.low = low;
                self.out.high = high;
                return Ok(());
            }
            let mut start = 0;
            while start < choices.len() {
                let fact = choices[start].0;
                let end = start + choices[start..].iter().take_while(|(g, _)| *g == fact).count();
                let mut lo: Option<(i128, usize)> = None;
                let mut hi: Option<(i128, usize)> = None;
                for (k, &(_, c)) in choices.iter().enumerate().take(end).skip(start) {
                    let Some(t) = self.choice_total(flow, c, &bases, us_content_total, &mut copied) else { continue };
                    if t != compliance_total {
                        self.out.unknown.insert(fact);
                    }
                    if lo.is_none_or(|(x, _)| t < x) {
                        lo = Some((t, k));
                    }
                    if hi.is_none_or(|(x, _)| t > x) {
                        hi = Some((t, k));
                    }
                }
                if let Some((t, c)) = lo
                    && t < compliance_total
                {
                    low = low.min(t);
                    lowest[n_low] = c;
                    n_low += 1;
                }
                if let Some((t, c)) = hi
                    && t > compliance_total
                {
                    high = high.max(t);
                    highest[n_high] = c;
                    n_high += 1;
                }
                start = end;
            }
            for (picks, is_low) in [(&lowest[..n_low], true), (&highest[..n_high], false)] {
                if picks.len() > 1 {
                    let f = scratch(&mut self.scratch, flow, &mut copied);
                    for &k in picks {
                        choices[k].1.apply(f, &bases);
                    }
                    if let Ok(p) = self.pricer.price_into(f, &mut self.alternative) {
                        let t = cents_of(p.total_duty);
                        if is_low { low = low.min(t) } else { high = high.max(t) }
                    }
                    for &k in picks {
                        choices[k].1.undo(f, flow);
                    }
                }
            }
            self.choices = choices;
        }
        self.out.low = low;
        self.out.high = high;
        Ok(())
    }

    /// The total, in cents, of the row last priced, `flow`, with choice `c` applied (`bases`: its
    /// undeclared metal bases); `None` when it cannot be priced so. A USMCA claim is worked out
    /// from the row's own pricing when it can be ([`Pricer::claimed_total`]), US content from
    /// `us_content` when given; any other choice is priced on a copy of the row.
    #[inline]
    fn choice_total(
        &mut self,
        flow: &Flow,
        c: Choice,
        bases: &[Base],
        us_content: Option<i128>,
        copied: &mut bool,
    ) -> Option<i128> {
        match (c, &self.usmca, us_content) {
            (Choice::UsContent, _, Some(t)) => return Some(t),
            (Choice::Usmca, Some(effects), _) if !self.exhaustive => {
                if let Some(t) = self.pricer.claimed_total(flow, effects) {
                    return Some(cents_of(t));
                }
            }
            _ => {}
        }
        let f = scratch(&mut self.scratch, flow, copied);
        c.apply(f, bases);
        let priced = self.pricer.price_into(f, &mut self.alternative).map(|p| cents_of(p.total_duty));
        c.undo(f, flow);
        priced.ok()
    }
}

/// The row with a choice applied: `slot`'s flow, a copy of `flow` made once per row (`copied`).
fn scratch<'s>(slot: &'s mut Option<Flow>, flow: &Flow, copied: &mut bool) -> &'s mut Flow {
    let f = slot.get_or_insert_with(|| flow.clone());
    if !*copied {
        f.copy_from(flow);
        *copied = true;
    }
    f
}

/// The cents of a total or a duty line: a range compares each alternative's total several times,
/// and a comparison of integers is one instruction where one of `Decimal`s aligns their scales
/// first. Every line is rounded to the cent and every total is a sum of lines at two places (the
/// pricer's `close`): the cents are exact. An amount of more places (none is made) is taken at its
/// cents rounded half away from zero, as it is printed.
#[inline]
fn cents_of(amount: Decimal) -> i128 {
    crate::money::exact_cents(amount).unwrap_or_else(|| rounded_cents(amount))
}

#[cold]
fn rounded_cents(amount: Decimal) -> i128 {
    // `round_cents` gives two places.
    crate::money::round_cents(amount).mantissa()
}

/// The amount of `cents`, exactly: at two places, or, for an amount too large for a `Decimal` at
/// two places (customs values past 10^15 are refused, but a library caller may price more), at the
/// fewer places the pricer kept it at (see [`cents_of`]).
fn from_cents(cents: i128) -> Decimal {
    if let Ok(d) = Decimal::try_from_i128_with_scale(cents, 2) {
        return d;
    }
    let (mantissa, scale) = if cents % 100 == 0 { (cents / 100, 0) } else { (cents / 10, 1) };
    // The cents of a `Decimal`, over 100, always fit one: the bound is never reached.
    Decimal::try_from_i128_with_scale(mantissa, scale).unwrap_or(if cents < 0 { Decimal::MIN } else { Decimal::MAX })
}

fn pad_to_10(p: &HtsCode) -> Option<HtsCode> {
    let d = p.digits();
    HtsCode::parse(&format!("{d:0<10}")).ok()
}

/// The headings that, declared on this flow, select a branch of the scenario that covers its code
/// and origin on its date: the declared exemptions and the declared rates of the measures. (A run of
/// quota category headings counts once, by its first heading.)
pub fn declarable(engine: &Engine, flow: &Flow) -> Vec<Heading> {
    let mut out: Vec<Heading> = Vec::new();
    for b in declared_branches(engine, &flow.hts, false) {
        if !flow.declared.contains(b.heading) && !out.contains(&b.heading) && b.open(engine, flow) {
            out.push(b.heading);
        }
    }
    out
}

/// A declared branch whose products may cover a code: the heading that selects it, the window it
/// holds in, and where it is (for the origin test, made per row).
#[derive(Clone, Copy, Debug)]
struct DeclaredBranch {
    heading: Heading,
    window: crate::scenario::Window,
    /// An exemption's index, or a measure's and its rate's.
    at: BranchAt,
    /// The measures whose duty the branch can change, as [`Engine::rank_bit`]s: a rate's measure,
    /// or those an exemption lifts (every bit when the scenario is too large for the bit sets).
    ranks: u128,
}

#[derive(Clone, Copy, Debug)]
enum BranchAt {
    Exemption(usize),
    Rate(usize, usize),
}

impl DeclaredBranch {
    /// True when the branch can apply to the flow's origin on the date its rules are read at: a
    /// rate's measure in force and the rate's window open; an exemption's window open on the entry
    /// date or, in a frozen scenario, on the freeze date (a superset, which only costs a pricing).
    fn open(&self, engine: &Engine, flow: &Flow) -> bool {
        let s = engine.scenario();
        let origin = flow.origin;
        match self.at {
            BranchAt::Exemption(k) => {
                let e = &s.exemptions[k];
                (e.window.contains(flow.entry_date)
                    || s.freeze_on.is_some_and(|f| e.window.contains(f.min(flow.entry_date))))
                    && e.origins.as_ref().is_none_or(|o| o.contains(origin))
            }
            BranchAt::Rate(i, r) => {
                let m = &s.measures[i];
                let date = engine.rule_date(m, flow.entry_date);
                m.in_force.iter().any(|w| w.contains(date))
                    && self.window.contains(date)
                    && m.origins.contains(origin)
                    && m.rates[r].origins.as_ref().is_none_or(|o| o.contains(origin))
            }
        }
    }
}

/// The declared branches whose products may cover `code`, on any date (a dated list is taken as in
/// force: a superset, which only costs a pricing); `for_ranges` leaves out the rates that are not
/// spanned ([`crate::scenario::MeasureRate::spanned`]).
fn declared_branches(engine: &Engine, code: &HtsCode, for_ranges: bool) -> Vec<DeclaredBranch> {
    let s = engine.scenario();
    let keys = code.prefix_keys();
    let len = code.len();
    let lists = s.list_index.members(&keys, len);
    let mut out = Vec::new();
    for (k, e) in s.exemptions.iter().enumerate() {
        if let Some(run) = e.declared
            && e.products.contains_fast(&keys, len, &lists)
        {
            let ranks = e.applies_to.iter().fold(0, |bits, &i| bits | engine.rank_bit(i).unwrap_or(u128::MAX));
            out.push(DeclaredBranch { heading: run.first, window: e.window, at: BranchAt::Exemption(k), ranks });
        }
    }
    for (i, m) in s.measures.iter().enumerate() {
        if !m.products.contains_fast(&keys, len, &lists) {
            continue;
        }
        for (j, r) in m.rates.iter().enumerate() {
            if let Some(h) = r.declared
                && (r.spanned || !for_ranges)
                && r.products.as_ref().is_none_or(|p| p.contains_fast(&keys, len, &lists))
            {
                let ranks = engine.rank_bit(i).unwrap_or(u128::MAX);
                out.push(DeclaredBranch { heading: h, window: r.window, at: BranchAt::Rate(i, j), ranks });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_lines_under_a_short_code_and_one_unnamed() {
        let p: Vec<HtsCode> = ["9401.61.40.11", "9401.61.60.11", "9401.61.60.31", "9403.40.90.60"]
            .iter()
            .map(|c| HtsCode::parse(c).unwrap())
            .collect();
        let code = HtsCode::parse("9401.61.60").unwrap();
        let named = named_lines_under(&p, &code);
        assert_eq!(named.iter().map(|c| c.dotted()).collect::<Vec<_>>(), ["9401.61.60.11", "9401.61.60.31"]);
        assert_eq!(unnamed_line(&code, named).unwrap().dotted(), "9401.61.60.99");
        assert!(named_lines_under(&p, &HtsCode::parse("9401.61.60.11").unwrap()).is_empty());
    }

    /// The shortcuts (one 10-digit line per pricing class, declarations that can only lift measures
    /// the row does not owe, the whole value in a single undeclared metal base) never change a
    /// range: over every short code a measure of `historical` splits, and codes with declared
    /// branches and metal bases, under several origins and dates, the answer equals pricing every
    /// alternative.
    #[test]
    fn shortcuts_give_the_exhaustive_span() {
        use std::sync::Arc;
        let (mut compared, mut spans) = (0, 0);
        for name in crate::scenario::bundled_names() {
            let scenario = crate::scenario::load_scenario(name).unwrap();
            let engine = Engine::new(Arc::new(scenario), Arc::new(crate::mfn::MfnTable::embedded()));
            let (c, s) = compare_shortcuts(&engine);
            compared += c;
            spans += s;
        }
        eprintln!("{compared} rows compared, {spans} with a span");
        assert!(compared > 10_000 && spans > 2_000, "{compared} rows compared, {spans} with a span");
    }

    /// Rows compared and rows with a span.
    fn compare_shortcuts(engine: &Engine) -> (usize, usize) {
        use crate::codes::Country;
        use crate::date::Date;
        let assumptions = Assumptions::default();
        let mut fast = Estimator::new(engine, &assumptions, true);
        let mut exhaustive = Estimator::new(engine, &assumptions, true);
        exhaustive.exhaustive = true;
        let mut codes: Vec<HtsCode> = engine
            .long_prefixes()
            .iter()
            .filter_map(|p| HtsCode::parse(&p.digits()[..8.min(p.digits().len())]).ok())
            .collect();
        codes.extend(
            ["8708.29.50", "8544.42.10", "7616.99.51", "8429.51.10", "8432.10.00", "3004.90.92", "8806.21.00"]
                .iter()
                .map(|c| HtsCode::parse(c).unwrap()),
        );
        codes.sort_by(|a, b| a.digits().cmp(b.digits()));
        codes.dedup_by(|a, b| a.digits() == b.digits());
        let origins = ["CN", "CA", "MX", "JP", "DE", "GB", "VN", "BR", "RU"];
        let dates = ["2025-03-01", "2025-06-15", "2025-11-15", "2026-03-01", "2026-06-20", "2026-09-30", "2026-12-05"];
        let (mut compared, mut spans) = (0, 0);
        for code in &codes {
            for origin in origins {
                for date in dates {
                    let mut f = Flow::new(
                        *code,
                        Country::parse(origin).unwrap(),
                        Date::parse(date).unwrap(),
                        Decimal::from(12345),
                    );
                    f.quantity = Some(Decimal::from(100));
                    f.quantity_unit = crate::units::Unit::parse("kg");
                    let span = |e: Estimate<'_>| (e.central.total_duty, e.low, e.high, e.unknown);
                    let (Ok(a), Ok(b)) = (fast.estimate(&f).map(span), exhaustive.estimate(&f).map(span)) else {
                        continue;
                    };
                    let at = format!("{} {origin} {date}", code.dotted());
                    assert_eq!(a, b, "{at}");
                    compared += 1;
                    spans += usize::from(a.1 != a.2);
                }
            }
        }
        (compared, spans)
    }
}
