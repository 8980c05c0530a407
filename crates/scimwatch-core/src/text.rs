//! Text from servers made safe for a terminal.
//!
//! A SCIM `detail`, a Graph error message, a provisioning log's reason or a
//! user's display name is chosen by whoever runs the server or the tenant.
//! Printed raw, `ESC ] 0 ; … BEL` retitles the admin's terminal, `ESC [ 2 J`
//! clears it, an OSC 52 sequence writes to the clipboard, and `\r` or a bidi
//! override makes a line say something it does not. [`terminal_safe`] keeps
//! the text and drops every such control: escape sequences (CSI, OSC, DCS and
//! the other string sequences, two-byte `ESC x`) as a whole, then any
//! remaining C0 control, DEL, C1 control (U+0080–U+009F, including the 8-bit
//! CSI U+009B) and the Unicode bidi embeddings, overrides and isolates.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// 8-bit C1 string terminator.
const ST: char = '\u{9c}';

/// Unicode bidi controls that reorder how the rest of a line is displayed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn is_unsafe(c: char, keep_newlines: bool) -> bool {
    if keep_newlines && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control() || is_bidi_control(c)
}

/// Skip an escape sequence whose introducer (ESC, or an 8-bit C1 introducer)
/// was just consumed; `kind` is the character after ESC (or the C1 char mapped
/// to its 7-bit equivalent).
fn skip_sequence(kind: char, it: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match kind {
        // CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final 0x40–0x7E.
        '[' => {
            while let Some(&c) = it.peek() {
                if ('\u{30}'..='\u{3f}').contains(&c) || ('\u{20}'..='\u{2f}').contains(&c) {
                    it.next();
                } else {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        it.next();
                    }
                    return;
                }
            }
        }
        // OSC, DCS, SOS, PM, APC: a string up to BEL, ST or ESC \ (or the end).
        ']' | 'P' | 'X' | '^' | '_' => {
            while let Some(c) = it.next() {
                if c == BEL || c == ST {
                    return;
                }
                if c == ESC {
                    if it.peek() == Some(&'\\') {
                        it.next();
                    }
                    return;
                }
            }
        }
        // nF sequences: intermediates then one final byte (e.g. `ESC ( B`).
        '\u{20}'..='\u{2f}' => {
            while let Some(&c) = it.peek() {
                it.next();
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    return;
                }
            }
        }
        // Any other two-character sequence (`ESC c`, `ESC 7`, …): already consumed.
        _ => {}
    }
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            ESC => {
                // ESC before a control (or at the end): drop the ESC only;
                // the next round judges the control.
                if let Some(&k) = it.peek() {
                    if !k.is_control() {
                        it.next();
                        skip_sequence(k, &mut it);
                    }
                }
            }
            '\u{9b}' => skip_sequence('[', &mut it),
            '\u{9d}' => skip_sequence(']', &mut it),
            '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_sequence(']', &mut it),
            '\n' | '\t' if !keep_newlines => out.push(' '),
            c if is_unsafe(c, keep_newlines) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One line of server text, safe to print: escape sequences and control
/// characters removed, line breaks and tabs turned into spaces (so a value
/// cannot start a line of its own that looks like the program's output).
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// A block of text (a report, several lines), safe to print: like
/// [`terminal_safe`] but line breaks and tabs are kept. `\r` is removed, so
/// `\r\n` becomes `\n` and a carriage return cannot overwrite a line.
pub fn terminal_safe_block(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in ["", "HTTP 401: refused", "Zoë → 東京 ✓", "tab\tand\nline"] {
            assert!(matches!(terminal_safe_block(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(terminal_safe("Zoë → 東京"), Cow::Borrowed(_)));
    }

    #[test]
    fn osc_and_csi_sequences_are_removed_whole() {
        assert_eq!(terminal_safe("a\x1b]0;pwned\x07b"), "ab");
        assert_eq!(terminal_safe("a\x1b]0;pwned\x1b\\b"), "ab");
        assert_eq!(terminal_safe("\x1b[2Jcleared"), "cleared");
        assert_eq!(terminal_safe("\x1b[1;31mred\x1b[0m"), "red");
        assert_eq!(terminal_safe("\x1b[?1049h"), "");
        // OSC 52: write to the clipboard.
        assert_eq!(terminal_safe("x\x1b]52;c;ZXZpbA==\x07y"), "xy");
        // DCS and APC strings.
        assert_eq!(terminal_safe("\x1bPq#0;2;0;0;0\x1b\\ok"), "ok");
        assert_eq!(terminal_safe("\x1b_payload\x1b\\ok"), "ok");
        // Charset selection and two-byte sequences.
        assert_eq!(terminal_safe("\x1b(Bok\x1bc"), "ok");
    }

    #[test]
    fn eight_bit_c1_controls_are_removed() {
        assert_eq!(terminal_safe("a\u{9b}2Jb"), "ab");
        assert_eq!(terminal_safe("a\u{9d}0;pwned\u{9c}b"), "ab");
        assert_eq!(terminal_safe("a\u{85}b\u{7f}c"), "abc");
    }

    #[test]
    fn unterminated_sequences_cannot_swallow_the_terminal() {
        assert_eq!(terminal_safe("tail\x1b"), "tail");
        assert_eq!(terminal_safe("tail\x1b[12"), "tail");
        assert_eq!(terminal_safe("x\x1b]0;never ends"), "x");
        // ESC before a control: both judged, nothing escapes.
        assert_eq!(terminal_safe("a\x1b\x1b[2Jb"), "ab");
        assert_eq!(terminal_safe_block("a\x1b\nb"), "a\nb");
    }

    #[test]
    fn c0_controls_del_and_bidi_overrides_are_removed() {
        assert_eq!(
            terminal_safe("bell\x07 back\x08space\x7f"),
            "bell backspace"
        );
        assert_eq!(terminal_safe("OK\rFAIL"), "OKFAIL");
        assert_eq!(terminal_safe("user\u{202e}gpj.exe"), "usergpj.exe");
        assert_eq!(terminal_safe("a\u{2066}b\u{2069}c"), "abc");
        assert_eq!(terminal_safe("nul\0byte"), "nulbyte");
    }

    #[test]
    fn line_breaks_become_spaces_in_a_line_and_stay_in_a_block() {
        assert_eq!(terminal_safe("one\ntwo\tthree"), "one two three");
        assert_eq!(
            terminal_safe_block("one\r\ntwo\tthree\n"),
            "one\ntwo\tthree\n"
        );
    }

    #[test]
    fn nothing_unsafe_survives_any_input() {
        // Every char from U+0000 to U+00FF plus bidi controls, in sequences.
        let mut all = String::new();
        for c in (0u32..=0xff).filter_map(char::from_u32) {
            all.push(c);
            all.push('\x1b');
            all.push(c);
        }
        all.push_str("\u{202e}\u{2067}\u{200f}");
        for out in [terminal_safe(&all), terminal_safe_block(&all)] {
            assert!(
                !out.chars()
                    .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)),
                "{out:?}"
            );
        }
        assert!(!terminal_safe(&all).contains('\n'));
    }
}
