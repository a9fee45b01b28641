//! Flow files read as raw CSV records, a chunk of whole records at a time.
//!
//! [`RecordReader::fill`] cuts the input into chunks of whole records (about [`CHUNK_BYTES`] each)
//! and notes where every record starts, on which line, and whether it has quotes; a
//! [`FieldSplitter`] then splits a record's fields. The batch commands read on one thread and split,
//! check and price chunks on others (`src/app/batch.rs`), so chunks are plain data that move between
//! threads, and a fixed pool of them keeps memory flat.
//!
//! Records are split exactly as the `csv` crate reads them (RFC 4180): `,` separates fields, a `"`
//! opens a quoted field only at the start of a field, `""` inside quotes is one quote, after a
//! closing quote the rest of the field is taken as written, any of CR, LF or CRLF ends a record,
//! and blank lines are skipped. Records without quotes (nearly all of them) are found in one
//! vectorised pass over the chunk and split on commas without copying; quoted records are found and
//! unescaped with vectorised searches for quotes, commas and line ends, copying runs of bytes whole.

use super::FieldSource;
use csv::ByteRecord;
use memchr::{memchr, memchr_iter, memchr2, memchr2_iter, memchr3};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// A flow file that cannot be read: not found, unreadable, or a header that is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

/// Target size of a chunk of input, in bytes (a chunk holds whole records, so it may be larger).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The longest record (or header) read, in bytes: an input with no line end for this long (a
/// device such as `/dev/zero`, a binary file, a quote opened and never closed in a huge file) is
/// refused rather than read into memory whole.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The longest header line read, in bytes.
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// How a record's fields are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// No quote: the fields are the bytes between commas.
    Plain,
    /// Has quotes: fields are unescaped by the state machine.
    Quoted,
    /// A quote opened in it is never closed: it runs to the end of the input, ending on `last_line`.
    UnclosedQuote {
        /// The line of the record's last byte.
        last_line: u64,
    },
}

/// Where one record lies in its chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte, terminator excluded.
    pub end: usize,
    /// 1-based line the record starts on.
    pub line: u64,
    /// How to read its fields.
    pub kind: RecordKind,
}

/// Whole records of the input: their bytes and where each lies.
#[derive(Default, Debug)]
pub struct Chunk {
    /// The input bytes of the records (and the terminators between them).
    pub bytes: Vec<u8>,
    /// The records, in input order.
    pub spans: Vec<Span>,
    /// Rows refused before they became records (an input converted on the way in, such as an ACE
    /// ES-003 report, refuses a row it cannot convert here); each counts as one row read.
    pub rejected: Vec<super::Reject>,
    /// For a Parquet file: the rows of the chunk as read (one record per row, the first on line
    /// `first_line`): the workers read the rows' fields from them (`flow::arrow_row`), and a Parquet
    /// output takes their columns as they are. With [`ChunkSource::fields_only`], `bytes` is empty
    /// and each span too: the rows are only here.
    pub arrow: Option<ArrowRows>,
}

/// The rows of a chunk as read from a Parquet file: consecutive rows of one record batch.
#[derive(Clone, Debug)]
pub struct ArrowRows {
    /// The line (row number, from 1) of the first row.
    pub first_line: u64,
    /// The rows, every column of the file.
    pub batch: arrow_array::RecordBatch,
}

impl Chunk {
    /// Empties the chunk (its buffers are kept).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
        self.rejected.clear();
        self.arrow = None;
    }
}

/// What gives the batch loop its chunks: a flow file read as it is ([`RecordReader`]), or a file
/// in another layout converted to flow records on the way in (`flow::es003`).
pub trait ChunkSource: Send {
    /// Fills `chunk` with the next records (and rows refused); `false` when there are none left.
    fn fill(&mut self, chunk: &mut Chunk) -> Result<bool, ReadError>;

    /// Says that the command reads the rows through their fields only, never as records written
    /// out: a source whose chunks carry their rows' columns (a Parquet file's, see
    /// [`Chunk::arrow`]) may then leave the records' bytes empty (each span empty, on its row's
    /// line), and skip writing them. Other sources ignore it.
    fn fields_only(&mut self) {}
}

impl ChunkSource for RecordReader {
    fn fill(&mut self, chunk: &mut Chunk) -> Result<bool, ReadError> {
        RecordReader::fill(self, chunk)
    }
}

/// How the fields of a flow file are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// Found from the header line: the first of `,`, `;` and tab that splits it into the columns
    /// of a flow file (or of an ES-003 report); else the one it holds most of; else `,`.
    #[default]
    Auto,
    /// This byte (ASCII, not a quote or a line end).
    Byte(u8),
}

impl Delimiter {
    /// Parses a `--delimiter` value: `,`, `;`, `tab` (or a tab character), `|`, or `auto`.
    pub fn parse(text: &str) -> Result<Delimiter, String> {
        match text {
            "auto" => Ok(Delimiter::Auto),
            "," | "comma" => Ok(Delimiter::Byte(b',')),
            ";" | "semicolon" => Ok(Delimiter::Byte(b';')),
            "\t" | "\\t" | "tab" | "TAB" => Ok(Delimiter::Byte(b'\t')),
            "|" | "pipe" => Ok(Delimiter::Byte(b'|')),
            _ => Err(format!("`{text}` is not a delimiter this tool reads: give `,`, `;`, `tab`, `|` or `auto`")),
        }
    }
}

/// A delimiter as a person writes it in a message: `,`, `;`, `tab`.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        _ => format!("`{}`", d as char),
    }
}

impl Chunk {
    /// The bytes of a record as written in the input (terminator excluded).
    pub fn raw(&self, span: &Span) -> &[u8] {
        &self.bytes[span.start..span.end]
    }
}

enum Scan {
    /// A record, and where to go on from.
    Record(Span, usize),
    /// The record starting here needs more input.
    NeedMore(usize),
    /// No more records.
    End,
}

/// Finds record boundaries, counting lines.
struct Splitter {
    /// Line ends (LF, CRLF, lone CR) before the current position.
    newlines: u64,
    /// The field delimiter (a quote opens a quoted field only after it).
    delimiter: u8,
}

impl Default for Splitter {
    fn default() -> Splitter {
        Splitter { newlines: 0, delimiter: b',' }
    }
}

impl Splitter {
    /// When `buf` holds no quote and no CR from `pos` on (nearly every file), every non-empty
    /// whole line there is a plain record: adds them all to `spans`, found in one pass, and gives
    /// where the last line ended. Otherwise gives where the first quote or CR is (`Err`).
    fn plain_lines(&mut self, buf: &[u8], pos: usize, spans: &mut Vec<Span>) -> Result<usize, usize> {
        if let Some(i) = memchr2(b'"', b'\r', &buf[pos..]) {
            return Err(pos + i);
        }
        let mut start = pos;
        for nl in memchr_iter(b'\n', &buf[pos..]) {
            let end = pos + nl;
            // A blank line is skipped, but counted.
            if end > start {
                spans.push(Span { start, end, line: self.newlines + 1, kind: RecordKind::Plain });
            }
            self.newlines += 1;
            start = end + 1;
        }
        Ok(start)
    }

    /// The record at or after `pos` in `buf`; `eof` says that no more input follows `buf`.
    fn next(&mut self, buf: &[u8], mut pos: usize, eof: bool) -> Scan {
        while pos < buf.len() && (buf[pos] == b'\n' || buf[pos] == b'\r') {
            if buf[pos] == b'\r' {
                // A CR ends a line unless a LF follows (CRLF counts once): look at the next byte.
                match buf.get(pos + 1) {
                    None if !eof => return Scan::NeedMore(pos),
                    Some(b'\n') => {}
                    _ => self.newlines += 1,
                }
            } else {
                self.newlines += 1;
            }
            pos += 1;
        }
        if pos == buf.len() {
            return if eof { Scan::End } else { Scan::NeedMore(pos) };
        }
        let start = pos;
        let line = self.newlines + 1;
        match memchr3(b'\n', b'\r', b'"', &buf[start..]) {
            Some(i) if buf[start + i] != b'"' => {
                return Scan::Record(Span { start, end: start + i, line, kind: RecordKind::Plain }, start + i);
            }
            Some(_) => {}
            None if eof => {
                return Scan::Record(Span { start, end: buf.len(), line, kind: RecordKind::Plain }, buf.len());
            }
            None => return Scan::NeedMore(start),
        }
        // A quote: find the record's end outside quoted fields. A quote opens a quoted field only as
        // its first byte (the record's first byte or after a delimiter); inside, a quote closes it
        // unless a second one follows (an escaped quote); after the close, the rest of the field is
        // taken as written (a quote there is a plain byte), as the `csv` crate reads it.
        let mut in_quotes = false;
        let mut i = start;
        let mut end = None;
        while let Some(k) = memchr3(b'"', b'\n', b'\r', &buf[i..]) {
            let j = i + k;
            if buf[j] != b'"' {
                end = Some(j);
                break;
            }
            if j > start && buf[j - 1] != self.delimiter {
                i = j + 1;
                continue;
            }
            // An opening quote: skip to its closing one.
            let mut q = j + 1;
            loop {
                match memchr(b'"', &buf[q..]) {
                    Some(m) if buf.get(q + m + 1) == Some(&b'"') => q += m + 2,
                    Some(m) => {
                        i = q + m + 1;
                        break;
                    }
                    None => {
                        in_quotes = true;
                        i = buf.len();
                        break;
                    }
                }
            }
            if in_quotes {
                break;
            }
        }
        let (end, kind) = match end {
            Some(e) => (e, RecordKind::Quoted),
            None if !eof => return Scan::NeedMore(start),
            None if in_quotes => {
                // The line of the record's last byte: a line end that closes the input opens no line.
                let rest = &buf[start..];
                let last_line = line + line_ends(rest) - u64::from(matches!(rest.last(), Some(b'\n' | b'\r')));
                (buf.len(), RecordKind::UnclosedQuote { last_line })
            }
            None => (buf.len(), RecordKind::Quoted),
        };
        self.newlines += line_ends(&buf[start..end]);
        Scan::Record(Span { start, end, line, kind }, end)
    }
}

/// The line ends in `bytes`: LF, CRLF and a lone CR each end a line.
pub(crate) fn line_ends(bytes: &[u8]) -> u64 {
    // One pass; a CR followed by a LF is counted at the LF.
    memchr2_iter(b'\n', b'\r', bytes).filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n')).count() as u64
}

/// Splits records into fields, reusing its buffers.
#[derive(Debug, Clone)]
pub struct FieldSplitter {
    ranges: Vec<(usize, usize)>,
    unescaped: Vec<u8>,
    /// The field delimiter.
    delimiter: u8,
    /// The delimiter in every byte of a word (for the word-at-a-time search).
    pattern: u64,
}

impl Default for FieldSplitter {
    fn default() -> FieldSplitter {
        FieldSplitter::with_delimiter(b',')
    }
}

/// The fields of one record.
pub struct RecordFields<'a> {
    base: &'a [u8],
    /// `base` as text, when it is valid UTF-8 (checked once per record, not once per field).
    text: Option<&'a str>,
    ranges: &'a [(usize, usize)],
}

impl FieldSource for RecordFields<'_> {
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self.ranges.get(i).map_or(b"", |&(s, e)| &self.base[s..e])
    }
    #[inline]
    fn field_str(&self, i: usize) -> Option<&str> {
        match (self.text, self.ranges.get(i)) {
            // Fields are cut at the delimiter, which is ASCII: always character boundaries.
            (Some(t), Some(&(s, e))) => t.get(s..e),
            (Some(_), None) => Some(""),
            (None, _) => std::str::from_utf8(self.field(i)).ok(),
        }
    }
    #[inline]
    fn len(&self) -> usize {
        self.ranges.len()
    }
}

impl RecordFields<'_> {
    /// The fields as a record (for the few callers that need one).
    pub fn to_record(&self) -> ByteRecord {
        let mut r = ByteRecord::new();
        for i in 0..self.len() {
            r.push_field(self.field(i));
        }
        r
    }
}

impl FieldSplitter {
    /// A splitter of fields separated by `delimiter` (`,`, `;`, a tab ...; not a quote or a line end).
    pub fn with_delimiter(delimiter: u8) -> FieldSplitter {
        FieldSplitter {
            ranges: Vec::new(),
            unescaped: Vec::new(),
            delimiter,
            pattern: u64::from_ne_bytes([delimiter; 8]),
        }
    }

    /// The field delimiter.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The fields of the record at `span` in `chunk`.
    pub fn split<'a>(&'a mut self, chunk: &'a Chunk, span: &Span) -> RecordFields<'a> {
        self.split_bytes(&chunk.bytes[span.start..span.end], span.kind == RecordKind::Plain)
    }

    /// The fields of `raw`, a record's bytes; `plain` when it has no quote.
    pub fn split_bytes<'a>(&'a mut self, raw: &'a [u8], plain: bool) -> RecordFields<'a> {
        self.ranges.clear();
        if plain {
            // Records are short: eight bytes at a time in a word (no vector search to set up).
            let mut s = 0;
            let mut words = raw.chunks_exact(8);
            let mut at = 0;
            for w in words.by_ref() {
                let mut commas =
                    delimiter_bytes(u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]), self.pattern);
                while commas != 0 {
                    let c = at + (commas.trailing_zeros() / 8) as usize;
                    self.ranges.push((s, c));
                    s = c + 1;
                    commas &= commas - 1;
                }
                at += 8;
            }
            for (k, &b) in words.remainder().iter().enumerate() {
                if b == self.delimiter {
                    self.ranges.push((s, at + k));
                    s = at + k + 1;
                }
            }
            self.ranges.push((s, raw.len()));
            return RecordFields { base: raw, text: std::str::from_utf8(raw).ok(), ranges: &self.ranges };
        }
        // Field by field, copying runs of bytes whole: an unquoted field runs to the next comma (a
        // quote in it is a plain byte); a quoted field to its closing quote (`""` is one quote),
        // and after that, as written, to the next comma.
        self.unescaped.clear();
        let mut field_start = 0;
        let mut pos = 0;
        loop {
            if raw.get(pos) == Some(&b'"') {
                pos += 1;
                loop {
                    match memchr(b'"', &raw[pos..]) {
                        Some(m) => {
                            self.unescaped.extend_from_slice(&raw[pos..pos + m]);
                            pos += m + 1;
                            if raw.get(pos) == Some(&b'"') {
                                self.unescaped.push(b'"');
                                pos += 1;
                            } else {
                                break;
                            }
                        }
                        None => {
                            // Never closed: the field runs to the end of the record.
                            self.unescaped.extend_from_slice(&raw[pos..]);
                            pos = raw.len();
                            break;
                        }
                    }
                }
            }
            match memchr(self.delimiter, &raw[pos..]) {
                Some(m) => {
                    self.unescaped.extend_from_slice(&raw[pos..pos + m]);
                    pos += m + 1;
                    self.ranges.push((field_start, self.unescaped.len()));
                    field_start = self.unescaped.len();
                }
                None => {
                    self.unescaped.extend_from_slice(&raw[pos..]);
                    break;
                }
            }
        }
        self.ranges.push((field_start, self.unescaped.len()));
        RecordFields { base: &self.unescaped, text: std::str::from_utf8(&self.unescaped).ok(), ranges: &self.ranges }
    }
}

/// The high bit of every byte of `word` that is the delimiter (`pattern` holds it in every byte),
/// and no other bit (exact, unlike the carry-based "has zero byte" test, which also marks a byte
/// after a match).
#[inline]
fn delimiter_bytes(word: u64, pattern: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ pattern;
    // A byte of x is zero exactly when neither its low seven bits (+0x7F carries into bit 7) nor
    // its bit 7 is set.
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The delimiter of a header line: the first of `,`, `;` and tab that splits it into the columns of
/// a flow file or of an ES-003 report; else the one of them it holds most of (`,` on a tie); else
/// `,`.
pub fn detect_delimiter(header: &[u8]) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    for d in CANDIDATES {
        let mut splitter = FieldSplitter::with_delimiter(d);
        let fields = splitter.split_bytes(header, !header.contains(&b'"'));
        let names: Vec<String> = (0..fields.len())
            .map(|i| {
                String::from_utf8_lossy(fields.field(i)).trim().trim_start_matches('\u{feff}').to_ascii_lowercase()
            })
            .collect();
        if super::REQUIRED.iter().all(|r| names.iter().any(|n| n == r)) || super::es003::is_es003_header(&names) {
            return d;
        }
    }
    let count = |d: u8| memchr_iter(d, header).count();
    CANDIDATES.into_iter().rev().max_by_key(|&d| count(d)).filter(|&d| count(d) > 0).unwrap_or(b',')
}

/// A flow file or standard input, read a chunk of whole records at a time.
pub struct RecordReader {
    source: Box<dyn Read + Send>,
    /// Name for messages (`flows.csv`, `<stdin>`).
    pub name: String,
    /// The header's fields (a UTF-8 byte-order mark removed).
    pub header: ByteRecord,
    /// The header as written (byte-order mark and terminator removed).
    pub header_raw: Vec<u8>,
    /// The field delimiter (given, or found from the header).
    pub delimiter: u8,
    splitter: Splitter,
    /// Bytes read but not yet given out (the start of a record cut by the end of a read).
    carry: Vec<u8>,
    eof: bool,
    /// The size a chunk is filled to ([`CHUNK_BYTES`]; tests make it tiny to cut records anywhere).
    chunk_bytes: usize,
    /// The fewest bytes one read asks for (16 KB; likewise).
    min_read: usize,
}

impl RecordReader {
    /// Opens `path` (`None` or `-`: standard input) and reads the header line; the delimiter is
    /// found from it ([`Delimiter::Auto`]).
    pub fn open(path: Option<&Path>) -> Result<RecordReader, ReadError> {
        Self::open_with(path, Delimiter::Auto)
    }

    /// [`RecordReader::open`] with the delimiter given.
    pub fn open_with(path: Option<&Path>, delimiter: Delimiter) -> Result<RecordReader, ReadError> {
        let (source, name): (Box<dyn Read + Send>, String) = match path {
            Some(p) if p.as_os_str() != "-" => {
                let f = File::open(p).map_err(|e| ReadError(format!("cannot open {}: {e}", p.display())))?;
                (Box::new(f), p.display().to_string())
            }
            _ => (Box::new(std::io::stdin()), "<stdin>".into()),
        };
        Self::with_sizes(source, name, delimiter, CHUNK_BYTES, 16 * 1024)
    }

    /// Reads the header from any byte source (the delimiter found from it).
    pub fn from_reader(source: Box<dyn Read + Send>, name: String) -> Result<RecordReader, ReadError> {
        Self::with_sizes(source, name, Delimiter::Auto, CHUNK_BYTES, 16 * 1024)
    }

    /// [`RecordReader::from_reader`] with the delimiter given.
    pub fn from_reader_with(
        source: Box<dyn Read + Send>,
        name: String,
        delimiter: Delimiter,
    ) -> Result<RecordReader, ReadError> {
        Self::with_sizes(source, name, delimiter, CHUNK_BYTES, 16 * 1024)
    }

    /// [`RecordReader::from_reader`] with the chunk size and the smallest read given.
    fn with_sizes(
        source: Box<dyn Read + Send>,
        name: String,
        delimiter: Delimiter,
        chunk_bytes: usize,
        min_read: usize,
    ) -> Result<RecordReader, ReadError> {
        let mut r = RecordReader {
            source,
            name,
            header: ByteRecord::new(),
            header_raw: Vec::new(),
            delimiter: b',',
            splitter: Splitter::default(),
            carry: Vec::new(),
            eof: false,
            chunk_bytes: chunk_bytes.max(1),
            min_read: min_read.max(1),
        };
        let mut buf = Vec::new();
        let span = loop {
            match r.splitter.next(&buf, 0, r.eof) {
                Scan::Record(span, _) => break Some(span),
                Scan::End => break None,
                Scan::NeedMore(at) => {
                    // Blank lines before the header were counted: drop them and read on.
                    buf.drain(..at);
                    if buf.len() > MAX_HEADER_BYTES {
                        return Err(ReadError(format!(
                            "{}:{}: no header line end in the first {} bytes; is this a CSV file?",
                            r.name,
                            r.splitter.newlines + 1,
                            MAX_HEADER_BYTES
                        )));
                    }
                    // Read on, doubling, so that the rescans stay linear in the header's length.
                    let want = (4 * r.min_read).max(buf.len());
                    r.read_more(&mut buf, want)?;
                }
            }
        };
        let Some(span) = span else {
            return Err(ReadError(format!(
                "{}: the file is empty; it needs a header line with at least {}",
                r.name,
                crate::flow::REQUIRED.join(",")
            )));
        };
        let mut raw = &buf[span.start..span.end];
        if span.line == 1 {
            raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
        }
        // The header's span was found under the comma rules; another delimiter only changes where a
        // quote may open, which moves a record's end only when a quoted field holds a line end (no
        // header does).
        r.delimiter = match delimiter {
            Delimiter::Byte(d) => d,
            Delimiter::Auto => detect_delimiter(raw),
        };
        r.splitter.delimiter = r.delimiter;
        let plain = span.kind == RecordKind::Plain || !raw.contains(&b'"');
        let mut fields = FieldSplitter::with_delimiter(r.delimiter);
        r.header = fields.split_bytes(raw, plain).to_record();
        r.header_raw = raw.to_vec();
        let first = r.header.get(0).unwrap_or(b"");
        if first.starts_with(b"\xFF\xFE") || first.starts_with(b"\xFE\xFF") || r.header.iter().any(|f| f.contains(&0)) {
            return Err(ReadError(format!(
                "{}:1: the file is UTF-16 (or has NUL bytes), not UTF-8 text; save it as CSV UTF-8",
                r.name
            )));
        }
        r.carry = buf.split_off(span.end);
        Ok(r)
    }

    /// Appends at least `want` more bytes to `buf` (fewer at the end of the input).
    fn read_more(&mut self, buf: &mut Vec<u8>, want: usize) -> Result<(), ReadError> {
        let want = want.max(self.min_read);
        let n = (&mut self.source)
            .take(want as u64)
            .read_to_end(buf)
            .map_err(|e| ReadError(format!("{}: read error: {e}", self.name)))?;
        if n < want {
            self.eof = true;
        }
        Ok(())
    }

    /// Fills `chunk` with the next records; `false` when there are none left.
    pub fn fill(&mut self, chunk: &mut Chunk) -> Result<bool, ReadError> {
        chunk.clear();
        chunk.bytes.append(&mut self.carry);
        let mut want = self.chunk_bytes;
        let mut pos = 0;
        // Where a quote or a CR was found at or after `pos` (chunk bytes are only appended to).
        let mut special: Option<usize> = None;
        loop {
            if chunk.bytes.len() < want && !self.eof {
                let missing = want - chunk.bytes.len();
                self.read_more(&mut chunk.bytes, missing)?;
            }
            // The whole lines in one pass, unless a quote or a CR is known to lie ahead; what
            // follows them (a cut line, the end) goes the general way.
            if special.is_none_or(|at| at < pos) {
                match self.splitter.plain_lines(&chunk.bytes, pos, &mut chunk.spans) {
                    Ok(next) => pos = next,
                    Err(at) => special = Some(at),
                }
            }
            match self.splitter.next(&chunk.bytes, pos, self.eof) {
                Scan::Record(span, next) => {
                    chunk.spans.push(span);
                    pos = next;
                }
                Scan::End => return Ok(!chunk.spans.is_empty()),
                Scan::NeedMore(at) => {
                    if !chunk.spans.is_empty() {
                        self.carry.extend_from_slice(&chunk.bytes[at..]);
                        chunk.bytes.truncate(at);
                        return Ok(true);
                    }
                    if at == chunk.bytes.len() {
                        // Only line ends so far (counted already): start afresh.
                        chunk.bytes.clear();
                        pos = 0;
                        special = None;
                    } else {
                        // One record longer than the chunk: read on (doubling, so the rescans
                        // stay linear in its length), up to the longest record read.
                        if chunk.bytes.len() - at > MAX_RECORD_BYTES {
                            return Err(ReadError(format!(
                                "{}:{}: a record longer than {} bytes (no line end, or a quote opened there and never closed); the file is not read further",
                                self.name,
                                self.splitter.newlines + 1,
                                MAX_RECORD_BYTES
                            )));
                        }
                        pos = at;
                        want = chunk.bytes.len().max(self.chunk_bytes) * 2;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` as (line, fields) through the chunked reader, in chunks of `step` bytes
    /// read `step` bytes at a time (to cut records at every possible place).
    fn records(text: &[u8], step: usize) -> Vec<(u64, Vec<String>, RecordKind)> {
        struct Trickle(Vec<u8>, usize, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.2.min(buf.len()).min(self.0.len() - self.1);
                buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        // Chunks of `step` bytes and reads of `step` bytes: records are cut at every place.
        let mut r = RecordReader::with_sizes(
            Box::new(Trickle(text.to_vec(), 0, step)),
            "t".into(),
            Delimiter::Auto,
            step,
            step,
        )
        .unwrap();
        let mut out = Vec::new();
        let mut chunk = Chunk::default();
        let mut f = FieldSplitter::with_delimiter(r.delimiter);
        while r.fill(&mut chunk).unwrap() {
            for s in &chunk.spans {
                let fields = f.split(&chunk, s);
                let v = (0..fields.len()).map(|i| String::from_utf8_lossy(fields.field(i)).into_owned()).collect();
                out.push((s.line, v, s.kind));
            }
        }
        out
    }

    /// The same through the `csv` crate (the reference), with exact start lines.
    fn reference(text: &[u8]) -> Vec<Vec<String>> {
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
        let mut out: Vec<Vec<String>> = r
            .byte_records()
            .map(|x| x.unwrap().iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect())
            .collect();
        out.remove(0);
        out
    }

    #[test]
    fn splits_like_the_csv_crate_at_every_cut() {
        let cases: [&[u8]; 8] = [
            b"h,a\n1,2\n3,4\n",
            b"h,a\r\n1,2\r\n\r\n3,4",
            b"h,a\n\n\n1,\"x\ny\"\n3,\"q\"\"q\"\n",
            b"h,a\n5\" pipe,2\n\"ab\"cd,\"\"\n",
            b"h,a\r1,2\r3,4\r",
            b"h\n\"\"\n,\n",
            b"h,a\n1,\"2\",\"\"\"\"\n",
            b"h,a\n1,2\n\"x,y\",\"\r\n\"\n",
        ];
        for case in cases {
            let want = reference(case);
            for step in [1, 2, 3, 7, 64 * 1024] {
                let got: Vec<Vec<String>> = records(case, step).into_iter().map(|(_, f, _)| f).collect();
                assert_eq!(got, want, "{:?} step {step}", String::from_utf8_lossy(case));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Any text over the bytes that matter (commas, quotes, CR, LF), read a few bytes at a time
        /// or in one go: the records' fields are those the `csv` crate reads, and (in LF-only texts)
        /// each record starts on the line of the byte where the crate says it starts.
        #[test]
        fn any_text_splits_like_the_csv_crate(
            bytes in proptest::collection::vec(proptest::sample::select(b"ab,\"\n\r".to_vec()), 0..300),
            // Mostly plain lines, now and then a quote or a CR: long plain stretches between them.
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "1,22,333\n", "4,5,6\n", "\n", "7,,8\n", "9", ",", "\"", "\r", "\r\n", "\"q,\"\"\n\"\n",
            ]), 0..120),
            step in 1usize..40,
        ) {
            let body: Vec<u8> = if pieces.len() % 2 == 0 { bytes } else { pieces.concat().into_bytes() };
            let mut text = b"h,a\n".to_vec();
            text.extend_from_slice(&body);
            let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&text[..]);
            let mut want = Vec::new();
            let mut want_lines = Vec::new();
            let mut rec = csv::ByteRecord::new();
            while r.read_byte_record(&mut rec).unwrap() {
                // The crate's positions are where it began reading the record, blank lines before
                // it included: the record starts after them.
                let mut at = rec.position().map_or(0, |p| p.byte() as usize);
                while at < text.len() && text[at] == b'\n' {
                    at += 1;
                }
                want_lines.push(1 + memchr_iter(b'\n', &text[..at]).count() as u64);
                want.push(rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>());
            }
            want.remove(0);
            want_lines.remove(0);
            for step in [step, 1 << 16] {
                let got = records(&text, step);
                let fields: Vec<Vec<String>> = got.iter().map(|r| r.1.clone()).collect();
                proptest::prop_assert_eq!(&fields, &want, "step {}", step);
                if !body.contains(&b'\r') {
                    let lines: Vec<u64> = got.iter().map(|r| r.0).collect();
                    proptest::prop_assert_eq!(&lines, &want_lines, "step {}", step);
                }
            }
        }
    }

    /// `;` and tab files split as the `csv` crate splits them with that delimiter (quotes open only
    /// after the delimiter), at every cut.
    #[test]
    fn other_delimiters_split_like_the_csv_crate() {
        for d in [b';', b'\t'] {
            let cases: [&[u8]; 4] = [
                b"h;a\n1;2\n3;4\n",
                b"h;a\n1;\"x;\ny\"\n3,5;\"q\"\"q\"\n",
                b"h;a\n5\" pipe;2\n\"ab\"cd;\"\"\n",
                b"h;a\r\n1;\"2\";\"\"\r\n",
            ];
            for case in cases {
                let text: Vec<u8> = case.iter().map(|&b| if b == b';' { d } else { b }).collect();
                let mut r =
                    csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(d).from_reader(&text[..]);
                let mut want: Vec<Vec<String>> = r
                    .byte_records()
                    .map(|x| x.unwrap().iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect())
                    .collect();
                want.remove(0);
                for step in [1, 2, 5, 64 * 1024] {
                    let got: Vec<Vec<String>> = records(&text, step).into_iter().map(|(_, f, _)| f).collect();
                    assert_eq!(got, want, "{:?} step {step}", String::from_utf8_lossy(&text));
                }
            }
        }
    }

    #[test]
    fn the_delimiter_is_found_from_the_header() {
        assert_eq!(detect_delimiter(b"hts,origin,entry_date,customs_value"), b',');
        assert_eq!(detect_delimiter(b"hts;origin;entry_date;customs_value"), b';');
        assert_eq!(detect_delimiter(b"hts\torigin\tentry_date\tcustoms_value"), b'\t');
        // A `;` inside a comma header's quoted name does not make it a `;` file.
        assert_eq!(detect_delimiter(b"hts,origin,entry_date,customs_value,\"a;b;c\""), b',');
        assert_eq!(detect_delimiter(b"Entry Summary Number;HTS Number - Full;x"), b';');
        // Neither: the most frequent; none: a comma.
        assert_eq!(detect_delimiter(b"a;b;c,d"), b';');
        assert_eq!(detect_delimiter(b"a"), b',');
    }

    #[test]
    fn plain_records_split_at_every_comma_and_nowhere_else() {
        // Every byte value beside a comma at every offset of a word (`-` = 0x2D and `+` = 0x2B
        // differ from `,` = 0x2C in one bit; 0xAC has its low seven bits).
        let mut f = FieldSplitter::default();
        for len in 0..40 {
            for pos in 0..len {
                for other in [b'-', b'+', 0xAC, 0x0C, 0x2D, 0xFF, 0x00, b'a'] {
                    let mut raw = vec![other; len];
                    raw[pos] = b',';
                    if pos + 2 < len {
                        raw[pos + 2] = b',';
                    }
                    let fields = f.split_bytes(&raw, true);
                    let got: Vec<&[u8]> = (0..fields.len()).map(|i| fields.field(i)).collect();
                    let want: Vec<&[u8]> = raw.split(|&b| b == b',').collect();
                    assert_eq!(got, want, "{raw:?}");
                }
            }
        }
    }

    #[test]
    fn start_lines_count_blank_lines_and_quoted_newlines() {
        for step in [1, 2, 64] {
            let got = records(b"h,a\n\n1,\"x\ny\"\r\n\r\n2,3\n", step);
            assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 6]);
            // Old Mac line ends (lone CR) count as lines too (found by fuzzing).
            let got = records(b"h,a\r1,2\r\r3,\"4\r5\"\r6,7", step);
            assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4, 6]);
        }
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_and_says_so() {
        let got = records(b"h,a\n1,2\n3,\"open\n4,5\n6,7\n", 2);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, 3);
        assert_eq!(got[1].2, RecordKind::UnclosedQuote { last_line: 5 });
        let got = records(b"h,a\n3,\"open\n4,5\n6,7", 64);
        assert_eq!(got[0].2, RecordKind::UnclosedQuote { last_line: 4 });
        // The line end that closes the input opens no line, CRLF, LF or CR alike (found in review).
        for (text, last_line) in [(&b"h,a\r\n3,\"open\r\n"[..], 2), (b"h,a\n3,\"open\n", 2), (b"h,a\r3,\"o\rpen\r", 3)]
        {
            for step in [1, 3, 64] {
                assert_eq!(records(text, step)[0].2, RecordKind::UnclosedQuote { last_line }, "{text:?} step {step}");
            }
        }
        // A quote inside an unquoted field is a literal, not an opening.
        let got = records(b"h,a\n5\" pipe,2", 64);
        assert_eq!(got[0].2, RecordKind::Quoted);
    }

    #[test]
    fn the_header_loses_its_byte_order_mark_and_blank_lines_before_it() {
        let r = RecordReader::from_reader(Box::new(&b"\n\xEF\xBB\xBFhts,b\n"[..]), "t".into()).unwrap();
        assert_eq!(r.header_raw, b"\xEF\xBB\xBFhts,b".to_vec(), "a BOM is removed only at the start of the file");
        let r = RecordReader::from_reader(Box::new(&b"\xEF\xBB\xBFhts,b\r\n"[..]), "t".into()).unwrap();
        assert_eq!(r.header_raw, b"hts,b".to_vec());
        assert_eq!(r.header.get(0), Some(&b"hts"[..]));
    }

    /// Plain stretches (the one-pass path), blank lines, quotes, CRs and a last line without its
    /// end, mixed, read at several step sizes: the fields as the `csv` crate reads them and the
    /// start lines as counted by hand.
    #[test]
    fn plain_stretches_and_special_records_mixed() {
        let mut text = b"h,a\n".to_vec();
        let mut want_lines = Vec::new();
        let mut line = 1u64;
        for i in 0..3000u64 {
            let record: &[u8] = match i % 500 {
                17 => b"q,\"x,y\"\n",
                123 => b"crlf,1\r\n",
                250 => b"\n\n",
                321 => b"two,\"line\nbreak\"\n",
                _ => b"",
            };
            if !record.is_empty() {
                if record != b"\n\n" {
                    want_lines.push(line + 1);
                }
                line += memchr_iter(b'\n', record).count() as u64;
                text.extend_from_slice(record);
            }
            text.extend_from_slice(format!("{i},{}\n", "v".repeat((i % 40) as usize)).as_bytes());
            line += 1;
            want_lines.push(line);
        }
        text.extend_from_slice(b"last,1");
        want_lines.push(line + 1);
        let want = reference(&text);
        for step in [5, 1000, 64 * 1024, 1 << 20] {
            let got = records(&text, step);
            assert_eq!(got.iter().map(|r| r.1.clone()).collect::<Vec<_>>(), want, "step {step}");
            let lines: Vec<u64> = got.iter().map(|r| r.0).collect();
            let first_difference = lines.iter().zip(&want_lines).position(|(a, b)| a != b);
            assert_eq!(first_difference, None, "step {step}: {:?}", first_difference.map(|k| &got[k]));
            assert_eq!(lines.len(), want_lines.len());
        }
    }

    #[test]
    fn long_records_span_chunks() {
        // Plain (the one-pass path) and quoted (the state machine), with a blank line after each.
        for quote in ["", "\""] {
            let mut text = b"h,a\n".to_vec();
            let long = "x".repeat(CHUNK_BYTES * 3);
            for i in 0..4 {
                text.extend_from_slice(format!("{i},{quote}{long}{quote}\n\n{i},b\n").as_bytes());
            }
            let got = records(&text, 100_000);
            assert_eq!(got.len(), 8, "quote {quote:?}");
            assert!(got.iter().step_by(2).all(|r| r.1[1].len() == long.len()));
            assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4, 5, 7, 8, 10, 11, 13]);
        }
    }
}
