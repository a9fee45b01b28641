//! Loading: a scenario name or path to its file, `extends` and `include` resolved, the files merged,
//! then compiled ([`super::compile`]) into a checked [`Scenario`].

use super::builtin::bundled_text;
use super::compile::{ListsSlot, compile};
use super::error::{Result, SourceFile, Sources, line_col, plain_err};
use super::raw::{CURRENT_FILE, RawBaseRate, RawExemption, RawFile, RawGroup, RawList, RawListsFile, RawMeasure, S};
use super::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where a file comes from: the bundled set or the disk.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    Bundled(String),
    Disk(PathBuf),
}

impl Origin {
    fn display(&self) -> String {
        match self {
            Origin::Bundled(p) => format!("scenarios/{p}"),
            Origin::Disk(p) => p.display().to_string(),
        }
    }

    /// Resolves `target` (an `extends` or `include` value) relative to this file. A file on disk may
    /// only reference files in its own folder or below it: an absolute path, a `..`, or a symbolic
    /// link that leads out of the folder is refused (the error says why, for the value's place).
    fn resolve(&self, target: &str, is_scenario_name: bool) -> std::result::Result<Origin, String> {
        let looks_like_name = is_scenario_name && !target.contains('/') && !target.ends_with(".toml");
        Ok(match self {
            _ if looks_like_name && bundled_text(&format!("{target}.toml")).is_some() => {
                Origin::Bundled(format!("{target}.toml"))
            }
            Origin::Bundled(p) => {
                let dir = Path::new(p).parent().map(|d| d.to_string_lossy().to_string()).unwrap_or_default();
                let joined = if dir.is_empty() { target.to_string() } else { format!("{dir}/{target}") };
                let file = if looks_like_name { format!("{joined}.toml") } else { joined };
                Origin::Bundled(file)
            }
            Origin::Disk(p) => {
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                let file = if looks_like_name { format!("{target}.toml") } else { target.to_string() };
                let relative = Path::new(&file);
                let inside = relative.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
                if !inside {
                    return Err(format!(
                        "`{target}` is outside the folder of {}: a scenario names files in its own folder or below it",
                        self.display()
                    ));
                }
                let joined = dir.join(relative);
                // After symbolic links: still inside the folder?
                if let (Ok(folder), Ok(real)) = (std::fs::canonicalize(dir), std::fs::canonicalize(&joined))
                    && !real.starts_with(&folder)
                {
                    return Err(format!(
                        "`{target}` leads outside the folder of {} (through a symbolic link)",
                        self.display()
                    ));
                }
                Origin::Disk(joined)
            }
        })
    }

    /// What makes two spellings of a file the same file (for finding cycles).
    fn identity(&self) -> String {
        match self {
            Origin::Bundled(p) => format!("bundled:{p}"),
            Origin::Disk(p) => crate::files::identity(p).unwrap_or_else(|| format!("path:{}", p.display())),
        }
    }
}

/// The merged product lists of a scenario, by name.
pub(super) type RawLists = Arc<BTreeMap<String, RawList>>;

#[derive(Clone, Default)]
pub(super) struct Merged {
    pub(super) name: Option<S>,
    pub(super) title: String,
    pub(super) description: String,
    pub(super) note: String,
    pub(super) extends: Option<String>,
    pub(super) freeze_on: Option<S>,
    pub(super) law_as_of: Option<S>,
    pub(super) hts_revision: Option<String>,
    pub(super) covers_from: Option<S>,
    pub(super) known_gaps: Option<Vec<String>>,
    /// Shared with the parent's until a file changes them (a sweep's variants rarely do).
    pub(super) lists: RawLists,
    pub(super) groups: BTreeMap<String, RawGroup>,
    pub(super) measures: Vec<(RawMeasure, usize)>,
    pub(super) exemptions: Vec<(RawExemption, usize)>,
    pub(super) base_rates: Vec<(RawBaseRate, usize)>,
}

/// A scenario file already loaded (with its ancestors and included parts) in this session.
#[derive(Clone)]
struct Loaded {
    /// The merged result of the file, its ancestors and its included parts.
    merged: Merged,
    /// The files it was built from, in the order read (indices in the session's sources).
    files: Vec<usize>,
    /// The identities of the scenario files in its `extends` chain (the file's own first).
    chain: Vec<String>,
}

/// Reads, parses and merges the files of one scenario, in a session's sources and with its cache.
struct Loader<'s> {
    sources: &'s mut Sources,
    /// Scenario files already loaded in the session, by identity ([`Origin::identity`]).
    loaded: &'s mut HashMap<String, Loaded>,
    stack: Vec<Origin>,
    /// The files this scenario is built from so far, in the order read (indices in `sources`).
    files: Vec<usize>,
    /// The identities of the scenario files loaded so far (not their included parts).
    chain: Vec<String>,
}

impl Loader<'_> {
    fn read(&mut self, origin: &Origin, what: &str) -> Result<usize> {
        let text = match origin {
            Origin::Bundled(p) => bundled_text(p).map(str::to_string).ok_or_else(|| {
                plain_err(
                    &origin.display(),
                    "",
                    format!("no bundled {what} `{p}`"),
                    &format!("use one of the bundled scenarios ({})", super::bundled_names().join(", ")),
                )
            })?,
            Origin::Disk(p) => crate::files::read_regular_text(p, crate::files::MAX_SCENARIO_BYTES).map_err(|e| {
                plain_err(&origin.display(), "", format!("cannot read the {what}: {e}"), "check the path")
            })?,
        };
        self.sources.files.push(SourceFile::new(origin.display(), text));
        self.files.push(self.sources.files.len() - 1);
        Ok(self.sources.files.len() - 1)
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, idx: usize) -> Result<T> {
        CURRENT_FILE.set(idx);
        let file = &self.sources.files[idx];
        toml::from_str::<T>(&file.text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(&file.text, s.start)).unzip();
            let message = e.message().trim().replace('\n', " ");
            let fix = if message.contains("unknown field") {
                "remove or rename the key (the keys are listed in scenarios/README.md)"
            } else if message.contains("missing field") {
                "add the key (see scenarios/README.md)"
            } else {
                "correct the TOML at this place (see scenarios/README.md)"
            };
            Box::new(ScenarioError {
                file: file.name.clone(),
                line,
                column,
                key: String::new(),
                message,
                fix: fix.into(),
            })
        })
    }

    /// Loads a scenario file and its ancestors, merged; a file loaded before in the session (the
    /// parent of several variants) is taken from the session's cache, not read and parsed again,
    /// unless its chain holds a file being loaded (then it is loaded again, and the cycle refused).
    fn load(&mut self, origin: Origin) -> Result<Merged> {
        let identity = origin.identity();
        if self.stack.iter().any(|o| o.identity() == identity) {
            let chain: Vec<String> = self.stack.iter().chain(std::iter::once(&origin)).map(Origin::display).collect();
            return Err(plain_err(
                &origin.display(),
                "extends",
                format!("`extends` forms a cycle: {}", chain.join(" -> ")),
                "make one of these files stop extending the other",
            ));
        }
        if let Some(hit) = self.loaded.get(&identity)
            && !self.stack.iter().any(|o| hit.chain.contains(&o.identity()))
        {
            self.files.extend_from_slice(&hit.files);
            self.chain.extend(hit.chain.iter().cloned());
            return Ok(hit.merged.clone());
        }
        let (first_file, first_chain) = (self.files.len(), self.chain.len());
        self.chain.push(identity.clone());
        let merged = self.load_uncached(origin)?;
        let loaded = Loaded {
            merged: merged.clone(),
            files: self.files[first_file..].to_vec(),
            chain: self.chain[first_chain..].to_vec(),
        };
        self.loaded.insert(identity, loaded);
        Ok(merged)
    }

    fn load_uncached(&mut self, origin: Origin) -> Result<Merged> {
        let idx = self.read(&origin, "scenario file")?;
        let raw: RawFile = self.parse(idx)?;
        let header = &raw.scenario;
        let name_ok = !header.name.value.is_empty()
            && header.name.value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(self.sources.err(
                &header.name,
                "scenario.name",
                format!("scenario name `{}` is not lower-case letters, digits and `-`", header.name.value),
                "rename it, e.g. `pause-expires`",
            ));
        }
        self.stack.push(origin.clone());
        let mut merged = match &header.extends {
            Some(parent) => {
                let parent_origin = origin.resolve(&parent.value, true).map_err(|message| {
                    self.sources.err(
                        parent,
                        "scenario.extends",
                        message,
                        "copy the file into this folder, or name a bundled scenario",
                    )
                })?;
                if let Origin::Disk(p) = &parent_origin
                    && !p.exists()
                {
                    return Err(self.sources.err(
                        parent,
                        "scenario.extends",
                        format!(
                            "the scenario `{}` to extend does not exist (looked for {})",
                            parent.value,
                            p.display()
                        ),
                        &format!(
                            "name a bundled scenario ({}) or a path relative to this file",
                            super::bundled_names().join(", ")
                        ),
                    ));
                }
                if let Origin::Bundled(p) = &parent_origin
                    && bundled_text(p).is_none()
                {
                    return Err(self.sources.err(
                        parent,
                        "scenario.extends",
                        format!("no bundled scenario `{}`", parent.value),
                        &format!("use one of: {}", super::bundled_names().join(", ")),
                    ));
                }
                let mut m = self.load(parent_origin)?;
                m.extends = Some(m.name.as_ref().map(|n| n.value.clone()).unwrap_or_default());
                m
            }
            None => Merged::default(),
        };
        self.stack.pop();
        self.apply(&origin, idx, raw, &mut merged)?;
        Ok(merged)
    }

    fn apply(&mut self, origin: &Origin, idx: usize, raw: RawFile, merged: &mut Merged) -> Result<()> {
        let RawFile { scenario: header, lists, groups, measure, patch, exemption, base_rate } = raw;
        // Included list files first, so the file's own lists override them.
        let mut seen_in_includes: BTreeMap<String, S> = BTreeMap::new();
        let mut included_measures = Vec::new();
        let mut included_exemptions = Vec::new();
        let mut included_base_rates = Vec::new();
        for inc in &header.include {
            let inc_origin = origin.resolve(&inc.value, false).map_err(|message| {
                self.sources.err(inc, "scenario.include", message, "keep list files in this folder or below it")
            })?;
            let inc_idx = match self.read(&inc_origin, "list file") {
                Ok(i) => i,
                Err(e) => {
                    return Err(self.sources.err(
                        inc,
                        "scenario.include",
                        e.message.clone(),
                        "give a path relative to this file (e.g. \"lists/autos.toml\")",
                    ));
                }
            };
            let file: RawListsFile = self.parse(inc_idx)?;
            for (name, list) in file.lists {
                if let Some(prev) = seen_in_includes.insert(format!("list:{name}"), inc.clone()) {
                    return Err(self.sources.err(
                        inc,
                        "scenario.include",
                        format!("list `{name}` is defined in two included files (also via `{}`)", prev.value),
                        "rename one of them",
                    ));
                }
                Arc::make_mut(&mut merged.lists).insert(name, list);
            }
            for (name, group) in file.groups {
                merged.groups.insert(name, group);
            }
            included_measures.extend(file.measure.into_iter().map(|m| (m, inc_idx)));
            included_exemptions.extend(file.exemption.into_iter().map(|e| (e, inc_idx)));
            included_base_rates.extend(file.base_rate.into_iter().map(|b| (b, inc_idx)));
        }
        if !lists.is_empty() {
            Arc::make_mut(&mut merged.lists).extend(lists);
        }
        merged.groups.extend(groups);
        let mut removed: BTreeSet<String> = BTreeSet::new();
        for r in &header.remove {
            if let Some(pos) = merged.measures.iter().position(|(m, _)| m.id.value == r.value) {
                merged.measures.remove(pos);
                removed.insert(r.value.clone());
            } else if let Some(pos) = merged.exemptions.iter().position(|(e, _)| e.id.value == r.value) {
                merged.exemptions.remove(pos);
            } else if let Some(pos) = merged.base_rates.iter().position(|(b, _)| b.id.value == r.value) {
                merged.base_rates.remove(pos);
            } else {
                return Err(self.unknown_id(r, "scenario.remove", merged));
            }
        }
        // A removed measure leaves the scenario whole: relations and exemptions that named it forget
        // it, and an exemption left lifting nothing goes too.
        if !removed.is_empty() {
            for (m, _) in &mut merged.measures {
                m.replaces.retain(|x| !removed.contains(&x.value));
                m.excluded_by.retain(|x| !removed.contains(&x.value));
                m.excluded_portion_only_by.retain(|x| !removed.contains(&x.value));
            }
            for (e, _) in &mut merged.exemptions {
                e.applies_to.retain(|x| !removed.contains(&x.value));
            }
            merged.exemptions.retain(|(e, _)| !e.applies_to.is_empty());
        }
        let mut ids_here: BTreeMap<String, S> = BTreeMap::new();
        // The file's own measures first, then those of its included parts, in include order.
        let exemption: Vec<(RawExemption, usize)> =
            exemption.into_iter().map(|e| (e, idx)).chain(included_exemptions).collect();
        let measure: Vec<(RawMeasure, usize)> =
            measure.into_iter().map(|m| (m, idx)).chain(included_measures).collect();
        for (e, file_idx) in exemption {
            if let Some(prev) = ids_here.insert(e.id.value.clone(), e.id.clone()) {
                let (_, line, _) = self.sources.locate(&prev);
                return Err(self.sources.err(
                    &e.id,
                    "exemption.id",
                    format!("id `{}` is defined twice in this file (first at line {})", e.id.value, line.unwrap_or(0)),
                    "give each [[exemption]] and [[measure]] its own id",
                ));
            }
            match merged.exemptions.iter().position(|(x, _)| x.id.value == e.id.value) {
                Some(pos) => merged.exemptions[pos] = (e, file_idx),
                None => merged.exemptions.push((e, file_idx)),
            }
        }
        for (m, file_idx) in measure {
            if let Some(prev) = ids_here.insert(m.id.value.clone(), m.id.clone()) {
                let (_, line, _) = self.sources.locate(&prev);
                return Err(self.sources.err(
                    &m.id,
                    "measure.id",
                    format!(
                        "measure id `{}` is defined twice in this file (first at line {})",
                        m.id.value,
                        line.unwrap_or(0)
                    ),
                    "give each [[measure]] its own id, or merge the two",
                ));
            }
            match merged.measures.iter().position(|(x, _)| x.id.value == m.id.value) {
                Some(pos) => merged.measures[pos] = (m, file_idx),
                None => merged.measures.push((m, file_idx)),
            }
        }
        let base_rate: Vec<(RawBaseRate, usize)> =
            base_rate.into_iter().map(|b| (b, idx)).chain(included_base_rates).collect();
        for (b, file_idx) in base_rate {
            if let Some(prev) = ids_here.insert(b.id.value.clone(), b.id.clone()) {
                let (_, line, _) = self.sources.locate(&prev);
                return Err(self.sources.err(
                    &b.id,
                    "base_rate.id",
                    format!("id `{}` is defined twice in this file (first at line {})", b.id.value, line.unwrap_or(0)),
                    "give each [[base_rate]], [[exemption]] and [[measure]] its own id",
                ));
            }
            match merged.base_rates.iter().position(|(x, _)| x.id.value == b.id.value) {
                Some(pos) => merged.base_rates[pos] = (b, file_idx),
                None => merged.base_rates.push((b, file_idx)),
            }
        }
        for p in patch {
            let Some(pos) = merged.measures.iter().position(|(m, _)| m.id.value == p.id.value) else {
                return Err(self.unknown_id(&p.id, "patch.id", merged));
            };
            merged.measures[pos].1 = idx;
            p.apply(&mut merged.measures[pos].0);
        }
        merged.title = header.title;
        merged.description = header.description;
        merged.note = header.note;
        if header.freeze_on.is_some() {
            merged.freeze_on = header.freeze_on;
        }
        // What the law is checked through is inherited, and a child may say more.
        if header.law_as_of.is_some() {
            merged.law_as_of = header.law_as_of;
        }
        if header.hts_revision.is_some() {
            merged.hts_revision = header.hts_revision;
        }
        if header.covers_from.is_some() {
            merged.covers_from = header.covers_from;
        }
        if header.known_gaps.is_some() {
            merged.known_gaps = header.known_gaps;
        }
        merged.name = Some(header.name);
        Ok(())
    }

    fn unknown_id(&self, at: &S, key: &str, merged: &Merged) -> Box<ScenarioError> {
        let known: Vec<&str> = merged
            .measures
            .iter()
            .map(|(m, _)| m.id.value.as_str())
            .chain(merged.exemptions.iter().map(|(e, _)| e.id.value.as_str()))
            .collect();
        self.sources.err(
            at,
            key,
            format!("unknown measure id `{}`", at.value),
            &format!("use the id of a measure defined in this scenario or its parent ({})", abbreviate(&known)),
        )
    }
}

pub(super) fn abbreviate(items: &[&str]) -> String {
    if items.is_empty() {
        return "none defined".into();
    }
    if items.len() <= 12 {
        return items.join(", ");
    }
    format!("{}, ... {} in all", items[..12].join(", "), items.len())
}

/// The bundled file or the file on disk that `--scenario SPEC` names.
fn origin_of(spec: &str) -> Result<Origin> {
    let is_name = !spec.contains('/') && !spec.ends_with(".toml");
    Ok(if is_name && bundled_text(&format!("{spec}.toml")).is_some() {
        Origin::Bundled(format!("{spec}.toml"))
    } else if is_name && !Path::new(spec).exists() {
        return Err(plain_err(
            spec,
            "--scenario",
            format!("no bundled scenario `{spec}` and no such file"),
            &format!("use one of: {}, or a path to a .toml file", super::bundled_names().join(", ")),
        ));
    } else {
        Origin::Disk(PathBuf::from(spec))
    })
}

/// Loads a scenario by bundled name (`historical`) or path (`my/scenario.toml`).
/// Errors are boxed to keep `Result` small (the error carries file, position, key, message and fix).
pub fn load_scenario(spec: &str) -> Result<Scenario> {
    ScenarioLoader::default().load(spec)
}

/// Loads several scenarios, each file read and parsed once: the variants of a sweep that all
/// extend `historical` share one reading of it and its parts (merged again for each, then each
/// compiled on its own). A scenario loads exactly as [`load_scenario`] loads it, errors included.
#[derive(Default)]
pub struct ScenarioLoader {
    sources: Sources,
    loaded: HashMap<String, Loaded>,
    /// The merged product lists of the scenarios merged so far, each with the slot of its compiled
    /// lists: scenarios with the same lists share one compilation (and one copy in memory).
    lists: Vec<(RawLists, Arc<ListsSlot>)>,
}

/// A scenario's files read and merged, not yet compiled ([`ScenarioLoader::merge`]).
pub struct MergedScenario {
    merged: Merged,
    files: Vec<usize>,
    lists: Arc<ListsSlot>,
}

impl ScenarioLoader {
    /// Loads a scenario by bundled name or path (see [`load_scenario`]).
    pub fn load(&mut self, spec: &str) -> Result<Scenario> {
        let merged = self.merge(spec)?;
        self.compile(merged)
    }

    /// Reads and merges a scenario's files (taking the files loaded before from the cache): the
    /// first half of [`ScenarioLoader::load`], for compiling several scenarios in parallel
    /// ([`ScenarioLoader::compile`] takes `&self`).
    pub fn merge(&mut self, spec: &str) -> Result<MergedScenario> {
        let origin = origin_of(spec)?;
        let mut loader = self.loader();
        let merged = loader.load(origin)?;
        let files = loader.files;
        let same = |raw: &RawLists| Arc::ptr_eq(raw, &merged.lists) || *raw == merged.lists;
        let lists = match self.lists.iter().find(|(raw, _)| same(raw)) {
            Some((_, slot)) => Arc::clone(slot),
            None => {
                let slot = Arc::new(ListsSlot::new());
                self.lists.push((Arc::clone(&merged.lists), Arc::clone(&slot)));
                slot
            }
        };
        Ok(MergedScenario { merged, files, lists })
    }

    /// Compiles a merged scenario into a checked [`Scenario`].
    pub fn compile(&self, m: MergedScenario) -> Result<Scenario> {
        compile(m.merged, &self.sources, &m.files, &m.lists)
    }

    fn loader(&mut self) -> Loader<'_> {
        Loader {
            sources: &mut self.sources,
            loaded: &mut self.loaded,
            stack: Vec::new(),
            files: Vec::new(),
            chain: Vec::new(),
        }
    }
}

/// Loads a scenario from text, as if it were the file `file_name` (relative `extends` and
/// `include` resolve against the current directory; bundled names resolve to bundled files).
pub fn load_scenario_str(file_name: &str, text: &str) -> Result<Scenario> {
    let mut session = ScenarioLoader::default();
    let mut loader = session.loader();
    loader.sources.files.push(SourceFile::new(file_name.into(), text.into()));
    loader.files.push(0);
    let origin = Origin::Disk(PathBuf::from(file_name));
    let raw: RawFile = loader.parse(0)?;
    loader.stack.push(origin.clone());
    let mut merged = match &raw.scenario.extends {
        Some(parent) => {
            let o = origin.resolve(&parent.value, true).map_err(|message| {
                loader.sources.err(
                    parent,
                    "scenario.extends",
                    message,
                    "copy the file into this folder, or name a bundled scenario",
                )
            })?;
            let mut m = loader.load(o).map_err(|mut e| {
                if e.line.is_none() {
                    e = loader.sources.err(parent, "scenario.extends", e.message.clone(), &e.fix);
                }
                e
            })?;
            m.extends = m.name.as_ref().map(|n| n.value.clone());
            m
        }
        None => Merged::default(),
    };
    loader.stack.pop();
    loader.apply(&origin, 0, raw, &mut merged)?;
    let files = std::mem::take(&mut loader.files);
    compile(merged, &session.sources, &files, &ListsSlot::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bundled scenario, the sweep variants of `tests/data/sweep` and the refused files of
    /// `tests/data/bad-scenarios`, in one session and each alone.
    fn specs() -> Vec<String> {
        let mut specs: Vec<String> = super::super::bundled_names().iter().map(|n| n.to_string()).collect();
        for dir in ["tests/data/sweep", "tests/data/bad-scenarios"] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .map(|p| p.display().to_string())
                .collect();
            files.sort();
            specs.extend(files);
        }
        specs
    }

    #[test]
    fn a_session_loads_every_scenario_as_it_loads_alone() {
        let specs = specs();
        let mut session = ScenarioLoader::default();
        let mut refused = 0;
        for spec in &specs {
            let together = session.load(spec);
            let alone = load_scenario(spec);
            refused += usize::from(alone.is_err());
            match (together, alone) {
                (Ok(t), Ok(a)) => assert_eq!(format!("{t:?}"), format!("{a:?}"), "{spec}"),
                (Err(t), Err(a)) => assert_eq!(t, a, "{spec}"),
                (t, a) => panic!("{spec}: {:?} in a session, {:?} alone", t.err(), a.err()),
            }
        }
        assert!(refused > 0, "some refused files were loaded");
        // The variants extending `historical` share its compiled lists.
        let mut session = ScenarioLoader::default();
        let a = session.load("historical").unwrap();
        let b = session.load(&specs.iter().find(|s| s.ends_with("jp-10.toml")).unwrap().clone()).unwrap();
        assert!(Arc::ptr_eq(&a.lists, &b.lists) && Arc::ptr_eq(&a.list_index, &b.list_index));
    }

    #[test]
    fn a_value_is_placed_as_by_counting_lines() {
        let text = "a = 1\n\nb = \"é\"\r\nc = [\n  2 ]\n";
        let f = SourceFile::new("t.toml".into(), text.into());
        for offset in (0..=text.len() + 2).filter(|&o| text.is_char_boundary(o.min(text.len()))) {
            assert_eq!(f.line_col(offset), line_col(text, offset), "{offset}");
        }
    }
}
