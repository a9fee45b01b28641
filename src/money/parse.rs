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
        assert_eq!(parse_amount("123456789012345678901234567890"), Err(MoneyError::TooManyDigits));
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
