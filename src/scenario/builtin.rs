//! The bundled scenarios, embedded at build time by `build.rs` from `scenarios/`.

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The text of a bundled file by its path relative to `scenarios/` (`historical.toml`,
/// `lists/autos.toml`).
pub fn bundled_text(path: &str) -> Option<&'static str> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

/// Names of the bundled scenarios (top-level `scenarios/*.toml`), in the order users expect.
pub fn bundled_names() -> Vec<&'static str> {
    const ORDER: [&str; 5] = ["historical", "status-quo", "pause-expires", "deal-reached", "no-ieepa"];
    let mut names: Vec<&'static str> =
        FILES.iter().filter(|(p, _)| !p.contains('/')).filter_map(|(p, _)| p.strip_suffix(".toml")).collect();
    names.sort_by_key(|n| (ORDER.iter().position(|o| o == n).unwrap_or(ORDER.len()), *n));
    names
}
