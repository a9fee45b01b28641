//! Codes checked at the boundary: HTS numbers and ISO 3166-1 alpha-2 countries.

use std::fmt;

/// An HTS code of 4 to 10 digits, normalised to digits only (`8703.23.01` -> `87032301`).
///
/// Stored inline (no heap) because one is built per input row.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct HtsCode {
    digits: [u8; 10],
    len: u8,
}

impl HtsCode {
    /// Parses an HTS code: digits with optional dots (`8703.23.01`, `8703230190`), 4 to 10 digits.
    pub fn parse(text: &str) -> Result<HtsCode, String> {
        Self::parse_len(text, 4)
    }

    /// Parses an HTS prefix as used in scenario scopes: 2 to 10 digits.
    pub fn parse_prefix(text: &str) -> Result<HtsCode, String> {
        Self::parse_len(text, 2)
    }

    fn parse_len(text: &str, min: usize) -> Result<HtsCode, String> {
        let t = crate::money::trim(text);
        if let Some(code) = Self::plain_digits(t.as_bytes(), min) {
            return Ok(code);
        }
        let mut digits = [0u8; 10];
        let mut len = 0usize;
        for c in t.bytes() {
            match c {
                b'0'..=b'9' => {
                    if len == 10 {
                        return Err(format!("HTS code `{t}` has more than 10 digits"));
                    }
                    digits[len] = c;
                    len += 1;
                }
                b'.' | b' ' => {}
                _ => return Err(format!("HTS code `{t}` has a character that is not a digit or `.`")),
            }
        }
        if len < min {
            return Err(format!("HTS code `{t}` has {len} digits; it needs {min} to 10"));
        }
        Ok(HtsCode { digits, len: len as u8 })
    }

    /// The usual code, `min` to 10 digits without dots; `None` for anything else.
    #[inline]
    fn plain_digits(b: &[u8], min: usize) -> Option<HtsCode> {
        if b.len() < min || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut digits = [0u8; 10];
        digits[..b.len()].copy_from_slice(b);
        Some(HtsCode { digits, len: b.len() as u8 })
    }

    /// The digits, without dots.
    pub fn digits(&self) -> &str {
        // The bytes are ASCII digits by construction.
        std::str::from_utf8(&self.digits[..self.len as usize]).unwrap_or("")
    }

    /// Number of digits (2-10).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Always false: a code has at least two digits (here for API completeness).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first `n` digits as a code (`n` is clamped to the length).
    pub fn prefix(&self, n: usize) -> HtsCode {
        let n = n.min(self.len as usize);
        let mut digits = [0u8; 10];
        digits[..n].copy_from_slice(&self.digits[..n]);
        HtsCode { digits, len: n as u8 }
    }

    /// The 2-digit chapter (`87`).
    pub fn chapter(&self) -> &str {
        &self.digits()[..2]
    }

    /// A compact key (digits as a number, tagged with the length) for prefix sets.
    pub fn key(&self) -> u64 {
        let mut v = 0u64;
        for &d in &self.digits[..self.len as usize] {
            v = v * 10 + u64::from(d - b'0');
        }
        (v << 4) | u64::from(self.len)
    }

    /// The key of the first `n` digits.
    pub fn prefix_key(&self, n: usize) -> u64 {
        self.prefix(n).key()
    }

    /// The keys of every prefix at once: element `n` is the key of the first `n` digits (for
    /// `n <= len`; 0 beyond). One pass, for the per-row scope checks.
    pub fn prefix_keys(&self) -> [u64; 11] {
        let mut keys = [0u64; 11];
        let mut v = 0u64;
        for (n, &d) in self.digits[..self.len as usize].iter().enumerate() {
            v = v * 10 + u64::from(d - b'0');
            keys[n + 1] = (v << 4) | (n + 1) as u64;
        }
        keys
    }

    /// True when this code starts with `prefix`.
    pub fn starts_with(&self, prefix: &HtsCode) -> bool {
        prefix.len <= self.len && self.digits[..prefix.len as usize] == prefix.digits[..prefix.len as usize]
    }

    /// The code in the HTS's dotted form (`8703.23.01`, `8703.23.01.90`).
    pub fn dotted(&self) -> String {
        let d = self.digits();
        let mut out = String::with_capacity(13);
        for (i, c) in d.chars().enumerate() {
            if i == 4 || i == 6 || i == 8 {
                out.push('.');
            }
            out.push(c);
        }
        out
    }
}

impl fmt::Display for HtsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dotted())
    }
}

impl fmt::Debug for HtsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HtsCode({})", self.dotted())
    }
}

/// ISO 3166-1 alpha-2 codes officially assigned (249), in alphabetical order.
const ISO_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN \
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// `ASSIGNED[i]` is true when the code with [`Country::index`] `i` is assigned (built at compile time).
static ASSIGNED: [bool; Country::COUNT] = {
    let b = ISO_ALPHA2.as_bytes();
    let mut t = [false; Country::COUNT];
    let mut i = 0;
    while i + 1 < b.len() {
        t[(b[i] - b'A') as usize * 26 + (b[i + 1] - b'A') as usize] = true;
        i += 3;
    }
    t
};

/// A country of origin: an assigned ISO 3166-1 alpha-2 code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// The number of two-letter combinations, the size of the tables indexed by [`Country::index`].
    pub const COUNT: usize = 26 * 26;

    /// Parses an alpha-2 code. Lower case is accepted and normalised (`jp` -> `JP`): ERP exports
    /// often lower-case codes, and no two codes differ by case only, so nothing is guessed.
    pub fn parse(text: &str) -> Result<Country, String> {
        let t = crate::money::trim(text);
        let b = t.as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(format!("country `{t}` is not an ISO 3166-1 alpha-2 code (two letters, e.g. JP)"));
        }
        let code = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
        let c = Country(code);
        if !ASSIGNED[c.index()] {
            return Err(format!("country `{t}` is not an assigned ISO 3166-1 alpha-2 code"));
        }
        Ok(c)
    }

    /// The code as text (`JP`).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// True for Canada and Mexico, the other USMCA parties (compared as bytes, per row).
    pub fn is_usmca_party(&self) -> bool {
        matches!(&self.0, b"CA" | b"MX")
    }

    /// Index 0..676 for bit sets.
    pub fn index(&self) -> usize {
        usize::from(self.0[0] - b'A') * 26 + usize::from(self.0[1] - b'A')
    }

    /// The two-letter combination of an index from [`Country::index`] (0..676), assigned or not.
    pub fn from_index(i: usize) -> Country {
        let i = i % Self::COUNT;
        Country([b'A' + (i / 26) as u8, b'A' + (i % 26) as u8])
    }

    /// Every assigned code.
    pub fn all() -> impl Iterator<Item = Country> {
        ISO_ALPHA2.split(' ').map(|k| {
            let b = k.as_bytes();
            Country([b[0], b[1]])
        })
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

/// A set of countries as a 676-bit set (one bit per two-letter combination).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CountrySet([u64; 11]);

impl CountrySet {
    /// The empty set.
    pub fn empty() -> CountrySet {
        CountrySet([0; 11])
    }

    /// Every assigned country (made once: scenario loading asks for it for every `*` origin and
    /// every rate with origins).
    pub fn all() -> CountrySet {
        static ALL: std::sync::LazyLock<CountrySet> = std::sync::LazyLock::new(|| {
            let mut s = CountrySet::empty();
            for c in Country::all() {
                s.insert(c);
            }
            s
        });
        ALL.clone()
    }

    /// Adds a country.
    pub fn insert(&mut self, c: Country) {
        let i = c.index();
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// Removes every country of `other`.
    pub fn remove_all(&mut self, other: &CountrySet) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a &= !b;
        }
    }

    /// Adds every country of `other`.
    pub fn insert_all(&mut self, other: &CountrySet) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= b;
        }
    }

    /// True when `c` is in the set.
    pub fn contains(&self, c: Country) -> bool {
        let i = c.index();
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// True when the two sets share a country.
    pub fn intersects(&self, other: &CountrySet) -> bool {
        self.0.iter().zip(other.0.iter()).any(|(a, b)| a & b != 0)
    }

    /// The countries in the set, in alphabetical order.
    pub fn iter(&self) -> impl Iterator<Item = Country> + '_ {
        Country::all().filter(|c| self.contains(*c))
    }

    /// Number of countries in the set.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when no country is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

impl fmt::Debug for CountrySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// A special program indicator (`S`, `KR`, `JP`, `A+`), up to 4 characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Program {
    bytes: [u8; 4],
    len: u8,
}

impl Program {
    /// `S`, the USMCA (General Note 11).
    pub const USMCA: Program = Program { bytes: [b'S', 0, 0, 0], len: 1 };

    /// Parses a program code: 1 to 4 characters, letters, digits, `+` or `*`. Upper-cased.
    pub fn parse(text: &str) -> Result<Program, String> {
        let t = text.trim();
        let ok = (1..=4).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'*');
        if !ok {
            return Err(format!("special program `{t}` is not an HTS program code (e.g. S, KR, JP, A+)"));
        }
        let mut bytes = [0u8; 4];
        for (i, b) in t.bytes().enumerate() {
            bytes[i] = b.to_ascii_uppercase();
        }
        Ok(Program { bytes, len: t.len() as u8 })
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// The indicator's bytes (ASCII), for comparisons on the per-row path.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// True for a special program indicator the HTS uses: the codes in the Special rate column of
    /// the 2025 Basic Edition (General Note 3(c)(i)), plus `CA` and `MX` of the NAFTA years.
    pub fn is_known(&self) -> bool {
        let code = &self.bytes[..usize::from(self.len)];
        Program::KNOWN.iter().any(|k| k.as_bytes() == code)
    }

    /// The special program indicators of the HTS (see [`Program::is_known`]).
    pub const KNOWN: [&'static str; 34] = [
        "A", "A*", "A+", "AU", "B", "BH", "C", "CA", "CL", "CO", "D", "E", "E*", "IL", "J", "J*", "J+", "JO", "JP",
        "K", "KR", "L", "MA", "MX", "NP", "OM", "P", "P+", "PA", "PE", "R", "S", "S+", "SG",
    ];
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Program({})", self.as_str())
    }
}

/// A Chapter 99 heading (`9903.94.55`), as a number (`99039455`) for fast comparison.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Heading(u32);

impl Heading {
    /// Parses `99NN.NN.NN` (dots optional).
    pub fn parse(text: &str) -> Result<Heading, String> {
        let t = text.trim();
        let digits: String = t.chars().filter(|c| *c != '.').collect();
        let dotted_ok = !t.contains('.') || (t.len() == 10 && t.as_bytes()[4] == b'.' && t.as_bytes()[7] == b'.');
        if digits.len() != 8 || !digits.starts_with("99") || !digits.bytes().all(|b| b.is_ascii_digit()) || !dotted_ok {
            return Err(format!("`{t}` is not a Chapter 99 heading (99NN.NN.NN, e.g. 9903.94.55)"));
        }
        digits.parse().map(Heading).map_err(|_| format!("`{t}` is not a Chapter 99 heading"))
    }
}

impl fmt::Display for Heading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{:04}.{:02}.{:02}", d / 10_000, d / 100 % 100, d % 100)
    }
}

impl fmt::Debug for Heading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Heading({self})")
    }
}

/// A run of Chapter 99 headings (`9903.80.65-9903.81.19`), or one heading: a branch that any heading
/// of the run, declared on the line, selects (the in-quota category headings of a tariff-rate quota,
/// one per product category).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HeadingRange {
    /// The first heading.
    pub first: Heading,
    /// The last heading (the same as `first` for one heading).
    pub last: Heading,
}

impl HeadingRange {
    /// One heading.
    pub fn single(h: Heading) -> HeadingRange {
        HeadingRange { first: h, last: h }
    }

    /// Parses `9903.80.65` or `9903.80.65-9903.81.19` (first not after last).
    pub fn parse(text: &str) -> Result<HeadingRange, String> {
        match text.split_once('-') {
            None => Heading::parse(text).map(HeadingRange::single),
            Some((a, b)) => {
                let (first, last) = (Heading::parse(a)?, Heading::parse(b)?);
                if last < first {
                    return Err(format!("`{}`: the run ends before it starts", text.trim()));
                }
                Ok(HeadingRange { first, last })
            }
        }
    }

    /// True when one of the headings declared is in the run.
    #[inline]
    pub fn declared_in(&self, declared: &Declared) -> bool {
        declared.iter().any(|h| self.first <= h && h <= self.last)
    }
}

impl fmt::Display for HeadingRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last { write!(f, "{}", self.first) } else { write!(f, "{}-{}", self.first, self.last) }
    }
}

/// The Chapter 99 headings an importer declares on an entry line (ACE reports them beside the goods'
/// own subheading), at most [`Declared::CAPACITY`]; kept inline (no allocation per row).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Declared {
    headings: [Heading; Declared::CAPACITY],
    len: u8,
}

impl Declared {
    /// The most headings one line may declare.
    pub const CAPACITY: usize = 8;

    /// Parses headings separated by `;`, `,` or spaces; empty text declares nothing.
    pub fn parse(text: &str) -> Result<Declared, String> {
        let mut d = Declared::default();
        for part in text.split([';', ',', ' ']).filter(|p| !p.trim().is_empty()) {
            d.insert(Heading::parse(part)?)?;
        }
        Ok(d)
    }

    /// Adds a heading (once).
    pub fn insert(&mut self, h: Heading) -> Result<(), String> {
        if self.contains(h) {
            return Ok(());
        }
        if usize::from(self.len) == Self::CAPACITY {
            return Err(format!("more than {} headings declared on one line", Self::CAPACITY));
        }
        self.headings[usize::from(self.len)] = h;
        self.len += 1;
        Ok(())
    }

    /// True when `h` is declared.
    #[inline]
    pub fn contains(&self, h: Heading) -> bool {
        self.headings[..usize::from(self.len)].contains(&h)
    }

    /// True when nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The headings, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = Heading> + '_ {
        self.headings[..usize::from(self.len)].iter().copied()
    }
}

impl fmt::Debug for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The one hasher of the tables keyed by [`HtsCode::key`] or [`HtsCode::prefix_key`] values (MFN
/// lines, product lists, the engine's per-code memo). The keys are distinct integers from files,
/// not adversarial input, so a multiply and a rotation spread them well enough and cost little on
/// the per-row path.
#[derive(Default, Clone, Copy, Debug)]
pub struct HtsKeyHasher(u64);

impl std::hash::Hasher for HtsKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(26);
    }
}

/// The hasher builder of maps and sets keyed by HTS keys.
pub type HtsKeyHash = std::hash::BuildHasherDefault<HtsKeyHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_declarations_parse_and_refuse() {
        let h = Heading::parse("9903.94.55").unwrap();
        assert_eq!(h.to_string(), "9903.94.55");
        assert_eq!(Heading::parse("99039455").unwrap(), h);
        for bad in ["9903.94.5", "8703.23.01", "9903.94.xx", "9903.9455", ""] {
            assert!(Heading::parse(bad).is_err(), "{bad}");
        }
        let run = HeadingRange::parse("9903.80.65-9903.81.19").unwrap();
        assert!(run.declared_in(&Declared::parse("9903.81.01").unwrap()));
        assert!(!run.declared_in(&Declared::parse("9903.81.25; 9903.80.01").unwrap()));
        assert_eq!(run.to_string(), "9903.80.65-9903.81.19");
        assert!(HeadingRange::parse("9903.81.19-9903.80.65").is_err());
        assert_eq!(HeadingRange::parse("9903.94.55").unwrap(), HeadingRange::single(h));
        let d = Declared::parse("9903.04.67; 9903.94.55,9903.04.67").unwrap();
        assert_eq!(d.iter().map(|h| h.to_string()).collect::<Vec<_>>(), ["9903.04.67", "9903.94.55"]);
        assert!(d.contains(h) && !d.contains(Heading::parse("9903.01.25").unwrap()));
        assert!(Declared::parse("").unwrap().is_empty());
        let many = (10..19).map(|n| format!("9903.01.{n}")).collect::<Vec<_>>().join(";");
        assert!(Declared::parse(&many).unwrap_err().contains("more than 8 headings"));
    }

    #[test]
    fn hts_codes_are_normalised() {
        let c = HtsCode::parse("8703.23.01").unwrap();
        assert_eq!(c.digits(), "87032301");
        assert_eq!(c.dotted(), "8703.23.01");
        assert_eq!(HtsCode::parse("8703230190").unwrap().dotted(), "8703.23.01.90");
        assert_eq!(c.chapter(), "87");
        assert!(c.starts_with(&HtsCode::parse_prefix("8703").unwrap()));
        assert!(!c.starts_with(&HtsCode::parse_prefix("870324").unwrap()));
        assert_ne!(HtsCode::parse_prefix("87").unwrap().key(), HtsCode::parse_prefix("0087").unwrap().key());
    }

    #[test]
    fn hts_codes_refuse_letters_and_lengths() {
        assert!(HtsCode::parse("8703.2A.01").unwrap_err().contains("not a digit"));
        assert!(HtsCode::parse("87032301901").unwrap_err().contains("more than 10"));
        assert!(HtsCode::parse("870").unwrap_err().contains("3 digits"));
        assert!(HtsCode::parse_prefix("87").is_ok());
    }

    #[test]
    fn countries_are_iso_alpha2() {
        assert_eq!(Country::parse("JP").unwrap().as_str(), "JP");
        assert_eq!(Country::parse("jp").unwrap().as_str(), "JP");
        assert!(Country::parse("XX").is_err());
        assert!(Country::parse("EU").is_err());
        assert!(Country::parse("JPN").is_err());
        assert_eq!(Country::all().count(), 249);
        let mut s = CountrySet::empty();
        s.insert(Country::parse("JP").unwrap());
        assert!(s.contains(Country::parse("JP").unwrap()));
        assert!(!s.contains(Country::parse("KR").unwrap()));
        assert_eq!(CountrySet::all().len(), 249);
    }
}
