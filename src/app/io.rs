//! Outputs: reject reports, atomic output files, progress (flow files are read by [`crate::flow::reader`]).

use super::AppError;
use crate::flow::Reject;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where rejects go: a CSV report, and always a count and a few samples for standard error.
pub struct RejectSink {
    file_name: String,
    writer: Option<(csv::Writer<Output>, PathBuf)>,
    /// Number of rejects.
    pub count: u64,
    samples: Vec<Reject>,
}

impl RejectSink {
    /// Opens the report (when a path is given) for rows of `input_name`.
    pub fn new(path: Option<&Path>, input_name: &str) -> Result<RejectSink, AppError> {
        let writer = match path {
            Some(p) => {
                let mut w = csv::Writer::from_writer(Output::file(p)?);
                w.write_record(["file", "line", "column", "value", "reason"]).map_err(|e| AppError::write(p, &e))?;
                Some((w, p.to_path_buf()))
            }
            None => None,
        };
        Ok(RejectSink { file_name: input_name.to_string(), writer, count: 0, samples: Vec::new() })
    }

    /// Records a reject.
    pub fn push(&mut self, mut r: Reject) -> Result<(), AppError> {
        self.count += 1;
        // Shown, never echoed raw: long values cut, invisible characters escaped.
        if let std::borrow::Cow::Owned(v) = crate::text::shown(&r.value) {
            r.value = v;
        }
        if let std::borrow::Cow::Owned(v) = crate::text::escape_invisible(&r.reason) {
            r.reason = v;
        }
        if let Some((w, p)) = &mut self.writer {
            let line = r.line.to_string();
            w.write_record([self.file_name.as_str(), &line, &r.column, &r.value, &r.reason])
                .map_err(|e| AppError::write(p, &e))?;
        }
        if self.samples.len() < 5 {
            self.samples.push(r);
        }
        Ok(())
    }

    /// Closes the report (committing the file) and prints the summary to standard error.
    pub fn finish(self) -> Result<(), AppError> {
        if self.count > 0 {
            for r in &self.samples {
                let col = if r.column.is_empty() { String::new() } else { format!(" column `{}`:", r.column) };
                eprintln!("rejected: {}:{}:{col} {}", self.file_name, r.line, r.reason);
            }
            if self.count > self.samples.len() as u64 {
                eprintln!("rejected: ... {} more", self.count - self.samples.len() as u64);
            }
        }
        if let Some((w, p)) = self.writer {
            let out =
                w.into_inner().map_err(|e| AppError::fatal(format!("cannot write {}: {}", p.display(), e.error())))?;
            out.commit()?;
            if self.count > 0 {
                eprintln!("rejected rows written to {}", p.display());
            }
        }
        Ok(())
    }
}

/// A file written to a temporary name beside its destination and renamed into place on
/// [`AtomicFile::commit`]; dropped without commit, the temporary file is removed. A run that fails
/// (or is killed) never leaves a half-written file at the destination. A destination that is a
/// symbolic link is written through (the link's target is replaced, not the link); one that is not a
/// regular file (a device such as `/dev/stdout`, a pipe) is written directly, since it cannot be
/// renamed over.
pub struct AtomicFile {
    dest: PathBuf,
    /// `None` when writing directly to a non-regular file.
    tmp: Option<PathBuf>,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file (or opens a non-regular destination directly).
    pub fn create(dest: &Path) -> Result<AtomicFile, AppError> {
        let fail = |e: io::Error| AppError::write_io(dest, e);
        // A destination that is not a regular file (device, pipe, `/dev/stdout`) is written directly.
        if let Ok(m) = std::fs::metadata(dest) {
            if m.is_dir() {
                return Err(AppError::fatal(format!("cannot write {}: it is a directory", dest.display())));
            }
            if !m.is_file() {
                let f = std::fs::OpenOptions::new().write(true).open(dest).map_err(fail)?;
                return Ok(AtomicFile {
                    dest: dest.to_path_buf(),
                    tmp: None,
                    file: Some(BufWriter::with_capacity(1 << 16, f)),
                });
            }
        }
        // A symbolic link to a regular file: replace the file it points at, not the link.
        let is_link = std::fs::symlink_metadata(dest).is_ok_and(|m| m.file_type().is_symlink());
        let target = if is_link {
            std::fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf())
        } else {
            dest.to_path_buf()
        };
        let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
        remove_stale_temporaries(dir, &name);
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.tariffstack-{}-{n}.tmp", std::process::id()));
        // Created exclusively: never opened through a file or symbolic link already at that name.
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(fail)?;
        super::signals::register(&tmp);
        // A replaced file keeps its permissions.
        if let Ok(m) = std::fs::metadata(&target)
            && m.is_file()
            && let Err(e) = file.set_permissions(m.permissions())
        {
            let _ = std::fs::remove_file(&tmp);
            super::signals::forget(&tmp);
            return Err(fail(e));
        }
        Ok(AtomicFile { dest: target, tmp: Some(tmp), file: Some(BufWriter::with_capacity(1 << 16, file)) })
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> Result<(), AppError> {
        let dest = self.dest.clone();
        let fail = |e: io::Error| AppError::write_io(&dest, e);
        if let Some(w) = self.file.take() {
            let flushed = w
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| if self.tmp.is_some() { f.sync_all() } else { Ok(()) });
            if let Err(e) = flushed {
                if let Some(tmp) = self.tmp.take() {
                    let _ = std::fs::remove_file(&tmp);
                    super::signals::forget(&tmp);
                }
                return Err(fail(e));
            }
        }
        if let Some(tmp) = self.tmp.take() {
            let renamed = std::fs::rename(&tmp, &self.dest);
            if renamed.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            super::signals::forget(&tmp);
            renamed.map_err(fail)?;
        }
        Ok(())
    }
}

/// Removes the temporary files that killed runs (SIGKILL, power loss) left beside `name` in `dir`:
/// `.NAME.tariffstack-PID-N.tmp` whose process is gone. Only on Linux, where `/proc` tells which
/// processes live; elsewhere they stay (they are hidden dot-files, never the output itself).
fn remove_stale_temporaries(dir: &Path, name: &str) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.tariffstack-");
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else { continue };
        let numeric = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if numeric(pid) && numeric(n) && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.as_mut().map_or(Ok(0), |f| f.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), |f| f.flush())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            self.file = None;
            if let Some(tmp) = &self.tmp {
                let _ = std::fs::remove_file(tmp);
                super::signals::forget(tmp);
            }
        }
    }
}

/// Standard output or an atomic file.
pub enum Output {
    /// Standard output, buffered.
    Stdout(BufWriter<io::Stdout>),
    /// A file.
    File(AtomicFile),
}

impl Output {
    /// Standard output. When it may have been closed (see [`stdout_is_closed`]) a note says the
    /// output goes nowhere, unless `quiet`: a program that runs the tool with its output discarded
    /// (Python's `subprocess.DEVNULL` opens `/dev/null` read-write too) must not be refused, and a
    /// shell user who closed it by mistake is told.
    pub fn stdout(quiet: bool) -> Result<Output, AppError> {
        if !quiet && stdout_is_closed() {
            eprintln!(
                "note: standard output is closed or /dev/null opened for reading and writing: the output is discarded; give -o FILE to keep it"
            );
        }
        Ok(Output::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())))
    }

    /// An atomic file at `path`.
    pub fn file(path: &Path) -> Result<Output, AppError> {
        Ok(Output::File(AtomicFile::create(path)?))
    }

    /// `path` or standard output (`quiet`: no note on a closed one).
    pub fn to(path: Option<&Path>, quiet: bool) -> Result<Output, AppError> {
        match path {
            Some(p) if p.as_os_str() != "-" => Output::file(p),
            _ => Output::stdout(quiet),
        }
    }

    /// Finishes: flushes standard output or commits the file.
    pub fn commit(self) -> Result<(), AppError> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(AppError::stdout),
            Output::File(f) => f.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
        }
    }
}

/// A progress line on standard error, only when it is a terminal and not `--quiet`.
pub struct Progress {
    enabled: bool,
    started: std::time::Instant,
    next: u64,
}

impl Progress {
    /// A progress display (inactive unless standard error is a terminal).
    pub fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        Progress { enabled: !quiet && io::stderr().is_terminal(), started: std::time::Instant::now(), next: 100_000 }
    }

    /// Called once per row.
    #[inline]
    pub fn tick(&mut self, rows: u64) {
        if self.enabled && rows >= self.next {
            self.next += 100_000;
            let secs = self.started.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r{rows} rows ({:.0} rows/s)   ", rows as f64 / secs);
        }
    }

    /// Clears the line.
    pub fn done(&self) {
        if self.enabled && self.next > 100_000 {
            eprint!("\r\x1b[2K");
        }
    }
}

/// True when the process may have been started with standard output closed (`tariffstack run f.csv
/// >&-`): the Rust runtime then opens `/dev/null` read-write on descriptor 1, which a shell's
/// `>/dev/null` (write only) never does. A parent that discards the output on purpose can do the same
/// (Python's `subprocess.DEVNULL`), so this only leads to a note, never a refusal.
pub fn stdout_is_closed() -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let (Ok(fd), Ok(null)) = (std::fs::metadata("/proc/self/fd/1"), std::fs::metadata("/dev/null")) else {
            return false;
        };
        if !fd.file_type().is_char_device() || fd.rdev() != null.rdev() {
            return false;
        }
        // The access mode is the low two bits of the octal `flags:` line (2: read-write).
        std::fs::read_to_string("/proc/self/fdinfo/1").ok().is_some_and(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                .is_some_and(|flags| flags & 3 == 2)
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// What a path (or a standard stream) is, to tell whether two of them are the same file.
struct FileId {
    key: String,
    /// A terminal or `/dev/null`: many outputs may share it harmlessly.
    shareable: bool,
}

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        match std::fs::metadata(path) {
            Ok(m) => {
                Some(FileId { key: format!("{}:{}", m.dev(), m.ino()), shareable: m.file_type().is_char_device() })
            }
            // Not there yet: the file it will be (its folder, resolved, and its name).
            Err(_) => {
                let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                let dir = std::fs::canonicalize(dir).ok()?;
                Some(FileId { key: format!("new:{}", dir.join(path.file_name()?).display()), shareable: false })
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Refuses, before anything is written, a command whose input and outputs (or two outputs) are the
/// same file, however spelled (after links): writing one would destroy the other. `input` is the
/// flow file (`None` or `-`: standard input); each output is (flag, path), `-` meaning standard
/// output and `None` an output not asked for. Terminals and `/dev/null` may be shared.
pub fn check_distinct_files(input: Option<&Path>, outputs: &[(&str, Option<&Path>)]) -> Result<(), AppError> {
    let stream = |fd: u32| file_id(Path::new(&format!("/proc/self/fd/{fd}")));
    let is_std = |p: Option<&Path>| p.is_none_or(|p| p.as_os_str() == "-");
    let mut seen: Vec<(String, FileId)> = Vec::new();
    let input_id = if is_std(input) { stream(0) } else { input.and_then(file_id) };
    let input_name = input.filter(|_| !is_std(input)).map_or("standard input".to_string(), |p| p.display().to_string());
    if let Some(id) = input_id {
        seen.push((format!("the input {input_name}"), id));
    }
    for (flag, path) in outputs.iter().filter(|(_, p)| p.is_some()) {
        let (what, id) = if is_std(*path) {
            (format!("{flag} (standard output)"), stream(1))
        } else {
            let p = path.unwrap_or(Path::new("-"));
            (format!("{flag} {}", p.display()), file_id(p))
        };
        let Some(id) = id else { continue };
        if !id.shareable
            && let Some((other, _)) = seen.iter().find(|(_, s)| s.key == id.key)
        {
            return Err(AppError::fatal(format!(
                "{what} and {other} are the same file: writing it would destroy the other; give another path"
            )));
        }
        seen.push((what, id));
    }
    Ok(())
}
