//! [`ParseError`]: which document, which field, which line — never which value.

use std::fmt;

/// A document that could not be read.
///
/// The message is built from `serde_json`'s error with every quoted value
/// removed, so a secret (a token in a secrets document, a password in a SCIM
/// body) never ends up in a log line or an IPC payload. Field names are kept:
/// they are schema, not data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// What was being read: `synchronizationJob`, `auditLogs/provisioning value[3]`, …
    pub document: String,
    /// The JSON key nearest before the failure, when one could be found.
    pub field: Option<String>,
    /// 1-based line of the failure, when known.
    pub line: Option<usize>,
    /// 1-based column of the failure, when known.
    pub column: Option<usize>,
    /// What went wrong, without values.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}", self.document)?;
        if let Some(field) = &self.field {
            write!(f, " at field `{field}`")?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl ParseError {
    /// An error that is not about JSON syntax or types (a required value missing, …).
    pub fn new(document: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            document: document.into(),
            field: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// Name the field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Wrap a `serde_json` error. `source` is the text that was parsed, used
    /// only to find the name of the field the error points into.
    pub fn from_json(
        document: impl Into<String>,
        err: &serde_json::Error,
        source: Option<&[u8]>,
    ) -> Self {
        let (line, column) = if err.line() > 0 {
            (Some(err.line()), Some(err.column()))
        } else {
            (None, None)
        };
        let field = missing_field_name(&err.to_string()).or_else(|| match (source, line, column) {
            (Some(src), Some(l), Some(c)) => field_before(src, l, c),
            _ => None,
        });
        Self {
            document: document.into(),
            field,
            line,
            column,
            message: redact_message(err),
        }
    }
}

/// `serde_json`'s message without its position suffix and without quoted values.
fn redact_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let base = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    // Values are quoted with `"`; field names with backticks. Drop the former.
    let mut out = String::with_capacity(base.len());
    match (base.find('"'), base.rfind('"')) {
        (Some(a), Some(b)) if b > a => {
            out.push_str(&base[..a]);
            out.push_str("<value>");
            out.push_str(&base[b + 1..]);
        }
        _ => out.push_str(base),
    }
    out
}

/// "missing field `id`" → `id`.
fn missing_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

/// The last `"key":` before (line, column) in `src`; a best-effort pointer
/// into the document for the error message.
fn field_before(src: &[u8], line: usize, column: usize) -> Option<String> {
    // Byte offset of (line, column).
    let mut offset = 0usize;
    let mut current = 1usize;
    if line > 1 {
        for (i, b) in src.iter().enumerate() {
            if *b == b'\n' {
                current += 1;
                if current == line {
                    offset = i + 1;
                    break;
                }
            }
        }
        if current != line {
            return None;
        }
    }
    let end = offset.saturating_add(column).min(src.len());
    let window_start = end.saturating_sub(4096);
    let window = &src[window_start..end];
    // Walk back to a `:` preceded by a quoted key.
    let mut i = window.len();
    while i > 0 {
        i -= 1;
        if window[i] != b':' {
            continue;
        }
        let mut j = i;
        while j > 0 && window[j - 1].is_ascii_whitespace() {
            j -= 1;
        }
        if j == 0 || window[j - 1] != b'"' {
            continue;
        }
        let close = j - 1;
        let Some(open) = window[..close].iter().rposition(|b| *b == b'"') else {
            continue;
        };
        let key = &window[open + 1..close];
        if key.len() <= 128 && !key.contains(&b'\\') {
            if let Ok(k) = std::str::from_utf8(key) {
                return Some(k.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        id: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn err(json: &str) -> ParseError {
        let e = serde_json::from_str::<Doc>(json).unwrap_err();
        ParseError::from_json("test document", &e, Some(json.as_bytes()))
    }

    #[test]
    fn names_the_field_and_line() {
        let e = err("{\n  \"id\": \"x\",\n  \"inner\": {\n    \"count\": \"s3cr3t-value\"\n  }\n}");
        assert_eq!(e.field.as_deref(), Some("count"));
        assert_eq!(e.line, Some(4));
        let text = e.to_string();
        assert!(text.contains("test document"), "{text}");
        assert!(text.contains("`count`"), "{text}");
        assert!(text.contains("line 4"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn names_a_missing_field() {
        let e = err(r#"{"inner": {"count": 1}}"#);
        assert_eq!(e.field.as_deref(), Some("id"));
        assert!(e.message.contains("missing field `id`"), "{}", e.message);
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = err("{\"id\": \"x\",, }");
        assert_eq!(e.line, Some(1));
        assert!(e.column.is_some());
    }

    #[test]
    fn plain_errors() {
        let e = ParseError::new("synchronizationSecrets", "no value list").with_field("value");
        assert_eq!(
            e.to_string(),
            "cannot read synchronizationSecrets at field `value`: no value list"
        );
    }
}
