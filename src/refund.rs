//! IEEPA refunds: what one entry line is owed back, and exact running totals of lines.
//!
//! Each line is priced under the scenario owed (`historical`: the law as enacted, IEEPA included)
//! and under the scenario without IEEPA (`no-ieepa`: the legal position after the 2026-02-20
//! ruling). The IEEPA duty of a line is the sum of its lines of the measures the scenario tags
//! `ieepa` (data, not a naming rule); the amount paid is the line's declared `ieepa_paid` when given, else that computed duty.
//! The refund is what was paid less what is owed without IEEPA:
//! `(total_owed - ieepa_duty + ieepa_paid) - total_without`, never below zero. It equals the IEEPA duty
//! paid unless removing IEEPA brings back a duty it had displaced (e.g. Section 232 metals on
//! Canadian steel before 2025-06-04, EO 14289), which is then netted. Interest is not computed.

use crate::engine::{Engine, Priced};
use crate::money::MoneySum;
use rust_decimal::Decimal;

/// The IEEPA duty of a priced line: its lines of the measures tagged `ieepa` in the scenario (the duties
/// struck down in Learning Resources v. Trump and refunded).
pub fn ieepa_duty(engine: &Engine, p: &Priced) -> Decimal {
    p.lines.iter().filter(|(i, _)| engine.measure(*i).tags.iter().any(|t| t == "ieepa")).map(|(_, l)| l.amount).sum()
}

/// What one entry line is owed back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRefund {
    /// The line's customs value.
    pub value: Decimal,
    /// The IEEPA duty computed under the scenario owed.
    pub ieepa_duty: Decimal,
    /// The IEEPA duty deposited: the declared amount, else the computed one.
    pub ieepa_paid: Decimal,
    /// The total duty under the scenario owed.
    pub total_historical: Decimal,
    /// The total duty without IEEPA.
    pub total_no_ieepa: Decimal,
    /// The refund.
    pub refund: Decimal,
    /// Why the line is flagged (the declared amount differs from the computed one), if it is.
    pub flag: Option<String>,
    /// Interest on the refund (with `refund --interest-to`; see [`crate::interest`]), zero otherwise.
    pub interest: Decimal,
    /// The interest stops before the date asked (no rate read for a later quarter): a lower bound.
    pub interest_partial: bool,
}

impl LineRefund {
    /// The refund of a line of customs value `value`, priced as `owed` under `owed_engine` and as
    /// `without` without IEEPA; `paid` is the declared IEEPA duty, if any (at most
    /// [`crate::flow::max_amount`], as every amount read).
    pub fn compute(
        value: Decimal,
        owed_engine: &Engine,
        owed: &Priced,
        without: &Priced,
        paid: Option<Decimal>,
    ) -> Self {
        let duty = ieepa_duty(owed_engine, owed);
        let ieepa_paid = paid.unwrap_or(duty);
        let refund = (owed.total_duty - duty + ieepa_paid - without.total_duty).max(Decimal::ZERO);
        let flag = match paid {
            Some(p) if p != duty => {
                Some(format!("paid {p:.2} but historical computes {duty:.2} (difference {:.2})", p - duty))
            }
            _ => None,
        };
        LineRefund {
            value,
            ieepa_duty: duty,
            ieepa_paid,
            total_historical: owed.total_duty,
            total_no_ieepa: without.total_duty,
            refund,
            flag,
            interest: Decimal::ZERO,
            interest_partial: false,
        }
    }
}

/// Running totals of a group of entry lines (exact sums, never a panic: see [`MoneySum`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct RefundSums {
    /// Lines counted.
    pub lines: u64,
    value: MoneySum,
    ieepa_duty: MoneySum,
    ieepa_paid: MoneySum,
    refund: MoneySum,
    interest: MoneySum,
    /// Lines flagged.
    pub flagged: u64,
    /// Lines whose interest is a lower bound.
    pub interest_partial: u64,
}

impl RefundSums {
    /// Adds a line.
    pub fn add(&mut self, l: &LineRefund) {
        self.lines += 1;
        self.value.add(l.value);
        self.ieepa_duty.add(l.ieepa_duty);
        self.ieepa_paid.add(l.ieepa_paid);
        self.refund.add(l.refund);
        self.interest.add(l.interest);
        self.flagged += u64::from(l.flag.is_some());
        self.interest_partial += u64::from(l.interest_partial);
    }

    /// Adds the sums of another worker.
    pub fn merge(&mut self, o: &RefundSums) {
        self.lines += o.lines;
        self.value.add_sum(&o.value);
        self.ieepa_duty.add_sum(&o.ieepa_duty);
        self.ieepa_paid.add_sum(&o.ieepa_paid);
        self.refund.add_sum(&o.refund);
        self.interest.add_sum(&o.interest);
        self.flagged += o.flagged;
        self.interest_partial += o.interest_partial;
    }

    /// The totals; `None` when a sum is past what can be summed exactly (about 7.9 x 10^28).
    pub fn totals(&self) -> Option<RefundTotals> {
        Some(RefundTotals {
            lines: self.lines,
            value: self.value.value()?,
            ieepa_duty: self.ieepa_duty.value()?,
            ieepa_paid: self.ieepa_paid.value()?,
            refund: self.refund.value()?,
            interest: self.interest.value()?,
            flagged: self.flagged,
            interest_partial: self.interest_partial,
        })
    }
}

/// Totals of a group of entry lines, summed.
#[derive(Clone, Copy, Debug, Default)]
pub struct RefundTotals {
    /// Lines.
    pub lines: u64,
    /// Customs value.
    pub value: Decimal,
    /// IEEPA duty computed.
    pub ieepa_duty: Decimal,
    /// IEEPA duty deposited.
    pub ieepa_paid: Decimal,
    /// Refund.
    pub refund: Decimal,
    /// Interest on the refunds (zero without `--interest-to`).
    pub interest: Decimal,
    /// Lines flagged.
    pub flagged: u64,
    /// Lines whose interest is a lower bound.
    pub interest_partial: u64,
}
