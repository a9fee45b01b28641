//! Interest on refunds of duties (19 U.S.C. 1505(b)-(c); 19 CFR 24.3a): excess duties deposited earn
//! interest from the date they were deposited to the date of liquidation or reliquidation, at the
//! overpayment rate of 26 U.S.C. 6621 for the quarter of each day (CBP's quarterly notices, under T.D.
//! 85-93), compounded daily (26 U.S.C. 6622). Facts and sources: docs/research/assumptions-fees-2026-12.md
//! §5.
//!
//! The rates are data ([`OVERPAYMENT_RATES`]). A day in a quarter whose rate was not read is never given
//! a guessed rate: interest is accrued through the last day with a rate and the answer says it is a
//! lower bound (rates are never negative).

use crate::date::Date;
use rust_decimal::Decimal;

/// Who was overpaid: corporations earn 1 point less (26 U.S.C. 6621(a)(1)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payer {
    /// Non-corporate importers (the federal short-term rate + 3 points).
    NonCorporate,
    /// Corporations (+ 2 points; CBP's table has no separate rate above $10,000).
    Corporate,
}

/// The overpayment rates of one quarter.
#[derive(Clone, Copy, Debug)]
pub struct QuarterRate {
    /// The first day of the quarter.
    pub from: (i32, u32),
    /// Annual rate for non-corporate importers (percent).
    pub non_corporate: u32,
    /// Annual rate for corporations (percent).
    pub corporate: u32,
    /// The notice.
    pub source: &'static str,
}

/// The quarters with a rate read in a source, in order, without gaps.
pub const OVERPAYMENT_RATES: [QuarterRate; 6] = [
    QuarterRate {
        from: (2024, 10),
        non_corporate: 8,
        corporate: 7,
        source: "CBP quarterly interest notice, FR Doc. 2024-21785",
    },
    QuarterRate {
        from: (2025, 1),
        non_corporate: 7,
        corporate: 6,
        source: "CBP notice FR Doc. 2025-02228, 90 FR 9036 (2025-02-05)",
    },
    QuarterRate {
        from: (2025, 4),
        non_corporate: 7,
        corporate: 6,
        source: "CBP quarterly notice (\"will remain the same\"), via a summary of the FR notice",
    },
    QuarterRate {
        from: (2025, 7),
        non_corporate: 7,
        corporate: 6,
        source: "CBP quarterly notice, via a summary of the FR notice",
    },
    QuarterRate {
        from: (2025, 10),
        non_corporate: 7,
        corporate: 6,
        source: "CBP quarterly notice, via a summary of the FR notice",
    },
    QuarterRate {
        from: (2026, 1),
        non_corporate: 7,
        corporate: 6,
        source: "IRS Rev. Rul. 2025-22 / IR-2025-112 (the IRS rates CBP follows); CBP's own notice for the quarter was not read",
    },
];

/// The interest accrued on a refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accrual {
    /// Interest, rounded half-up to the cent.
    pub interest: Decimal,
    /// The last day interest was accrued for (the day before `to`, or the last day with a rate).
    pub through: Option<Date>,
    /// False when days before `to` fall in a quarter without a rate: `interest` is then a lower bound.
    pub complete: bool,
}

/// The rate of the quarter holding `d`, as a fraction, or `None` when it was not read.
fn rate_on(d: Date, payer: Payer) -> Option<Decimal> {
    let (y, m, _) = d.ymd();
    let quarter_start = (y, (m - 1) / 3 * 3 + 1);
    let q = OVERPAYMENT_RATES.iter().find(|q| q.from == quarter_start)?;
    let pct = match payer {
        Payer::NonCorporate => q.non_corporate,
        Payer::Corporate => q.corporate,
    };
    Some(Decimal::new(i64::from(pct), 2))
}

fn days_in_year(y: i32) -> i64 {
    if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 { 366 } else { 365 }
}

/// Interest on `principal` deposited on `deposited`, to the day before `to` (liquidation or the date
/// asked), compounded daily at each day's quarterly rate over the days of its year.
pub fn refund_interest(principal: Decimal, deposited: Date, to: Date, payer: Payer) -> Accrual {
    let mut balance = principal;
    let mut day = deposited;
    let mut through = None;
    let mut complete = true;
    while day < to {
        let Some(rate) = rate_on(day, payer) else {
            complete = false;
            break;
        };
        let (y, _, _) = day.ymd();
        balance += balance * rate / Decimal::from(days_in_year(y));
        through = Some(day);
        day = day.succ();
    }
    Accrual { interest: crate::money::round_cents(balance - principal), through, complete }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn quarters_are_contiguous() {
        for w in OVERPAYMENT_RATES.windows(2) {
            let (a, b) = (w[0].from, w[1].from);
            let next = if a.1 == 10 { (a.0 + 1, 1) } else { (a.0, a.1 + 3) };
            assert_eq!(b, next);
        }
    }

    #[test]
    fn one_year_at_seven_percent_compounded_daily() {
        // 10,000.00 deposited 2025-01-01, liquidated 2026-01-01: 365 days at 7% / 365, compounded daily:
        // 10,000 x (1 + 0.07/365)^365 - 10,000 = 725.01.
        let a = refund_interest(d("10000"), date("2025-01-01"), date("2026-01-01"), Payer::NonCorporate);
        assert_eq!(a, Accrual { interest: d("725.01"), through: Some(date("2025-12-31")), complete: true });
        let c = refund_interest(d("10000"), date("2025-01-01"), date("2026-01-01"), Payer::Corporate);
        // (1 + 0.06/365)^365 - 1 = 0.0618313...
        assert_eq!(c.interest, d("618.31"));
    }

    #[test]
    fn no_days_no_interest() {
        let a = refund_interest(d("10000"), date("2025-05-01"), date("2025-05-01"), Payer::NonCorporate);
        assert_eq!(a, Accrual { interest: Decimal::ZERO, through: None, complete: true });
    }

    #[test]
    fn a_quarter_without_a_rate_stops_the_accrual_and_says_so() {
        // 2026 Q2's rate was not read: interest runs through 2026-03-31 only, a lower bound.
        let a = refund_interest(d("10000"), date("2026-03-01"), date("2026-06-30"), Payer::NonCorporate);
        assert!(!a.complete);
        assert_eq!(a.through, Some(date("2026-03-31")));
        // 31 days at 7%/365: 10,000 x ((1 + 0.07/365)^31 - 1) = 59.6234 -> 59.62.
        assert_eq!(a.interest, d("59.62"));
    }

    #[test]
    fn the_rate_follows_the_quarter_of_each_day() {
        // 2024-12-31 at 8%, 2025-01-01 at 7%: 10,000 x (1 + 0.08/366) x (1 + 0.07/365) - 10,000 = 4.10.
        let a = refund_interest(d("10000"), date("2024-12-31"), date("2025-01-02"), Payer::NonCorporate);
        assert_eq!(a.interest, d("4.10"));
        assert!(rate_on(date("2024-09-30"), Payer::NonCorporate).is_none());
    }
}
