//! The sanitizer: every piece of remote text passes through here before it reaches a widget.
//!
//! It removes everything a terminal could interpret as a command (escape sequences, C0 and C1
//! controls, DEL) and the invisible characters that can make text lie about itself (bidi
//! overrides, zero-width characters, invisible fillers). Ordinary Unicode (accents, CJK, emoji
//! with their variation selectors) is kept.

use unicode_width::UnicodeWidthChar;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const C1_DCS: char = '\u{90}';
const C1_SOS: char = '\u{98}';
const C1_CSI: char = '\u{9b}';
const C1_ST: char = '\u{9c}';
const C1_OSC: char = '\u{9d}';
const C1_PM: char = '\u{9e}';
const C1_APC: char = '\u{9f}';

/// Tab stops used when expanding tabs to spaces.
const TAB_WIDTH: usize = 4;

/// Removes terminal control sequences and spoofing characters; keeps '\n', expands '\t' to
/// spaces (tab stops every 4 columns, counted from the last newline).
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut col = 0usize;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            ESC => match it.peek().copied() {
                None => {}
                Some('[') => {
                    it.next();
                    skip_csi(&mut it);
                }
                Some(']') => {
                    it.next();
                    skip_string(&mut it, true);
                }
                Some('P' | 'X' | '^' | '_') => {
                    it.next();
                    skip_string(&mut it, true);
                }
                Some(n) if ('\u{20}'..='\u{2f}').contains(&n) => {
                    // nF sequence: intermediates then one final byte.
                    while let Some(&i) = it.peek() {
                        if ('\u{20}'..='\u{2f}').contains(&i) {
                            it.next();
                        } else {
                            break;
                        }
                    }
                    if let Some(&f) = it.peek() {
                        if ('\u{30}'..='\u{7e}').contains(&f) {
                            it.next();
                        }
                    }
                }
                Some(n) if ('\u{30}'..='\u{7e}').contains(&n) => {
                    // Two-character sequence (ESC 7, ESC c, ESC \ ...).
                    it.next();
                }
                // A lone ESC before something else: drop the ESC only.
                Some(_) => {}
            },
            C1_CSI => skip_csi(&mut it),
            C1_OSC | C1_DCS | C1_SOS | C1_PM | C1_APC => skip_string(&mut it, true),
            '\n' => {
                out.push('\n');
                col = 0;
            }
            '\t' => {
                let n = TAB_WIDTH - (col % TAB_WIDTH);
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\u{2028}' | '\u{2029}' => {
                out.push('\n');
                col = 0;
            }
            c if is_dropped(c) => {}
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
    out
}

/// As [`sanitize`], then every run of whitespace (newlines and tabs included) becomes one space
/// and the ends are trimmed: for titles, names and table cells.
pub fn sanitize_line(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    for word in clean.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Characters removed outright.
fn is_dropped(c: char) -> bool {
    let u = c as u32;
    u < 0x20 // C0 controls ('\n' and '\t' are handled before)
        || u == 0x7f // DEL
        || (0x80..=0x9f).contains(&u) // C1 controls
        || c == '\u{ad}' // soft hyphen: invisible
        || c == '\u{61c}' // Arabic letter mark
        || c == '\u{115f}' || c == '\u{1160}' // Hangul fillers
        || c == '\u{180e}' // Mongolian vowel separator
        || (0x200b..=0x200f).contains(&u) // zero-width space/non-joiner/joiner, LRM, RLM
        || (0x202a..=0x202e).contains(&u) // bidi embeddings and overrides
        || (0x2060..=0x2064).contains(&u) // word joiner, invisible operators
        || (0x2066..=0x2069).contains(&u) // bidi isolates
        || (0x206a..=0x206f).contains(&u) // deprecated format characters
        || c == '\u{3164}' || c == '\u{ffa0}' // Hangul fillers (invisible "names")
        || c == '\u{feff}' // zero-width no-break space / BOM
        || (0xfff9..=0xfffb).contains(&u) // interlinear annotation
        || (0xe0000..=0xe007f).contains(&u) // tag characters
}

/// Skips the rest of a CSI sequence: parameter and intermediate bytes, then the final byte.
fn skip_csi(it: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = it.peek() {
        if ('\u{20}'..='\u{3f}').contains(&c) {
            it.next();
        } else {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                it.next();
            }
            return;
        }
    }
}

/// Skips a control string (OSC, DCS, SOS, PM, APC) up to and including its terminator: ST
/// (`ESC \` or U+009C) or, when `bel` is true, BEL. An unterminated string runs to the end of
/// the text (a terminal would swallow it too).
fn skip_string(it: &mut std::iter::Peekable<std::str::Chars<'_>>, bel: bool) {
    while let Some(c) = it.next() {
        match c {
            BEL if bel => return,
            C1_ST => return,
            ESC => {
                if it.peek() == Some(&'\\') {
                    it.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_clean(s: &str) {
        assert!(
            !s.chars()
                .any(|c| (c as u32) < 0x20 && c != '\n' || (0x7f..=0x9f).contains(&(c as u32))),
            "control left in {s:?}"
        );
    }

    #[test]
    fn sanitize_removes_csi() {
        assert_eq!(sanitize("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(sanitize("\x1b[2J\x1b[1;1Hx"), "x");
        assert_eq!(sanitize("\x1b[?1049h!"), "!");
    }

    #[test]
    fn sanitize_removes_osc52_with_bel_and_st() {
        assert_eq!(sanitize("a\x1b]52;c;ZXZpbA==\x07b"), "ab");
        assert_eq!(sanitize("a\x1b]52;c;ZXZpbA==\x1b\\b"), "ab");
        assert_eq!(sanitize("a\u{9d}52;c;ZXZpbA==\u{9c}b"), "ab");
    }

    #[test]
    fn sanitize_removes_osc8_hyperlink() {
        let s = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\";
        assert_eq!(sanitize(s), "click");
    }

    #[test]
    fn sanitize_removes_dcs_apc_pm_sos() {
        assert_eq!(sanitize("a\x1bPq#0;1\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b_Gf=100;AAAA\x1b\\b"), "ab");
        assert_eq!(sanitize("a\x1b^pm\x1b\\b\x1bXsos\x1b\\c"), "abc");
    }

    #[test]
    fn sanitize_removes_two_char_and_nf_escapes() {
        assert_eq!(sanitize("a\x1bcb\x1b7c\x1b(Bd"), "abcd");
    }

    #[test]
    fn sanitize_removes_c1_controls_and_c1_csi() {
        assert_eq!(sanitize("a\u{9b}31mb\u{85}c\u{80}d"), "abcd");
    }

    #[test]
    fn sanitize_removes_c0_and_del_keeps_newline_expands_tab() {
        assert_eq!(sanitize("a\x00b\x07c\x08d\x7fe\r\nf"), "abcde\nf");
        assert_eq!(sanitize("a\tb"), "a   b");
        assert_eq!(sanitize("\tx"), "    x");
    }

    #[test]
    fn sanitize_removes_bidi_and_invisible_format() {
        let s = "admin\u{202e}gnp.exe\u{2066}x\u{2069}\u{200b}\u{200f}\u{61c}\u{feff}";
        assert_eq!(sanitize(s), "admingnp.exex");
    }

    #[test]
    fn sanitize_keeps_normal_unicode() {
        let s = "café 漢字 😀 👍🏽 naïve Ελληνικά ❤\u{fe0f}";
        assert_eq!(sanitize(s), s);
    }

    #[test]
    fn sanitize_unterminated_escape_at_end() {
        assert_eq!(sanitize("abc\x1b"), "abc");
        assert_eq!(sanitize("abc\x1b["), "abc");
        assert_eq!(sanitize("abc\x1b[12;"), "abc");
        assert_eq!(sanitize("abc\x1b]52;c;AAAA"), "abc");
        assert_eq!(sanitize("abc\u{9b}"), "abc");
    }

    #[test]
    fn sanitize_lone_esc_before_non_ascii_drops_only_esc() {
        assert_eq!(sanitize("a\x1bé"), "aé");
    }

    #[test]
    fn sanitize_fuzz_like_inputs_leave_no_controls() {
        let inputs = [
            "\x1b\x1b[\x1b]\x07\x1bP\u{9b}\u{9d}x",
            "\x1b[\x1b[31m",
            "\u{9b}\u{9b}\u{9b}",
            "\x1b]8;;\x1b]8;;\x07",
        ];
        for s in inputs {
            assert_clean(&sanitize(s));
        }
    }

    #[test]
    fn sanitize_line_collapses_whitespace() {
        assert_eq!(
            sanitize_line("  Hello\n\tworld \x1b[1m !  "),
            "Hello world !"
        );
        assert_eq!(sanitize_line("\u{202e}title"), "title");
    }
}
