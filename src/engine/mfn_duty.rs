//! The MFN (column 1) layer of a flow: which rate applies (the row's own `mfn_rate`, the special
//! rate of the program claimed, or the general rate of its HTS line) and the duty it gives,
//! specific and compound parts priced on the quantity converted exactly to the rate's unit.

use super::Engine;
use super::assessment::{MfnBasis, MfnOutcome, PricingError, Warning};
use crate::codes::Program;
use crate::flow::Flow;
use crate::mfn::{MfnLine, MfnLookupError};
use crate::money::round_cents;
use crate::rate_text::{RateExpr, special_for};
use crate::scenario::BaseDuty;
use crate::units::Unit;
use rust_decimal::Decimal;
use std::borrow::Cow;

impl Engine {
    /// Chooses the MFN rate of a flow: its own `mfn_rate`; the scenario's base rule `base` when one
    /// covers the flow (Column 2, or a rate in lieu of it); the claimed program's special rate; or the
    /// general rate of its HTS line.
    pub(super) fn select_mfn<'a>(
        &'a self,
        flow: &Flow,
        base: Option<usize>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Option<&'a MfnLine>, Cow<'a, RateExpr>, MfnBasis), PricingError> {
        if let Some(r) = &flow.mfn_rate {
            return Ok((None, Cow::Owned(r.clone()), MfnBasis::Override));
        }
        if let Some(rule) = base {
            let basis = MfnBasis::Base { rule, ignored_claim: flow.spi };
            let b = &self.scenario.base_rates[rule];
            return match &b.duty {
                BaseDuty::InLieu(rate) => Ok((self.mfn.lookup(&flow.hts).ok(), Cow::Borrowed(rate), basis)),
                BaseDuty::Column2 => {
                    let line = self.mfn_line(flow)?;
                    let refuse = |why: String| PricingError {
                        column: "hts",
                        value: flow.hts.dotted(),
                        reason: format!(
                            "goods of {} pay the Column 2 rate ({}); {why}; give --hts with the official HTS file, or an `mfn_rate` column",
                            flow.origin, b.id
                        ),
                    };
                    match &line.column2 {
                        Some((Ok(rate), _)) => Ok((Some(line), Cow::Borrowed(rate), basis)),
                        Some((Err(e), _)) => Err(refuse(format!("the Column 2 {e}"))),
                        None => Err(refuse(format!(
                            "the {} gives no Column 2 rate for HTS `{}`",
                            self.mfn.origin, flow.hts
                        ))),
                    }
                }
            };
        }
        let line = self.mfn_line(flow)?;
        let general = line.general.as_ref().map_err(|e| PricingError {
            column: "hts",
            value: flow.hts.dotted(),
            reason: format!("the MFN {e}; give an `mfn_rate` column for this row"),
        })?;
        Ok(match flow.spi {
            Some(p) => match self.claimed_mfn(line, p, warnings) {
                Some(special) => (Some(line), Cow::Borrowed(special), MfnBasis::Special(p)),
                None => (Some(line), Cow::Borrowed(general), MfnBasis::ClaimNotEligible(p)),
            },
            None => (Some(line), Cow::Borrowed(general), MfnBasis::General),
        })
    }

    /// The special rate `line` lists for a flow claiming `program`; `None`, with a warning, when it
    /// lists none (the general rate then applies).
    pub(super) fn claimed_mfn<'a>(
        &self,
        line: &'a MfnLine,
        program: Program,
        warnings: &mut Vec<Warning>,
    ) -> Option<&'a RateExpr> {
        let special = special_for(&line.special, program.as_str());
        if special.is_none() {
            warnings.push(Self::claim_not_listed(program));
        }
        special
    }

    /// The warning of a claim of `program` on a line that lists no special rate for it.
    pub(super) fn claim_not_listed(program: Program) -> Warning {
        if program.is_known() { Warning::ProgramNotListed(program) } else { Warning::UnknownProgram(program) }
    }

    /// The MFN table's line for a flow's code, or why there is none.
    fn mfn_line(&self, flow: &Flow) -> Result<&MfnLine, PricingError> {
        self.mfn.lookup(&flow.hts).map_err(|e| PricingError {
            column: "hts",
            value: flow.hts.dotted(),
            reason: match e {
                MfnLookupError::TooShort => {
                    format!("HTS `{}` is not specific enough for an MFN rate (rates are set at 8 or 10 digits)", flow.hts)
                }
                MfnLookupError::NotFound => {
                    let near: Vec<String> = self.mfn.nearest(&flow.hts, 3).iter().map(|c| c.dotted()).collect();
                    let near = if near.is_empty() { String::new() } else { format!(" (nearest lines: {})", near.join(", ")) };
                    format!(
                        "no MFN rate for HTS `{}` in the {}{near}; check the code, or give --hts with the official HTS file, or an `mfn_rate` column",
                        flow.hts, self.mfn.origin
                    )
                }
            },
        })
    }

    /// The exact MFN duty of `rate` on a flow, and the quantity used for its specific parts.
    pub(super) fn mfn_amount(rate: &RateExpr, flow: &Flow) -> Result<(Decimal, Option<(Decimal, Unit)>), PricingError> {
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

    /// Prices the MFN layer (`base`: the base rule covering the flow, if any).
    pub(super) fn price_mfn<'a>(
        &'a self,
        flow: &Flow,
        base: Option<usize>,
    ) -> Result<(MfnOutcome<'a>, Vec<Warning>), PricingError> {
        let mut warnings = Vec::new();
        let (line, rate, basis) = self.select_mfn(flow, base, &mut warnings)?;
        let (exact, quantity) = Self::mfn_amount(&rate, flow)?;
        let duty = round_cents(exact);
        Ok((MfnOutcome { line, rate, basis, quantity, duty }, warnings))
    }
}
