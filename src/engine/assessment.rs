//! What the engine says about a flow: the MFN line, one status per measure, the duty lines, the
//! totals, the remarks; and why a flow cannot be priced. [`Assessment`] is the full answer
//! ([`super::Engine::assess`], for `explain` and the causes of `compare --lines`); [`Priced`] keeps only
//! the applied lines and totals ([`super::Pricer::price`], for the batch commands).

use crate::codes::Program;
use crate::date::Date;
use crate::mfn::MfnLine;
use crate::money::effective_rate;
use crate::rate_text::RateExpr;
use crate::scenario::Base;
use crate::units::Unit;
use rust_decimal::Decimal;
use std::borrow::Cow;

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
    /// A base rule of the scenario (index in [`crate::scenario::Scenario::base_rates`]) replaced the
    /// column 1 rate: the Column 2 rate, or a rate in lieu of it. A claimed program does not apply
    /// then (`ignored_claim`).
    Base {
        /// The rule.
        rule: usize,
        /// The program the row claimed, not applied.
        ignored_claim: Option<Program>,
    },
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
    /// The code claimed is not a special program indicator of the HTS; priced at the general rate.
    UnknownProgram(Program),
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

    /// The base rule that replaced the column 1 rate, if any.
    pub fn base_rule(&self) -> Option<usize> {
        match self.mfn.basis {
            MfnBasis::Base { rule, .. } => Some(rule),
            _ => None,
        }
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

/// The applied lines and totals of one flow, reused from row to row by [`super::Pricer`].
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
    /// The base rule that replaced the column 1 rate, if any (index in the scenario's base rates).
    pub base_rule: Option<usize>,
    /// The flow's code is shorter than 10 digits and the scenario names 10-digit lines under it
    /// (a measure may take some of them: the row is priced as the code reads).
    pub short_code_split: bool,
    /// Remarks.
    pub warnings: Vec<Warning>,
}

impl Priced {
    /// `total / value` with 6 places; `None` for a zero value.
    pub fn effective_rate(&self) -> Option<Decimal> {
        effective_rate(self.total_duty, self.customs_value)
    }
}

impl From<PricingError> for crate::flow::FieldError {
    fn from(e: PricingError) -> Self {
        crate::flow::FieldError { column: e.column, value: e.value, reason: e.reason }
    }
}
