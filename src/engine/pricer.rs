//! The fast path: [`Pricer::price`] gives what [`Engine::assess`] gives for the totals and the
//! applied lines, with the accelerator ([`super::index`], [`super::memo`]) deciding which measures a
//! row needs to evaluate at all. A property test (`tests/properties.rs`) and the fuzz target
//! `flow_row` check that the two paths agree on every flow.

use super::assessment::{Priced, PricingError, Status};
use super::claim::ClaimEffects;
use super::memo::{Memo, MemoEntry};
use super::{AppliedSoFar, Codes, Engine};
use crate::codes::Program;
use crate::flow::Flow;
use crate::money::{exact_cents, mul_round_cents, round_cents};
use crate::rate_text::RateExpr;
use crate::scenario::ListMask;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// Prices flows under one engine, reusing its buffers and its per-code memo from row to row: one
/// per worker thread (a `Pricer` is `Send`, not shared).
///
/// Which measures' products cover a flow depends only on its HTS code, so the pricer remembers,
/// per code, those measures (as bits), the product lists that hold the code, and its MFN line; a
/// row then evaluates only those measures that also cover its origin and are in force on its date
/// (suspensions, exemptions, claims, in-transit clauses, relations and amounts are checked in
/// full). A measure whose scope uses a dated list is re-checked on the row's date. Nothing is
/// allocated per row unless the row has a warning or its own `mfn_rate`.
pub struct Pricer<'e> {
    engine: &'e Engine,
    memo: Memo,
    priced: Priced,
    /// The candidates of the last row priced (see [`Pricer::candidates`]).
    candidates: u128,
    /// The memo's generation when the last row was priced, and its code's memo entry (`None` when
    /// priced without the memo, or refused; see [`Pricer::code_slot`]).
    last_entry: Option<(u32, MemoEntry)>,
    /// The column 1 rates that claims selected, per code.
    claimed: ClaimedRates<'e>,
}

/// Per memo slot of a code ([`MemoEntry::slot`]): the column 1 rate the last claim priced on it
/// selected, with the program, and whether the line lists no special rate for it (the general rate
/// then, with a warning). The same claims come back on the same codes (ranges price every Canadian
/// and Mexican row under USMCA), and a line's special rates sit three pointers away.
#[derive(Default)]
struct ClaimedRates<'e> {
    /// The memo generation the slots belong to.
    generation: u32,
    by_slot: Vec<Option<(Program, &'e RateExpr, bool)>>,
}

impl<'e> ClaimedRates<'e> {
    /// The rate claim `program` selects on the code in `slot` of memo `generation`, from `select`
    /// when not remembered (`None`: not remembered, and not selected here).
    #[inline]
    fn get(
        &mut self,
        generation: u32,
        slot: u32,
        program: Program,
        select: impl FnOnce() -> Option<(&'e RateExpr, bool)>,
    ) -> Option<(&'e RateExpr, bool)> {
        if generation != self.generation {
            self.by_slot.clear();
            self.generation = generation;
        }
        let slot = slot as usize;
        if let Some(Some((p, rate, not_listed))) = self.by_slot.get(slot)
            && *p == program
        {
            return Some((rate, *not_listed));
        }
        let (rate, not_listed) = select()?;
        if self.by_slot.len() <= slot {
            self.by_slot.resize(slot + 1, None);
        }
        self.by_slot[slot] = Some((program, rate, not_listed));
        Some((rate, not_listed))
    }
}

impl<'e> Pricer<'e> {
    /// A pricer over `engine`, with an empty memo.
    pub fn new(engine: &'e Engine) -> Pricer<'e> {
        Pricer {
            engine,
            memo: Memo::default(),
            priced: Priced::default(),
            candidates: u128::MAX,
            last_entry: None,
            claimed: ClaimedRates::default(),
        }
    }

    /// The engine it prices with.
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// The measures the last row priced evaluated (its candidates: those whose products can cover
    /// its code, whose origins hold its origin and that are in force on its date), by evaluation
    /// rank; every bit when the scenario is priced without the bit sets. A measure outside them
    /// did not apply and had no effect on the others.
    pub(crate) fn candidates(&self) -> u128 {
        self.candidates
    }

    /// Where the memo keeps the code of the row last priced by [`Pricer::price`]: its generation and
    /// its slot in it ([`MemoEntry::slot`]): codes priced in one generation have distinct slots,
    /// numbered densely from 0, so that a caller can keep per-code data of its own in a vector
    /// indexed by slot (and empty it when the generation changes). `None` when the last row was
    /// priced without the memo (a scenario too large for the bit sets) or was refused.
    pub(crate) fn code_slot(&self) -> Option<(u32, u32)> {
        self.last_entry.map(|(generation, e)| (generation, e.slot()))
    }

    /// The result of the last successful [`Pricer::price`].
    pub fn priced(&self) -> &Priced {
        &self.priced
    }

    /// Prices a flow like [`Engine::assess`], keeping only the applied lines and the totals. Errors
    /// are rows that cannot be priced (never priced as zero).
    pub fn price(&mut self, flow: &Flow) -> Result<&Priced, PricingError> {
        self.last_entry = None;
        let entry = Self::price_with(
            self.engine,
            &mut self.memo,
            &mut self.claimed,
            flow,
            &mut self.priced,
            &mut self.candidates,
        )?;
        self.last_entry = entry.map(|e| (self.memo.generation(), e));
        Ok(&self.priced)
    }

    /// Prices a flow like [`Pricer::price`] into `out`, leaving [`Pricer::priced`] as it was: a
    /// second answer from the same memo (the ranges price a row's alternatives this way, so that the
    /// code's memo entry is looked up in one table, still in cache).
    pub fn price_into<'o>(&mut self, flow: &Flow, out: &'o mut Priced) -> Result<&'o Priced, PricingError> {
        let mut candidates = 0;
        Self::price_with(self.engine, &mut self.memo, &mut self.claimed, flow, out, &mut candidates)?;
        Ok(out)
    }

    /// The pricing of [`Pricer::price`] and [`Pricer::price_into`]; `candidates_out` receives the
    /// row's candidates (see [`Pricer::candidates`]). Returns the memo entry of the row's code
    /// (`None` when priced without the memo).
    fn price_with(
        engine: &'e Engine,
        memo: &mut Memo,
        claimed: &mut ClaimedRates<'e>,
        flow: &Flow,
        out: &mut Priced,
        candidates_out: &mut u128,
    ) -> Result<Option<MemoEntry>, PricingError> {
        out.lines.clear();
        out.warnings.clear();
        if !engine.index.bits_fit {
            *candidates_out = u128::MAX;
            return Self::price_by_assessment(engine, flow, out).map(|()| None);
        }
        let index = &engine.index;
        let entry = memo.entry(engine, &flow.hts);
        let members = memo.members(entry);
        let (products, exemptions) = memo.scope(entry);
        let segment = index.segment(flow.entry_date);
        let mut codes = memo_codes(engine, memo, entry, members, segment, flow, Decimal::ZERO, exemptions);
        let base = engine.base_rule(flow, &codes);
        let mfn_duty = match entry.mfn_ad_valorem() {
            Some((mantissa, scale)) if flow.mfn_rate.is_none() && flow.spi.is_none() && base.is_none() => {
                // The usual case: the general rate of the line, ad valorem only, remembered with the code.
                mul_round_cents(Decimal::from_parts(mantissa, 0, 0, false, scale), flow.customs_value)
            }
            _ => {
                let rate = match (&flow.mfn_rate, entry.mfn_line(), base) {
                    (None, Some(l), None) => {
                        let line = || &engine.mfn_table().lines()[l];
                        let chosen = match flow.spi {
                            None => line().general.as_ref().ok(),
                            // A claim, on the line the memo remembers: what `select_mfn` chooses.
                            Some(p) => claimed
                                .get(memo.generation(), entry.slot(), p, || claim_selects(line(), p))
                                .map(|(rate, not_listed)| {
                                    if not_listed {
                                        out.warnings.push(Engine::claim_not_listed(p));
                                    }
                                    rate
                                }),
                        };
                        match chosen {
                            Some(rate) => Cow::Borrowed(rate),
                            None => engine.select_mfn(flow, None, &mut out.warnings)?.1,
                        }
                    }
                    _ => engine.select_mfn(flow, base, &mut out.warnings)?.1,
                };
                if rate.specific.iter().all(|part| part.usd_per_unit.is_zero()) {
                    // Ad valorem only: exactly `round_cents(rate x value)`, in integers when it can be.
                    mul_round_cents(rate.ad_valorem, flow.customs_value)
                } else {
                    round_cents(Engine::mfn_amount(&rate, flow)?.0)
                }
            }
        };
        codes.mfn_duty = mfn_duty;
        out.base_rule = base;
        out.short_code_split = entry.splits();
        let mut applied_bits = 0u128;
        // Lines are rounded to the cent: summed as integer cents (a `Decimal` sum when one is not).
        let mut additional_cents = Some(0i128);
        // Only the measures that can cover the code, the origin and the date, in evaluation order.
        let mut candidates = products & index.origin_bits[flow.origin.index()] & index.live[segment];
        if flow.declared.is_empty() {
            candidates &= !index.needs_declaration;
        }
        *candidates_out = candidates;
        while candidates != 0 {
            let rank = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let i = index.by_rank[rank];
            let applied = AppliedSoFar::Bits(applied_bits, &out.lines);
            let st = engine.measure_status(i, flow, &codes, &applied, index.dated_scope[i], &mut out.warnings);
            if let Status::Applied(l) = st {
                applied_bits |= 1u128 << i;
                additional_cents = additional_cents.zip(exact_cents(l.amount)).map(|(a, c)| a + c);
                out.lines.push((i, l));
            }
        }
        Self::close(engine, flow, applied_bits, mfn_duty, additional_cents, out)?;
        out.customs_value = flow.customs_value;
        Ok(Some(entry))
    }

    /// Ends a pricing: sorts the lines, refuses a prohibited import, and sets the MFN and the totals
    /// (`additional_cents`: the lines' sum in integer cents, `None` when an amount has more than two
    /// places; then summed as a `Decimal`). Inlined: it ends every row's pricing.
    #[inline(always)]
    fn close(
        engine: &Engine,
        flow: &Flow,
        applied_bits: u128,
        mfn_duty: Decimal,
        additional_cents: Option<i128>,
        out: &mut Priced,
    ) -> Result<(), PricingError> {
        out.lines.sort_unstable_by_key(|(i, _)| *i);
        if applied_bits & engine.index.prohibited_mask != 0
            && let Some(e) = out.lines.iter().find_map(|(i, l)| engine.prohibition(*i, l, flow))
        {
            return Err(e);
        }
        let in_cents = additional_cents.and_then(|a| {
            let total = a + exact_cents(mfn_duty)?;
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
        Ok(())
    }

    /// Prices the last row this pricer priced, `flow`, under `variant`, a scenario aligned with this
    /// pricer's (see [`super::Sweep`]: the same measures in the same evaluation order, the same
    /// lists, base rates and freeze date), by deciding again only the measures of `redo` (by
    /// evaluation rank) under the variant, in evaluation order; every other measure keeps its status
    /// here. `redo` must hold every measure whose content differs that is a candidate under either
    /// scenario, and every candidate that names one of `redo` in its `excluded_by` or is replaced by
    /// one (the measures outside it then decide alike under both, since a measure only reads the
    /// measures decided before it that exclude or replace it). The MFN layer is the same. A measure
    /// of `redo` is checked in full (scope, exemptions), candidate or not. The last row must have
    /// been priced without warnings (a warning of a redone measure would be left in place).
    pub(crate) fn reprice(
        &mut self,
        variant: &Engine,
        flow: &Flow,
        redo: u128,
        out: &mut Priced,
    ) -> Result<(), PricingError> {
        let engine = self.engine;
        let index = &engine.index;
        let last = &self.priced;
        debug_assert!(last.warnings.is_empty() && index.bits_fit);
        let entry = self.memo.entry(engine, &flow.hts);
        let members = self.memo.members(entry);
        let segment = index.segment(flow.entry_date);
        let codes = memo_codes(engine, &self.memo, entry, members, segment, flow, last.mfn_duty, u128::MAX);
        let mut redo_bits = 0u128;
        let mut ranks = redo;
        while ranks != 0 {
            let rank = ranks.trailing_zeros() as usize;
            ranks &= ranks - 1;
            redo_bits |= 1u128 << index.by_rank[rank];
        }
        out.lines.clear();
        out.warnings.clear();
        out.lines.extend(last.lines.iter().filter(|(i, _)| redo_bits & (1u128 << i) == 0).cloned());
        let mut applied_bits = out.lines.iter().fold(0u128, |b, (i, _)| b | 1u128 << i);
        let mut ranks = redo;
        while ranks != 0 {
            let rank = ranks.trailing_zeros() as usize;
            ranks &= ranks - 1;
            let i = index.by_rank[rank];
            let applied = AppliedSoFar::Bits(applied_bits, &out.lines);
            if let Status::Applied(l) = variant.measure_status(i, flow, &codes, &applied, true, &mut out.warnings) {
                applied_bits |= 1u128 << i;
                out.lines.push((i, l));
            }
        }
        let additional_cents = out.lines.iter().try_fold(0i128, |a, (_, l)| Some(a + exact_cents(l.amount)?));
        Self::close(variant, flow, applied_bits, last.mfn_duty, additional_cents, out)?;
        out.customs_value = last.customs_value;
        out.base_rule = last.base_rule;
        out.short_code_split = last.short_code_split;
        Ok(())
    }

    /// The total duty of the row last priced by [`Pricer::price`], `flow` (which claims nothing),
    /// had it claimed `effects.program`, worked out from that pricing: the claimed program's column
    /// 1 duty, and the lines of that pricing less those of the measures the claim lifts (see
    /// [`ClaimEffects`]). `None` when that is not the whole story: a candidate measure the claim may
    /// change otherwise, or that reads one it may lift; a row with its own `mfn_rate` or a base
    /// rule; a column 1 rate that is not ad valorem only; an amount of more than two places. The
    /// claimed row must then be priced in full. Equal to that pricing's `total_duty` whenever it
    /// answers (a unit test in `claim.rs` compares the two over every bundled scenario).
    pub(crate) fn claimed_total(&mut self, flow: &Flow, effects: &ClaimEffects) -> Option<Decimal> {
        let engine = self.engine;
        let index = &engine.index;
        let last = &self.priced;
        let candidates = self.candidates;
        // The entry is read only while the memo holds it (pricing another code may have emptied it).
        let (generation, entry) = self.last_entry?;
        if generation != self.memo.generation() {
            return None;
        }
        if flow.spi.is_some()
            || flow.mfn_rate.is_some()
            || last.base_rule.is_some()
            || candidates & effects.unsettled != 0
        {
            return None;
        }
        // An exemption the claim turns off changes the measure only on the dates it is in force.
        let mut turned_off = candidates & effects.turned_off;
        while turned_off != 0 {
            let rank = turned_off.trailing_zeros() as usize;
            turned_off &= turned_off - 1;
            let i = index.by_rank[rank];
            let date = engine.rule_date(&engine.scenario().measures[i], flow.entry_date);
            let mut bits = effects.turned_off_exemptions[i];
            while bits != 0 {
                let k = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if engine.scenario().exemptions[k].window.contains(date) {
                    return None;
                }
            }
        }
        let changeable = candidates & effects.liftable;
        if changeable != 0 {
            let mut readers = candidates & effects.readers;
            while readers != 0 {
                let rank = readers.trailing_zeros() as usize;
                readers &= readers - 1;
                if effects.reads[rank] & changeable != 0 {
                    return None;
                }
            }
        }
        let line = entry.mfn_line()?;
        let program = effects.program;
        let (rate, _) = self
            .claimed
            .get(generation, entry.slot(), program, || claim_selects(&engine.mfn_table().lines()[line], program))?;
        if !rate.specific.iter().all(|part| part.usd_per_unit.is_zero()) {
            return None;
        }
        // Most claims select a free rate.
        let mfn = if rate.ad_valorem.is_zero() {
            0
        } else {
            exact_cents(mul_round_cents(rate.ad_valorem, flow.customs_value))?
        };
        let mut total_cents = mfn;
        let (_, exemptions) = self.memo.scope(entry);
        let members = self.memo.members(entry);
        let segment = index.segment(flow.entry_date);
        let codes = memo_codes(engine, &self.memo, entry, members, segment, flow, Decimal::ZERO, exemptions);
        for (i, l) in &last.lines {
            let i = *i;
            let lifted = changeable & (1u128 << index.rank_of[i]) != 0 && {
                let m = &engine.scenario().measures[i];
                let date = engine.rule_date(m, flow.entry_date);
                let lists = if date == flow.entry_date { &codes.at_entry } else { &codes.at_freeze };
                let mut bits = effects.claim_exemptions[i] & exemptions;
                let mut lifts = effects.exempt_spi[i];
                while bits != 0 && !lifts {
                    let k = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    lifts = super::exemption_lifts(
                        &engine.scenario().exemptions[k],
                        flow,
                        Some(program),
                        date,
                        &codes,
                        lists,
                    );
                }
                lifts
            };
            if !lifted {
                total_cents += exact_cents(l.amount)?;
            }
        }
        Decimal::try_from_i128_with_scale(total_cents, 2).ok()
    }

    /// The scenarios too large for the bit sets: the full assessment, keeping what `price` keeps.
    fn price_by_assessment(engine: &Engine, flow: &Flow, out: &mut Priced) -> Result<(), PricingError> {
        let a = engine.assess(flow)?;
        out.mfn_duty = a.mfn_duty;
        out.additional_duty = a.additional_duty;
        out.total_duty = a.total_duty;
        out.customs_value = a.customs_value;
        out.lines.clear();
        out.lines.extend(a.applied().map(|(i, l)| (i, l.clone())));
        out.base_rule = a.base_rule();
        out.short_code_split = engine.splits(&flow.hts);
        out.warnings.clear();
        out.warnings.extend(a.warnings.iter().cloned());
        Ok(())
    }
}

/// The column 1 rate a claim of `program` selects on `line` (what `Engine::select_mfn` chooses):
/// its special rate, or the general rate when it lists none (`true`: with a warning); `None` when
/// the general rate cannot be priced by arithmetic.
fn claim_selects(line: &crate::mfn::MfnLine, program: Program) -> Option<(&RateExpr, bool)> {
    let general = line.general.as_ref().ok()?;
    let special = crate::rate_text::special_for(&line.special, program.as_str());
    Some(special.map_or((general, true), |s| (s, false)))
}

/// The scope-check view of a flow's code from its memo `entry` (list `members`), on the lists of date
/// `segment` and of the freeze date, with the flow's MFN duty and the exemptions that may cover it: the
/// one construction of [`Codes`] for a pricing and for a repricing.
#[allow(clippy::too_many_arguments)]
#[inline]
fn memo_codes<'m>(
    engine: &Engine,
    memo: &'m Memo,
    entry: MemoEntry,
    members: ListMask,
    segment: usize,
    flow: &Flow,
    mfn_duty: Decimal,
    exemptions: u128,
) -> Codes<'m> {
    let index = &engine.index;
    Codes {
        keys: memo.keys(entry),
        len: flow.hts.len(),
        at_entry: members.and(&index.segment_lists[segment]),
        at_freeze: if engine.scenario().freeze_on.is_some() {
            members.and(&index.freeze_lists)
        } else {
            ListMask::default()
        },
        mfn_duty,
        exemptions,
    }
}
