//! What the headless commands print, and how.
//!
//! - Tables and lines: every server-derived string goes through the sanitizer before it is
//!   printed (URLs built from usernames and slugs included), so a hostile name cannot set the
//!   terminal's title or move its cursor.
//! - JSON: serde_json escapes C0 controls; this writer also escapes C1 controls, bidi
//!   overrides and isolates, zero-width characters and the line/paragraph separators as
//!   `\uXXXX`, so a script that prints a field cannot be tricked either. The text is the same
//!   once decoded.
//! - A closed stdout (`modterm queue | head`) ends the command quietly: [`Printer`] reports
//!   it as [`Closed`], which `main` turns into a silent, successful exit.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// Standard output was closed by the reader: stop printing, quietly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// Characters a terminal or a reader of JSON may act on, beyond the C0 controls.
pub fn is_invisible_or_control(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}'
        | '\u{feff}')
}

/// PrettyFormatter, plus `\uXXXX` for [`is_invisible_or_control`] characters.
struct SafeFormatter(PrettyFormatter<'static>);

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_invisible_or_control(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// One-line JSON with the same escapes (for `watch --json`, one event per line).
struct SafeCompact;

impl Formatter for SafeCompact {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        SafeFormatter(PrettyFormatter::new()).write_string_fragment(w, fragment)
    }
}

/// `value` as pretty JSON, hostile characters escaped.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, SafeFormatter(PrettyFormatter::new()));
    if value.serialize(&mut ser).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "null".into())
}

/// `value` as one line of JSON, hostile characters escaped.
pub fn to_json_line<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeCompact);
    if value.serialize(&mut ser).is_err() {
        return "null".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "null".into())
}

/// Writes to standard output, noticing when the reader has gone.
pub struct Printer {
    out: io::Stdout,
}

impl Default for Printer {
    fn default() -> Self {
        Printer { out: io::stdout() }
    }
}

impl Printer {
    pub fn line(&mut self, text: &str) -> Result<(), Closed> {
        match writeln!(self.out.lock(), "{text}") {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(Closed),
            // Any other failure to write stdout is as final as a closed pipe.
            Err(_) => Err(Closed),
        }
    }

    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Closed> {
        self.line(&to_json(value))
    }

    pub fn flush(&mut self) -> Result<(), Closed> {
        self.out.flush().map_err(|_| Closed)
    }

    /// A plain text table: columns padded to their widest cell; the last column is not padded.
    /// Cells must already be sanitized (see [`crate::text::sanitize_line`]).
    pub fn table(&mut self, headers: &[&str], rows: Vec<Vec<String>>) -> Result<(), Closed> {
        use unicode_width::UnicodeWidthStr;
        let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.width());
                }
            }
        }
        let line = |cells: Vec<String>| {
            let last = cells.len().saturating_sub(1);
            let mut out = String::new();
            for (i, cell) in cells.into_iter().enumerate() {
                out.push_str(&cell);
                if i < last {
                    let pad = widths[i].saturating_sub(cell.width()) + 2;
                    out.push_str(&" ".repeat(pad));
                }
            }
            out
        };
        self.line(&line(headers.iter().map(|h| h.to_string()).collect()))?;
        for row in rows {
            self.line(&line(row))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_a_terminal_or_reader_could_act_on() {
        let hostile = "a\u{1b}]0;pwned\u{7}b\u{9b}c\u{202e}d\u{200b}e\u{2028}f\u{feff}g";
        let text = to_json(&serde_json::json!({ "title": hostile }));
        for c in text.chars() {
            assert!(
                !c.is_control() || c == '\n',
                "raw control {c:?} in {text:?}"
            );
            assert!(!is_invisible_or_control(c), "raw {c:?} in {text:?}");
        }
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e"),
            "{text}"
        );
        // Decoded, it is the same text.
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["title"], hostile);
        let line = to_json_line(&serde_json::json!({ "t": "x\u{2066}y" }));
        assert_eq!(line, "{\"t\":\"x\\u2066y\"}");
    }
}
