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
use crate::money::{effective_rate, round_cents};
use crate::rate_text::{RateExpr, special_for};
use crate::scenario::{Base, Duty, Measure, Scenario};
use crate::units::Unit;
use rust_decimal::Decimal;
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
    /// The rate applied.
    pub rate: &'a RateExpr,
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
}

impl Engine {
    /// Builds an engine over a checked scenario and an MFN table.
    pub fn new(scenario: Arc<Scenario>, mfn: Arc<MfnTable>) -> Engine {
        Engine { scenario, mfn }
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

    /// Prices the MFN layer.
    fn price_mfn<'a>(&'a self, flow: &'a Flow) -> Result<(MfnOutcome<'a>, Vec<Warning>), PricingError> {
        let mut warnings = Vec::new();
        let (line, rate, basis) = match &flow.mfn_rate {
            Some(r) => (None, r, MfnBasis::Override),
            None => {
                let line = self.mfn.lookup(&flow.hts).map_err(|e| PricingError {
                    column: "hts",
                    value: flow.hts.dotted(),
                    reason: match e {
                        MfnLookupError::TooShort => format!(
                            "HTS `{}` is not specific enough for an MFN rate (rates are set at 8 or 10 digits)",
                            flow.hts
                        ),
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
                match flow.spi {
                    Some(p) => match special_for(&line.special, p.as_str()) {
                        Some(special) => (Some(line), special, MfnBasis::Special(p)),
                        None => {
                            warnings.push(Warning::ProgramNotListed(p));
                            (Some(line), general, MfnBasis::ClaimNotEligible(p))
                        }
                    },
                    None => (Some(line), general, MfnBasis::General),
                }
            }
        };
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
                let what =
                    if unit == Unit::Other { "a unit this tool does not know".to_string() } else { unit.to_string() };
                return Err(PricingError {
                    column: "quantity_unit",
                    value: unit.to_string(),
                    reason: format!(
                        "a quantity in {what} cannot be converted to {} for the specific rate `{rate}` of HTS `{}`",
                        part.unit, flow.hts
                    ),
                });
            };
            exact += part.usd_per_unit * converted;
            quantity = Some((converted, part.unit));
        }
        let duty = round_cents(exact);
        Ok((MfnOutcome { line, rate, basis, quantity, exact, duty }, warnings))
    }

    /// Prices one flow. Errors are rows that cannot be priced (never priced as zero).
    pub fn assess<'a>(&'a self, flow: &'a Flow) -> Result<Assessment<'a>, PricingError> {
        let (mfn, mut warnings) = self.price_mfn(flow)?;
        let scenario = &*self.scenario;
        let value = flow.customs_value;
        let mut statuses: Vec<Status> = vec![Status::NotInForce; scenario.measures.len()];
        for &i in &scenario.eval_order {
            let status = self.measure_status(&scenario.measures[i], flow, &mfn, &statuses, &mut warnings);
            statuses[i] = status;
        }
        let additional: Decimal = statuses.iter().filter_map(Status::line).map(|l| l.amount).sum();
        Ok(Assessment {
            rule_date: self.scenario.freeze_on.map_or(flow.entry_date, |f| flow.entry_date.min(f)),
            mfn_duty: mfn.duty,
            additional_duty: additional,
            total_duty: mfn.duty + additional,
            customs_value: value,
            mfn,
            statuses,
            warnings,
        })
    }

    fn measure_status(
        &self,
        m: &Measure,
        flow: &Flow,
        mfn: &MfnOutcome<'_>,
        decided: &[Status],
        warnings: &mut Vec<Warning>,
    ) -> Status {
        let lists = &self.scenario.lists;
        if !m.origins.contains(flow.origin) {
            return Status::OriginNotCovered;
        }
        let date = self.rule_date(m, flow.entry_date);
        if !m.products.contains(&flow.hts, lists, date) {
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
        if let Some(&k) = m.exemptions.iter().find(|&&k| {
            let e = &self.scenario.exemptions[k];
            e.window.contains(date)
                && e.origins.as_ref().is_none_or(|o| o.contains(flow.origin))
                && e.products.contains(&flow.hts, lists, date)
        }) {
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
        let Some(rate_index) = m.rates.iter().position(|r| {
            r.window.contains(date)
                && r.origins.as_ref().is_none_or(|o| o.contains(flow.origin))
                && r.products.as_ref().is_none_or(|p| p.contains(&flow.hts, lists, date))
        }) else {
            return Status::NoRate;
        };
        if let Some(&j) = m.excluded_by.iter().find(|&&j| decided[j].line().is_some()) {
            return Status::Excluded(j);
        }
        if let Some(&j) = m.replaced_by.iter().find(|&&j| decided[j].line().is_some()) {
            return Status::Replaced(j);
        }
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
                let amount = round_cents(rate.fraction() * base);
                if amount.is_zero() {
                    return Status::ZeroOwed(rate_index);
                }
                Status::Applied(DutyLine { rate_index, branch: Branch::AddOn, base, rate: rate.fraction(), amount })
            }
            Duty::Inclusive { target, .. } => {
                if value.is_zero() {
                    return Status::ZeroOwed(rate_index);
                }
                let target = target.fraction();
                // MFN_AVE = MFN duty / customs value (CBP's conversion for specific and compound rates).
                let mfn_ave = mfn.duty / value;
                if mfn_ave >= target {
                    return Status::Applied(DutyLine {
                        rate_index,
                        branch: Branch::AtOrAbove,
                        base,
                        rate: Decimal::ZERO,
                        amount: Decimal::ZERO,
                    });
                }
                // With the whole value as base, top-up = target x value - MFN duty exactly.
                let exact = if base == value { target * value - mfn.duty } else { (target - mfn_ave) * base };
                let amount = round_cents(exact);
                Status::Applied(DutyLine { rate_index, branch: Branch::TopUp, base, rate: target - mfn_ave, amount })
            }
        }
    }
}
