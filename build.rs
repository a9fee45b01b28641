//! Embeds every file under `scenarios/` (TOML scenarios and lists) and `data/mfn-default.csv`
//! in the binary, so the bundled scenarios work with no files beside the executable.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "toml") {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.join("scenarios");
    println!("cargo:rerun-if-changed=scenarios");
    println!("cargo:rerun-if-changed=data/mfn-default.csv");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut code = String::from("/// Bundled scenario files: (path relative to `scenarios/`, text).\n");
    code.push_str("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for (rel, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(code, "    ({rel:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    // The date the bundled law was checked through, for `--version` (the `law_as_of` of historical).
    let historical = std::fs::read_to_string(root.join("historical.toml")).unwrap_or_default();
    let law_as_of = historical
        .lines()
        .find_map(|l| l.trim().strip_prefix("law_as_of"))
        .and_then(|rest| rest.split('"').nth(1))
        .unwrap_or("not stated")
        .to_string();
    println!("cargo:rustc-env=TARIFFSTACK_LAW_AS_OF={law_as_of}");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("bundled.rs");
    std::fs::write(out, code).unwrap();
}
