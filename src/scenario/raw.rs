//! The serde mirror of a scenario file, as close to the TOML as possible. Everything here is
//! unchecked text with its position; `compile.rs` turns it into a checked [`super::Scenario`].

use serde::{Deserialize, Deserializer};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::Range;

thread_local! {
    /// Index (in the loader's source registry) of the file being deserialized, so that every
    /// located value knows its file without threading it through serde.
    pub(crate) static CURRENT_FILE: Cell<usize> = const { Cell::new(0) };
}

/// A text value with the file and byte span it came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S {
    pub value: String,
    pub span: Range<usize>,
    pub file: usize,
}

impl<'de> Deserialize<'de> for S {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<S, D::Error> {
        let spanned = toml::Spanned::<String>::deserialize(d)?;
        Ok(S { span: spanned.span(), value: spanned.into_inner(), file: CURRENT_FILE.get() })
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub scenario: RawHeader,
    #[serde(default)]
    pub lists: BTreeMap<String, RawList>,
    #[serde(default)]
    pub groups: BTreeMap<String, RawGroup>,
    #[serde(default)]
    pub measure: Vec<RawMeasure>,
    #[serde(default)]
    pub patch: Vec<RawPatch>,
    #[serde(default)]
    pub exemption: Vec<RawExemption>,
    #[serde(default)]
    pub base_rate: Vec<RawBaseRate>,
}

/// A rule that replaces the column 1 rate of a flow (the ordinary customs duty): the Column 2 rate
/// of its HTS line, or a rate in lieu of it (9903.90.08).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBaseRate {
    pub id: S,
    pub title: String,
    pub source: String,
    pub certainty: Option<S>,
    #[serde(default)]
    pub note: String,
    /// `column2`: the Column 2 rate of the HTS line.
    pub column: Option<S>,
    /// A rate in lieu of the ordinary duty (`35%`).
    pub rate: Option<S>,
    /// The Chapter 99 heading reported on the entry line, when the law has one.
    pub citation: Option<S>,
    pub origins: RawScope,
    pub products: Option<RawScope>,
    pub from: Option<S>,
    pub until: Option<S>,
}

/// An exemption heading (e.g. 9903.01.32 Annex II) that lifts the duties of named measures.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExemption {
    pub id: S,
    pub citation: S,
    pub reason: String,
    pub source: String,
    pub certainty: Option<S>,
    #[serde(default)]
    pub note: String,
    pub applies_to: Vec<S>,
    #[serde(default)]
    pub spi: Vec<S>,
    /// The exemption lifts only when its heading is declared on the line.
    #[serde(default)]
    pub declared: bool,
    /// With `declared`: any heading of this run lifts (`9903.80.65-9903.81.19`, a quota's categories).
    pub declared_run: Option<S>,
    #[serde(default)]
    pub unless_spi: Vec<S>,
    pub products: RawScope,
    pub origins: Option<RawScope>,
    pub from: Option<S>,
    pub until: Option<S>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub name: S,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub note: String,
    pub extends: Option<S>,
    pub freeze_on: Option<S>,
    /// The date through which the law in the file was last checked against its sources.
    pub law_as_of: Option<S>,
    /// The HTS revision its Chapter 99 headings come from.
    pub hts_revision: Option<String>,
    /// The first entry date the file's law covers.
    pub covers_from: Option<S>,
    /// Measures known to be missing or incomplete (a sentence each, with its source).
    pub known_gaps: Option<Vec<String>>,
    #[serde(default)]
    pub include: Vec<S>,
    #[serde(default)]
    pub remove: Vec<S>,
}

/// A file `include`d by a scenario: lists, groups, and measures or exemptions (a part of a scenario).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawListsFile {
    #[serde(default)]
    pub lists: BTreeMap<String, RawList>,
    #[serde(default)]
    pub groups: BTreeMap<String, RawGroup>,
    #[serde(default)]
    pub measure: Vec<RawMeasure>,
    #[serde(default)]
    pub exemption: Vec<RawExemption>,
    #[serde(default)]
    pub base_rate: Vec<RawBaseRate>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawList {
    pub title: String,
    pub source: String,
    #[serde(default)]
    pub note: String,
    pub from: Option<S>,
    pub until: Option<S>,
    pub include: Vec<S>,
    #[serde(default)]
    pub exclude: Vec<S>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGroup {
    pub title: String,
    pub source: String,
    #[serde(default)]
    pub note: String,
    pub countries: Vec<S>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScope {
    #[serde(default)]
    pub include: Vec<S>,
    #[serde(default)]
    pub exclude: Vec<S>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWindow {
    pub from: S,
    pub until: Option<S>,
    #[serde(default)]
    pub reason: String,
    /// Only for suspensions: the origins suspended (default: all of the measure's).
    pub origins: Option<RawScope>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInTransit {
    pub loaded_before: S,
    pub entered_before: S,
    pub citation: S,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRate {
    pub citation: S,
    pub duty: Option<S>,
    pub inclusive: Option<S>,
    pub citation_at_or_above: Option<S>,
    /// The rate applies only when its heading is declared on the line (a certification or claim).
    #[serde(default)]
    pub declared: bool,
    /// With `declared`: `false` when `--ranges` must not try the declaration (see
    /// [`crate::scenario::MeasureRate::spanned`]).
    pub spanned: Option<bool>,
    /// Only for flows claiming one of these special programs.
    #[serde(default)]
    pub spi: Vec<S>,
    pub origins: Option<RawScope>,
    pub products: Option<RawScope>,
    pub from: Option<S>,
    pub until: Option<S>,
    pub base: Option<S>,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeasure {
    pub id: S,
    pub title: String,
    pub source: String,
    pub certainty: Option<S>,
    #[serde(default)]
    pub note: String,
    pub products: RawScope,
    pub origins: RawScope,
    pub in_force: Vec<RawWindow>,
    #[serde(default)]
    pub suspended: Vec<RawWindow>,
    pub base: Option<S>,
    #[serde(default)]
    pub replaces: Vec<S>,
    #[serde(default)]
    pub excluded_by: Vec<S>,
    /// Names a relation can use for a family of measures (`excluded_by = ["tag:s232"]`).
    #[serde(default)]
    pub tags: Vec<S>,
    /// `excluded_by` holds for entries before this date only (a carve-out the law later withdrew).
    pub excluded_until: Option<S>,
    /// Measures of `excluded_by` that, from `excluded_portion_only_from`, exclude only the value
    /// they are charged on (U.S. note 2(v)(vii), (ix): the non-steel content owes the duty).
    #[serde(default)]
    pub excluded_portion_only_by: Vec<S>,
    /// The first rule date of `excluded_portion_only_by` (before it, they exclude wholly).
    pub excluded_portion_only_from: Option<S>,
    /// With a `non_us_content` base: the share of US content from which it is carved out (`20%`).
    pub us_content_threshold: Option<S>,
    /// With a `non_us_content` base: US content is carved out up to this share of the value (`40%`).
    pub us_content_exempt_up_to: Option<S>,
    /// The measure bans the goods: a flow it applies to is not priced but rejected, with this reason.
    pub prohibited: Option<String>,
    #[serde(default)]
    pub exempt_spi: Vec<S>,
    pub in_transit: Option<RawInTransit>,
    #[serde(default)]
    pub scheduled: bool,
    pub rate: Vec<RawRate>,
}

/// Changes some fields of an inherited measure; every field but `id` is optional.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatch {
    pub id: S,
    pub title: Option<String>,
    pub source: Option<String>,
    pub certainty: Option<S>,
    pub note: Option<String>,
    pub products: Option<RawScope>,
    pub origins: Option<RawScope>,
    pub in_force: Option<Vec<RawWindow>>,
    pub suspended: Option<Vec<RawWindow>>,
    pub base: Option<S>,
    pub replaces: Option<Vec<S>>,
    pub excluded_by: Option<Vec<S>>,
    pub excluded_until: Option<S>,
    pub excluded_portion_only_by: Option<Vec<S>>,
    pub excluded_portion_only_from: Option<S>,
    pub us_content_threshold: Option<S>,
    pub us_content_exempt_up_to: Option<S>,
    pub tags: Option<Vec<S>>,
    pub exempt_spi: Option<Vec<S>>,
    pub in_transit: Option<RawInTransit>,
    pub scheduled: Option<bool>,
    pub rate: Option<Vec<RawRate>>,
}

impl RawPatch {
    /// Applies the fields present in the patch to `m`.
    pub fn apply(self, m: &mut RawMeasure) {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { m.$f = v; } )* };
        }
        set!(
            title,
            source,
            note,
            products,
            origins,
            in_force,
            suspended,
            replaces,
            excluded_by,
            tags,
            exempt_spi,
            scheduled,
            rate
        );
        if let Some(c) = self.certainty {
            m.certainty = Some(c);
        }
        if let Some(d) = self.excluded_until {
            m.excluded_until = Some(d);
        }
        if let Some(v) = self.excluded_portion_only_by {
            m.excluded_portion_only_by = v;
        }
        if let Some(d) = self.excluded_portion_only_from {
            m.excluded_portion_only_from = Some(d);
        }
        if let Some(t) = self.us_content_threshold {
            m.us_content_threshold = Some(t);
        }
        if let Some(t) = self.us_content_exempt_up_to {
            m.us_content_exempt_up_to = Some(t);
        }
        if let Some(b) = self.base {
            m.base = Some(b);
        }
        if let Some(t) = self.in_transit {
            m.in_transit = Some(t);
        }
    }
}
