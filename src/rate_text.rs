//! HTS rate texts: `Free`, ad valorem (`2.5%`), specific (`4.4¢/kg`, `$1.05/kg`), compound
//! (`4.4¢/kg + 5%`), and the special-rate column with its program codes (`Free (A+,AU,JP)`).

use crate::units::Unit;
use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// One specific part of a rate: dollars per unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecificPart {
    /// US dollars per unit (`4.4¢/kg` is `0.044`).
    pub usd_per_unit: Decimal,
    /// The unit the rate is charged on.
    pub unit: Unit,
}

/// A column-1 rate of duty that can be priced by arithmetic.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RateExpr {
    /// Ad valorem part as a fraction (`2.5%` is `0.025`); zero when none.
    pub ad_valorem: Decimal,
    /// Specific parts (usually zero or one).
    pub specific: Vec<SpecificPart>,
    /// The text as written (normalised spaces), for display.
    pub text: String,
}

/// Why a rate text cannot be priced by arithmetic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateTextError {
    /// The text.
    pub text: String,
    /// What is wrong or what rule it would need.
    pub reason: String,
}

impl fmt::Display for RateTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate text `{}` {}", self.text, self.reason)
    }
}

impl RateExpr {
    /// True when the rate is `Free`.
    pub fn is_free(&self) -> bool {
        self.ad_valorem.is_zero() && self.specific.iter().all(|p| p.usd_per_unit.is_zero())
    }

    /// True when the rate has a specific part (needs a quantity).
    pub fn is_specific(&self) -> bool {
        self.specific.iter().any(|p| !p.usd_per_unit.is_zero())
    }

    /// Parses a general-column rate text.
    pub fn parse(text: &str) -> Result<RateExpr, RateTextError> {
        let normalised = strip_footnotes(text);
        let err = |reason: &str| RateTextError { text: normalised.clone(), reason: reason.to_string() };
        if normalised.is_empty() {
            return Err(err("is empty"));
        }
        let mut expr = RateExpr { text: normalised.clone(), ..RateExpr::default() };
        for part in normalised.split('+') {
            let p = part.trim();
            if p.eq_ignore_ascii_case("free") {
                continue;
            }
            if let Some(number) = p.strip_suffix('%') {
                let v =
                    Decimal::from_str(number.trim()).map_err(|_| err("has an ad valorem part that is not a number"))?;
                if v.is_sign_negative() {
                    return Err(err("is negative"));
                }
                expr.ad_valorem += v / Decimal::ONE_HUNDRED;
                continue;
            }
            expr.specific.push(parse_specific(p).ok_or_else(|| {
                err("cannot be priced by arithmetic (not Free, x%, x¢/unit, $x/unit or a sum of those); it needs a rule")
            })?);
        }
        Ok(expr)
    }
}

impl fmt::Display for RateExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Removes footnote marks such as ` 1/` and collapses white space.
fn strip_footnotes(text: &str) -> String {
    text.split_whitespace()
        .filter(|tok| {
            !(tok.ends_with('/') && tok[..tok.len() - 1].chars().all(|c| c.is_ascii_digit()) && tok.len() > 1)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `4.4¢/kg`, `$1.05/kg`, `10.5¢/bbl`, `$2.50 each`, `25¢ each`.
fn parse_specific(p: &str) -> Option<SpecificPart> {
    let (amount_text, unit_text) = if let Some((a, u)) = p.split_once('/') {
        (a.trim(), u.trim())
    } else if let Some(a) = p.strip_suffix("each") {
        (a.trim(), "No.")
    } else {
        return None;
    };
    let (number, scale) = if let Some(n) = amount_text.strip_suffix('¢') {
        (n.trim(), Decimal::new(1, 2))
    } else if let Some(n) = amount_text.strip_prefix('$') {
        (n.trim(), Decimal::ONE)
    } else {
        return None;
    };
    let value = Decimal::from_str(number).ok()?;
    if value.is_sign_negative() {
        return None;
    }
    let unit = Unit::parse(unit_text)?;
    if unit == Unit::Other {
        return None;
    }
    Some(SpecificPart { usd_per_unit: value * scale, unit })
}

/// A special-column rate for a set of programs (`Free (A+,AU,...)`, `3.2% (JP)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecialRate {
    /// The rate.
    pub rate: RateExpr,
    /// Program codes listed for it (`A+`, `AU`, `JP`, `S`, ...).
    pub programs: Vec<String>,
}

/// Parses a special-column text into its rate groups. Groups that cannot be priced are skipped:
/// a flow claiming such a program is priced at the general rate with a warning.
pub fn parse_special(text: &str) -> Vec<SpecialRate> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')') else { break };
        let rate_text = rest[..open].trim();
        let programs: Vec<String> =
            rest[open + 1..open + close].split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if let Ok(rate) = RateExpr::parse(rate_text) {
            out.push(SpecialRate { rate, programs });
        }
        rest = &rest[open + close + 1..];
    }
    out
}

/// The special rate for `program`, if the line lists it. `A*` lists program `A` for all but some
/// named countries; that country-level exclusion is not modelled here.
pub fn special_for<'a>(specials: &'a [SpecialRate], program: &str) -> Option<&'a RateExpr> {
    specials.iter().find_map(|s| {
        s.programs.iter().any(|p| p == program || (p.strip_suffix('*') == Some(program))).then_some(&s.rate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn free_and_ad_valorem() {
        assert!(RateExpr::parse("Free").unwrap().is_free());
        assert_eq!(RateExpr::parse("2.5%").unwrap().ad_valorem, d("0.025"));
        assert_eq!(RateExpr::parse("25% 1/").unwrap().ad_valorem, d("0.25"));
    }

    #[test]
    fn specific_rates_hts_0201_30_50_and_2709_00_20() {
        let beef = RateExpr::parse("4.4¢/kg").unwrap();
        assert_eq!(beef.specific, vec![SpecificPart { usd_per_unit: d("0.044"), unit: Unit::Kilogram }]);
        let crude = RateExpr::parse("10.5¢/bbl").unwrap();
        assert_eq!(crude.specific[0].unit, Unit::Barrel);
        let wine = RateExpr::parse("6.3¢/liter").unwrap();
        assert_eq!(wine.specific[0].usd_per_unit, d("0.063"));
        assert_eq!(RateExpr::parse("$1.05/kg").unwrap().specific[0].usd_per_unit, d("1.05"));
    }

    #[test]
    fn compound_rates() {
        let r = RateExpr::parse("4.4¢/kg + 5%").unwrap();
        assert_eq!(r.ad_valorem, d("0.05"));
        assert_eq!(r.specific.len(), 1);
        assert!(r.is_specific());
    }

    #[test]
    fn unpriceable_texts_are_reported() {
        let e = RateExpr::parse("See 9822.04.01").unwrap_err();
        assert!(e.to_string().contains("needs a rule"), "{e}");
        assert!(RateExpr::parse("").is_err());
    }

    #[test]
    fn special_programs() {
        let s = parse_special("Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 0.4% (JP)");
        assert_eq!(s.len(), 2);
        assert!(special_for(&s, "KR").unwrap().is_free());
        assert_eq!(special_for(&s, "JP").unwrap().ad_valorem, d("0.004"));
        assert!(special_for(&s, "A").is_none());
        let g = parse_special("Free (A*,B)");
        assert!(special_for(&g, "A").is_some());
    }
}
