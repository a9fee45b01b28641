//! Values shown in messages and reject reports: invisible characters escaped (a byte-order mark, a
//! NUL or a control character would otherwise vanish from a terminal or break a report line) and long
//! values cut with their length, so that a 50 MB field never becomes a 50 MB message.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most characters of a value shown; longer values are cut and their length given.
pub const SHOWN_CHARS: usize = 200;

/// `text` with every control character, byte-order mark and other invisible format character
/// written as `\u{..}` (tab, CR and LF included: a message is one line).
pub fn escape_invisible(text: &str) -> Cow<'_, str> {
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{feff}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}')
    };
    if !text.chars().any(invisible) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if invisible(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value as shown in a message or a report: invisible characters escaped, and cut after
/// [`SHOWN_CHARS`] characters with its length in bytes (`abc… (52428800 bytes)`).
pub fn shown(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => escape_invisible(text),
        Some((cut, _)) => Cow::Owned(format!("{}… ({} bytes)", escape_invisible(&text[..cut]), text.len())),
    }
}

/// True when a CSV field must be quoted: it holds a comma, a quote or a line end.
pub fn csv_needs_quotes(field: &[u8]) -> bool {
    field.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// Appends one CSV field, quoted (with `"` doubled) only when it must be, as the `csv` crate writes
/// it: the one field writer of every record the tool makes up (results, converted inputs). True
/// when the field was quoted.
pub fn push_csv_field(line: &mut Vec<u8>, field: &[u8]) -> bool {
    let quoted = csv_needs_quotes(field);
    if quoted {
        line.push(b'"');
        for &b in field {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(field);
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_escaped_and_long_values_cut() {
        assert_eq!(escape_invisible("JP"), "JP");
        assert_eq!(escape_invisible("\u{feff}hts"), "\\u{feff}hts");
        assert_eq!(escape_invisible("a\0b\tc\r\n"), "a\\u{0}b\\u{9}c\\u{d}\\u{a}");
        assert_eq!(shown("short"), "short");
        let long = "x".repeat(1000);
        let s = shown(&long);
        assert!(s.starts_with(&"x".repeat(SHOWN_CHARS)) && s.ends_with("… (1000 bytes)"), "{s}");
        assert_eq!(s.chars().count(), SHOWN_CHARS + " (1000 bytes)".len() + 1);
        // Multi-byte characters are cut on a character boundary.
        let wide = "é".repeat(300);
        assert!(shown(&wide).ends_with("… (600 bytes)"));
    }
}
