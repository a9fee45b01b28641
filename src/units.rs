//! Units of quantity: the HTS spellings, flow spellings, and the exact conversions between them.

use rust_decimal::Decimal;
use std::fmt;

/// A unit of quantity as used by HTS specific duties and flow `quantity_unit` columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Kilograms (`kg`).
    Kilogram,
    /// Grams (`g`, `gm`).
    Gram,
    /// Metric tons (`t`).
    Tonne,
    /// Liters (`liters`, `l`).
    Liter,
    /// Milliliters (`ml`).
    Milliliter,
    /// Proof liters (`pf.liters`).
    ProofLiter,
    /// Barrels (`bbl`).
    Barrel,
    /// Number of units (`No.`, `each`, `pcs`).
    Number,
    /// Dozens (`doz.`).
    Dozen,
    /// Pairs (`pr.`).
    Pair,
    /// Dozen pairs (`doz. prs.`).
    DozenPairs,
    /// Gross (144 units).
    Gross,
    /// Square meters (`m²`).
    SquareMeter,
    /// Meters (`m`).
    Meter,
    /// Head of animals.
    Head,
    /// Cubic meters (`m3`).
    CubicMeter,
    /// Kilograms of a named content (`kg Cu`, `kg cmsc`...): kept apart, never converted.
    ContentKilogram,
    /// Thousand units (`thousand`, `1000 No.`... ).
    Thousand,
    /// Gigabecquerels and other rare units we only compare for equality.
    Other,
}

/// Unit families whose members convert exactly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Mass,
    Volume,
    Alone,
}

impl Unit {
    /// Parses a unit spelling from the HTS or a flow file; `None` when unknown.
    pub fn parse(text: &str) -> Option<Unit> {
        let lower = text.trim().to_ascii_lowercase();
        let t = lower.trim_end_matches('.').trim();
        Some(match t {
            "kg" | "kgs" | "kilogram" | "kilograms" | "kilo" | "kilos" => Unit::Kilogram,
            "g" | "gm" | "gr" | "gram" | "grams" => Unit::Gram,
            "t" | "mt" | "tonne" | "tonnes" | "metric ton" | "metric tons" => Unit::Tonne,
            "l" | "liter" | "liters" | "litre" | "litres" | "ltr" => Unit::Liter,
            "ml" | "milliliter" | "milliliters" | "millilitre" | "millilitres" => Unit::Milliliter,
            "pf.liters" | "pf.liter" | "pf. liters" | "pf. liter" | "proof liter" | "proof liters" | "pfl" => {
                Unit::ProofLiter
            }
            "bbl" | "barrel" | "barrels" => Unit::Barrel,
            "no" | "number" | "each" | "pcs" | "pc" | "piece" | "pieces" | "unit" | "units" | "u" => Unit::Number,
            "doz" | "dozen" | "dozens" => Unit::Dozen,
            "pr" | "prs" | "pair" | "pairs" => Unit::Pair,
            "doz. prs" | "doz prs" | "dozen pairs" | "dpr" => Unit::DozenPairs,
            "gross" => Unit::Gross,
            "m2" | "m²" | "sq m" | "square meters" | "square meter" => Unit::SquareMeter,
            "m" | "meter" | "meters" | "metre" | "metres" | "lin. m" => Unit::Meter,
            "head" => Unit::Head,
            "m3" | "m³" | "cubic meters" | "cubic meter" => Unit::CubicMeter,
            "thousand" | "thousand units" | "1000" => Unit::Thousand,
            _ if t.starts_with("kg ") => Unit::ContentKilogram,
            _ if !t.is_empty() => Unit::Other,
            _ => return None,
        })
    }

    fn dimension_and_factor(self) -> (Dimension, Decimal) {
        match self {
            Unit::Kilogram => (Dimension::Mass, Decimal::ONE),
            Unit::Gram => (Dimension::Mass, Decimal::new(1, 3)),
            Unit::Tonne => (Dimension::Mass, Decimal::from(1000)),
            Unit::Liter => (Dimension::Volume, Decimal::ONE),
            Unit::Milliliter => (Dimension::Volume, Decimal::new(1, 3)),
            _ => (Dimension::Alone, Decimal::ONE),
        }
    }

    /// Converts `quantity` in `self` to `target`, exactly; `None` when the pair has no exact
    /// conversion (kg to liters needs a density, dozens to pieces is not what the HTS means).
    pub fn convert(self, quantity: Decimal, target: Unit) -> Option<Decimal> {
        if self == target && self != Unit::Other {
            return Some(quantity);
        }
        let (da, fa) = self.dimension_and_factor();
        let (db, fb) = target.dimension_and_factor();
        if da == db && da != Dimension::Alone {
            return Some(quantity * fa / fb);
        }
        None
    }

    /// The HTS spelling.
    pub fn hts_name(self) -> &'static str {
        match self {
            Unit::Kilogram => "kg",
            Unit::Gram => "g",
            Unit::Tonne => "t",
            Unit::Liter => "liters",
            Unit::Milliliter => "ml",
            Unit::ProofLiter => "pf.liters",
            Unit::Barrel => "bbl",
            Unit::Number => "No.",
            Unit::Dozen => "doz.",
            Unit::Pair => "pr.",
            Unit::DozenPairs => "doz. prs.",
            Unit::Gross => "gross",
            Unit::SquareMeter => "m²",
            Unit::Meter => "m",
            Unit::Head => "head",
            Unit::CubicMeter => "m³",
            Unit::ContentKilogram => "kg (content)",
            Unit::Thousand => "thousand",
            Unit::Other => "other unit",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hts_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn parses_hts_and_flow_spellings() {
        assert_eq!(Unit::parse("kg"), Some(Unit::Kilogram));
        assert_eq!(Unit::parse("No."), Some(Unit::Number));
        assert_eq!(Unit::parse("liters"), Some(Unit::Liter));
        assert_eq!(Unit::parse("bbl"), Some(Unit::Barrel));
        assert_eq!(Unit::parse("doz."), Some(Unit::Dozen));
        assert_eq!(Unit::parse("m²"), Some(Unit::SquareMeter));
        assert_eq!(Unit::parse(""), None);
    }

    #[test]
    fn converts_exact_pairs_only() {
        let q = Decimal::from_str("1500").unwrap();
        assert_eq!(Unit::Gram.convert(q, Unit::Kilogram), Some(Decimal::from_str("1.5").unwrap()));
        assert_eq!(Unit::Tonne.convert(Decimal::ONE, Unit::Kilogram), Some(Decimal::from(1000)));
        assert_eq!(Unit::Milliliter.convert(q, Unit::Liter), Some(Decimal::from_str("1.5").unwrap()));
        assert_eq!(Unit::Kilogram.convert(q, Unit::Liter), None);
        assert_eq!(Unit::Dozen.convert(q, Unit::Number), None);
        assert_eq!(Unit::Other.convert(q, Unit::Other), None);
    }
}
