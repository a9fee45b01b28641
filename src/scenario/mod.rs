//! Scenarios: tariff regimes as data.
//!
//! A scenario file (TOML, see `scenarios/README.md`) is read into the raw mirror of `raw.rs`,
//! merged with the file it `extends`, then compiled once by `load.rs` into a checked [`Scenario`]:
//! product scopes become prefix sets, origin scopes become country bit sets, relations become
//! indices in an evaluation order. The engine never re-checks anything.

mod builtin;
mod compile;
mod error;
mod lint;
mod order;
pub(crate) mod raw;
mod resolve;

pub use builtin::{bundled_names, bundled_text};
pub use error::ScenarioError;
pub use lint::never_applies;
pub use resolve::{MergedScenario, ScenarioLoader, load_scenario, load_scenario_str};

use crate::codes::{Country, CountrySet, HtsCode, HtsKeyHash};
use crate::date::Date;
use crate::money::Rate;
use std::collections::{HashMap, HashSet};

/// A set of HTS prefixes, matched by looking up each prefix length of a code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrefixSet {
    keys: HashSet<u64, HtsKeyHash>,
    /// Bit n set when some prefix has n digits.
    lengths: u16,
    prefixes: Vec<HtsCode>,
}

impl PrefixSet {
    /// Adds a prefix.
    pub fn insert(&mut self, p: HtsCode) {
        if self.keys.insert(p.key()) {
            self.lengths |= 1 << p.len();
            self.prefixes.push(p);
        }
    }

    /// The longest prefix of `code` in the set, if any.
    pub fn matching(&self, code: &HtsCode) -> Option<HtsCode> {
        (2..=code.len())
            .rev()
            .find(|&n| self.lengths & (1 << n) != 0 && self.keys.contains(&code.prefix_key(n)))
            .map(|n| code.prefix(n))
    }

    /// [`PrefixSet::matches`] with the code's prefix keys computed once ([`HtsCode::prefix_keys`]).
    #[inline]
    pub fn matches_keys(&self, keys: &[u64; 11], len: usize) -> bool {
        let mut lengths = self.lengths;
        while lengths != 0 {
            let n = lengths.trailing_zeros() as usize;
            if n > len {
                return false;
            }
            if self.keys.contains(&keys[n]) {
                return true;
            }
            lengths &= lengths - 1;
        }
        false
    }

    /// True when a prefix of `code` is in the set.
    pub fn matches(&self, code: &HtsCode) -> bool {
        let mut lengths = self.lengths;
        while lengths != 0 {
            let n = lengths.trailing_zeros() as usize;
            if n > code.len() {
                return false;
            }
            if self.keys.contains(&code.prefix_key(n)) {
                return true;
            }
            lengths &= lengths - 1;
        }
        false
    }

    /// The prefixes, in insertion order.
    pub fn prefixes(&self) -> &[HtsCode] {
        &self.prefixes
    }

    /// Number of prefixes.
    pub fn len(&self) -> usize {
        self.prefixes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// True when some code could be in both sets (one prefix starts with the other).
    pub fn may_overlap(&self, other: &PrefixSet) -> bool {
        self.prefixes.iter().any(|a| other.prefixes.iter().any(|b| a.starts_with(b) || b.starts_with(a)))
    }
}

/// A named product list (`[lists.NAME]`).
#[derive(Clone, Debug)]
pub struct ProductList {
    /// Name used as `list:NAME`.
    pub name: String,
    /// Title.
    pub title: String,
    /// Legal source.
    pub source: String,
    /// Uncertainties.
    pub note: String,
    /// Prefixes in the list.
    pub include: PrefixSet,
    /// Prefixes carved out again.
    pub exclude: PrefixSet,
    /// When the list is in effect (a dated addition to a scope), on the rule date.
    pub window: Window,
}

impl ProductList {
    /// True when `code` is on the list on `date`.
    pub fn contains(&self, code: &HtsCode, date: Date) -> bool {
        self.window.contains(date) && self.include.matches(code) && !self.exclude.matches(code)
    }
}

/// A named country group (`[groups.NAME]`).
#[derive(Clone, Debug)]
pub struct CountryGroup {
    /// Name used as `group:NAME`.
    pub name: String,
    /// Title.
    pub title: String,
    /// Source.
    pub source: String,
    /// Uncertainties.
    pub note: String,
    /// Members.
    pub countries: CountrySet,
}

/// A set of product lists (by index), as bits: up to 512 lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ListMask([u64; 8]);

impl ListMask {
    /// The most lists a scenario may have.
    pub const CAPACITY: usize = 512;

    /// Adds list `i`.
    pub fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// True when the two masks share a list.
    #[inline]
    pub fn intersects(&self, other: &ListMask) -> bool {
        self.0.iter().zip(other.0.iter()).any(|(a, b)| a & b != 0)
    }

    /// The lists in both.
    #[inline]
    pub fn and(&self, other: &ListMask) -> ListMask {
        let mut r = *self;
        r.0.iter_mut().zip(other.0.iter()).for_each(|(a, b)| *a &= b);
        r
    }

    /// The lists in `self` and not in `other`.
    #[inline]
    pub fn and_not(&self, other: &ListMask) -> ListMask {
        let mut r = *self;
        r.0.iter_mut().zip(other.0.iter()).for_each(|(a, b)| *a &= !b);
        r
    }
}

/// All lists' prefixes in one map, so that the lists holding a code are found with one lookup per
/// prefix length instead of one per list.
#[derive(Clone, Debug, Default)]
pub struct ListIndex {
    map: HashMap<u64, Vec<(u16, bool)>, HtsKeyHash>,
    lengths: u16,
    /// Lists without a window.
    undated: ListMask,
    /// Lists with a window.
    dated: Vec<usize>,
}

impl ListIndex {
    /// Builds the index of `lists`.
    pub fn new(lists: &[ProductList]) -> ListIndex {
        let mut index = ListIndex::default();
        for (i, l) in lists.iter().enumerate() {
            for (set, include) in [(&l.include, true), (&l.exclude, false)] {
                for p in set.prefixes() {
                    index.map.entry(p.key()).or_default().push((i as u16, include));
                    index.lengths |= 1 << p.len();
                }
            }
            if l.window == Window::ALWAYS {
                index.undated.insert(i);
            } else {
                index.dated.push(i);
            }
        }
        index
    }

    /// The lists that hold a code (included and not excluded), whatever the date.
    pub fn members(&self, keys: &[u64; 11], len: usize) -> ListMask {
        let (mut inc, mut exc) = (ListMask::default(), ListMask::default());
        let mut lengths = self.lengths;
        while lengths != 0 {
            let n = lengths.trailing_zeros() as usize;
            if n > len {
                break;
            }
            if let Some(v) = self.map.get(&keys[n]) {
                for &(l, include) in v {
                    if include { inc.insert(l as usize) } else { exc.insert(l as usize) }
                }
            }
            lengths &= lengths - 1;
        }
        inc.and_not(&exc)
    }

    /// The lists in effect on `date`.
    pub fn active(&self, lists: &[ProductList], date: Date) -> ListMask {
        let mut m = self.undated;
        for &i in &self.dated {
            if lists[i].window.contains(date) {
                m.insert(i);
            }
        }
        m
    }
}

/// Which goods a measure (or one of its rates) covers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProductScope {
    /// `"*"` was included.
    pub all: bool,
    /// Prefixes included directly.
    pub include: PrefixSet,
    /// Lists included (indices in [`Scenario::lists`]).
    pub include_lists: Vec<usize>,
    /// Prefixes excluded directly.
    pub exclude: PrefixSet,
    /// Lists excluded.
    pub exclude_lists: Vec<usize>,
    /// `include_lists` as bits.
    pub include_mask: ListMask,
    /// `exclude_lists` as bits.
    pub exclude_mask: ListMask,
    /// The scope as written, for display.
    pub text: String,
}

/// Why a code is or is not in a product scope (for `explain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeMatch {
    /// In scope because of this entry.
    In(String),
    /// Matches no include entry.
    NotIncluded,
    /// Included, then excluded by this entry.
    Excluded(String),
}

impl ProductScope {
    /// True when the scope can contain the code on some date, given `members`, the lists that hold
    /// the code whatever the date: a list that is in effect only on some dates is taken as in
    /// effect when it includes, and as not in effect when it excludes. (A superset of the dates'
    /// answers of [`ProductScope::contains_fast`], for the engine's per-code pre-filter.)
    pub fn may_contain(&self, keys: &[u64; 11], len: usize, members: &ListMask) -> bool {
        (self.all || self.include_mask.intersects(members) || self.include.matches_keys(keys, len))
            && !self.exclude.matches_keys(keys, len)
    }

    /// True when the scope contains a code whose prefix keys and list memberships on the date
    /// (`lists`: the lists that hold it and are in effect) are already known.
    #[inline]
    pub fn contains_fast(&self, keys: &[u64; 11], len: usize, lists: &ListMask) -> bool {
        (self.all || self.include_mask.intersects(lists) || self.include.matches_keys(keys, len))
            && !self.exclude_mask.intersects(lists)
            && !self.exclude.matches_keys(keys, len)
    }

    /// Whether the scope contains `code` on `date` (the test of [`ProductScope::contains_fast`], from
    /// the code and the lists), saying which entry decided it.
    pub fn explain(&self, code: &HtsCode, lists: &[ProductList], date: Date) -> ScopeMatch {
        if let Some(p) = self.exclude.matching(code)
            && (self.all
                || self.include.matches(code)
                || self.include_lists.iter().any(|&l| lists[l].contains(code, date)))
        {
            return ScopeMatch::Excluded(format!("prefix {p}"));
        }
        if let Some(&l) = self.exclude_lists.iter().find(|&&l| lists[l].contains(code, date)) {
            return ScopeMatch::Excluded(format!("list `{}` ({})", lists[l].name, lists[l].title));
        }
        if self.all {
            return ScopeMatch::In("all goods".into());
        }
        if let Some(p) = self.include.matching(code) {
            return ScopeMatch::In(format!("prefix {p}"));
        }
        if let Some(&l) = self.include_lists.iter().find(|&&l| lists[l].contains(code, date)) {
            return ScopeMatch::In(format!("list `{}`", lists[l].name));
        }
        ScopeMatch::NotIncluded
    }
}

/// A half-open window of entry dates `[from, until)`; `None` is unbounded on that side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First entry date in the window.
    pub from: Option<Date>,
    /// First entry date after the window.
    pub until: Option<Date>,
}

impl Window {
    /// The window that contains every date.
    pub const ALWAYS: Window = Window { from: None, until: None };

    /// True when `d` is in the window.
    pub fn contains(&self, d: Date) -> bool {
        self.from.is_none_or(|f| d >= f) && self.until.is_none_or(|u| d < u)
    }

    /// True when the two windows share a date.
    pub fn overlaps(&self, other: &Window) -> bool {
        let starts_before_other_ends = match (self.from, other.until) {
            (Some(f), Some(u)) => f < u,
            _ => true,
        };
        let other_starts_before_self_ends = match (other.from, self.until) {
            (Some(f), Some(u)) => f < u,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_self_ends
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.from, self.until) {
            (Some(a), Some(b)) => write!(f, "{a} to {} (entries before {b})", b.pred()),
            (Some(a), None) => write!(f, "from {a}"),
            (None, Some(b)) => write!(f, "until {}", b.pred()),
            (None, None) => f.write_str("always"),
        }
    }
}

/// A suspension of a measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Suspension {
    /// When it is suspended.
    pub window: Window,
    /// Why (the instrument).
    pub reason: String,
    /// The origins suspended (`None`: all the measure covers).
    pub origins: Option<CountrySet>,
}

/// An exemption heading that lifts the duties of some measures for some goods (e.g. 9903.01.32,
/// Annex II of EO 14257, for the reciprocal measures).
#[derive(Clone, Debug, PartialEq)]
pub struct Exemption {
    /// Id (unique among measures and exemptions).
    pub id: String,
    /// The Chapter 99 heading of the exemption.
    pub citation: String,
    /// Why, in a few words.
    pub reason: String,
    /// Legal source.
    pub source: String,
    /// How sure the sources are.
    pub certainty: Certainty,
    /// Uncertainties.
    pub note: String,
    /// The measures it lifts (indices).
    pub applies_to: Vec<usize>,
    /// The goods exempted.
    pub products: ProductScope,
    /// The origins (`None`: all).
    pub origins: Option<CountrySet>,
    /// When (by rule date).
    pub window: Window,
    /// Only for flows claiming one of these programs (empty: any flow).
    pub spi: Vec<String>,
    /// Lifts only when its heading (or a heading of its run) is declared on the line (`None`: no
    /// declaration needed).
    pub declared: Option<crate::codes::HeadingRange>,
    /// Not for flows claiming one of these programs.
    pub unless_spi: Vec<String>,
}

impl Exemption {
    /// True when the flow's program claim allows the exemption.
    pub fn claim_matches(&self, claimed: Option<crate::codes::Program>) -> bool {
        // Compared as bytes: this runs for every exemption a claimed row meets.
        let listed = |list: &[String]| claimed.is_some_and(|c| list.iter().any(|p| p.as_bytes() == c.as_bytes()));
        (self.spi.is_empty() || listed(&self.spi)) && !listed(&self.unless_spi)
    }
}

/// An in-transit ("savings") clause: goods loaded before `loaded_before` and entered before
/// `entered_before` are not subject to the measure.
#[derive(Clone, Debug, PartialEq)]
pub struct InTransit {
    /// Loaded onto the vessel (final mode of transport) before this date.
    pub loaded_before: Date,
    /// Entered before this date.
    pub entered_before: Date,
    /// The Chapter 99 heading that grants the exemption.
    pub citation: String,
}

/// The dutiable base of a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// The whole customs value.
    CustomsValue,
    /// The customs value less US content, when US content is at least 20% of the value
    /// (reciprocal tariffs, EO 14257 sec. 3(d); heading 9903.01.34).
    NonUsContent,
    /// The value of the article's steel content (232 steel derivatives), from the flow's
    /// `steel_content_value`; the whole customs value when the flow does not declare it.
    SteelContent,
    /// The value of the aluminum content (`aluminum_content_value`), likewise.
    AluminumContent,
    /// The value of the copper content (`copper_content_value`), likewise.
    CopperContent,
}

impl Base {
    /// Parses the word used in scenario files.
    pub fn parse(text: &str) -> Option<Base> {
        Some(match text {
            "customs_value" => Base::CustomsValue,
            "non_us_content" => Base::NonUsContent,
            "steel_content" => Base::SteelContent,
            "aluminum_content" => Base::AluminumContent,
            "copper_content" => Base::CopperContent,
            _ => return None,
        })
    }
}

/// How sure the sources are about a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    /// Federal Register, proclamation, CBP CSMS or HTS text.
    Primary,
    /// Law-firm, broker, news or research-group summaries only.
    Secondary,
    /// Could not be confirmed.
    Unverified,
}

impl Certainty {
    /// The word used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Certainty::Primary => "primary",
            Certainty::Secondary => "secondary",
            Certainty::Unverified => "unverified",
        }
    }
}

/// The duty of one rate entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Duty {
    /// An ad valorem add-on on the base.
    AddOn(Rate),
    /// Top up to `target` including MFN: additional = max(0, target - MFN_AVE) x base.
    Inclusive {
        /// The all-in target rate.
        target: Rate,
        /// Heading declared when MFN is already at or above the target (nothing added).
        citation_at_or_above: String,
    },
}

/// One rate of a measure, with the narrowing that selects it.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureRate {
    /// Applies only when this heading is declared on the line (`None`: no declaration needed).
    pub declared: Option<crate::codes::Heading>,
    /// For a declared inclusive rate: its at-or-above heading, which selects it too.
    pub declared_also: Option<crate::codes::Heading>,
    /// For a declared rate: whether `--ranges` tries the declaration (`spanned = false` in the file:
    /// a penalty branch that is not an ordinary unknown of a trade flow, such as the 200% on
    /// aluminum smelted in Russia, is priced only when declared and never widens a range; `explain`
    /// still names it).
    pub spanned: bool,
    /// Applies only to a flow claiming one of these special programs (empty: any flow), as the
    /// HTS's special-column-only headings do (9903.82.18/.19 need a USMCA claim).
    pub spi: Vec<String>,
    /// Chapter 99 heading of the duty line.
    pub citation: String,
    /// The duty.
    pub duty: Duty,
    /// Narrowed origins (already intersected with the measure's).
    pub origins: Option<CountrySet>,
    /// Narrowed products.
    pub products: Option<ProductScope>,
    /// Narrowed window.
    pub window: Window,
    /// The base for this rate, when it differs from the measure's.
    pub base: Option<Base>,
    /// Note.
    pub note: String,
}

/// A checked measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    /// Fixed id (`docs/contracts.md`), e.g. `ieepa_reciprocal_baseline`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Legal source (instrument).
    pub source: String,
    /// How sure the sources are.
    pub certainty: Certainty,
    /// Uncertainties and assumptions.
    pub note: String,
    /// Goods covered.
    pub products: ProductScope,
    /// Origins covered.
    pub origins: CountrySet,
    /// Origins as written, for display.
    pub origins_text: String,
    /// In-force windows (sorted, disjoint).
    pub in_force: Vec<Window>,
    /// Suspensions.
    pub suspended: Vec<Suspension>,
    /// Dutiable base.
    pub base: Base,
    /// Measures that do not apply when this one applies (indices).
    pub replaces: Vec<usize>,
    /// Measures whose application excludes this one (indices).
    pub excluded_by: Vec<usize>,
    /// Measures that replace this one (inverse of `replaces`).
    pub replaced_by: Vec<usize>,
    /// Special programs whose claim exempts the flow.
    pub exempt_spi: Vec<String>,
    /// `excluded_by` holds only for rule dates before this one (`None`: always).
    pub excluded_until: Option<Date>,
    /// Measures of `excluded_by` (indices) that, for rule dates from `excluded_portion_only_from`,
    /// exclude only the value their line is charged on: this measure is charged on the rest.
    pub excluded_portion_only_by: Vec<usize>,
    /// See `excluded_portion_only_by`.
    pub excluded_portion_only_from: Option<Date>,
    /// The goods are banned: a flow the measure applies to is rejected with this reason, never priced.
    pub prohibited: Option<String>,
    /// In-transit clause.
    pub in_transit: Option<InTransit>,
    /// Exemptions that can lift this measure (indices in [`Scenario::exemptions`]).
    pub exemptions: Vec<usize>,
    /// Follows the real entry date even in a frozen scenario.
    pub scheduled: bool,
    /// Rates, in order.
    pub rates: Vec<MeasureRate>,
    /// Names for families of measures (`s232`; `ieepa`: the duties `refund` counts as refundable).
    pub tags: Vec<String>,
    /// For a `non_us_content` base: how US content is carved out of the value.
    pub us_content_rule: Option<UsContentRule>,
    /// The file the measure was last defined or patched in.
    pub defined_in: String,
}

/// How a measure charged on non-US content carves US content out of the customs value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsContentRule {
    /// US content at or above this share of the value is carved out whole; below it, nothing is
    /// (EO 14257 sec. 3(d): 20%). Written `us_content_threshold`.
    WholeFromShare(rust_decimal::Decimal),
    /// US content is carved out up to this share of the value; the rest of it is dutiable (U.S. note
    /// 16(j), headings 9903.82.20/.21: 40%). Written `us_content_exempt_up_to`.
    UpToShare(rust_decimal::Decimal),
}

impl UsContentRule {
    /// The dutiable base of a flow of customs value `value` with US content `us`: the carved-out
    /// amount is rounded to the cent (half away from zero) before it is subtracted.
    pub fn base(self, value: rust_decimal::Decimal, us: rust_decimal::Decimal) -> rust_decimal::Decimal {
        use rust_decimal::RoundingStrategy::MidpointAwayFromZero;
        let us = us.max(rust_decimal::Decimal::ZERO).min(value);
        match self {
            UsContentRule::WholeFromShare(t) if !value.is_zero() && us >= value * t => value - us,
            UsContentRule::WholeFromShare(_) => value,
            UsContentRule::UpToShare(cap) => {
                value - us.min((value * cap).round_dp_with_strategy(2, MidpointAwayFromZero))
            }
        }
    }

    /// The rule in words, for `explain`.
    pub fn describe(self) -> String {
        let pct = |d: rust_decimal::Decimal| (d * rust_decimal::Decimal::ONE_HUNDRED).normalize();
        match self {
            UsContentRule::WholeFromShare(t) => format!("US content of at least {}% is not dutiable", pct(t)),
            UsContentRule::UpToShare(c) => format!("US content up to {}% of the value is not dutiable", pct(c)),
        }
    }
}

/// What a base rule puts in place of the column 1 rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseDuty {
    /// The Column 2 rate of the flow's HTS line (General Note 3(b); Pub. L. 117-110).
    Column2,
    /// A rate in lieu of the ordinary duty (9903.90.08: 35% in lieu of column 2).
    InLieu(crate::rate_text::RateExpr),
}

/// A rule that replaces the column 1 (MFN) rate of the flows it covers: goods of Cuba and North
/// Korea pay Column 2 (General Note 3(b)), goods of Russia and Belarus too from 2022-04-09 (Pub. L.
/// 117-110), and some Russian goods a rate in lieu of Column 2 (9903.90.08/.09). The first rule in
/// file order that covers the flow's origin, code and rule date applies; the row's own `mfn_rate`
/// still wins over every rule.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseRate {
    /// Id (lower-case letters, digits and `_`), shown in the `measures` column after `mfn`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Legal source.
    pub source: String,
    /// How firmly the rule is sourced.
    pub certainty: Certainty,
    /// Notes.
    pub note: String,
    /// What replaces the column 1 rate.
    pub duty: BaseDuty,
    /// The Chapter 99 heading the entry line reports, when the law has one (Column 2 has none).
    pub citation: Option<String>,
    /// Origins covered.
    pub origins: CountrySet,
    /// Products covered.
    pub products: ProductScope,
    /// When it applies.
    pub window: Window,
    /// The file and line of its definition.
    pub defined_in: String,
}

/// How current a scenario's law is: the date through which it was checked against its sources, the
/// HTS revision of its headings, the first entry date it covers, and the measures known to be missing.
/// Shown by every output, so that a number is never quoted without how current the law behind it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LawStatus {
    /// Checked through this date (`None`: not stated).
    pub as_of: Option<Date>,
    /// The HTS revision its Chapter 99 headings come from (empty: not stated).
    pub hts_revision: String,
    /// The first entry date covered (`None`: not stated).
    pub covers_from: Option<Date>,
    /// Measures known to be missing or incomplete.
    pub known_gaps: Vec<String>,
}

impl LawStatus {
    /// The status as JSON (for every JSON output).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "law_as_of": self.as_of.map(|d| d.to_string()),
            "hts_revision": self.hts_revision,
            "covers_from": self.covers_from.map(|d| d.to_string()),
            "known_gaps": self.known_gaps,
        })
    }

    /// One line for summaries: `law as of 2026-12-06 (HTS 2026 Rev. 21), entries from 2025-01-01; 3 known gaps`.
    pub fn line(&self) -> String {
        let mut o = match self.as_of {
            Some(d) => format!("law as of {d}"),
            None => "law as of: not stated".to_string(),
        };
        if !self.hts_revision.is_empty() {
            o.push_str(&format!(" ({})", self.hts_revision));
        }
        if let Some(d) = self.covers_from {
            o.push_str(&format!(", entries from {d}"));
        }
        if !self.known_gaps.is_empty() {
            let n = self.known_gaps.len();
            o.push_str(&format!("; {n} known gap{} (scenarios show NAME --summary)", if n == 1 { "" } else { "s" }));
        }
        o
    }
}

/// A checked scenario, ready for the engine.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// How current the law in the scenario is (see [`LawStatus`]).
    pub law: LawStatus,
    /// Name (`historical`).
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The parent scenario, if any.
    pub extends: Option<String>,
    /// Entries after this date are assessed under the rules in force on it.
    pub freeze_on: Option<Date>,
    /// Product lists (shared by the scenarios loaded together whose lists are the same).
    pub lists: std::sync::Arc<Vec<ProductList>>,
    /// The lists' prefixes indexed together.
    pub list_index: std::sync::Arc<ListIndex>,
    /// Country groups.
    pub groups: Vec<CountryGroup>,
    /// Notes on the scenario's assumptions.
    pub note: String,
    /// Measures in file order (the output order).
    pub measures: Vec<Measure>,
    /// Exemption headings.
    pub exemptions: Vec<Exemption>,
    /// Rules that replace the column 1 rate (Column 2, rates in lieu of it), first match wins.
    pub base_rates: Vec<BaseRate>,
    /// Measure indices in evaluation order (respects `replaces` and `excluded_by`).
    pub eval_order: Vec<usize>,
    /// Files the scenario was built from.
    pub files: Vec<String>,
}

impl Scenario {
    /// The index of a measure by id.
    pub fn measure_index(&self, id: &str) -> Option<usize> {
        self.measures.iter().position(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::UsContentRule;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn whole_from_share_carves_out_all_us_content_from_the_threshold() {
        let rule = UsContentRule::WholeFromShare(d("0.2"));
        assert_eq!(rule.base(d("10000"), d("1999.99")), d("10000"), "below 20%: all dutiable");
        assert_eq!(rule.base(d("10000"), d("2000")), d("8000"), "at 20%: the non-US 8000");
        assert_eq!(rule.base(d("10000"), d("9000")), d("1000"));
        assert_eq!(rule.base(d("0"), d("0")), d("0"));
    }

    #[test]
    fn up_to_share_carves_out_us_content_to_the_cap_only() {
        // U.S. note 16(j): 9903.82.21 covers US content up to 40% of the value; 9903.82.20 the rest.
        let rule = UsContentRule::UpToShare(d("0.4"));
        assert_eq!(rule.base(d("10000"), d("0")), d("10000"));
        assert_eq!(rule.base(d("10000"), d("1000")), d("9000"), "10% US content: all of it carved out");
        assert_eq!(rule.base(d("10000"), d("4000")), d("6000"));
        assert_eq!(rule.base(d("10000"), d("7000")), d("6000"), "US content above 40% stays dutiable");
        // The cap is rounded to the cent: 40% of 0.05 is 0.02.
        assert_eq!(rule.base(d("0.05"), d("0.05")), d("0.03"));
        assert_eq!(rule.describe(), "US content up to 40% of the value is not dutiable");
    }
}
