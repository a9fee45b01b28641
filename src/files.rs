//! Bounded reads of the reference files a user names (scenario files and the lists they include, the
//! official HTS export): only regular files, and no larger than a cap, so that a device
//! (`/dev/zero`, `/dev/urandom`), a FIFO or a huge file is refused at once instead of read forever
//! or into all memory.

use std::io::Read;
use std::path::Path;

/// The largest scenario or list file read (the bundled `historical.toml` is about 0.2 MB).
pub const MAX_SCENARIO_BYTES: u64 = 8 * 1024 * 1024;

/// The largest HTS export read (the 2025 Basic Edition is about 3.8 MB).
pub const MAX_HTS_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `path` whole when it is a regular file (symbolic links followed) of at most `max` bytes;
/// the error says why not, in words that fit after "cannot read PATH: ".
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("it is a folder, not a file".into());
    }
    if !meta.is_file() {
        return Err("it is not a regular file (a device, a pipe or a socket); give a file".into());
    }
    if meta.len() > max {
        return Err(format!("it has {} bytes; the most read is {max}", meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never past the cap.
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("it grew past {max} bytes while being read"));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> Result<String, String> {
    String::from_utf8(read_regular(path, max)?).map_err(|_| "it is not UTF-8 text".to_string())
}

/// The identity of a file on disk (device and inode on Unix; the canonical path elsewhere): two
/// spellings of one file (`a.toml`, `sub/../a.toml`, a symbolic or hard link) have the same.
pub fn identity(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| format!("{}:{}", m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(|p| p.display().to_string())
    }
}
