//! Test helpers: a temporary work directory and a runner for the built binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory holding a test's files, removed when dropped.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A fresh directory.
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// Writes a file and returns its path.
    pub fn create(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// The path of a file in the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A command for the binary, run in this directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tariffstack"));
        c.args(args).current_dir(self.dir.path());
        c
    }

    /// Runs the binary with `stdin` as standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tariffstack");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The path of a file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Reports a skipped test so that it is seen and counted: a `SKIPPED:` line written to the process's
/// standard error directly (the test harness captures `eprintln!`, not this), and a marker file
/// `target/skipped-tests/NAME` that `.ci/run` counts in its closing line.
pub fn skipped(name: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why} ({name})");
    // target/<profile>/tariffstack -> target
    let bin = Path::new(env!("CARGO_BIN_EXE_tariffstack"));
    if let Some(target) = bin.parent().and_then(Path::parent) {
        let dir = target.join("skipped-tests");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(name), format!("{why}\n"));
    }
}
