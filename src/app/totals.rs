//! Running duty totals, the one totals type of every summary (`run`'s, `compare`'s and its
//! groups'): exact sums kept per worker and merged at the end (sums do not depend on the order).

use crate::api::{GroupBy, NO_ENTRY_NUMBER};
use crate::engine::{Engine, Priced};
use crate::estimate::Estimator;
use crate::flow::Flow;
use crate::money::{MoneySum, effective_rate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

/// Totals per group of one breakdown (the group's key, then one entry per scenario, in order).
pub(crate) type GroupTotals = BTreeMap<String, Vec<DutyTotals>>;

/// The group of a row of breakdown `by` (any but [`GroupBy::Measure`], whose rows go to several
/// groups), written into `key`; `entry_number` is the row's `entry_number` field, read only for
/// [`GroupBy::Entry`] (empty, the row goes to [`NO_ENTRY_NUMBER`]).
pub(crate) fn write_group_key<'a>(
    key: &mut String,
    by: GroupBy,
    flow: &Flow,
    entry_number: impl FnOnce() -> std::borrow::Cow<'a, str>,
) {
    key.clear();
    match by {
        GroupBy::Origin => key.push_str(flow.origin.as_str()),
        GroupBy::Chapter => key.push_str(flow.hts.chapter()),
        GroupBy::Hts4 => key.push_str(flow.hts.prefix(4).digits()),
        GroupBy::Month => {
            let _ = write!(key, "{}", flow.entry_date);
            key.truncate(7);
        }
        GroupBy::Entry => {
            key.push_str(entry_number().trim());
            if key.is_empty() {
                key.push_str(NO_ENTRY_NUMBER);
            }
        }
        GroupBy::Measure => {}
    }
}

/// Adds a priced row (of `flow`, priced under each of `engines` as `priced(i)` says) to its groups of
/// breakdown `by`: by measure, each line to its measure's group and the MFN duty to `mfn`'s; else to
/// the group [`write_group_key`] wrote into `key`, with each scenario's range when `estimators`
/// priced the row (the same rows as `priced`).
pub(crate) fn add_to_groups<'p>(
    groups: &mut GroupTotals,
    key: &str,
    by: GroupBy,
    flow: &Flow,
    engines: &[Engine],
    priced: impl Fn(usize) -> &'p Priced,
    estimators: &[Estimator<'_>],
) {
    let n = engines.len();
    let value = flow.customs_value;
    // Look up before inserting: a key is allocated only once per group.
    fn group<'g>(groups: &'g mut GroupTotals, key: &str, n: usize) -> &'g mut Vec<DutyTotals> {
        if !groups.contains_key(key) {
            groups.insert(key.to_string(), vec![DutyTotals::default(); n]);
        }
        groups.get_mut(key).unwrap_or_else(|| unreachable!("inserted above"))
    }
    if by == GroupBy::Measure {
        for (i, p) in (0..n).map(priced).enumerate() {
            group(groups, "mfn", n)[i].add_amounts(value, p.mfn_duty, Decimal::ZERO);
            for (m, line) in &p.lines {
                group(groups, &engines[i].measure(*m).id, n)[i].add_amounts(value, Decimal::ZERO, line.amount);
            }
        }
        return;
    }
    let g = group(groups, key, n);
    for (i, t) in g.iter_mut().enumerate() {
        t.add(value, priced(i));
        if let Some(e) = estimators.get(i) {
            let e = e.last();
            t.add_range(e.low, e.high);
        }
    }
}
