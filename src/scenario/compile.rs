//! Compilation: the merged raw files checked value by value and turned into a [`Scenario`]: dates,
//! windows, citations, scopes, rates, relations and exemption headings.

use super::error::{Result, Sources};
use super::order::evaluation_order;
use super::raw::{RawBaseRate, RawExemption, RawList, RawMeasure, RawScope, RawWindow, S};
use super::resolve::{Merged, abbreviate};
use super::*;
use crate::codes::HeadingRange;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn parse_date(src: &Sources, s: &S, key: &str) -> Result<Date> {
    Date::parse(&s.value).map_err(|e| {
        src.err(s, key, format!("`{}`: {e}", s.value), "write the date as \"YYYY-MM-DD\", a day that exists")
    })
}

fn parse_windows(src: &Sources, windows: &[RawWindow], key: &str, disjoint: bool) -> Result<Vec<(Window, String)>> {
    let mut out: Vec<(Window, String, &S)> = Vec::new();
    for w in windows {
        let from = parse_date(src, &w.from, &format!("{key}.from"))?;
        let until = w.until.as_ref().map(|u| parse_date(src, u, &format!("{key}.until"))).transpose()?;
        if let (Some(u), Some(us)) = (until, &w.until)
            && u <= from
        {
            return Err(src.err(
                us,
                &format!("{key}.until"),
                format!("window ends on {u}, not after its start {from}"),
                "`until` is the first day after the window ([from, until)); make it later than `from`",
            ));
        }
        out.push((Window { from: Some(from), until }, w.reason.clone(), &w.from));
    }
    if disjoint {
        out.sort_by_key(|(w, _, _)| w.from);
        for pair in out.windows(2) {
            if pair[0].0.overlaps(&pair[1].0) {
                return Err(src.err(
                    pair[1].2,
                    key,
                    format!("windows overlap: {} and {}", pair[0].0, pair[1].0),
                    "make the windows disjoint (an `until` is the first day after a window) or merge them",
                ));
            }
        }
    }
    Ok(out.into_iter().map(|(w, r, _)| (w, r)).collect())
}

fn check_citation(src: &Sources, s: &S, key: &str) -> Result<String> {
    let b = s.value.as_bytes();
    let ok = b.len() == 10
        && b.starts_with(b"99")
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'.'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'.'
        && (b[8..10].iter().all(u8::is_ascii_digit) || &b[8..10] == b"xx");
    if !ok {
        return Err(src.err(
            s,
            key,
            format!("citation `{}` is not a Chapter 99 heading", s.value),
            "write the heading as 99NN.NN.NN (e.g. \"9903.01.25\"; \"9903.04.xx\" only when the exact line is unknown)",
        ));
    }
    Ok(s.value.clone())
}

struct Ctx<'a> {
    src: &'a Sources,
    list_index: &'a BTreeMap<String, usize>,
    groups: BTreeMap<String, CountrySet>,
}

impl Ctx<'_> {
    fn products(&self, scope: &RawScope, key: &str) -> Result<ProductScope> {
        let mut out = ProductScope::default();
        let mut text = Vec::new();
        for (entries, is_include) in [(&scope.include, true), (&scope.exclude, false)] {
            for e in entries {
                let v = e.value.trim();
                text.push(if is_include { v.to_string() } else { format!("not {v}") });
                if v == "*" {
                    if !is_include {
                        return Err(self.src.err(e, key, "`*` in `exclude` excludes every good".into(), "remove it"));
                    }
                    out.all = true;
                } else if let Some(name) = v.strip_prefix("list:") {
                    let Some(&i) = self.list_index.get(name) else {
                        let known: Vec<&str> = self.list_index.keys().map(String::as_str).collect();
                        return Err(self.src.err(
                            e,
                            key,
                            format!("unknown product list `{name}`"),
                            &format!("define [lists.{name}] or use one of: {}", abbreviate(&known)),
                        ));
                    };
                    if is_include {
                        out.include_lists.push(i);
                        out.include_mask.insert(i);
                    } else {
                        out.exclude_lists.push(i);
                        out.exclude_mask.insert(i);
                    }
                } else {
                    let p = HtsCode::parse_prefix(v).map_err(|m| {
                        self.src.err(
                            e,
                            key,
                            m,
                            "write an HTS prefix of 2 to 10 digits (dots allowed), `list:NAME` or `*`",
                        )
                    })?;
                    if is_include { out.include.insert(p) } else { out.exclude.insert(p) }
                }
            }
        }
        out.text = text.join(", ");
        Ok(out)
    }

    fn origins(&self, scope: &RawScope, key: &str, context: &S) -> Result<(CountrySet, String)> {
        let mut inc = CountrySet::empty();
        let mut exc = CountrySet::empty();
        let mut text = Vec::new();
        for (entries, is_include) in [(&scope.include, true), (&scope.exclude, false)] {
            for e in entries {
                let v = e.value.trim();
                text.push(if is_include { v.to_string() } else { format!("not {v}") });
                let set = if is_include { &mut inc } else { &mut exc };
                if v == "*" {
                    set.insert_all(&CountrySet::all());
                } else if let Some(name) = v.strip_prefix("group:") {
                    let Some(g) = self.groups.get(name) else {
                        let known: Vec<&str> = self.groups.keys().map(String::as_str).collect();
                        return Err(self.src.err(
                            e,
                            key,
                            format!("unknown country group `{name}`"),
                            &format!("define [groups.{name}] or use one of: {}", abbreviate(&known)),
                        ));
                    };
                    set.insert_all(g);
                } else {
                    let c = Country::parse(v).map_err(|m| {
                        self.src.err(e, key, m, "use an ISO 3166-1 alpha-2 code (JP), `group:NAME` or `*`")
                    })?;
                    set.insert(c);
                }
            }
        }
        if scope.include.is_empty() {
            return Err(self.src.err(
                context,
                key,
                "the origin scope includes no country".into(),
                "add `include = [\"*\"]` or the countries it covers",
            ));
        }
        inc.remove_all(&exc);
        Ok((inc, text.join(", ")))
    }
}

/// A scenario's product lists, compiled once for every scenario of a loading session whose merged
/// lists are the same (the variants of a sweep that do not redefine a list share their parent's).
pub(super) struct CompiledLists {
    lists: Arc<Vec<ProductList>>,
    /// The lists' prefixes indexed together; `None` when there are more lists than a
    /// [`ListMask`] holds (the scenario is then refused).
    index: Option<Arc<ListIndex>>,
    /// The index of each list by name.
    by_name: BTreeMap<String, usize>,
}

/// The compiled lists of the scenarios that share them, compiled by the first that needs them.
pub(super) type ListsSlot = std::sync::OnceLock<Result<CompiledLists>>;

/// Compiles the merged product lists of a scenario.
fn compile_lists(raw: &BTreeMap<String, RawList>, src: &Sources) -> Result<CompiledLists> {
    let mut lists = Vec::new();
    let mut by_name = BTreeMap::new();
    let flat = flatten_lists(raw, src)?;
    for (lname, l) in raw {
        let (include, exclude) = flat[lname].clone();
        let key = format!("lists.{lname}");
        let from = l.from.as_ref().map(|d| parse_date(src, d, &format!("{key}.from"))).transpose()?;
        let until = l.until.as_ref().map(|d| parse_date(src, d, &format!("{key}.until"))).transpose()?;
        if let (Some(f), Some(u), Some(us)) = (from, until, &l.until)
            && u <= f
        {
            return Err(src.err(
                us,
                &format!("{key}.until"),
                format!("window ends on {u}, not after its start {f}"),
                "`until` is the first day after the window; make it later than `from`",
            ));
        }
        by_name.insert(lname.clone(), lists.len());
        lists.push(ProductList {
            name: lname.clone(),
            title: l.title.clone(),
            source: l.source.clone(),
            note: l.note.clone(),
            include,
            exclude,
            window: Window { from, until },
        });
    }
    let index = (lists.len() <= ListMask::CAPACITY).then(|| Arc::new(ListIndex::new(&lists)));
    Ok(CompiledLists { lists: Arc::new(lists), index, by_name })
}

/// Compiles a merged scenario; `files` are the indices in `src` of the files it was built from, and
/// `lists` holds its compiled product lists (made here when no scenario sharing them made them).
pub(super) fn compile(merged: Merged, src: &Sources, files: &[usize], lists: &ListsSlot) -> Result<Scenario> {
    let name = merged.name.clone().map(|n| n.value).unwrap_or_default();
    let freeze_on = merged.freeze_on.as_ref().map(|s| parse_date(src, s, "scenario.freeze_on")).transpose()?;
    let law = LawStatus {
        as_of: merged.law_as_of.as_ref().map(|s| parse_date(src, s, "scenario.law_as_of")).transpose()?,
        hts_revision: merged.hts_revision.clone().unwrap_or_default(),
        covers_from: merged.covers_from.as_ref().map(|s| parse_date(src, s, "scenario.covers_from")).transpose()?,
        known_gaps: merged.known_gaps.clone().unwrap_or_default(),
    };
    let mut groups = Vec::new();
    let mut group_sets = BTreeMap::new();
    for (gname, g) in &merged.groups {
        let mut set = CountrySet::empty();
        for c in &g.countries {
            let country = Country::parse(&c.value).map_err(|m| {
                src.err(c, &format!("groups.{gname}.countries"), m, "use ISO 3166-1 alpha-2 codes (e.g. \"DE\")")
            })?;
            set.insert(country);
        }
        group_sets.insert(gname.clone(), set.clone());
        groups.push(CountryGroup {
            name: gname.clone(),
            title: g.title.clone(),
            source: g.source.clone(),
            note: g.note.clone(),
            countries: set,
        });
    }
    let compiled = lists.get_or_init(|| compile_lists(&merged.lists, src)).as_ref().map_err(|e| e.clone())?;
    let Some(list_index) = &compiled.index else {
        let first = merged.name.clone().unwrap_or_else(unreachable_name);
        return Err(src.err(
            &first,
            "lists",
            format!(
                "the scenario has {} product lists; at most {} are supported",
                compiled.lists.len(),
                ListMask::CAPACITY
            ),
            "merge some lists",
        ));
    };
    let ctx = Ctx { src, list_index: &compiled.by_name, groups: group_sets };
    let ids: Vec<String> = merged.measures.iter().map(|(m, _)| m.id.value.clone()).collect();
    let mut measures = Vec::new();
    for (m, file_idx) in &merged.measures {
        measures.push(compile_measure(&ctx, m, &src.files[*file_idx].name)?);
    }
    // Relations, by id.
    let find = |s: &S, key: &str| -> Result<usize> {
        ids.iter().position(|i| *i == s.value).ok_or_else(|| {
            let known: Vec<&str> = ids.iter().map(String::as_str).collect();
            src.err(
                s,
                key,
                format!("unknown measure id `{}`", s.value),
                &format!("use the id of a measure of this scenario ({})", abbreviate(&known)),
            )
        })
    };
    // `tag:NAME` in a relation stands for every measure carrying the tag (but the measure itself).
    let tagged = |s: &S, key: &str| -> Result<Vec<usize>> {
        let tag = s.value.strip_prefix("tag:").unwrap_or("");
        let hits: Vec<usize> = merged
            .measures
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| m.tags.iter().any(|t| t.value == tag))
            .map(|(j, _)| j)
            .collect();
        if hits.is_empty() {
            return Err(src.err(
                s,
                key,
                format!("no measure carries the tag `{tag}`"),
                "add `tags = [\"NAME\"]` to the measures it stands for",
            ));
        }
        Ok(hits)
    };
    for (i, (m, _)) in merged.measures.iter().enumerate() {
        for (list, key) in [(&m.replaces, "replaces"), (&m.excluded_by, "excluded_by")] {
            let mut out = Vec::new();
            for r in list {
                if r.value.starts_with("tag:") {
                    for j in tagged(r, key)? {
                        if j != i && !out.contains(&j) {
                            out.push(j);
                        }
                    }
                    continue;
                }
                let j = find(r, key)?;
                if j == i {
                    return Err(src.err(
                        r,
                        key,
                        format!("measure `{}` names itself", r.value),
                        "remove it from the list",
                    ));
                }
                out.push(j);
            }
            if key == "replaces" { measures[i].replaces = out } else { measures[i].excluded_by = out }
        }
        let key = "excluded_portion_only_by";
        let mut portion = Vec::new();
        for r in &m.excluded_portion_only_by {
            let js = if r.value.starts_with("tag:") { tagged(r, key)? } else { vec![find(r, key)?] };
            for j in js {
                if !measures[i].excluded_by.contains(&j) {
                    return Err(src.err(
                        r,
                        key,
                        format!("`{}` is not in this measure's `excluded_by`", r.value),
                        "name measures of `excluded_by` only (they exclude the value they charge), or add it there",
                    ));
                }
                if !portion.contains(&j) {
                    portion.push(j);
                }
            }
        }
        match (&m.excluded_portion_only_from, portion.is_empty()) {
            (Some(d), false) => {
                measures[i].excluded_portion_only_from =
                    Some(parse_date(src, d, &format!("measure.{}.excluded_portion_only_from", m.id.value))?);
            }
            (Some(d), true) => {
                return Err(src.err(
                    d,
                    "excluded_portion_only_from",
                    "`excluded_portion_only_from` without `excluded_portion_only_by` has no effect".into(),
                    "name the measures that exclude only their charged value in excluded_portion_only_by, or remove it",
                ));
            }
            (None, false) => {
                return Err(src.err(
                    &m.id,
                    "excluded_portion_only_from",
                    "`excluded_portion_only_by` needs the date from which it holds".into(),
                    "add excluded_portion_only_from = \"YYYY-MM-DD\" (the first entry date of the rule)",
                ));
            }
            (None, true) => {}
        }
        measures[i].excluded_portion_only_by = portion;
    }
    for i in 0..measures.len() {
        for j in measures[i].replaces.clone() {
            measures[j].replaced_by.push(i);
        }
    }
    let mut exemptions = Vec::new();
    for (e, _) in &merged.exemptions {
        if ids.contains(&e.id.value) {
            return Err(src.err(
                &e.id,
                "exemption.id",
                format!("id `{}` is used by a measure and an exemption", e.id.value),
                "give the exemption its own id",
            ));
        }
        let ex = compile_exemption(&ctx, e, &ids)?;
        for &j in &ex.applies_to {
            measures[j].exemptions.push(exemptions.len());
        }
        exemptions.push(ex);
    }
    let mut base_rates = Vec::new();
    for (b, file_idx) in &merged.base_rates {
        if ids.contains(&b.id.value) || merged.exemptions.iter().any(|(e, _)| e.id.value == b.id.value) {
            return Err(src.err(
                &b.id,
                "base_rate.id",
                format!("id `{}` is used by a base rate and a measure or exemption", b.id.value),
                "give the base rate its own id",
            ));
        }
        base_rates.push(compile_base_rate(&ctx, b, &src.files[*file_idx].name)?);
    }
    let eval_order = evaluation_order(&measures).map_err(|cycle| {
        let first = &merged.measures[cycle[0]].0;
        let names: Vec<&str> = cycle.iter().map(|&i| ids[i].as_str()).collect();
        src.err(
            &first.id,
            "replaces/excluded_by",
            format!("the relations form a cycle: {} -> {}", names.join(" -> "), names[0]),
            "remove one `replaces` or `excluded_by` entry so that the measures can be ordered",
        )
    })?;
    Ok(Scenario {
        name,
        title: merged.title,
        description: merged.description,
        extends: merged.extends,
        freeze_on,
        law,
        note: merged.note,
        list_index: Arc::clone(list_index),
        lists: Arc::clone(&compiled.lists),
        groups,
        measures,
        exemptions,
        base_rates,
        eval_order,
        files: files.iter().map(|&i| src.files[i].name.clone()).collect(),
    })
}

/// Each list's include and exclude prefixes, with the lists it names (`list:NAME` in `include` or
/// `exclude`) expanded. A list may include several lists that have no `exclude` of their own, or one
/// list with its excludes (and then no prefixes of its own beside it); it may exclude lists that have
/// no `exclude` of their own; a named list must not carry its own window (the naming list's governs).
/// Any other combination would change the meaning when flattened, and is refused with the fix.
fn flatten_lists(lists: &BTreeMap<String, RawList>, src: &Sources) -> Result<BTreeMap<String, (PrefixSet, PrefixSet)>> {
    fn visit(
        name: &str,
        lists: &BTreeMap<String, RawList>,
        src: &Sources,
        done: &mut BTreeMap<String, (PrefixSet, PrefixSet)>,
        stack: &mut Vec<String>,
    ) -> Result<()> {
        if done.contains_key(name) {
            return Ok(());
        }
        let l = &lists[name];
        stack.push(name.to_string());
        let mut include = PrefixSet::default();
        let mut exclude = PrefixSet::default();
        let mut named_includes: Vec<&S> = Vec::new();
        for (entries, is_include) in [(&l.include, true), (&l.exclude, false)] {
            let key = format!("lists.{name}.{}", if is_include { "include" } else { "exclude" });
            for e in entries {
                let Some(other) = e.value.trim().strip_prefix("list:") else {
                    let p = HtsCode::parse_prefix(&e.value).map_err(|m| {
                        src.err(e, &key, m, "write an HTS prefix of 2 to 10 digits (dots allowed), or `list:NAME`")
                    })?;
                    if is_include {
                        include.insert(p)
                    } else {
                        exclude.insert(p)
                    }
                    continue;
                };
                let Some(o) = lists.get(other) else {
                    let known: Vec<&str> = lists.keys().map(String::as_str).collect();
                    return Err(src.err(
                        e,
                        &key,
                        format!("unknown product list `{other}`"),
                        &format!("define [lists.{other}] or use one of: {}", abbreviate(&known)),
                    ));
                };
                if stack.iter().any(|n| n == other) {
                    return Err(src.err(
                        e,
                        &key,
                        format!("lists name each other in a cycle: {} -> {other}", stack.join(" -> ")),
                        "make one of these lists stop naming the other",
                    ));
                }
                if o.from.is_some() || o.until.is_some() {
                    return Err(src.err(
                        e,
                        &key,
                        format!("list `{other}` has its own window (from/until), which a list naming it would drop"),
                        "remove the window from the named list, or name its codes instead",
                    ));
                }
                visit(other, lists, src, done, stack)?;
                let (inc, exc) = &done[other];
                if !is_include && !exc.prefixes().is_empty() {
                    return Err(src.err(
                        e,
                        &key,
                        format!("list `{other}` has excludes of its own; excluding it would not mean what it says"),
                        "exclude a list without `exclude`, or name the codes",
                    ));
                }
                let target = if is_include { &mut include } else { &mut exclude };
                for p in inc.prefixes() {
                    target.insert(*p);
                }
                if is_include {
                    named_includes.push(e);
                }
            }
        }
        // Excludes of a named list carry over only when it is the list's whole include.
        let alone = named_includes.len() == 1 && l.include.len() == 1;
        for e in &named_includes {
            let other = e.value.trim().trim_start_matches("list:");
            let exc = done[other].1.prefixes().to_vec();
            if exc.is_empty() {
                continue;
            }
            if !alone {
                return Err(src.err(
                    e,
                    &format!("lists.{name}.include"),
                    format!("list `{other}` has excludes of its own and is included beside other entries"),
                    "include it alone (and exclude what else must go), or include lists without `exclude`",
                ));
            }
            for p in exc {
                exclude.insert(p);
            }
        }
        stack.pop();
        done.insert(name.to_string(), (include, exclude));
        Ok(())
    }
    let mut done = BTreeMap::new();
    for name in lists.keys() {
        visit(name, lists, src, &mut done, &mut Vec::new())?;
    }
    Ok(done)
}

fn unreachable_name() -> S {
    S { value: String::new(), span: 0..0, file: 0 }
}

fn compile_measure(ctx: &Ctx<'_>, m: &RawMeasure, file: &str) -> Result<Measure> {
    let src = ctx.src;
    let id_ok =
        !m.id.value.is_empty() && m.id.value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !id_ok {
        return Err(src.err(
            &m.id,
            "measure.id",
            format!("measure id `{}` is not lower-case letters, digits and `_`", m.id.value),
            "rename it, e.g. `s232_autos`",
        ));
    }
    let key = |k: &str| format!("measure.{}.{k}", m.id.value);
    let certainty = parse_certainty(src, m.certainty.as_ref(), &key("certainty"))?;
    let parse_base = |b: &Option<S>, k: &str| -> Result<Option<Base>> {
        match b {
            None => Ok(None),
            Some(b) => Base::parse(&b.value).map(Some).ok_or_else(|| {
                src.err(
                    b,
                    &key(k),
                    format!("unknown base `{}`", b.value),
                    "use customs_value, non_us_content, steel_content, aluminum_content or copper_content",
                )
            }),
        }
    };
    let base = parse_base(&m.base, "base")?.unwrap_or(Base::CustomsValue);
    let products = ctx.products(&m.products, &key("products"))?;
    let (origins, origins_text) = ctx.origins(&m.origins, &key("origins"), &m.id)?;
    if m.in_force.is_empty() {
        return Err(src.err(
            &m.id,
            &key("in_force"),
            "no in-force window".into(),
            "add in_force = [{ from = \"YYYY-MM-DD\" }]",
        ));
    }
    let in_force: Vec<Window> =
        parse_windows(src, &m.in_force, &key("in_force"), true)?.into_iter().map(|(w, _)| w).collect();
    let mut suspended = Vec::new();
    for (raw, (window, reason)) in m.suspended.iter().zip(parse_windows(src, &m.suspended, &key("suspended"), false)?) {
        let origins = match &raw.origins {
            Some(o) => Some(ctx.origins(o, &key("suspended.origins"), &raw.from)?.0),
            None => None,
        };
        suspended.push(Suspension { window, reason, origins });
    }
    for (i, a) in suspended.iter().enumerate() {
        for b in &suspended[i + 1..] {
            let same_origins = match (&a.origins, &b.origins) {
                (Some(x), Some(y)) => x.intersects(y),
                _ => true,
            };
            if same_origins && a.window.overlaps(&b.window) {
                return Err(src.err(
                    &m.id,
                    &key("suspended"),
                    format!("suspensions overlap: {} and {}", a.window, b.window),
                    "make the suspension windows (or their origins) disjoint",
                ));
            }
        }
    }
    let in_transit = match &m.in_transit {
        Some(t) => Some(InTransit {
            loaded_before: parse_date(src, &t.loaded_before, &key("in_transit.loaded_before"))?,
            entered_before: parse_date(src, &t.entered_before, &key("in_transit.entered_before"))?,
            citation: check_citation(src, &t.citation, &key("in_transit.citation"))?,
        }),
        None => None,
    };
    let exempt_spi = special_programs(src, &m.exempt_spi, &key("exempt_spi"))?;
    if m.rate.is_empty() {
        return Err(src.err(
            &m.id,
            &key("rate"),
            "the measure has no [[measure.rate]]".into(),
            "add at least one rate with a citation and a duty",
        ));
    }
    let mut rates: Vec<MeasureRate> = Vec::new();
    let mut rate_locs: Vec<&S> = Vec::new();
    for r in &m.rate {
        // A ban has no Chapter 99 heading: it cites its instrument (`Proclamation 11061`).
        let citation = match &m.prohibited {
            Some(_) if r.citation.value.starts_with("Proclamation ") || r.citation.value.starts_with("EO ") => {
                r.citation.value.clone()
            }
            _ => check_citation(src, &r.citation, &key("rate.citation"))?,
        };
        let duty = match (&r.duty, &r.inclusive) {
            (Some(d), None) => {
                if let Some(c) = &r.citation_at_or_above {
                    return Err(src.err(
                        c,
                        &key("rate.citation_at_or_above"),
                        "`citation_at_or_above` only goes with `inclusive`".into(),
                        "remove it, or make the rate inclusive",
                    ));
                }
                Duty::AddOn(
                    Rate::parse_percent(&d.value)
                        .map_err(|e| src.err(d, &key("rate.duty"), e, "write e.g. \"25%\""))?,
                )
            }
            (None, Some(t)) => {
                let target = Rate::parse_percent(&t.value)
                    .map_err(|e| src.err(t, &key("rate.inclusive"), e, "write e.g. \"15%\""))?;
                let Some(c) = &r.citation_at_or_above else {
                    return Err(src.err(
                        t,
                        &key("rate.citation_at_or_above"),
                        "an inclusive rate needs the heading declared when MFN is already at or above the target"
                            .into(),
                        "add citation_at_or_above = \"9903.xx.xx\"",
                    ));
                };
                Duty::Inclusive {
                    target,
                    citation_at_or_above: check_citation(src, c, &key("rate.citation_at_or_above"))?,
                }
            }
            (Some(d), Some(_)) => {
                return Err(src.err(
                    d,
                    &key("rate"),
                    "a rate has both `duty` and `inclusive`".into(),
                    "keep one of them",
                ));
            }
            (None, None) => {
                return Err(src.err(
                    &r.citation,
                    &key("rate"),
                    "a rate has neither `duty` nor `inclusive`".into(),
                    "add duty = \"x%\" or inclusive = \"x%\"",
                ));
            }
        };
        let origins_n = match &r.origins {
            Some(o) => {
                let (mut set, _) = ctx.origins(o, &key("rate.origins"), &r.citation)?;
                let outside: Vec<String> =
                    set.iter().filter(|c| !origins.contains(*c)).map(|c| c.to_string()).collect();
                if !outside.is_empty() && !o.include.iter().any(|e| e.value == "*") {
                    return Err(src.err(
                        &r.citation,
                        &key("rate.origins"),
                        format!("the rate names origins outside the measure's origins: {}", outside.join(", ")),
                        "add them to the measure's origins or remove them from the rate",
                    ));
                }
                let mut within = origins.clone();
                within.remove_all(&{
                    let mut not = CountrySet::all();
                    not.remove_all(&set);
                    not
                });
                set = within;
                Some(set)
            }
            None => None,
        };
        let products_n = r.products.as_ref().map(|p| ctx.products(p, &key("rate.products"))).transpose()?;
        let from = r.from.as_ref().map(|d| parse_date(src, d, &key("rate.from"))).transpose()?;
        let until = r.until.as_ref().map(|d| parse_date(src, d, &key("rate.until"))).transpose()?;
        if let (Some(f), Some(u)) = (from, until)
            && u <= f
        {
            return Err(src.err(
                r.until.as_ref().unwrap(),
                &key("rate.until"),
                format!("rate window ends on {u}, not after its start {f}"),
                "`until` is the first day after the window; make it later than `from`",
            ));
        }
        let declared = declared_heading(src, r.declared, &r.citation, &key("rate.declared"))?;
        if r.spanned.is_some() && declared.is_none() {
            return Err(src.err(
                &r.citation,
                &key("rate.spanned"),
                "`spanned` only goes with `declared = true`".into(),
                "remove `spanned`, or make the rate declared",
            ));
        }
        // A declared inclusive rate is recognised by either of its headings: the top-up one, or the one
        // an importer whose column 1 is already at or above the target declares.
        let declared_also = match (&duty, declared) {
            (Duty::Inclusive { citation_at_or_above, .. }, Some(h)) => {
                crate::codes::Heading::parse(citation_at_or_above).ok().filter(|a| *a != h)
            }
            _ => None,
        };
        let rate = MeasureRate {
            declared,
            declared_also,
            spanned: r.spanned.unwrap_or(true),
            spi: special_programs(src, &r.spi, &key("rate.spi"))?,
            citation,
            duty,
            origins: origins_n,
            products: products_n,
            window: Window { from, until },
            base: parse_base(&r.base, "rate.base")?,
            note: r.note.clone(),
        };
        for (j, other) in rates.iter().enumerate() {
            let origins_a = other.origins.as_ref().unwrap_or(&origins);
            let origins_b = rate.origins.as_ref().unwrap_or(&origins);
            let products_overlap = match (&other.products, &rate.products) {
                (Some(a), Some(b)) => scopes_may_overlap(a, b, ctx),
                _ => true,
            };
            // A rate that needs a declaration may stand before one that does not (the declared branch
            // first, the default after it); the other way round it could never apply.
            // Likewise a rate for flows claiming a program before one for any flow.
            let told_apart = (other.declared.is_some() && other.declared != rate.declared)
                || (!other.spi.is_empty() && other.spi != rate.spi);
            if origins_a.intersects(origins_b) && other.window.overlaps(&rate.window) && products_overlap && !told_apart
            {
                let mut common = origins_a.clone();
                common.remove_all(&{
                    let mut not = CountrySet::all();
                    not.remove_all(origins_b);
                    not
                });
                let sample: Vec<String> = common.iter().take(5).map(|c| c.to_string()).collect();
                return Err(src.err(
                    &r.citation,
                    &key("rate"),
                    format!(
                        "rate {} ({}) and rate {} ({}) could both apply to one flow (origins {}; windows {} and {})",
                        j + 1,
                        other.citation,
                        rates.len() + 1,
                        rate.citation,
                        sample.join(", "),
                        other.window,
                        rate.window
                    ),
                    "narrow them with disjoint origins, products or from/until",
                ));
            }
        }
        rate_locs.push(&r.citation);
        rates.push(rate);
    }
    let on_non_us_content = base == Base::NonUsContent || rates.iter().any(|r| r.base == Some(Base::NonUsContent));
    let share = |t: &S, field: &str| -> Result<rust_decimal::Decimal> {
        Ok(crate::money::Rate::parse_percent(&t.value)
            .map_err(|msg| src.err(t, &key(field), format!("`{}`: {msg}", t.value), "write a share such as \"20%\""))?
            .fraction())
    };
    let us_content_rule = match (&m.us_content_threshold, &m.us_content_exempt_up_to, on_non_us_content) {
        (Some(t), None, true) => Some(UsContentRule::WholeFromShare(share(t, "us_content_threshold")?)),
        (None, Some(c), true) => Some(UsContentRule::UpToShare(share(c, "us_content_exempt_up_to")?)),
        (Some(_), Some(c), _) => {
            return Err(src.err(
                c,
                &key("us_content_exempt_up_to"),
                "a measure has one US-content rule: `us_content_threshold` and `us_content_exempt_up_to` are both given".into(),
                "keep us_content_threshold (all US content carved out from that share) or us_content_exempt_up_to (carved out up to that share), not both",
            ));
        }
        (Some(t), None, false) | (None, Some(t), false) => {
            let field =
                if m.us_content_threshold.is_some() { "us_content_threshold" } else { "us_content_exempt_up_to" };
            return Err(src.err(
                t,
                &key(field),
                format!("`{field}` on a measure with no `non_us_content` base has no effect"),
                "remove it, or set base = \"non_us_content\"",
            ));
        }
        (None, None, true) => {
            return Err(src.err(
                &m.id,
                &key("us_content_threshold"),
                "a measure charged on non-US content needs its US-content rule".into(),
                "add us_content_threshold = \"20%\" (EO 14257 sec. 3(d): all US content carved out from 20%) or us_content_exempt_up_to = \"40%\" (U.S. note 16(j): carved out up to 40% of the value), as its law gives",
            ));
        }
        (None, None, false) => None,
    };
    Ok(Measure {
        id: m.id.value.clone(),
        title: m.title.clone(),
        source: m.source.clone(),
        certainty,
        note: m.note.clone(),
        products,
        origins,
        origins_text,
        in_force,
        suspended,
        base,
        replaces: Vec::new(),
        excluded_by: Vec::new(),
        excluded_portion_only_by: Vec::new(),
        excluded_portion_only_from: None,
        replaced_by: Vec::new(),
        exempt_spi,
        excluded_until: m
            .excluded_until
            .as_ref()
            .map(|s| parse_date(ctx.src, s, &format!("measure.{}.excluded_until", m.id.value)))
            .transpose()?,
        prohibited: m.prohibited.clone(),
        in_transit,
        exemptions: Vec::new(),
        scheduled: m.scheduled,
        tags: m.tags.iter().map(|t| t.value.clone()).collect(),
        us_content_rule,
        rates,
        defined_in: match ctx.src.locate(&m.id) {
            (f, Some(line), _) => format!("{f}:{line}"),
            _ => file.to_string(),
        },
    })
}

fn compile_base_rate(ctx: &Ctx<'_>, b: &RawBaseRate, file: &str) -> Result<BaseRate> {
    let src = ctx.src;
    let id_ok =
        !b.id.value.is_empty() && b.id.value.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
    if !id_ok {
        return Err(src.err(
            &b.id,
            "base_rate.id",
            format!("base rate id `{}` is not lower-case letters, digits and `_`", b.id.value),
            "rename it, e.g. `column2_russia_belarus`",
        ));
    }
    let key = |k: &str| format!("base_rate.{}.{k}", b.id.value);
    let duty = match (&b.column, &b.rate) {
        (Some(c), None) if c.value == "column2" => BaseDuty::Column2,
        (Some(c), None) => {
            return Err(src.err(
                c,
                &key("column"),
                format!("unknown column `{}`", c.value),
                "use column = \"column2\"",
            ));
        }
        (None, Some(r)) => BaseDuty::InLieu(crate::rate_text::RateExpr::parse(&r.value).map_err(|m| {
            src.err(
                r,
                &key("rate"),
                format!("`{}`: {m}", r.value),
                "write the rate in lieu as in the HTS, e.g. \"35%\"",
            )
        })?),
        (Some(c), Some(_)) => {
            return Err(src.err(
                c,
                &key("column"),
                "a base rate has both `column` and `rate`".into(),
                "keep one of them",
            ));
        }
        (None, None) => {
            return Err(src.err(
                &b.id,
                &key("column"),
                "a base rate has neither `column` nor `rate`".into(),
                "add column = \"column2\" or rate = \"35%\" (a rate in lieu)",
            ));
        }
    };
    let from = b.from.as_ref().map(|d| parse_date(src, d, &key("from"))).transpose()?;
    let until = b.until.as_ref().map(|d| parse_date(src, d, &key("until"))).transpose()?;
    if let (Some(f), Some(u), Some(us)) = (from, until, &b.until)
        && u <= f
    {
        return Err(src.err(
            us,
            &key("until"),
            format!("window ends on {u}, not after its start {f}"),
            "`until` is the first day after the window; make it later than `from`",
        ));
    }
    let products = match &b.products {
        Some(p) => ctx.products(p, &key("products"))?,
        None => ProductScope { all: true, text: "*".into(), ..ProductScope::default() },
    };
    Ok(BaseRate {
        id: b.id.value.clone(),
        title: b.title.clone(),
        source: b.source.clone(),
        certainty: parse_certainty(src, b.certainty.as_ref(), &key("certainty"))?,
        note: b.note.clone(),
        duty,
        citation: b.citation.as_ref().map(|c| check_citation(src, c, &key("citation"))).transpose()?,
        origins: ctx.origins(&b.origins, &key("origins"), &b.id)?.0,
        products,
        window: Window { from, until },
        defined_in: match src.locate(&b.id) {
            (f, Some(line), _) => format!("{f}:{line}"),
            _ => file.to_string(),
        },
    })
}

/// A measure's or exemption's `certainty` (primary when absent).
fn parse_certainty(src: &Sources, value: Option<&S>, key: &str) -> Result<Certainty> {
    match value {
        None => Ok(Certainty::Primary),
        Some(v) => match v.value.as_str() {
            "primary" => Ok(Certainty::Primary),
            "secondary" => Ok(Certainty::Secondary),
            "unverified" => Ok(Certainty::Unverified),
            other => {
                Err(src.err(v, key, format!("unknown certainty `{other}`"), "use primary, secondary or unverified"))
            }
        },
    }
}

fn compile_exemption(ctx: &Ctx<'_>, e: &RawExemption, ids: &[String]) -> Result<Exemption> {
    let src = ctx.src;
    let key = |k: &str| format!("exemption.{}.{k}", e.id.value);
    let certainty = parse_certainty(src, e.certainty.as_ref(), &key("certainty"))?;
    let mut applies_to = Vec::new();
    for a in &e.applies_to {
        let Some(j) = ids.iter().position(|i| *i == a.value) else {
            let known: Vec<&str> = ids.iter().map(String::as_str).collect();
            return Err(src.err(
                a,
                &key("applies_to"),
                format!("unknown measure id `{}`", a.value),
                &format!("use the id of a measure of this scenario ({})", abbreviate(&known)),
            ));
        };
        applies_to.push(j);
    }
    if applies_to.is_empty() {
        return Err(src.err(
            &e.id,
            &key("applies_to"),
            "the exemption lifts no measure".into(),
            "name the measures it lifts",
        ));
    }
    let from = e.from.as_ref().map(|d| parse_date(src, d, &key("from"))).transpose()?;
    let until = e.until.as_ref().map(|d| parse_date(src, d, &key("until"))).transpose()?;
    if let (Some(f), Some(u)) = (from, until)
        && u <= f
    {
        return Err(src.err(
            e.until.as_ref().unwrap(),
            &key("until"),
            format!("window ends on {u}, not after its start {f}"),
            "`until` is the first day after the window; make it later than `from`",
        ));
    }
    let programs = |list: &[S], k: &str| special_programs(src, list, &key(k));
    let citation = check_citation(src, &e.citation, &key("citation"))?;
    Ok(Exemption {
        declared: match &e.declared_run {
            None => declared_heading(src, e.declared, &e.citation, &key("declared"))?.map(HeadingRange::single),
            Some(run) if e.declared => Some(
                HeadingRange::parse(&run.value)
                    .map_err(|m| src.err(run, &key("declared_run"), m, "write the run as \"9903.80.65-9903.81.19\""))?,
            ),
            Some(run) => {
                return Err(src.err(
                    run,
                    &key("declared_run"),
                    "`declared_run` without `declared = true`".into(),
                    "add declared = true, or remove declared_run",
                ));
            }
        },
        spi: programs(&e.spi, "spi")?,
        unless_spi: programs(&e.unless_spi, "unless_spi")?,
        id: e.id.value.clone(),
        citation,
        reason: e.reason.clone(),
        source: e.source.clone(),
        certainty,
        note: e.note.clone(),
        applies_to,
        products: ctx.products(&e.products, &key("products"))?,
        origins: e.origins.as_ref().map(|o| ctx.origins(o, &key("origins"), &e.id).map(|x| x.0)).transpose()?,
        window: Window { from, until },
    })
}

/// Special program codes as written (`S`, `S+`, `A*`), each checked.
fn special_programs(src: &Sources, list: &[S], key: &str) -> Result<Vec<String>> {
    list.iter()
        .map(|p| {
            let ok = (1..=3).contains(&p.value.len())
                && p.value.bytes().all(|b| b.is_ascii_uppercase() || b == b'+' || b == b'*');
            if ok {
                Ok(p.value.clone())
            } else {
                Err(src.err(
                    p,
                    key,
                    format!("`{}` is not a special program code", p.value),
                    "use the HTS code, e.g. \"S\" (USMCA)",
                ))
            }
        })
        .collect()
}

/// The heading a branch needs declared: its own citation, when `declared = true`.
fn declared_heading(src: &Sources, declared: bool, citation: &S, key: &str) -> Result<Option<crate::codes::Heading>> {
    if !declared {
        return Ok(None);
    }
    crate::codes::Heading::parse(&citation.value)
        .map(Some)
        .map_err(|m| src.err(citation, key, m, "a branch that must be declared cites its exact heading (no `xx`)"))
}

fn scopes_may_overlap(a: &ProductScope, b: &ProductScope, ctx: &Ctx<'_>) -> bool {
    let _ = ctx;
    // `b` cannot share a code with `a` when everything `b` includes is excluded by `a` (or vice versa).
    let excluded_by = |x: &ProductScope, y: &ProductScope| {
        !y.all
            && y.include_lists.iter().all(|l| x.exclude_lists.contains(l))
            && y.include.prefixes().iter().all(|p| x.exclude.matches(p))
    };
    if excluded_by(a, b) || excluded_by(b, a) {
        return false;
    }
    if a.all || b.all {
        return true;
    }
    let lists_a: BTreeSet<usize> = a.include_lists.iter().copied().collect();
    if b.include_lists.iter().any(|l| lists_a.contains(l)) {
        return true;
    }
    // Prefix against prefix; two different lists are compared by identity only (lists that share
    // codes on purpose, e.g. a general list and a dated addition, are the author's intent).
    a.include.may_overlap(&b.include)
}
