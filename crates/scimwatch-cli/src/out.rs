//! Everything the CLI prints goes through here.
//!
//! `main.rs` declares this module first with `#[macro_use]`, so the
//! `println!`, `print!`, `eprintln!` and `eprint!` used anywhere in the crate
//! are the macros below, not std's:
//!
//! - Human output is made terminal-safe with core's
//!   [`terminal_safe_block`]: server text (a SCIM `detail`, a Graph message,
//!   a provisioning log's names and reasons) cannot send escape sequences or
//!   control characters to the admin's terminal. Line breaks and tabs stay.
//! - JSON goes out unchanged through [`json`]: serde already escapes every
//!   control character in a string, and a filter must not alter the data.
//! - A closed stdout never panics (std's `println!` does on `EPIPE`). When the
//!   reader has gone (`scimwatch-cli logs | head`) the process exits at once,
//!   silently, with status 141 — what a shell reports for a program ended by
//!   SIGPIPE, so `set -o pipefail` scripts see the output was cut short. Any
//!   other write failure (a full disk behind `>`) is reported on stderr with
//!   exit 1. Failures to write to stderr are ignored: there is nowhere left to
//!   report them.

use std::fmt::Arguments;
use std::io::{ErrorKind, Write};

use scimwatch_core::text::terminal_safe_block;

/// Exit status when stdout's reader has gone: 128 + SIGPIPE.
pub const BROKEN_PIPE_EXIT: i32 = 141;

fn write_stdout(s: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

fn write_stderr(s: &str) {
    let _ = std::io::stderr().lock().write_all(s.as_bytes());
}

/// Human text to stdout, terminal-safe.
pub fn stdout(args: Arguments<'_>, newline: bool) {
    let mut s = std::fmt::format(args);
    if newline {
        s.push('\n');
    }
    write_stdout(&terminal_safe_block(&s));
}

/// Human text to stderr, terminal-safe.
pub fn stderr(args: Arguments<'_>, newline: bool) {
    let mut s = std::fmt::format(args);
    if newline {
        s.push('\n');
    }
    write_stderr(&terminal_safe_block(&s));
}

/// A progress line on stderr that the next one overwrites (`\r` is ours;
/// the text is terminal-safe).
pub fn progress(args: Arguments<'_>) {
    let s = std::fmt::format(args);
    write_stderr(&format!("\r{}", scimwatch_core::text::terminal_safe(&s)));
}

/// One JSON document (or line) to stdout, byte for byte.
pub fn json(s: &str) {
    let mut line = String::with_capacity(s.len() + 1);
    line.push_str(s);
    line.push('\n');
    write_stdout(&line);
}

/// Terminal-safe `println!` that never panics (see the module docs).
macro_rules! println {
    () => { $crate::out::stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::out::stdout(format_args!($($arg)*), true) };
}

/// Terminal-safe `print!` that never panics.
macro_rules! print {
    ($($arg:tt)*) => { $crate::out::stdout(format_args!($($arg)*), false) };
}

/// Terminal-safe `eprintln!` that never panics.
macro_rules! eprintln {
    () => { $crate::out::stderr(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::out::stderr(format_args!($($arg)*), true) };
}

/// Terminal-safe `eprint!` that never panics.
#[allow(unused_macros)] // here so that a future `eprint!` is the safe one too
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::out::stderr(format_args!($($arg)*), false) };
}
