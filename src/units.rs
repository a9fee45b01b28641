//! Units of quantity: the HTS spellings, flow spellings, and the exact conversions between them.
//!
//! The HTS reports quantities in plain units (`kg`, `liters`, `No.`, `doz.` ...) and in masses of a
//! named content or on a named basis (`Pb kg` kilograms of lead content, `kg ttl sug` kilograms of
//! total sugars, `cy kg` clean yield). Specific duties use the same bases (`1.7¢/kg on lead
//! content`, `18.7¢/clean kg`), plus a few the HTS has no reporting unit for (`¢/kg on drained
//! weight`). A content mass converts only to a mass of the same content: a row reported in `kg` is
//! never priced by a rate on lead content or on drained weight.

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
    /// Proof liters (`pf.liters`; a rate "per pf. liter on ethyl alcohol content" is the same).
    ProofLiter,
    /// Barrels (`bbl`).
    Barrel,
    /// Number of units (`No.`, `each`, `pcs`, `article`).
    Number,
    /// Dozens (`doz.`).
    Dozen,
    /// Pairs (`pr.`, `prs.`).
    Pair,
    /// Dozen pairs (`doz. prs.`).
    DozenPairs,
    /// Gross (144 units).
    Gross,
    /// Square meters (`m²`, `m2`).
    SquareMeter,
    /// Meters (`m`).
    Meter,
    /// Head of animals (counts like `No.`).
    Head,
    /// Cubic meters (`m3`).
    CubicMeter,
    /// A mass of a named content or on a named basis (`Pb kg`, `Au g`, `kg ttl sug`, `cy kg`,
    /// `kg drained weight`): converts between g, kg and t of the same basis only.
    Content(Mass, &'static Basis),
    /// Thousand units (`thousands`, `1000`, `1,000 pins`).
    Thousand,
    /// Hundred units (`hundreds`).
    Hundred,
    /// Jewels of watch movements (`Jwls.`).
    Jewel,
    /// Gross-lines (`gr.lines`): the button size in lignes times the number of gross.
    GrossLine,
    /// Any other unit (`GBq`, `carat`, `MWh` ...): compared for nothing, never converted.
    Other,
}

/// The mass scale of a [`Unit::Content`] unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mass {
    /// Grams.
    Gram,
    /// Kilograms.
    Kilogram,
    /// Metric tons.
    Tonne,
}

impl Mass {
    fn index(self) -> usize {
        match self {
            Mass::Gram => 0,
            Mass::Kilogram => 1,
            Mass::Tonne => 2,
        }
    }

    fn kilograms(self) -> Decimal {
        match self {
            Mass::Gram => Decimal::new(1, 3),
            Mass::Kilogram => Decimal::ONE,
            Mass::Tonne => Decimal::from(1000),
        }
    }

    fn parse(word: &str) -> Option<Mass> {
        Some(match word {
            "g" | "gm" | "gr" | "gram" | "grams" => Mass::Gram,
            "kg" | "kgs" | "kilogram" | "kilograms" => Mass::Kilogram,
            "t" | "mt" | "tonne" | "tonnes" => Mass::Tonne,
            _ => return None,
        })
    }
}

/// What a content mass weighs: an element or compound (`Pb`, `V2O5`), or a basis (`ttl sug`
/// total sugars, `cy` clean yield, drained weight ...). Two bases are equal when their tags are.
#[derive(Debug)]
pub struct Basis {
    /// The HTS tag (`Pb`, `ttl sug`, `cy`) or, for bases the HTS only names in rate texts, the words
    /// (`drained weight`).
    pub tag: &'static str,
    /// The unit names in g, kg and t, as the HTS writes them (`Pb g`, `Pb kg`, `Pb t`).
    names: [&'static str; 3],
    /// Lower-case names accepted when parsing, besides the tag (`lead`, `total sugars`).
    aliases: &'static [&'static str],
}

impl PartialEq for Basis {
    fn eq(&self, other: &Basis) -> bool {
        self.tag == other.tag
    }
}

impl Eq for Basis {}

impl std::hash::Hash for Basis {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.tag.hash(state);
    }
}

/// A basis written before the mass (`Pb kg`) or after it (`kg ttl sug`).
macro_rules! basis {
    (before $tag:literal $(, $alias:literal)*) => {
        Basis {
            tag: $tag,
            names: [concat!($tag, " g"), concat!($tag, " kg"), concat!($tag, " t")],
            aliases: &[$($alias),*],
        }
    };
    (after $tag:literal $(, $alias:literal)*) => {
        Basis {
            tag: $tag,
            names: [concat!("g ", $tag), concat!("kg ", $tag), concat!("t ", $tag)],
            aliases: &[$($alias),*],
        }
    };
}

/// Every content basis of the HTS units (2025 editions) and of its specific rate texts.
static BASES: &[Basis] = &[
    basis!(before "Ag", "silver"),
    basis!(before "Au", "gold"),
    basis!(before "Co", "cobalt"),
    basis!(before "Cr", "chromium"),
    basis!(before "Cu", "copper"),
    basis!(before "Ir", "iridium"),
    basis!(before "Mg", "magnesium"),
    basis!(before "Mn", "manganese"),
    basis!(before "Mo", "molybdenum"),
    basis!(before "Ni", "nickel"),
    basis!(before "Os", "osmium"),
    basis!(before "Pb", "lead"),
    basis!(before "Pd", "palladium"),
    basis!(before "Pt", "platinum"),
    basis!(before "Rh", "rhodium"),
    basis!(before "Ru", "ruthenium"),
    basis!(before "Sb", "antimony"),
    basis!(before "Si", "silicon"),
    basis!(before "Sn", "tin"),
    basis!(before "V", "vanadium"),
    basis!(before "W", "tungsten"),
    basis!(before "Zn", "zinc"),
    basis!(before "V2O5", "vanadium pentoxide"),
    basis!(before "Cr2O3", "chromium oxide"),
    basis!(before "NH3", "ammonia"),
    basis!(before "NaOH", "sodium hydroxide"),
    basis!(before "cy", "clean", "clean yield"),
    basis!(after "cmsc"),
    basis!(after "msc"),
    basis!(after "amc"),
    basis!(after "ttl sug", "total sugars", "total sugar"),
    basis!(after "adw", "air dry"),
    basis!(after "dwb", "dry basis"),
    basis!(after "drained weight", "drained"),
    basis!(after "entire contents of container", "entire contents container", "entire contents"),
    basis!(after "contents and container", "contents and container", "gross"),
];

/// Words that carry no meaning in a content unit (`kg on lead content` is `Pb kg`).
const FILLERS: [&str; 5] = ["on", "of", "the", "content", "weight"];

fn content_unit(words: &[&str]) -> Option<Unit> {
    let (mass, rest) = match words {
        [first, rest @ ..] if Mass::parse(first).is_some() => (Mass::parse(first)?, rest),
        [rest @ .., last] if Mass::parse(last).is_some() => (Mass::parse(last)?, rest),
        _ => return None,
    };
    let key = rest.iter().copied().filter(|w| !FILLERS.contains(w)).collect::<Vec<_>>().join(" ");
    if key.is_empty() {
        return None;
    }
    BASES
        .iter()
        .find(|b| b.tag.eq_ignore_ascii_case(&key) || b.aliases.contains(&key.as_str()))
        .map(|b| Unit::Content(mass, b))
}

/// Unit families whose members convert exactly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Mass,
    Volume,
    Count,
    Content(&'static str),
    Alone,
}

impl Unit {
    /// Parses a unit spelling from the HTS or a flow file; `None` when empty, [`Unit::Other`] when
    /// not known.
    pub fn parse(text: &str) -> Option<Unit> {
        // The spellings of nearly every HTS line, without allocating.
        match text {
            "kg" => return Some(Unit::Kilogram),
            "No." => return Some(Unit::Number),
            "doz." => return Some(Unit::Dozen),
            "m²" | "m2" => return Some(Unit::SquareMeter),
            "prs." => return Some(Unit::Pair),
            "m3" => return Some(Unit::CubicMeter),
            "t" => return Some(Unit::Tonne),
            "liters" => return Some(Unit::Liter),
            _ => {}
        }
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let joined = words.join(" ");
        let t = joined.trim_end_matches('.').trim();
        Some(match t {
            "kg" | "kgs" | "kilogram" | "kilograms" | "kilo" | "kilos" => Unit::Kilogram,
            "g" | "gm" | "gr" | "gram" | "grams" => Unit::Gram,
            "t" | "mt" | "tonne" | "tonnes" | "metric ton" | "metric tons" => Unit::Tonne,
            "l" | "liter" | "liters" | "litre" | "litres" | "ltr" => Unit::Liter,
            "ml" | "milliliter" | "milliliters" | "millilitre" | "millilitres" => Unit::Milliliter,
            "pf.liters"
            | "pf.liter"
            | "pf. liters"
            | "pf. liter"
            | "proof liter"
            | "proof liters"
            | "pfl"
            | "pf. liter on ethyl alcohol content"
            | "pf.liter on ethyl alcohol content" => Unit::ProofLiter,
            "bbl" | "barrel" | "barrels" => Unit::Barrel,
            "no" | "number" | "each" | "pcs" | "pc" | "piece" | "pieces" | "unit" | "units" | "u" | "article"
            | "articles" => Unit::Number,
            "doz" | "dozen" | "dozens" | "dz pcs" => Unit::Dozen,
            "pr" | "prs" | "pair" | "pairs" => Unit::Pair,
            "doz. prs" | "doz prs" | "dozen pairs" | "dpr" => Unit::DozenPairs,
            "gross" => Unit::Gross,
            "m2" | "m²" | "sq m" | "square meters" | "square meter" => Unit::SquareMeter,
            "m" | "meter" | "meters" | "metre" | "metres" | "lin. m" => Unit::Meter,
            "head" => Unit::Head,
            "m3" | "m³" | "cubic meters" | "cubic meter" => Unit::CubicMeter,
            "thousand" | "thousands" | "thousand units" | "1000" | "1,000" => Unit::Thousand,
            "hundred" | "hundreds" => Unit::Hundred,
            "jwls" | "jewel" | "jewels" => Unit::Jewel,
            "gr.lines" | "gr. lines" | "gross lines" | "line/gross" | "line/ gross" | "lines/gross" => Unit::GrossLine,
            "" => return None,
            // `10¢/1,000 pins`: per thousand of the articles named.
            _ if t.starts_with("1,000 ") || t.starts_with("1000 ") => Unit::Thousand,
            _ => content_unit(&t.split(' ').collect::<Vec<_>>()).unwrap_or(Unit::Other),
        })
    }

    fn dimension_and_factor(self) -> (Dimension, Decimal) {
        match self {
            Unit::Kilogram => (Dimension::Mass, Decimal::ONE),
            Unit::Gram => (Dimension::Mass, Decimal::new(1, 3)),
            Unit::Tonne => (Dimension::Mass, Decimal::from(1000)),
            Unit::Liter => (Dimension::Volume, Decimal::ONE),
            Unit::Milliliter => (Dimension::Volume, Decimal::new(1, 3)),
            Unit::CubicMeter => (Dimension::Volume, Decimal::from(1000)),
            // A head of cattle is one animal: the HTS reports live animals in `No.`.
            Unit::Number | Unit::Head => (Dimension::Count, Decimal::ONE),
            Unit::Hundred => (Dimension::Count, Decimal::ONE_HUNDRED),
            Unit::Thousand => (Dimension::Count, Decimal::ONE_THOUSAND),
            Unit::Content(m, b) => (Dimension::Content(b.tag), m.kilograms()),
            _ => (Dimension::Alone, Decimal::ONE),
        }
    }

    /// True when a quantity in `self` converts exactly to `target`.
    pub fn converts_to(self, target: Unit) -> bool {
        self.convert(Decimal::ONE, target).is_some()
    }

    /// Converts `quantity` in `self` to `target`, exactly; `None` when the pair has no exact
    /// conversion (kg to liters needs a density, kg to kg of lead content an assay, and dozens to
    /// pieces is not what the HTS means by `doz.` for every article).
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
            Unit::Content(m, b) => b.names[m.index()],
            Unit::Thousand => "thousands",
            Unit::Hundred => "hundreds",
            Unit::Jewel => "Jwls.",
            Unit::GrossLine => "gr.lines",
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

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

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
    fn parses_every_unit_spelling_of_the_2025_hts_that_a_rate_uses() {
        for (text, unit) in [
            ("pcs ", Unit::Number),
            (" kg", Unit::Kilogram),
            ("doz. ", Unit::Dozen),
            ("No", Unit::Number),
            ("prs.", Unit::Pair),
            ("doz. prs.", Unit::DozenPairs),
            ("m2", Unit::SquareMeter),
            ("m3", Unit::CubicMeter),
            ("pf.liters", Unit::ProofLiter),
            ("thousands", Unit::Thousand),
            ("hundreds", Unit::Hundred),
            ("Jwls.", Unit::Jewel),
            ("gr.lines", Unit::GrossLine),
            ("gross", Unit::Gross),
            ("t", Unit::Tonne),
        ] {
            assert_eq!(Unit::parse(text), Some(unit), "{text:?}");
        }
        assert_eq!(Unit::parse("GBq"), Some(Unit::Other));
    }

    #[test]
    fn content_units_keep_their_basis() {
        let pb = Unit::parse("Pb kg").unwrap();
        assert_eq!(pb.to_string(), "Pb kg");
        assert_eq!(Unit::parse("kg Pb"), Some(pb));
        assert_eq!(Unit::parse("kg on lead content"), Some(pb));
        assert_eq!(Unit::parse("kg ttl sug").unwrap().to_string(), "kg ttl sug");
        assert_eq!(Unit::parse("kg of total sugars"), Unit::parse("kg ttl sug"));
        assert_eq!(Unit::parse("clean kg"), Unit::parse("cy kg"));
        assert_eq!(Unit::parse("kg on drained weight").unwrap().to_string(), "kg drained weight");
        assert_eq!(Unit::parse("Au g").unwrap().to_string(), "Au g");
        assert_eq!(Unit::parse("kg cmsc").unwrap().to_string(), "kg cmsc");
        assert_eq!(Unit::parse("kg on nonsense"), Some(Unit::Other));
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

    #[test]
    fn converts_counts_volumes_and_content_masses() {
        assert_eq!(Unit::Number.convert(d("2500"), Unit::Thousand), Some(d("2.5")));
        assert_eq!(Unit::Number.convert(d("3"), Unit::Head), Some(d("3")));
        assert_eq!(Unit::CubicMeter.convert(d("2"), Unit::Liter), Some(d("2000")));
        let (pb_kg, pb_t, cu_kg) =
            (Unit::parse("Pb kg").unwrap(), Unit::parse("Pb t").unwrap(), Unit::parse("Cu kg").unwrap());
        assert_eq!(pb_t.convert(d("2"), pb_kg), Some(d("2000")));
        assert_eq!(Unit::Kilogram.convert(d("2"), pb_kg), None, "net weight is not lead content");
        assert_eq!(cu_kg.convert(d("2"), pb_kg), None);
        assert!(!Unit::Kilogram.converts_to(Unit::parse("kg drained weight").unwrap()));
        assert!(!Unit::Jewel.converts_to(Unit::Number));
    }
}
