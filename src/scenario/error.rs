//! Scenario errors: every mistake in a scenario file is refused at load time with the file, line,
//! column, key and fix; the files read so far are kept to turn a located value into that place.

use super::raw::S;
use std::fmt;

/// A scenario file that cannot be used, with where and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (a path, or `scenarios/NAME.toml` for bundled files).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The key at fault (`replaces`, `rate.duty` ...), when known.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        f.write_str(": ")?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if !self.fix.is_empty() {
            write!(f, "; fix: {}", self.fix)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

pub(super) type Result<T> = std::result::Result<T, Box<ScenarioError>>;

pub(super) struct SourceFile {
    pub(super) name: String,
    pub(super) text: String,
    /// The byte offset of the start of every line (the first is 0), to place a value quickly.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub(super) fn new(name: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { name, text, line_starts }
    }

    /// The 1-based line and column of byte `offset`, as [`line_col`] finds them.
    pub(super) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

/// The files read so far, so that located values can be turned into file:line:column.
#[derive(Default)]
pub(super) struct Sources {
    pub(super) files: Vec<SourceFile>,
}

impl Sources {
    pub(super) fn locate(&self, s: &S) -> (String, Option<usize>, Option<usize>) {
        let Some(f) = self.files.get(s.file) else { return (String::from("?"), None, None) };
        let (l, c) = f.line_col(s.span.start);
        (f.name.clone(), Some(l), Some(c))
    }

    pub(super) fn err(&self, at: &S, key: &str, message: String, fix: &str) -> Box<ScenarioError> {
        let (file, line, column) = self.locate(at);
        Box::new(ScenarioError { file, line, column, key: key.into(), message, fix: fix.into() })
    }
}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub(super) fn plain_err(file: &str, key: &str, message: String, fix: &str) -> Box<ScenarioError> {
    Box::new(ScenarioError { file: file.into(), line: None, column: None, key: key.into(), message, fix: fix.into() })
}
