//! Money to text: a decimal with a fixed number of places, written straight into an output buffer.

use rust_decimal::{Decimal, RoundingStrategy};

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

/// Appends the integer `n` / 10^`places` (`places` at most 18) with exactly `places` decimals,
/// `-` first when `negative`: an unscaled decimal or an integer of a file, written as text.
pub(crate) fn push_scaled_integer(out: &mut Vec<u8>, n: u64, places: usize, negative: bool) {
    assert!(places <= 18, "at most 18 places");
    match places {
        0 => push_u64_fixed::<0>(out, n, negative),
        2 => push_u64_fixed::<2>(out, n, negative),
        _ => push_u64_places(out, n, places, negative),
    }
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

/// A money amount for people, 2 places with thousands grouped (`1234567.891` -> `1,234,567.89`): the
/// one money style of the tables and Markdown of every command (CSV and JSON keep plain decimals).
pub fn thousands(v: rust_decimal::Decimal) -> String {
    let s = format!("{v:.2}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::round_cents;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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
}
