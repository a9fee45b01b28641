//! Running duty totals, the one totals type of every summary (`run`'s, `compare`'s and its
//! groups'): exact sums kept per worker and merged at the end (sums do not depend on the order).

use crate::engine::Priced;
use crate::money::{MoneySum, effective_rate};
use rust_decimal::Decimal;

/// Rows, customs value, MFN and additional duty of a set of assessed rows. The total duty is not
/// summed: every row's total is its MFN plus its additional duty, so the sums are too.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DutyTotals {
    /// Rows counted.
    pub(crate) rows: u64,
    value: MoneySum,
    mfn: MoneySum,
    additional: MoneySum,
    /// With ranges: the sums of the rows' lowest and highest total duty.
    low: MoneySum,
    high: MoneySum,
}

impl DutyTotals {
    /// Adds a priced row of customs value `value`.
    #[inline]
    pub(crate) fn add(&mut self, value: Decimal, p: &Priced) {
        self.add_amounts(value, p.mfn_duty, p.additional_duty);
    }

    /// Adds a row's value and duties.
    #[inline]
    pub(crate) fn add_amounts(&mut self, value: Decimal, mfn: Decimal, additional: Decimal) {
        self.rows += 1;
        self.value.add(value);
        self.mfn.add(mfn);
        self.additional.add(additional);
    }

    /// Adds a row's span of total duty (with ranges only).
    #[inline]
    pub(crate) fn add_range(&mut self, low: Decimal, high: Decimal) {
        self.low.add(low);
        self.high.add(high);
    }

    /// Adds the totals of another worker.
    pub(crate) fn merge(&mut self, other: &DutyTotals) {
        self.rows += other.rows;
        self.value.add_sum(&other.value);
        self.mfn.add_sum(&other.mfn);
        self.additional.add_sum(&other.additional);
        self.low.add_sum(&other.low);
        self.high.add_sum(&other.high);
    }

    /// The sums of the rows' lowest and highest totals (with ranges).
    pub(crate) fn range(&self) -> (Decimal, Decimal) {
        (self.low.value().unwrap_or_default(), self.high.value().unwrap_or_default())
    }

    /// Refuses totals that no longer fit a `Decimal` exactly (sums past about 7.9 x 10^28): a total
    /// is printed exact or not at all. `what` names the totals in the message.
    pub(crate) fn check_exact(&self, what: &str) -> Result<(), crate::app::AppError> {
        let exact = [&self.value, &self.mfn, &self.additional].iter().all(|s| s.value().is_some())
            && self.mfn().checked_add(self.additional()).is_some();
        if exact {
            Ok(())
        } else {
            Err(crate::app::AppError::fatal(format!(
                "the totals of {what} are too large to be summed exactly (past 7.9e28); split the input"
            )))
        }
    }

    /// The customs value (exact once [`DutyTotals::check_exact`] passed; zero otherwise).
    pub(crate) fn value(&self) -> Decimal {
        self.value.value().unwrap_or_default()
    }

    /// The MFN duty.
    pub(crate) fn mfn(&self) -> Decimal {
        self.mfn.value().unwrap_or_default()
    }

    /// The additional duty.
    pub(crate) fn additional(&self) -> Decimal {
        self.additional.value().unwrap_or_default()
    }

    /// MFN + additional duty.
    pub(crate) fn total(&self) -> Decimal {
        self.mfn().checked_add(self.additional()).unwrap_or_default()
    }

    /// Total duty / customs value, 6 places; `None` for a zero value.
    pub(crate) fn rate(&self) -> Option<Decimal> {
        effective_rate(self.total(), self.value())
    }
}
