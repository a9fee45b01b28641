//! Money from text: a plain non-negative decimal, parsed exactly (never through a float).

use rust_decimal::Decimal;
use std::fmt;

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
    /// More than 28 digits before the decimal point: larger than any amount.
    TooLarge,
    /// More than 28 decimal places.
    TooManyPlaces(u32),
    /// More significant digits in all than a 96-bit decimal holds exactly (28).
    TooManyDigits {
        /// Significant digits before the point.
        before: u32,
        /// Digits after it.
        after: u32,
    },
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
            MoneyError::TooLarge => "is too large: more than 28 digits before the decimal point",
            MoneyError::TooManyPlaces(n) => return write!(f, "has {n} decimal places; at most 28 are read"),
            MoneyError::TooManyDigits { before, after } => {
                return write!(
                    f,
                    "has {} significant digits ({before} before the point, {after} after); at most 28 are held exactly: round it",
                    before + after
                );
            }
        })
    }
}

/// Parses a non-negative plain decimal (`1234`, `1234.5`, `0.005`) exactly.
///
/// Refuses negative numbers, exponents, `NaN`, currency symbols and thousands separators: a value
/// that is not unambiguous is rejected, never guessed. A `+` is allowed, and `-0` (`-0.00`) is zero.
pub fn parse_amount(text: &str) -> Result<Decimal, MoneyError> {
    let t = trim(text);
    if t.is_empty() {
        return Err(MoneyError::Empty);
    }
    if let Some(rest) = t.strip_prefix('-') {
        if rest.starts_with(['+', '-']) {
            return Err(MoneyError::NotADecimal);
        }
        // A minus zero is zero (spreadsheets write it); any other minus is a negative amount.
        let v = parse_unsigned(rest)?;
        return if v.is_zero() { Ok(v) } else { Err(MoneyError::Negative) };
    }
    parse_unsigned(t.strip_prefix('+').unwrap_or(t))
}

/// [`parse_amount`] after the sign.
fn parse_unsigned(digits: &str) -> Result<Decimal, MoneyError> {
    if digits.starts_with(['+', '-']) {
        return Err(MoneyError::NotADecimal);
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
    // First the shape: characters, and how many significant digits lie before and after the point.
    let (mut before, mut after, mut seen_dot, mut count) = (0u32, 0u32, false, 0u32);
    let mut leading = true;
    for c in digits.bytes() {
        match c {
            b'0'..=b'9' => {
                count += 1;
                if seen_dot {
                    after = after.saturating_add(1);
                } else if !(leading && c == b'0') {
                    leading = false;
                    before = before.saturating_add(1);
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
    if before > 28 {
        return Err(MoneyError::TooLarge);
    }
    if after > 28 {
        return Err(MoneyError::TooManyPlaces(after));
    }
    // Then the digits, exactly, as an integer mantissa (at most 28 + 28 digits: it fits a u128 only
    // while the significant ones are at most 28, checked as it goes).
    let mut mantissa: u128 = 0;
    let mut significant = 0u32;
    for c in digits.bytes().filter(u8::is_ascii_digit) {
        if mantissa != 0 || c != b'0' {
            significant += 1;
        }
        if significant > 28 {
            return Err(MoneyError::TooManyDigits { before, after });
        }
        mantissa = mantissa * 10 + u128::from(c - b'0');
    }
    Decimal::try_from_i128_with_scale(mantissa as i128, after).map_err(|_| MoneyError::TooManyDigits { before, after })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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
        assert_eq!(parse_amount("123456789012345678901234567890"), Err(MoneyError::TooLarge));
        assert_eq!(parse_amount("--0"), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("-+1"), Err(MoneyError::NotADecimal));
        assert_eq!(parse_amount("+-1"), Err(MoneyError::NotADecimal));
    }

    #[test]
    fn minus_zero_is_zero_and_digit_errors_say_which_limit() {
        for t in ["-0", "-0.00", "-.0", " -000 "] {
            assert!(parse_amount(t).unwrap().is_zero(), "{t}");
        }
        assert_eq!(parse_amount("-0.01"), Err(MoneyError::Negative));
        assert_eq!(parse_amount(&format!("0.{}", "1".repeat(29))), Err(MoneyError::TooManyPlaces(29)));
        assert_eq!(
            parse_amount(&format!("{}.{}", "9".repeat(20), "1".repeat(10))),
            Err(MoneyError::TooManyDigits { before: 20, after: 10 })
        );
        let e = MoneyError::TooManyDigits { before: 20, after: 10 }.to_string();
        assert!(e.contains("30 significant digits (20 before the point, 10 after)"), "{e}");
        // Leading zeros are not significant; 28 digits in all are held exactly.
        assert_eq!(parse_amount(&format!("000{}", "9".repeat(28))).unwrap().to_string(), "9".repeat(28));
        assert_eq!(parse_amount(&format!("0.{}", "0".repeat(28))).unwrap().scale(), 28);
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
}
