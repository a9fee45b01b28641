//! Money and rates: every `Decimal` rule of the crate lives here.
//!
//! * Money is `rust_decimal::Decimal`, parsed from the text of a CSV field and never through a float.
//! * A rate is a fraction (`24%` is `0.24`); user texts carry `%` and are converted at the boundary.
//! * Rounding: each duty line is computed exactly and rounded **half-up to the cent** (midpoint away
//!   from zero; duties are never negative). No authoritative CBP rule for line rounding was found
//!   (`research/tariff-facts.md` section 6 #11); half-up per line is the usual broker practice and is
//!   what the known-rate cases assume. The total is the sum of the rounded lines.
//! * The effective rate is `total / customs value`, rounded half-up to 6 places.

use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::str::FromStr;

/// Why a money text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// Nothing in the field.
    Empty,
    /// A minus sign: values and quantities must be zero or more.
    Negative,
    /// `1,234.50` style separators are ambiguous (decimal comma locales); refuse rather than guess.
    ThousandsSeparator,
    /// `1e5`, `NaN`, `inf`, `$5`, `12.3.4` ...
    NotADecimal,
    /// More digits than a 96-bit decimal holds exactly (28).
    TooManyDigits,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyError::Empty => "is empty; a number is required",
            MoneyError::Negative => "is negative; it must be zero or more",
            MoneyError::ThousandsSeparator => {
                "has a thousands separator; write plain digits with `.` as the decimal point (1234.50)"
            }
            MoneyError::NotADecimal => "is not a plain decimal number (digits with an optional `.`)",
            MoneyError::TooManyDigits => "has more than 28 significant digits",
        })
    }
}

/// Parses a non-negative plain decimal (`1234`, `1234.5`, `0.005`) exactly.
///
/// Refuses signs, exponents, `NaN`, currency symbols and thousands separators: a value that is not
/// unambiguous is rejected, never guessed.
pub fn parse_amount(text: &str) -> Result<Decimal, MoneyError> {
    let t = trim(text);
    if t.is_empty() {
        return Err(MoneyError::Empty);
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.starts_with('-') {
        return Err(MoneyError::Negative);
    }
    // The usual amount: up to 18 digits and one point, accumulated in 64 bits.
    let bytes = digits.as_bytes();
    if !bytes.is_empty() && bytes.len() <= 19 && bytes[0] != b'.' {
        let mut mantissa: u64 = 0;
        let mut scale: u32 = 0;
        let mut seen_dot = false;
        let mut plain = true;
        let mut count = 0;
        for &c in bytes {
            match c {
                b'0'..=b'9' => {
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    scale += u32::from(seen_dot);
                    count += 1;
                }
                b'.' if !seen_dot => seen_dot = true,
                _ => {
                    plain = false;
                    break;
                }
            }
        }
        if plain && count > 0 && count <= 18 {
            return Ok(Decimal::from_i128_with_scale(i128::from(mantissa), scale));
        }
    }
    // One pass: accumulate the mantissa exactly as an integer and count the decimals.
    let mut mantissa: u128 = 0;
    let mut scale: u32 = 0;
    let mut seen_dot = false;
    let mut count = 0u32;
    let mut significant = 0u32;
    for c in digits.bytes() {
        match c {
            b'0'..=b'9' => {
                count += 1;
                if mantissa != 0 || c != b'0' {
                    significant += 1;
                }
                if significant > 28 || count > 40 {
                    return Err(MoneyError::TooManyDigits);
                }
                mantissa = mantissa * 10 + u128::from(c - b'0');
                if seen_dot {
                    scale += 1;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            b'.' => return Err(MoneyError::NotADecimal),
            b',' | b'\'' | b'_' | b' ' => return Err(MoneyError::ThousandsSeparator),
            _ => return Err(MoneyError::NotADecimal),
        }
    }
    if count == 0 {
        return Err(MoneyError::NotADecimal);
    }
    if scale > 28 {
        return Err(MoneyError::TooManyDigits);
    }
    Decimal::try_from_i128_with_scale(mantissa as i128, scale).map_err(|_| MoneyError::TooManyDigits)
}

/// Powers of ten that fit in a `u128`: `POW10[n]` = 10^n.
pub(crate) const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// An exact running sum of money, cheaper than adding `Decimal`s: amounts with at most two decimal
/// places (all duties, nearly all values) are added as integer cents; others as `Decimal`s. The
/// result has the largest scale added, as a `Decimal` sum would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoneySum {
    cents: i128,
    other: Decimal,
    scale: u32,
}

impl MoneySum {
    /// Adds an amount.
    #[inline]
    pub fn add(&mut self, d: Decimal) {
        let s = d.scale();
        if s == 2 {
            // Every rounded duty, and most values.
            self.scale = self.scale.max(2);
            self.cents += d.mantissa();
            return;
        }
        self.scale = self.scale.max(s);
        if s <= 2 {
            self.cents += d.mantissa() * POW10[(2 - s) as usize] as i128;
        } else {
            self.other += d;
        }
    }

    /// Adds another sum.
    pub fn add_sum(&mut self, o: &MoneySum) {
        self.cents += o.cents;
        self.other += o.other;
        self.scale = self.scale.max(o.scale);
    }

    /// The sum. (Cents beyond a 96-bit mantissa would take 10^13 rows of the largest value priced.)
    pub fn value(&self) -> Decimal {
        let mut v = Decimal::try_from_i128_with_scale(self.cents, 2).unwrap_or(Decimal::MAX) + self.other;
        v.rescale(self.scale);
        v
    }
}

/// `text.trim()`, with a fast answer for the usual field that starts and ends with a visible ASCII
/// character (a per-field cost on the row path).
#[inline]
pub fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Appends `v` with exactly `places` decimals (rounded half away from zero) to `out`, without going
/// through `fmt` (this runs several times per output row).
pub fn push_fixed(out: &mut String, v: Decimal, places: u32) {
    let mut buf = [0u8; FIXED_MAX];
    let text = format_fixed(v, places, &mut buf);
    // Only ASCII digits, `-` and `.` are written.
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
}

/// [`push_fixed`] for a byte buffer (an output line being built).
pub fn push_fixed_bytes(out: &mut Vec<u8>, v: Decimal, places: u32) {
    if v.scale() == places && places <= 18 {
        // The usual case (amounts already rounded to their places): written straight into `out`.
        if let Ok(n) = u64::try_from(v.mantissa().unsigned_abs()) {
            let negative = v.mantissa() < 0;
            // Money and rates, with their places known at compile time (constant divisions).
            match places {
                2 => push_u64_fixed::<2>(out, n, negative),
                6 => push_u64_fixed::<6>(out, n, negative),
                _ => push_u64_places(out, n, places as usize, negative),
            }
            return;
        }
    }
    let mut buf = [0u8; FIXED_MAX];
    out.extend_from_slice(format_fixed(v, places, &mut buf));
}

/// [`write_u64_fixed`] with its places known at compile time (the divisions by constants).
fn push_u64_fixed<const PLACES: usize>(out: &mut Vec<u8>, n: u64, negative: bool) {
    write_u64_fixed(out, n, PLACES, negative)
}

/// [`write_u64_fixed`] with its places known only at run time.
fn push_u64_places(out: &mut Vec<u8>, n: u64, places: usize, negative: bool) {
    write_u64_fixed(out, n, places, negative)
}

/// Appends `n / 10^places` (`places` at most 18) with exactly `places` decimals, `-` first when
/// `negative`. Twenty-four `0` bytes are appended (two wide stores), the digits are written over
/// them right to left, and `out` is cut to the text's length. The digits go straight into `out`:
/// built in a stack buffer and then copied, the wide load of the copy would wait for the narrow
/// stores of the digits (a store-forwarding stall, the largest cost of formatting).
#[inline(always)]
fn write_u64_fixed(out: &mut Vec<u8>, mut n: u64, places: usize, negative: bool) {
    debug_assert!(places <= 18);
    // Digits of the integer part: at least one (`0.50`).
    let digits = n.checked_ilog10().map_or(1, |l| l as usize + 1);
    let int_digits = digits.saturating_sub(places).max(1);
    let len = usize::from(negative) + int_digits + usize::from(places > 0) + places;
    // 20 digits + point + sign = 22 at most; the zeros stand for leading fraction zeros.
    let start = out.len();
    out.extend_from_slice(&[b'0'; 24]);
    let buf: &mut [u8; 24] = (&mut out[start..start + 24]).try_into().expect("24 bytes were appended");
    let mut at = len;
    let mut left = places;
    while left >= 2 {
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[(n % 100) as usize]);
        n /= 100;
        left -= 2;
    }
    if left == 1 {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    if places > 0 {
        at -= 1;
        buf[at] = b'.';
    }
    while n >= 10 {
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[(n % 100) as usize]);
        n /= 100;
    }
    if n > 0 {
        at -= 1;
        buf[at] = b'0' + n as u8;
    }
    // A zero integer part: its `0` is already there.
    if negative {
        buf[0] = b'-';
    }
    out.truncate(start + len);
}

/// The two ASCII digits of every number below 100.
const PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Room for a 96-bit mantissa (29 digits), up to 28 places of zeros before it, a point and a sign.
const FIXED_MAX: usize = 64;

/// Writes `v` with exactly `places` decimals (at most 28) into `buf`; returns the text.
fn format_fixed(v: Decimal, places: u32, buf: &mut [u8; FIXED_MAX]) -> &[u8] {
    let places = places.min(28);
    let r = if v.scale() == places {
        v
    } else {
        let mut r = v.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(places);
        r
    };
    // A rescale that would overflow the mantissa keeps fewer places: pad with zeros.
    let written = r.scale();
    let end = format_mantissa(r.mantissa(), written as usize, buf);
    let mut end = end;
    if written < places {
        if written == 0 {
            buf[end] = b'.';
            end += 1;
        }
        for _ in written..places {
            buf[end] = b'0';
            end += 1;
        }
    }
    &buf[..end]
}

/// Writes mantissa `m` with `places` decimals at the start of `buf`; returns the length.
fn format_mantissa(m: i128, places: usize, buf: &mut [u8; FIXED_MAX]) -> usize {
    let mut text = [0u8; FIXED_MAX];
    let tail = format_mantissa_right(m, places, &mut text);
    buf[..tail.len()].copy_from_slice(tail);
    tail.len()
}

/// Writes mantissa `m` with `places` decimals at the end of `buf`; returns the text.
fn format_mantissa_right(m: i128, places: usize, buf: &mut [u8; FIXED_MAX]) -> &[u8] {
    let mut at = FIXED_MAX;
    let n = m.unsigned_abs();
    if let (Ok(n), true) = (u64::try_from(n), places <= 19) {
        // The usual case, in 64-bit arithmetic, two digits at a time, from the right.
        // Constant divisors for the usual places (money, rates) compile to multiplications.
        let (mut int, mut frac) = match places {
            0 => (n, 0),
            2 => (n / 100, n % 100),
            6 => (n / 1_000_000, n % 1_000_000),
            _ => {
                let p = 10u64.pow(places as u32);
                (n / p, n % p)
            }
        };
        if places > 0 {
            let mut left = places;
            while left >= 2 {
                at -= 2;
                put_pair(buf, at, (frac % 100) as usize);
                frac /= 100;
                left -= 2;
            }
            if left == 1 {
                at -= 1;
                buf[at] = b'0' + (frac % 10) as u8;
            }
            at -= 1;
            buf[at] = b'.';
        }
        while int >= 100 {
            at -= 2;
            put_pair(buf, at, (int % 100) as usize);
            int /= 100;
        }
        if int >= 10 {
            at -= 2;
            put_pair(buf, at, int as usize);
        } else {
            at -= 1;
            buf[at] = b'0' + int as u8;
        }
    } else {
        let mut n = n;
        let mut written = 0;
        while n > 0 || written <= places {
            if written == places && places > 0 {
                at -= 1;
                buf[at] = b'.';
            }
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            written += 1;
        }
    }
    if m < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// Writes the two digits of `n` (0..100) at `buf[at]`.
#[inline]
fn put_pair(buf: &mut [u8; FIXED_MAX], at: usize, n: usize) {
    let p = pair(n);
    buf[at] = p[0];
    buf[at + 1] = p[1];
}

/// The two digits of `n` (0..100).
fn pair(n: usize) -> &'static [u8] {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    &PAIRS[n * 2..n * 2 + 2]
}

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

/// A percentage rate, stored as a fraction (`"24%"` -> `0.24`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(Decimal);

impl Rate {
    /// The rate as a fraction (`0.24`).
    pub fn fraction(self) -> Decimal {
        self.0
    }

    /// Parses `"24%"`, `"2.5 %"`. The `%` is required: `"0.24"` and `"24"` are ambiguous.
    pub fn parse_percent(text: &str) -> Result<Rate, String> {
        let t = text.trim();
        let Some(number) = t.strip_suffix('%') else {
            return Err(format!("rate `{t}` has no `%`; write it as a percentage, e.g. \"24%\""));
        };
        let number = number.trim();
        if number.starts_with('-') {
            return Err(format!("rate `{t}` is negative; rates must be zero or more"));
        }
        let value = parse_amount(number).map_err(|e| format!("rate `{t}`: the number {e}"))?;
        if value > Decimal::from(1000) {
            return Err(format!("rate `{t}` is above 1000%; check the number"));
        }
        Ok(Rate(value / Decimal::ONE_HUNDRED))
    }
}

impl fmt::Display for Rate {
    /// Shows the rate as a percentage without trailing zeros (`24%`, `2.5%`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", (self.0 * Decimal::ONE_HUNDRED).normalize())
    }
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Rate, String> {
        Rate::parse_percent(s)
    }
}

/// Formats a fraction as a percentage with up to 4 decimals (`0.0733333` -> `7.3333%`).
pub fn percent(fraction: Decimal) -> String {
    let p = (fraction * Decimal::ONE_HUNDRED).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    format!("{}%", p.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn parses_plain_decimals_exactly() {
        assert_eq!(parse_amount("30000").unwrap(), d("30000"));
        assert_eq!(parse_amount(" 12.50 ").unwrap().to_string(), "12.50");
        assert_eq!(parse_amount("0.005").unwrap(), d("0.005"));
        assert_eq!(parse_amount("1234567890123456.78").unwrap().to_string(), "1234567890123456.78");
    }

    #[test]
    fn refuses_ambiguous_money() {
        assert_eq!(parse_amount(""), Err(MoneyError::Empty));
        assert_eq!(parse_amount("-5"), Err(MoneyError::Negative));
        assert_eq!(parse_amount("1,234.00"), Err(MoneyError::ThousandsSeparator));
        assert_eq!(parse_amount("1e309"), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("NaN"), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("$100"), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("1.2.3"), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("."), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("123456789012345678901234567890"), Err(MoneyError::TooManyDigits));
    }

    #[test]
    fn fixed_formatting() {
        let f = |v: &str, p: u32| {
            let mut s = String::new();
            push_fixed(&mut s, d(v), p);
            s
        };
        assert_eq!(f("0", 2), "0.00");
        assert_eq!(f("7", 2), "7.00");
        assert_eq!(f("0.5", 2), "0.50");
        assert_eq!(f("1234567.891", 2), "1234567.89");
        assert_eq!(f("0.005", 2), "0.01");
        assert_eq!(f("0.1007333", 6), "0.100733");
        assert_eq!(f("1.45", 6), "1.450000");
        assert_eq!(f("-3.5", 2), "-3.50");
        assert_eq!(f("12", 0), "12");
    }

    #[test]
    fn fast_rounding_and_formatting_agree_with_rust_decimal() {
        // A deterministic spread of mantissas and scales, signs and midpoints included.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (i % 20) as u32;
            let m = i128::from(x % 10u64.pow(digits.max(1))) * if i % 3 == 0 { -1 } else { 1 };
            let m = if i % 7 == 0 { m - m % 10 + 5 } else { m };
            let v = Decimal::from_i128_with_scale(m, (i % 12) as u32);
            let mut want = v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            want.rescale(2);
            let got = round_cents(v);
            assert_eq!((got, got.scale()), (want, 2), "{v}");
            for places in [0, 1, 2, 6] {
                let mut text = String::new();
                push_fixed(&mut text, v, places);
                let mut r = v.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
                r.rescale(places);
                let reference =
                    if r.is_zero() { format!("{:.*}", places as usize, Decimal::ZERO) } else { r.to_string() };
                assert_eq!(text, reference, "{v} to {places} places");
                let mut bytes = Vec::new();
                push_fixed_bytes(&mut bytes, v, places);
                assert_eq!(String::from_utf8(bytes).unwrap(), reference, "{v} to {places} places, bytes");
                // The same value held at `places` (the writer's fast path).
                let mut bytes = b"x,".to_vec();
                push_fixed_bytes(&mut bytes, r, places);
                assert_eq!(String::from_utf8(bytes).unwrap(), format!("x,{reference}"), "{r} held at {places}");
            }
            // Every scale the fast path takes, mantissa as drawn (negative zero included).
            for places in 0..=18u32 {
                let held = Decimal::from_i128_with_scale(m, places);
                let mut bytes = Vec::new();
                push_fixed_bytes(&mut bytes, held, places);
                let reference =
                    if held.is_zero() { format!("{:.*}", places as usize, Decimal::ZERO) } else { held.to_string() };
                assert_eq!(String::from_utf8(bytes).unwrap(), reference, "{m} at scale {places}");
            }
        }
        for m in [u64::MAX, 10u64.pow(19), 10u64.pow(19) - 1, 1, 9, 10, 99, 100] {
            for places in 0..=18u32 {
                let v = Decimal::from_i128_with_scale(i128::from(m), places);
                let mut bytes = Vec::new();
                push_fixed_bytes(&mut bytes, -v, places);
                assert_eq!(String::from_utf8(bytes).unwrap(), (-v).to_string(), "-{m} at scale {places}");
            }
        }
        let mut text = String::new();
        push_fixed(&mut text, Decimal::MAX, 2);
        assert_eq!(text, "79228162514264337593543950335.00");
    }

    #[test]
    fn short_and_long_amounts_parse_alike() {
        for (text, want) in
            [("+", None), ("", None), (".", None), ("5.", Some("5")), (".5", Some("0.5")), ("0001.50", Some("1.50"))]
        {
            assert_eq!(parse_amount(text).ok().map(|d| d.to_string()), want.map(str::to_string), "{text:?}");
        }
        // 18 digits (64-bit path) and 19 or more (128-bit path) give the same values.
        assert_eq!(parse_amount("123456789012345678").unwrap().to_string(), "123456789012345678");
        assert_eq!(parse_amount("1234567890123456789").unwrap().to_string(), "1234567890123456789");
        assert_eq!(parse_amount("12345678901234567.8").unwrap().to_string(), "12345678901234567.8");
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
            for got in [sum.value(), halves.0.value()] {
                assert_eq!((got, got.to_string()), (reference, reference.to_string()), "{values:?}");
            }
        }
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
    fn rates_need_a_percent_sign() {
        assert_eq!(Rate::parse_percent("24%").unwrap().fraction(), d("0.24"));
        assert_eq!(Rate::parse_percent("2.5 %").unwrap().to_string(), "2.5%");
        assert!(Rate::parse_percent("0.24").unwrap_err().contains("no `%`"));
        assert!(Rate::parse_percent("-5%").unwrap_err().contains("negative"));
        assert!(Rate::parse_percent("abc%").is_err());
    }
}
