//! Inputs and outputs: flow CSV reading with positions, reject reports, atomic output files.

use super::AppError;
use crate::flow::{Flow, FlowColumns};
use csv::ByteRecord;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A row that could not be read or priced.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Reject {
    /// 1-based line where the record starts (the header is line 1).
    pub line: u64,
    /// The column at fault (empty when the whole row is).
    pub column: String,
    /// The value found.
    pub value: String,
    /// Why.
    pub reason: String,
}

/// The outcome of reading one record.
#[allow(clippy::large_enum_variant)] // rows live in reused chunks: no per-row allocation wanted
pub enum Row {
    /// A checked flow.
    Flow(Flow),
    /// A row that cannot be read.
    Reject(Reject),
}

/// A reader that remembers where the line terminators are, so that the line a record starts on can
/// be told exactly: the CSV reader's own record positions may point at the terminator that ends
/// the previous record (CRLF files) or at skipped blank lines. Memory is bounded by the read-ahead.
pub struct LineIndexed<R> {
    inner: R,
    offset: u64,
    state: std::cell::RefCell<LineState>,
}

#[derive(Default)]
struct LineState {
    /// `"` bytes read so far: an odd count at the end of the input means a quote was never closed.
    quotes: u64,
    /// The inner reader returned end of input.
    eof: bool,
    /// Offsets and bytes (`\r` or `\n`) of terminators not yet passed.
    terms: std::collections::VecDeque<(u64, u8)>,
    /// `\n` bytes already passed.
    newlines_before: u64,
}

impl<R: Read> LineIndexed<R> {
    fn new(inner: R) -> LineIndexed<R> {
        LineIndexed { inner, offset: 0, state: std::cell::RefCell::new(LineState::default()) }
    }

    /// True when the whole input has been read and a quote opened in it was never closed (escaped
    /// quotes `""` come in pairs, so only an unclosed one leaves the count odd).
    pub fn open_quote_at_end(&self) -> bool {
        let st = self.state.borrow();
        st.eof && st.quotes % 2 == 1
    }

    /// The number of lines in the input read so far (terminators passed and pending).
    pub fn lines_read(&self) -> u64 {
        let st = self.state.borrow();
        st.newlines_before + st.terms.iter().filter(|(_, b)| *b == b'\n').count() as u64
    }

    /// The 1-based line of the first byte at or after `start` that is not a line terminator.
    /// Calls must come with non-decreasing `start`.
    pub fn line_of(&self, start: u64) -> u64 {
        let mut st = self.state.borrow_mut();
        let mut pos = start;
        while let Some(&(off, byte)) = st.terms.front() {
            if off <= pos {
                if off == pos {
                    pos += 1;
                }
                if byte == b'\n' {
                    st.newlines_before += 1;
                }
                st.terms.pop_front();
            } else {
                break;
            }
        }
        st.newlines_before + 1
    }
}

impl<R: Read> Read for LineIndexed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut st = self.state.borrow_mut();
        if n == 0 && !buf.is_empty() {
            st.eof = true;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                st.terms.push_back((self.offset + i as u64, b));
            } else if b == b'"' {
                st.quotes += 1;
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads flows from a CSV file or standard input, keeping positions for reject reports.
pub struct FlowInput {
    rdr: csv::Reader<LineIndexed<Box<dyn Read + Send>>>,
    /// Name for messages (`flows.csv`, `<stdin>`).
    pub name: String,
    cols: FlowColumns,
    /// The header as read.
    pub header: ByteRecord,
    /// The last record read (for pass-through output).
    pub record: ByteRecord,
    /// Number of data records read.
    pub rows: u64,
    quote_reported: bool,
}

impl FlowInput {
    /// Opens `path` (`None` or `-`: standard input) and reads its header.
    pub fn open(path: Option<&Path>) -> Result<FlowInput, AppError> {
        let (reader, name): (Box<dyn Read + Send>, String) = match path {
            None => (Box::new(io::BufReader::with_capacity(1 << 16, io::stdin())), "<stdin>".into()),
            Some(p) if p.as_os_str() == "-" => {
                (Box::new(io::BufReader::with_capacity(1 << 16, io::stdin())), "<stdin>".into())
            }
            Some(p) => {
                let f = File::open(p).map_err(|e| AppError::fatal(format!("cannot open {}: {e}", p.display())))?;
                (Box::new(io::BufReader::with_capacity(1 << 16, f)), p.display().to_string())
            }
        };
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(LineIndexed::new(reader));
        let mut header = ByteRecord::new();
        let got = rdr
            .read_byte_record(&mut header)
            .map_err(|e| AppError::fatal(format!("{name}: cannot read the header: {e}")))?;
        if !got {
            return Err(AppError::fatal(format!(
                "{name}: the file is empty; it needs a header line with at least {}",
                crate::flow::REQUIRED.join(",")
            )));
        }
        let first = header.get(0).unwrap_or(b"");
        if first.starts_with(b"\xFF\xFE") || first.starts_with(b"\xFE\xFF") || header.iter().any(|f| f.contains(&0)) {
            return Err(AppError::fatal(format!(
                "{name}:1: the file is UTF-16 (or has NUL bytes), not UTF-8 text; save it as CSV UTF-8"
            )));
        }
        let cols = FlowColumns::from_header(&header).map_err(|e| AppError::fatal(format!("{name}:1: {e}")))?;
        Ok(FlowInput { rdr, name, cols, header, record: ByteRecord::new(), rows: 0, quote_reported: false })
    }

    /// The 1-based line the last record read starts on.
    pub fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| self.rdr.get_ref().line_of(p.byte()))
    }

    /// Reads the next row; `None` at the end. I/O errors are fatal.
    pub fn next_row(&mut self) -> Result<Option<Row>, AppError> {
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.rows += 1;
                let line = self.line();
                if self.rdr.get_ref().open_quote_at_end() && !self.quote_reported {
                    // The record that ran into the end of the input holds the unclosed quote: the
                    // CSV reader closes it silently, which would price a truncated row or swallow
                    // the rows after it into one field.
                    self.quote_reported = true;
                    let last = self.rdr.get_ref().lines_read().max(line);
                    return Ok(Some(Row::Reject(Reject {
                        line,
                        column: String::new(),
                        value: String::new(),
                        reason: format!(
                            "the row opens a quote that is never closed: the rest of the file (lines {line} to {last}) was read as this one row; close the quote"
                        ),
                    })));
                }
                if self.record.len() != self.cols.width {
                    // A lone empty line inside a file is skipped by the CSV reader already; a
                    // short or long row is refused, never padded or truncated silently.
                    return Ok(Some(Row::Reject(Reject {
                        line,
                        column: String::new(),
                        value: String::new(),
                        reason: format!("the row has {} fields; the header has {}", self.record.len(), self.cols.width),
                    })));
                }
                Ok(Some(match self.cols.parse(&self.record) {
                    Ok(flow) => Row::Flow(flow),
                    Err(e) => Row::Reject(Reject { line, column: e.column.into(), value: e.value, reason: e.reason }),
                }))
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => Err(AppError::fatal(format!("{}: read error: {e}", self.name))),
                _ => {
                    self.rows += 1;
                    let line = e.position().map_or(0, |p| self.rdr.get_ref().line_of(p.byte()));
                    Ok(Some(Row::Reject(Reject {
                        line,
                        column: String::new(),
                        value: String::new(),
                        reason: format!("the row is not valid CSV: {e}"),
                    })))
                }
            },
        }
    }
}

/// One record read by [`ThreadedInput`]: the raw record (for pass-through), its reading, its line.
pub struct Item {
    /// The record as read.
    pub record: ByteRecord,
    /// The checked flow or the reject.
    pub row: Row,
    /// The 1-based line it starts on.
    pub line: u64,
    /// Set by the consumer: the record is to be written out.
    pub keep: bool,
    /// The consumer's result for the row (reused from chunk to chunk).
    pub priced: crate::engine::Priced,
}

/// Reads and checks rows on a second thread, a chunk at a time, so that reading and parsing overlap
/// pricing and writing. Chunks travel back for reuse: records and flows are not reallocated.
pub struct ThreadedInput {
    rx: std::sync::mpsc::Receiver<Result<Vec<Item>, AppError>>,
    back: std::sync::mpsc::SyncSender<Vec<Item>>,
    handle: Option<std::thread::JoinHandle<u64>>,
    /// Name for messages.
    pub name: String,
    /// The header as read.
    pub header: ByteRecord,
}

impl ThreadedInput {
    /// Rows per chunk.
    const CHUNK: usize = 1024;

    /// Starts the reading thread.
    pub fn spawn(mut input: FlowInput) -> ThreadedInput {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Item>, AppError>>(8);
        let (back, back_rx) = std::sync::mpsc::sync_channel::<Vec<Item>>(16);
        let name = input.name.clone();
        let header = input.header.clone();
        let handle = std::thread::spawn(move || {
            loop {
                let mut chunk = back_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(Self::CHUNK));
                let mut n = 0;
                while n < Self::CHUNK {
                    let row = match input.next_row() {
                        Ok(Some(row)) => row,
                        Ok(None) => break,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return input.rows;
                        }
                    };
                    let line = input.line();
                    if n == chunk.len() {
                        chunk.push(Item {
                            record: ByteRecord::new(),
                            row,
                            line,
                            keep: false,
                            priced: Default::default(),
                        });
                    } else {
                        chunk[n].row = row;
                        chunk[n].line = line;
                        chunk[n].keep = false;
                    }
                    std::mem::swap(&mut chunk[n].record, &mut input.record);
                    n += 1;
                }
                chunk.truncate(n);
                let last = n < Self::CHUNK;
                if n > 0 && tx.send(Ok(chunk)).is_err() {
                    return input.rows;
                }
                if last {
                    return input.rows;
                }
            }
        });
        ThreadedInput { rx, back, handle: Some(handle), name, header }
    }

    /// The next chunk, or `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<Item>>, AppError> {
        match self.rx.recv() {
            Ok(Ok(chunk)) => Ok(Some(chunk)),
            Ok(Err(e)) => Err(e),
            Err(_) => Ok(None),
        }
    }

    /// Gives a chunk back for reuse.
    pub fn recycle(&self, chunk: Vec<Item>) {
        let _ = self.back.try_send(chunk);
    }

    /// A handle another thread can give chunks back with.
    pub fn recycler(&self) -> std::sync::mpsc::SyncSender<Vec<Item>> {
        self.back.clone()
    }

    /// Waits for the reading thread; returns the number of records it read.
    pub fn finish(mut self) -> u64 {
        drop(std::mem::replace(&mut self.rx, std::sync::mpsc::sync_channel(1).1));
        self.handle.take().and_then(|h| h.join().ok()).unwrap_or(0)
    }
}

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
    pub fn push(&mut self, r: Reject) -> Result<(), AppError> {
        self.count += 1;
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
        let fail = |e: io::Error| AppError::fatal(format!("cannot write {}: {e}", dest.display()));
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
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.tariffstack-{}-{n}.tmp", std::process::id()));
        let file = File::create(&tmp).map_err(fail)?;
        Ok(AtomicFile { dest: target, tmp: Some(tmp), file: Some(BufWriter::with_capacity(1 << 16, file)) })
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> Result<(), AppError> {
        let dest = self.dest.clone();
        let fail = |e: io::Error| AppError::fatal(format!("cannot write {}: {e}", dest.display()));
        if let Some(w) = self.file.take() {
            let flushed = w
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| if self.tmp.is_some() { f.sync_all() } else { Ok(()) });
            if let Err(e) = flushed {
                if let Some(tmp) = self.tmp.take() {
                    let _ = std::fs::remove_file(&tmp);
                }
                return Err(fail(e));
            }
        }
        if let Some(tmp) = self.tmp.take()
            && let Err(e) = std::fs::rename(&tmp, &self.dest)
        {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
        Ok(())
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
    /// Standard output.
    pub fn stdout() -> Output {
        Output::Stdout(BufWriter::with_capacity(1 << 16, io::stdout()))
    }

    /// An atomic file at `path`.
    pub fn file(path: &Path) -> Result<Output, AppError> {
        Ok(Output::File(AtomicFile::create(path)?))
    }

    /// `path` or standard output.
    pub fn to(path: Option<&Path>) -> Result<Output, AppError> {
        match path {
            Some(p) if p.as_os_str() != "-" => Output::file(p),
            _ => Ok(Output::stdout()),
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
