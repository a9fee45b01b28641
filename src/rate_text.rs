//! HTS rate texts: `Free`, ad valorem (`2.5%`), specific (`4.4¢/kg`, `$1.05/kg`, `25¢ each`),
//! compound (`4.4¢/kg + 5%`, `36¢ each + 5.6%`), and the special-rate column with its program codes
//! (`Free (A+,AU,JP)`, `3.2% (JP)`).
//!
//! Every text of the USITC HTS is either priced by arithmetic ([`RateExpr`]) or classed as needing a
//! rule ([`RateTextError`] with its [`NeedsRule`] kind): a reference to another provision
//! (`See 9822.04.01`), a Chapter 99 text over the goods' own subheading, a conditional `Free`, a base
//! other than the customs value, ad valorem parts on components (`on the case`), a formula (sugar
//! polarity, jewels over 7, a cap), or specific parts on two quantities a flow cannot both carry.

use crate::codes::Program;
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
    /// Specific parts (usually zero or one; several only when their units convert into each other).
    pub specific: Vec<SpecificPart>,
    /// The text as written (normalised spaces, footnote marks removed), for display.
    pub text: String,
}

/// The arithmetic form of a priced rate, for coverage reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RateForm {
    /// `Free` (or every part zero).
    Free,
    /// Only an ad valorem part.
    AdValorem,
    /// Only specific parts.
    Specific,
    /// Specific and ad valorem parts.
    Compound,
}

impl RateForm {
    /// A short name.
    pub fn label(self) -> &'static str {
        match self {
            RateForm::Free => "free",
            RateForm::AdValorem => "ad valorem",
            RateForm::Specific => "specific",
            RateForm::Compound => "compound",
        }
    }
}

/// The rule a rate text would need because arithmetic on a flow's value and quantity cannot price it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NeedsRule {
    /// Refers to another provision: `See 9822.04.01`, `See additional U.S. note 1`, "The rate
    /// applicable to the article of which it is a part".
    Reference,
    /// A Chapter 99 text over the goods' own subheading: "The duty provided in the applicable
    /// subheading + 25%", "No change", "... minus 0.5%".
    OwnSubheading,
    /// Free only under a condition: "Free, under bond, as prescribed in U.S. note 1".
    Conditional,
    /// Charged on a base other than the customs value: fair retail value, cost of repairs, value of
    /// processing abroad.
    OtherBase,
    /// Ad valorem parts on the value of components (`on the case`, `on the battery`).
    ComponentValue,
    /// A formula on something a flow does not carry: sugar polarity, jewels over 7, a cap.
    Formula,
    /// Specific parts on two quantities that do not convert (`36¢ each + 2¢/jewel`): a flow carries
    /// one quantity.
    SeveralQuantities,
    /// Empty.
    Empty,
    /// Not a rate text this tool can read (a malformed number, an unknown unit).
    Unreadable,
}

impl NeedsRule {
    /// Every kind, in report order.
    pub const ALL: [NeedsRule; 9] = [
        NeedsRule::Reference,
        NeedsRule::OwnSubheading,
        NeedsRule::Conditional,
        NeedsRule::OtherBase,
        NeedsRule::ComponentValue,
        NeedsRule::Formula,
        NeedsRule::SeveralQuantities,
        NeedsRule::Empty,
        NeedsRule::Unreadable,
    ];

    /// A short description of the rule needed, for reports.
    pub fn label(self) -> &'static str {
        match self {
            NeedsRule::Reference => "refers to another provision",
            NeedsRule::OwnSubheading => "Chapter 99: the duty of the goods' own subheading, changed",
            NeedsRule::Conditional => "free only under a condition",
            NeedsRule::OtherBase => "charged on a base other than the customs value",
            NeedsRule::ComponentValue => "ad valorem on the value of components",
            NeedsRule::Formula => "a formula on data a flow does not carry",
            NeedsRule::SeveralQuantities => "specific parts on two quantities",
            NeedsRule::Empty => "empty",
            NeedsRule::Unreadable => "not understood",
        }
    }

    /// True when the text was understood (it is classed, not merely unreadable).
    pub fn is_understood(self) -> bool {
        !matches!(self, NeedsRule::Unreadable | NeedsRule::Empty)
    }
}

/// Why a rate text cannot be priced by arithmetic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateTextError {
    /// The text.
    pub text: String,
    /// What is wrong or what rule it would need.
    pub reason: String,
    /// The class of rule needed.
    pub kind: NeedsRule,
}

impl fmt::Display for RateTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate text `{}` {}", self.text, self.reason)
    }
}

impl std::error::Error for RateTextError {}

impl RateExpr {
    /// True when the rate is `Free`.
    pub fn is_free(&self) -> bool {
        self.ad_valorem.is_zero() && self.specific.iter().all(|p| p.usd_per_unit.is_zero())
    }

    /// True when the rate has a specific part (needs a quantity).
    pub fn is_specific(&self) -> bool {
        self.specific.iter().any(|p| !p.usd_per_unit.is_zero())
    }

    /// The unit the specific parts are charged on (the first part's), if any.
    pub fn specific_unit(&self) -> Option<Unit> {
        self.specific.iter().find(|p| !p.usd_per_unit.is_zero()).map(|p| p.unit)
    }

    /// Free, ad valorem, specific or compound.
    pub fn form(&self) -> RateForm {
        match (self.ad_valorem.is_zero(), self.is_specific()) {
            (true, false) => RateForm::Free,
            (false, false) => RateForm::AdValorem,
            (true, true) => RateForm::Specific,
            (false, true) => RateForm::Compound,
        }
    }

    /// Parses a rate text (general column, one group of the special column, or a flow's `mfn_rate`).
    pub fn parse(text: &str) -> Result<RateExpr, RateTextError> {
        let normalised = normalise(text);
        let err = |kind: NeedsRule, reason: String| RateTextError { text: normalised.clone(), reason, kind };
        if normalised.is_empty() {
            return Err(err(NeedsRule::Empty, "is empty".into()));
        }
        let mut expr = RateExpr { text: normalised.clone(), ..RateExpr::default() };
        for term in normalised.split('+').map(str::trim) {
            match parse_term(term) {
                Ok(Term::Free) => {}
                Ok(Term::AdValorem(v)) => expr.ad_valorem += v,
                Ok(Term::Specific(p)) => expr.specific.push(p),
                Err((kind, reason)) => return Err(err(kind, reason)),
            }
        }
        // Each term is bounded (`parse_term`), so these sums cannot overflow.
        let specific: Decimal = expr.specific.iter().map(|p| p.usd_per_unit).sum();
        if expr.ad_valorem > max_ad_valorem() || specific > max_specific() {
            return Err(err(NeedsRule::Unreadable, too_high()));
        }
        let mut units = expr.specific.iter().filter(|p| !p.usd_per_unit.is_zero()).map(|p| p.unit);
        if let Some(first) = units.next()
            && let Some(other) = units.find(|u| !u.converts_to(first))
        {
            return Err(err(
                NeedsRule::SeveralQuantities,
                format!(
                    "has specific parts on two quantities ({first} and {other}) and a flow carries one \
                     quantity: it needs a rule"
                ),
            ));
        }
        Ok(expr)
    }
}

impl fmt::Display for RateExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for RateExpr {
    type Err = RateTextError;

    fn from_str(s: &str) -> Result<RateExpr, RateTextError> {
        RateExpr::parse(s)
    }
}

/// Removes footnote marks such as ` 1/`, collapses white space and drops a final period.
fn normalise(text: &str) -> String {
    let joined = text
        .split_whitespace()
        .filter(|tok| {
            !(tok.ends_with('/') && tok[..tok.len() - 1].chars().all(|c| c.is_ascii_digit()) && tok.len() > 1)
        })
        .collect::<Vec<_>>()
        .join(" ");
    match joined.strip_suffix('.') {
        Some(t) => t.trim_end().to_string(),
        None => joined,
    }
}

/// The highest ad valorem rate read, as a fraction: 1000% (the HTS's highest is 350%). With the
/// bounds on a flow's value and quantity, duties then stay far inside `Decimal`'s range.
fn max_ad_valorem() -> Decimal {
    Decimal::TEN
}

/// The highest specific rate read, in dollars per unit: $1,000 (the HTS's highest is $40/kg).
fn max_specific() -> Decimal {
    Decimal::ONE_THOUSAND
}

fn too_high() -> String {
    "is above the highest rate priced (1000% ad valorem, $1,000 per unit); check the number".into()
}

/// One `+`-separated term of a rate text.
enum Term {
    Free,
    AdValorem(Decimal),
    Specific(SpecificPart),
}

type TermError = (NeedsRule, String);

fn parse_term(term: &str) -> Result<Term, TermError> {
    if term.eq_ignore_ascii_case("free") {
        return Ok(Term::Free);
    }
    if let Some((number, qualifier)) = term.split_once('%')
        && let Ok(v) = Decimal::from_str(number.trim())
    {
        if v.is_sign_negative() {
            return Err((NeedsRule::Unreadable, "is negative".into()));
        }
        if v / Decimal::ONE_HUNDRED > max_ad_valorem() {
            return Err((NeedsRule::Unreadable, too_high()));
        }
        let q = qualifier.trim().to_ascii_lowercase();
        // "6.5% on the entire set", "5% on the full value of the imported article": the whole value.
        if q.is_empty() || q == "on the entire set" || q == "on the full value of the imported article" {
            return Ok(Term::AdValorem(v / Decimal::ONE_HUNDRED));
        }
        if q.starts_with("on ") {
            return Err((
                NeedsRule::ComponentValue,
                format!(
                    "charges `{term}` on the value of a component, which a flow does not give (it has one \
                     customs value): it needs a rule"
                ),
            ));
        }
        return Err(classify(term));
    }
    match parse_specific(term) {
        Some(Ok(part)) => Ok(Term::Specific(part)),
        Some(Err(e)) => Err(e),
        None => Err(classify(term)),
    }
}

/// A specific term: `4.4¢/kg`, `$1.05/kg`, `25¢ each`, `1.7¢/kg on lead content`. `None` when the
/// term has no amount in ¢ or $.
fn parse_specific(term: &str) -> Option<Result<SpecificPart, TermError>> {
    let (number, scale, rest) = if let Some(r) = term.strip_prefix('$') {
        let end = r.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(r.len());
        (&r[..end], Decimal::ONE, &r[end..])
    } else {
        let (n, r) = term.split_once('¢')?;
        (n.trim(), Decimal::new(1, 2), r)
    };
    let value = Decimal::from_str(number).ok()?;
    if value.is_sign_negative() {
        return Some(Err((NeedsRule::Unreadable, "is negative".into())));
    }
    if value * scale > max_specific() {
        return Some(Err((NeedsRule::Unreadable, too_high())));
    }
    let rest = rest.trim();
    let unit_text = if let Some(u) = rest.strip_prefix('/') {
        u.trim()
    } else if rest.eq_ignore_ascii_case("each") {
        "No."
    } else {
        return Some(Err(classify(term)));
    };
    match Unit::parse(unit_text) {
        Some(Unit::Other) | None => Some(Err(classify_unit(term, unit_text))),
        Some(unit) => Some(Ok(SpecificPart { usd_per_unit: value * scale, unit })),
    }
}

fn classify_unit(term: &str, unit_text: &str) -> TermError {
    let c = classify(term);
    if c.0 != NeedsRule::Unreadable {
        return c;
    }
    (
        NeedsRule::Unreadable,
        format!("has a specific part `{term}` on a unit this tool does not know (`{unit_text}`): it needs a rule"),
    )
}

/// Classes a term that is not `Free`, `x%` or `x¢/unit` by the rule it would need.
fn classify(term: &str) -> TermError {
    let t = term.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let (kind, what) = if t.starts_with("a duty") || has(&["percent of the", "cost of such", "value of the repairs"]) {
        (NeedsRule::OtherBase, "is charged on a base other than the customs value")
    } else if t.starts_with("free,") || t.starts_with("free ") {
        (NeedsRule::Conditional, "is free only under a condition (bond, temporary period, U.S. note)")
    } else if t.starts_with("see ") || has(&["see u.s. note", "see additional u.s. note"]) {
        (NeedsRule::Reference, "refers to another provision")
    } else if has(&["applicable subheading", "such subheading"]) || t == "no change" {
        (
            NeedsRule::OwnSubheading,
            "is a Chapter 99 text over the duty of the goods' own subheading (the scenario's measures price it)",
        )
    } else if t.starts_with("the rate") || t.starts_with("the duty") {
        (NeedsRule::Reference, "takes the rate of another article or provision")
    } else if has(&["for each degree"]) {
        (NeedsRule::Formula, "is a sliding scale on the sugar's polarity, which a flow does not give")
    } else if has(&["not exceed", "not less than", " over ", "for each other"]) {
        (NeedsRule::Formula, "is a formula with a threshold or cap on data a flow does not give")
    } else {
        return (
            NeedsRule::Unreadable,
            "cannot be priced by arithmetic (not Free, x%, x¢/unit, $x/unit or a sum of those); it needs a rule".into(),
        );
    };
    (kind, format!("{what}: it needs a rule"))
}

/// A special-column rate for a set of programs (`Free (A+,AU,...)`, `3.2% (JP)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecialRate {
    /// The rate.
    pub rate: RateExpr,
    /// Program codes listed for it (`A+`, `AU`, `JP`, `S`, ...).
    pub programs: Vec<Program>,
}

/// One group of the special column as written: its rate text, priced or not, and its programs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecialGroup {
    /// The rate, or the rule it needs (`See 9822.04.01-9822.04.03 (AU)`).
    pub rate: Result<RateExpr, RateTextError>,
    /// Program codes; empty for text that names no program (`No change`, a lone `Free`).
    pub programs: Vec<Program>,
}

/// Parses a special-column text into all its groups, in order, priced or not. Parentheses that do not
/// hold program codes (`(see U.S. note 3 of this subchapter)`) stay in the rate text.
pub fn parse_special_groups(text: &str) -> Vec<SpecialGroup> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut from = 0;
    while let Some(close) = text[from..].find(')').map(|i| i + from) {
        from = close + 1;
        let Some(open) = text[start..close].rfind('(').map(|i| i + start) else { continue };
        let Some(programs) = program_list(&text[open + 1..close]) else { continue };
        let mut rate_text = text[start..open].trim();
        // `... 9919.04.67 (PA (PA)`: drop a parenthesis that is never closed.
        if rate_text.matches('(').count() > rate_text.matches(')').count()
            && let Some(i) = rate_text.rfind('(')
        {
            rate_text = rate_text[..i].trim();
        }
        out.push(SpecialGroup { rate: RateExpr::parse(rate_text), programs });
        start = close + 1;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(SpecialGroup { rate: RateExpr::parse(rest), programs: Vec::new() });
    }
    out
}

/// `A+,AU,B` (spaces, a stray `.` or a trailing comma tolerated, as in the USITC export); `None`
/// when any token is not a program code (one or two capitals, then `*` or `+` at most).
fn program_list(inner: &str) -> Option<Vec<Program>> {
    let mut codes = Vec::new();
    for token in inner.split(|c: char| c == ',' || c.is_whitespace()).map(|t| t.trim_matches('.')) {
        if token.is_empty() {
            continue;
        }
        let letters = token.trim_end_matches(['*', '+']);
        let ok = (1..=2).contains(&letters.len())
            && token.len() - letters.len() <= 1
            && letters.bytes().all(|b| b.is_ascii_uppercase());
        codes.push(Program::parse(token).ok().filter(|_| ok)?);
    }
    (!codes.is_empty()).then_some(codes)
}

/// Parses a special-column text into its priced rate groups. Groups that cannot be priced are
/// skipped: a flow claiming such a program is priced at the general rate with a warning.
pub fn parse_special(text: &str) -> Vec<SpecialRate> {
    parse_special_groups(text)
        .into_iter()
        .filter(|g| !g.programs.is_empty())
        .filter_map(|g| g.rate.ok().map(|rate| SpecialRate { rate, programs: g.programs }))
        .collect()
}

/// True when the indicator `p` lists `program` (`A*` lists `A`); compared as bytes, as this runs for
/// every program of a line's special column on each claimed row.
fn lists(p: &Program, program: &[u8]) -> bool {
    let p = p.as_bytes();
    p == program || p.strip_suffix(b"*") == Some(program)
}

/// The special rate for `program`, if the line lists it. `A*` lists program `A` for all but some
/// named countries; that country-level exclusion is not modelled here.
pub fn special_for<'a>(specials: &'a [SpecialRate], program: &str) -> Option<&'a RateExpr> {
    let program = program.as_bytes();
    specials.iter().find_map(|s| s.programs.iter().any(|p| lists(p, program)).then_some(&s.rate))
}

/// The special group that lists `program`, priced or not (for display).
pub fn special_group_for<'a>(groups: &'a [SpecialGroup], program: &str) -> Option<&'a SpecialGroup> {
    groups.iter().find(|g| g.programs.iter().any(|p| lists(p, program.as_bytes())))
}

#[cfg(test)]
mod tests {
    //! Each rate-text form, taken from real lines of the USITC HTS 2025 Basic Edition (the HTS
    //! number is in the test name).
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn codes(g: &SpecialGroup) -> Vec<&str> {
        g.programs.iter().map(Program::as_str).collect()
    }

    fn kind(text: &str) -> NeedsRule {
        RateExpr::parse(text).unwrap_err().kind
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
        assert_eq!(r.form(), RateForm::Compound);
    }

    #[test]
    fn unpriceable_texts_are_reported() {
        let e = RateExpr::parse("See 9822.04.01").unwrap_err();
        assert!(e.to_string().contains("needs a rule"), "{e}");
        assert_eq!(e.kind, NeedsRule::Reference);
        assert!(RateExpr::parse("").is_err());
    }

    #[test]
    fn free_hts_0101_21_00_and_ad_valorem_hts_0101_30_00_00_and_9902_01_58() {
        assert_eq!(RateExpr::parse("Free").unwrap().form(), RateForm::Free);
        let r = RateExpr::parse("6.8%").unwrap();
        assert_eq!((r.ad_valorem, r.form()), (d("0.068"), RateForm::AdValorem));
        assert_eq!(RateExpr::parse("1.0%").unwrap().ad_valorem, d("0.01"));
    }

    #[test]
    fn cents_per_kg_hts_0102_29_40_and_dollars_per_kg_hts_0406_10_78_00() {
        let r = RateExpr::parse("1¢/kg").unwrap();
        assert_eq!(r.specific, vec![SpecificPart { usd_per_unit: d("0.01"), unit: Unit::Kilogram }]);
        assert_eq!(r.form(), RateForm::Specific);
        assert_eq!(RateExpr::parse("$1.128/kg").unwrap().specific[0].usd_per_unit, d("1.128"));
    }

    #[test]
    fn specific_units_of_the_schedule_each_from_its_hts_line() {
        // (HTS line, General text, dollars per unit, unit)
        for (hts, text, usd, unit) in [
            ("0104.20.00.00", "68¢/head", "0.68", Unit::Head),
            ("0409.00.00", "1.9¢/kg", "0.019", Unit::Kilogram),
            ("2009.11.00", "7.85¢/liter", "0.0785", Unit::Liter),
            ("9901.00.50", "14.27¢/ liter", "0.1427", Unit::Liter),
            ("2207.10.30.00", "18.9¢/pf.liter", "0.189", Unit::ProofLiter),
            ("2709.00.10.00", "5.25¢/bbl", "0.0525", Unit::Barrel),
            ("0601.10.85.00", "$1.44/1000", "1.44", Unit::Thousand),
            ("0806.10.20", "$1.13/m3", "1.13", Unit::CubicMeter),
            ("7005.29.18", "14.5¢/m2", "0.145", Unit::SquareMeter),
            ("1212.93.00.00", "$1.24/t", "1.24", Unit::Tonne),
            ("0407.11.00.00", "2.8¢/doz.", "0.028", Unit::Dozen),
            ("4421.91.80", "6.5¢/gross", "0.065", Unit::Gross),
            ("9108.90.20.00", "25¢ each", "0.25", Unit::Number),
            ("9108.90.95.00", "$1.72 each", "1.72", Unit::Number),
        ] {
            let r = RateExpr::parse(text).unwrap_or_else(|e| panic!("{hts}: {e}"));
            assert_eq!(r.specific, vec![SpecificPart { usd_per_unit: d(usd), unit }], "{hts} {text}");
        }
        for (hts, text, unit, av) in [
            ("9209.92.40.00", "10¢/1,000 pins + 3.5%", Unit::Thousand, "0.035"),
            ("9608.99.30.00", "20¢/thousand + 3.5%", Unit::Thousand, "0.035"),
            ("9606.21.40.00", "0.3¢/line/ gross + 4.6%", Unit::GrossLine, "0.046"),
            ("6402.91.20.00", "90¢/pr. + 37.5%", Unit::Pair, "0.375"),
        ] {
            let r = RateExpr::parse(text).unwrap_or_else(|e| panic!("{hts}: {e}"));
            assert_eq!((r.specific[0].unit, r.ad_valorem), (unit, d(av)), "{hts} {text}");
        }
    }

    #[test]
    fn specific_on_a_content_or_basis_hts_2607_00_00_5101_11_60_0711_20_18_00_1702_40_28_00_1509_20_20_2613_10_00_00() {
        let lead = RateExpr::parse("1.1¢/kg on lead content").unwrap();
        assert_eq!(lead.specific[0].unit, Unit::parse("Pb kg").unwrap());
        let wool = RateExpr::parse("18.7¢/clean kg").unwrap();
        assert_eq!(wool.specific[0].unit, Unit::parse("cy kg").unwrap());
        let drained = RateExpr::parse("3.7¢/kg on drained weight").unwrap();
        assert_eq!(drained.specific[0].unit.to_string(), "kg drained weight");
        let sugars = RateExpr::parse("33.9¢/kg of total sugars + 5.1%").unwrap();
        assert_eq!(sugars.specific[0].unit, Unit::parse("kg ttl sug").unwrap());
        assert_eq!(sugars.ad_valorem, d("0.051"));
        let oil = RateExpr::parse("5¢/kg on contents and container").unwrap();
        assert_eq!(oil.specific[0].unit.to_string(), "kg contents and container");
        let moly = RateExpr::parse("12.8¢/kg on molybdenum content + 1.8%").unwrap();
        assert_eq!(moly.specific[0].unit, Unit::parse("Mo kg").unwrap());
    }

    #[test]
    fn compound_forms_hts_0402_29_50_00_1901_10_56_00_0711_59_10_00_9104_00_20_00_3213_10_00_00() {
        let milk = RateExpr::parse("$1.104/kg + 14.9%").unwrap();
        assert_eq!((milk.specific[0].usd_per_unit, milk.ad_valorem), (d("1.104"), d("0.149")));
        let r = RateExpr::parse("$1.035/kg +13.6%").unwrap();
        assert_eq!(r.ad_valorem, d("0.136"));
        let r = RateExpr::parse("5.7¢/kg on drained weight +8%").unwrap();
        assert_eq!(r.ad_valorem, d("0.08"));
        let watch = RateExpr::parse("30¢ each + 6.4%").unwrap();
        assert_eq!(watch.specific[0].unit, Unit::Number);
        assert_eq!(RateExpr::parse("6.5% on the entire set").unwrap().ad_valorem, d("0.065"));
    }

    #[test]
    fn several_specific_parts_hts_2204_30_00_00_9106_10_00_00_2620_19_60_6505_00_08_00() {
        assert_eq!(kind("4.4¢/liter + 31.4¢/pf. liter"), NeedsRule::SeveralQuantities);
        assert_eq!(kind("36¢ each + 5.6% + 2¢/jewel"), NeedsRule::SeveralQuantities);
        assert_eq!(kind("0.7¢/kg on copper content + 0.7¢/kg on lead content"), NeedsRule::SeveralQuantities);
        assert_eq!(kind("13.5¢/kg + 6.3% + 1.9¢/article"), NeedsRule::SeveralQuantities);
        let e = RateExpr::parse("36¢ each + 5.6% + 2¢/jewel").unwrap_err();
        assert!(e.reason.contains("No. and Jwls."), "{e}");
        // Parts on units that convert are kept; the engine prices each on the one quantity.
        let r = RateExpr::parse("1¢/kg + 2¢/t").unwrap();
        assert_eq!(r.specific.len(), 2);
    }

    #[test]
    fn footnote_marks_are_removed() {
        assert_eq!(RateExpr::parse("6.5% 2/").unwrap().text, "6.5%");
        assert_eq!(RateExpr::parse("4.4¢/kg 1/ + 5%").unwrap().ad_valorem, d("0.05"));
    }

    #[test]
    fn references_hts_5810_91_00_2106_90_52_00_9903_80_01_9903_89_55_9822_05_30_9903_45_05() {
        assert_eq!(kind("See additional U.S. note 1"), NeedsRule::Reference);
        assert_eq!(kind("See 9822.04.01-9822.04.03"), NeedsRule::Reference);
        assert_eq!(kind("The rate applicable to the natural juice in heading 2009"), NeedsRule::Reference);
        assert_eq!(kind("The duty provided in the applicable subheading + 25%"), NeedsRule::OwnSubheading);
        assert_eq!(kind("The duty provided inthe applicable subheading+ 25%"), NeedsRule::OwnSubheading);
        assert_eq!(kind("The duty rate provided in such subheading minus 0.5%"), NeedsRule::OwnSubheading);
        assert_eq!(kind("No change"), NeedsRule::OwnSubheading);
        let e = RateExpr::parse("See additional U.S. note 1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "rate text `See additional U.S. note 1` refers to another provision: it needs a rule"
        );
    }

    #[test]
    fn chapter_98_sugar_and_watch_wording_hts_9813_00_05_9816_00_20_9802_00_40_1701_12_05_00_9105_19_30_9102_91_20_7801_10_00_00()
     {
        assert_eq!(kind("Free, under bond, as prescribed in U.S. note 1 to this subchapter"), NeedsRule::Conditional);
        assert_eq!(kind("3 percent of the fair retail value"), NeedsRule::OtherBase);
        assert_eq!(
            kind("A duty upon the value of the repairs or alterations (see U.S. note 3 of this subchapter)"),
            NeedsRule::OtherBase
        );
        assert_eq!(
            kind(
                "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees (and fractions of a degree in \
                 proportion) but not less than 3.143854¢/kg"
            ),
            NeedsRule::Formula
        );
        assert_eq!(kind("43¢ each + 2.8¢/jewel over 7 + 3.7% on the case"), NeedsRule::Formula);
        assert_eq!(kind("3.9% on the movement and case + 5.3% on the battery"), NeedsRule::ComponentValue);
        assert_eq!(kind("2.5% on the value of the lead content"), NeedsRule::ComponentValue);
    }

    #[test]
    fn rates_above_any_in_the_hts_are_refused() {
        assert!(RateExpr::parse("1000%").is_ok());
        assert_eq!(kind("1000.01%"), NeedsRule::Unreadable);
        assert_eq!(kind("79228162514264337593543950335%"), NeedsRule::Unreadable);
        assert_eq!(kind(&["900%"; 2].join(" + ")), NeedsRule::Unreadable);
        // Many terms: each is bounded, so the sum cannot overflow (this used to panic).
        assert_eq!(kind(&vec!["79228162514264337593543950335%"; 120].join(" + ")), NeedsRule::Unreadable);
        assert!(RateExpr::parse("$1000/kg").is_ok());
        assert_eq!(kind("$1000.01/kg"), NeedsRule::Unreadable);
        assert_eq!(kind("100001¢/kg"), NeedsRule::Unreadable);
        assert_eq!(kind("$600/kg + $600/t"), NeedsRule::Unreadable);
        assert!(RateExpr::parse("$600/kg + 500% + 900%").unwrap_err().reason.contains("highest rate"));
    }

    #[test]
    fn texts_that_are_not_rates_are_unreadable() {
        assert_eq!(kind("12 apples"), NeedsRule::Unreadable);
        assert_eq!(kind("4¢/furlong"), NeedsRule::Unreadable);
        assert_eq!(kind("-3%"), NeedsRule::Unreadable);
        assert_eq!(kind("  "), NeedsRule::Empty);
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

    #[test]
    fn special_groups_hts_0201_30_80_0406_90_94_9802_00_50_9901_00_50() {
        let g = parse_special_groups(
            "Free (BH,CL,CO,JO,MA,OM,P,PE,S,SG) 1.7% (KR) See 9822.04.01-9822.04.03 (AU) See 9919.02.01-9919.02.02 (PA)",
        );
        assert_eq!(g.len(), 4);
        assert_eq!(g[1].rate.as_ref().unwrap().ad_valorem, d("0.017"));
        assert_eq!(special_group_for(&g, "AU").unwrap().rate.as_ref().unwrap_err().kind, NeedsRule::Reference);
        let s = parse_special("Free (BH,CL,CO,JO,MA,OM,P,PE,S,SG) 1.7% (KR) See 9822.04.01-9822.04.03 (AU)");
        assert!(special_for(&s, "AU").is_none(), "a reference is not a priced special rate");
        // A parenthesis left open before the codes, as in the USITC export.
        let g = parse_special_groups("Free (SG) See 9919.04.50, 9919.04.57, 9919.04.67 (PA (PA)");
        assert_eq!(codes(&g[1]), vec!["PA"]);
        assert_eq!(g[1].rate.as_ref().unwrap_err().text, "See 9919.04.50, 9919.04.57, 9919.04.67");
        // Parentheses that are not program codes stay in the text; a trailing comma is tolerated.
        let g = parse_special_groups(
            "Free (AU,BH,CL, CO,IL,JO,KR,MA,OM,P,PA, PE,S,SG) A duty upon the value of the repairs or alterations (see U.S. note 3 of this subchapter) (B,C,)",
        );
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].programs.len(), 14);
        assert_eq!(codes(&g[1]), vec!["B", "C"]);
        assert_eq!(g[1].rate.as_ref().unwrap_err().kind, NeedsRule::OtherBase);
        // Codes with a missing comma or a stray period (HTS 4011.90.20, 6204.63.11).
        assert_eq!(parse_special_groups("Free (A*,AU,D,E IL,JO)")[0].programs.len(), 6);
        assert_eq!(codes(&parse_special_groups("Free (MA,.OM,P)")[0]), vec!["MA", "OM", "P"]);
        let g = parse_special_groups("No change (A) Free (CA,IL, MX) See U.S. note 3(e) (CO,PE)");
        assert_eq!(g.len(), 3);
        assert_eq!(codes(&g[2]), vec!["CO", "PE"]);
        assert_eq!(g[2].rate.as_ref().unwrap_err().text, "See U.S. note 3(e)");
        let lone = parse_special_groups("No change");
        assert!(lone[0].programs.is_empty());
    }
}
