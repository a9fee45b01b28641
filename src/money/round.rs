//! Rounding and sums: each duty line rounded half-up to the cent, the effective rate to 6 places,
//! and exact running sums.

use super::POW10;
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds a duty amount half-up (away from zero) to the cent.
pub fn round_cents(amount: Decimal) -> Decimal {
    let scale = amount.scale();
    if scale > 2 && scale - 2 <= 19 {
        // The usual case (a rate times a value), in 64-bit integer arithmetic.
        if let Ok(n) = u64::try_from(amount.mantissa().unsigned_abs()) {
            let p = 10u64.pow(scale - 2);
            let (q, r) = match scale {
                // A rate with 2 places times a value with 2 places: the usual product.
                4 => (n / 100, n % 100),
                _ => (n / p, n % p),
            };
            let q = i128::from(if r >= p - r { q + 1 } else { q });
            return Decimal::from_i128_with_scale(if amount.is_sign_negative() { -q } else { q }, 2);
        }
    }
    let mut r = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// An amount of at most two decimal places (a rounded duty, a total of them) in integer cents;
/// `None` for one of more places.
#[inline]
pub fn exact_cents(d: Decimal) -> Option<i128> {
    let scale = d.scale();
    (scale <= 2).then(|| d.mantissa() * [100, 10, 1][scale as usize])
}

/// `round_cents(a * b)`, the usual duty line (a rate times a base), with the product and the
/// rounding in integers when both are non-negative and the product is exact in a `Decimal` (at
/// most 96 bits and 28 places: then `Decimal` multiplication is exact too, so the two agree).
pub fn mul_round_cents(a: Decimal, b: Decimal) -> Decimal {
    let scale = a.scale() + b.scale();
    if (3..=21).contains(&scale)
        && let (Ok(x), Ok(y)) = (u64::try_from(a.mantissa()), u64::try_from(b.mantissa()))
        && let Some(n) = x.checked_mul(y)
    {
        // The usual case: the product in 64 bits (a negative mantissa fails `try_from`).
        let p = POW10[(scale - 2) as usize] as u64;
        let q = if n % p >= p - n % p { n / p + 1 } else { n / p };
        return Decimal::from_parts(q as u32, (q >> 32) as u32, 0, false, 2);
    }
    if !a.is_sign_negative() && !b.is_sign_negative() {
        let scale = a.scale() + b.scale();
        if let (Ok(x), Ok(y)) = (u64::try_from(a.mantissa()), u64::try_from(b.mantissa()))
            && (3..=21).contains(&scale)
        {
            let n = u128::from(x) * u128::from(y);
            if n < 1u128 << 96 {
                let p = POW10[(scale - 2) as usize];
                let q = match (u64::try_from(n), u64::try_from(p)) {
                    // The usual case: 64-bit division is far cheaper than 128-bit.
                    (Ok(n), Ok(p)) => u128::from(if n % p >= p - n % p { n / p + 1 } else { n / p }),
                    _ => {
                        let (q, r) = (n / p, n % p);
                        if r >= p - r { q + 1 } else { q }
                    }
                };
                return Decimal::from_i128_with_scale(q as i128, 2);
            }
        }
    }
    round_cents(a * b)
}

/// The effective rate `total / value` as a fraction with 6 places, rounded half-up, or `None` for a
/// zero value. Computed exactly in integers when the numbers allow (always, for money with a few
/// decimals), else with `Decimal` division.
pub fn effective_rate(total: Decimal, value: Decimal) -> Option<Decimal> {
    if value.is_zero() {
        return None;
    }
    if let Some(r) = exact_ratio(total, value, 6) {
        return Some(r);
    }
    let mut r = (total / value).round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(6);
    Some(r)
}

/// `a / b` rounded half-up to `places`, in integer arithmetic; `None` on overflow or negatives.
fn exact_ratio(a: Decimal, b: Decimal, places: u32) -> Option<Decimal> {
    if a.is_sign_negative() || b.is_sign_negative() {
        return None;
    }
    let (am, asc) = (a.mantissa().unsigned_abs(), a.scale());
    let (bm, bsc) = (b.mantissa().unsigned_abs(), b.scale());
    // a/b = (am / 10^asc) / (bm / 10^bsc); scaled by 10^places: am * 10^(bsc + places - asc) / bm.
    let shift = i64::from(bsc) + i64::from(places) - i64::from(asc);
    if let (Ok(a), Ok(b), Ok(s)) = (u64::try_from(am), u64::try_from(bm), u32::try_from(shift))
        && let (Some(num), true) = (10u64.checked_pow(s).and_then(|p| a.checked_mul(p)), b != 0)
    {
        // The usual case (a duty in cents over a value), in 64-bit arithmetic.
        let (q, r) = (num / b, num % b);
        let q = if r >= b - r { q + 1 } else { q };
        return Decimal::try_from_i128_with_scale(i128::from(q), places).ok();
    }
    let (num, den) = if shift >= 0 {
        (am.checked_mul(10u128.checked_pow(shift as u32)?)?, bm)
    } else {
        (am, bm.checked_mul(10u128.checked_pow((-shift) as u32)?)?)
    };
    let (q, r) = match (u64::try_from(num), u64::try_from(den)) {
        // The usual case: 64-bit division is far cheaper than 128-bit.
        (Ok(n), Ok(d)) => (u128::from(n / d), u128::from(n % d)),
        _ => (num / den, num % den),
    };
    let q = if r.checked_mul(2)? >= den { q + 1 } else { q };
    Decimal::try_from_i128_with_scale(i128::try_from(q).ok()?, places).ok()
}

/// An exact running sum of money, cheaper than adding `Decimal`s: amounts with at most two decimal
/// places (all duties, nearly all values) are added as integer cents; others as `Decimal`s. The
/// result has the largest scale added, as a `Decimal` sum would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoneySum {
    cents: i128,
    other: Decimal,
    scale: u32,
    /// A sum went past what a `Decimal` holds: the value is no longer exact.
    overflowed: bool,
}

impl MoneySum {
    /// Adds an amount. Never panics: a sum past a `Decimal`'s range is remembered as overflowed.
    #[inline]
    pub fn add(&mut self, d: Decimal) {
        let s = d.scale();
        if s == 2 {
            // Every rounded duty, and most values.
            self.scale = self.scale.max(2);
            match self.cents.checked_add(d.mantissa()) {
                Some(c) => self.cents = c,
                None => self.overflowed = true,
            }
            return;
        }
        self.scale = self.scale.max(s);
        let added = if s <= 2 {
            // Every rounded duty, and most values. A mantissa is below 2^96: times 100 fits an i128.
            self.cents.checked_add(d.mantissa() * POW10[(2 - s) as usize] as i128).map(|c| self.cents = c)
        } else {
            self.other.checked_add(d).map(|o| self.other = o)
        };
        self.overflowed |= added.is_none();
    }

    /// Adds another sum.
    pub fn add_sum(&mut self, o: &MoneySum) {
        let cents = self.cents.checked_add(o.cents);
        let other = self.other.checked_add(o.other);
        self.overflowed |= o.overflowed || cents.is_none() || other.is_none();
        self.cents = cents.unwrap_or(self.cents);
        self.other = other.unwrap_or(self.other);
        self.scale = self.scale.max(o.scale);
    }

    /// The sum, exact, with the largest scale added; `None` when it does not fit a `Decimal` (past
    /// about 7.9 x 10^28, or fewer places than the amounts had).
    pub fn value(&self) -> Option<Decimal> {
        if self.overflowed {
            return None;
        }
        let mut v = Decimal::try_from_i128_with_scale(self.cents, 2).ok()?.checked_add(self.other)?;
        v.rescale(self.scale);
        // `rescale` keeps fewer places when the number is too large for them: no longer exact.
        (v.scale() == self.scale).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_fused_duty_line_equals_multiply_then_round() {
        // Rates as the scenarios write them, bases from sub-cent to the largest value priced, the
        // half-cent ties, and products past 64 and 96 bits (where the slow path takes over).
        let rates = ["0", "0.1", "0.25", "0.125", "0.035", "0.0875", "0.000001", "10", "1.5", "0.15", "0.3333333333"];
        let bases = [
            "0",
            "0.01",
            "0.02",
            "0.05",
            "0.5",
            "1",
            "4.02",
            "12.34",
            "19.98",
            "1000000000000000",
            "999999999999999.99",
            "123456789.125",
            "0.004",
            "79228162514264337593543950335",
            "18446744073709551615",
            "18446744073709.551616",
        ];
        for r in rates {
            for b in bases {
                let (r, b) = (d(r), d(b));
                let Some(product) = r.checked_mul(b) else { continue };
                let want = round_cents(product);
                let got = mul_round_cents(r, b);
                assert_eq!((got, got.scale()), (want, want.scale()), "{r} x {b}");
            }
        }
        // A sweep over the cents around every tie of a 2-place and a 3-place rate.
        for cents in 0..5000i64 {
            let b = Decimal::new(cents, 2);
            for r in [d("0.25"), d("0.175"), d("0.0125")] {
                assert_eq!(mul_round_cents(r, b), round_cents(r * b), "{r} x {b}");
            }
        }
        assert_eq!(mul_round_cents(d("-0.25"), d("10.02")), round_cents(d("-2.505")));
    }

    #[test]
    fn rounds_half_up_to_the_cent() {
        assert_eq!(round_cents(d("0.005")).to_string(), "0.01");
        assert_eq!(round_cents(d("0.0049999")).to_string(), "0.00");
        assert_eq!(round_cents(d("1062.5")).to_string(), "1062.50");
        assert_eq!(round_cents(d("7")).to_string(), "7.00");
        assert_eq!(round_cents(d("2.675")).to_string(), "2.68");
    }

    #[test]
    fn exact_and_decimal_ratios_agree() {
        for (t, v) in [
            ("6044.00", "60000"),
            ("1", "3"),
            ("2", "3"),
            ("14500.00", "10000"),
            ("0.01", "0.07"),
            ("44.00", "60000.123"),
        ] {
            let exact = effective_rate(d(t), d(v)).unwrap();
            let mut dec = (d(t) / d(v)).round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
            dec.rescale(6);
            assert_eq!(exact, dec, "{t}/{v}");
        }
        // A spread of duties (cents) over values of every usual scale, midpoints included.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..100_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let total = Decimal::from_i128_with_scale(i128::from(x % 10u64.pow((i % 13) as u32 + 1)), 2);
            let value = Decimal::from_i128_with_scale(
                i128::from((x >> 20) % 10u64.pow((i % 11) as u32 + 1) + 1),
                (i % 5) as u32,
            );
            let value = if i % 9 == 0 { total * Decimal::from(2_000_000) } else { value };
            if value.is_zero() {
                continue;
            }
            let exact = effective_rate(total, value).unwrap();
            let mut dec = (total / value).round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
            dec.rescale(6);
            assert_eq!(exact, dec, "{total}/{value}");
        }
    }

    #[test]
    fn effective_rate_has_six_places() {
        assert_eq!(effective_rate(d("6044.00"), d("60000")).unwrap().to_string(), "0.100733");
        assert_eq!(effective_rate(d("750"), d("30000")).unwrap().to_string(), "0.025000");
        assert_eq!(effective_rate(d("1"), d("0")), None);
    }

    #[test]
    fn money_sums_equal_decimal_sums_scale_included() {
        for values in
            [&["1000", "33071.18", "0.5"][..], &["1000", "7"], &["1.005", "2.1", "3"], &["-1.25", "0.10"], &[]]
        {
            let (mut sum, mut reference) = (MoneySum::default(), Decimal::ZERO);
            for v in values {
                let d: Decimal = v.parse().unwrap();
                sum.add(d);
                reference += d;
            }
            let mut halves = (MoneySum::default(), MoneySum::default());
            for (i, v) in values.iter().enumerate() {
                if i % 2 == 0 { &mut halves.0 } else { &mut halves.1 }.add(v.parse().unwrap());
            }
            halves.0.add_sum(&halves.1);
            for got in [sum.value().unwrap(), halves.0.value().unwrap()] {
                assert_eq!((got, got.to_string()), (reference, reference.to_string()), "{values:?}");
            }
        }
    }

    #[test]
    fn a_sum_past_a_decimal_is_reported_not_panicked() {
        let mut sum = MoneySum::default();
        for _ in 0..10 {
            sum.add(Decimal::MAX);
        }
        assert_eq!(sum.value(), None);
        let mut fine = MoneySum::default();
        fine.add(Decimal::new(1, 2));
        fine.add_sum(&sum);
        assert_eq!(fine.value(), None, "an overflowed part makes the whole inexact");
        let mut places = MoneySum::default();
        places.add("79228162514264337593543950.335".parse().unwrap());
        places.add("1000.001".parse().unwrap());
        assert_eq!(places.value(), None, "the places do not fit any more");
    }
}
