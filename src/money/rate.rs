//! Rates: a percentage stored as a fraction, converted at the boundary (`"24%"` -> `0.24`).

use super::parse_amount;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::str::FromStr;

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
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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
