//! The one renderer of the summaries' tables, as aligned text (first column left, the others
//! right) or as a Markdown table.

use std::fmt::Write as _;

/// A table of text cells under a header.
pub(crate) struct Table {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with this header and no rows.
    pub(crate) fn new<H: AsRef<str>>(header: &[H]) -> Table {
        Table { header: header.iter().map(|h| h.as_ref().to_string()).collect(), rows: Vec::new() }
    }

    /// The table without the column `name` (unchanged when it has none).
    pub(crate) fn without_column(mut self, name: &str) -> Table {
        if let Some(k) = self.header.iter().position(|h| h == name) {
            self.header.remove(k);
            for r in &mut self.rows {
                if k < r.len() {
                    r.remove(k);
                }
            }
        }
        self
    }

    /// Appends the table as aligned text: columns separated by two spaces, no trailing blanks.
    pub(crate) fn render_aligned(&self, o: &mut String) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |o: &mut String, cells: &[String]| {
            let text = cells
                .iter()
                .enumerate()
                .map(
                    |(i, c)| if i == 0 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) },
                )
                .collect::<Vec<_>>()
                .join("  ");
            let _ = writeln!(o, "{}", text.trim_end());
        };
        line(o, &self.header);
        for r in &self.rows {
            line(o, r);
        }
    }

    /// Appends the table in Markdown (numbers right-aligned).
    pub(crate) fn render_markdown(&self, o: &mut String) {
        let _ = writeln!(o, "| {} |", self.header.join(" | "));
        let _ = writeln!(
            o,
            "|{}",
            (0..self.header.len()).map(|i| if i == 0 { "---|" } else { "---:|" }).collect::<String>()
        );
        for r in &self.rows {
            let _ = writeln!(o, "| {} |", r.join(" | "));
        }
    }
}
