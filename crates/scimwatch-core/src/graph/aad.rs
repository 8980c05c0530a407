//! Microsoft identity platform (AADSTS) error descriptions, made fit to show.
//!
//! Real token-endpoint descriptions carry `\r\n` line breaks before
//! `Trace ID:`, `Correlation ID:` and `Timestamp:` lines
//! (`"AADSTS7000215: Invalid client secret is provided.\r\nTrace ID: …\r\n
//! Correlation ID: …\r\nTimestamp: 2020-04-07 20:52:51Z"`); some are one
//! line with the same tail after a space. The admin is shown the sentence(s)
//! before the trace lines and the AADSTS code, never the trace lines or raw
//! line breaks.

/// An AADSTS description split into its code and the message to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadDescription {
    /// The `AADSTSnnnn` number, if the description names one.
    pub code: Option<u32>,
    /// The message before the trace lines, on one line, without the
    /// `AADSTSnnnn: ` prefix.
    pub message: String,
}

const TRACE_MARKERS: [&str; 3] = ["Trace ID:", "Correlation ID:", "Timestamp:"];

/// Split a description into its AADSTS code and the message to show.
pub fn parse_aad_description(description: &str) -> AadDescription {
    let text = without_trace_lines(description);
    let code = aadsts_code(&text).or_else(|| aadsts_code(description));
    let message = match text.split_once(": ") {
        Some((head, rest))
            if head.starts_with("AADSTS") && head[6..].chars().all(|c| c.is_ascii_digit()) =>
        {
            rest.trim().to_string()
        }
        _ => text,
    };
    AadDescription { code, message }
}

/// The first `AADSTSnnnn` number in a text.
pub fn aadsts_code(text: &str) -> Option<u32> {
    let i = text.find("AADSTS")?;
    let digits: String = text[i + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The description before its `Trace ID:` / `Correlation ID:` /
/// `Timestamp:` tail (on their own lines or inline), as one line: line
/// breaks, tabs and other control characters become single spaces.
pub fn without_trace_lines(description: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in description.split(['\n', '\r']) {
        let t = line.trim();
        if TRACE_MARKERS.iter().any(|m| t.starts_with(m)) {
            // Everything from the first trace line on is diagnostics.
            break;
        }
        // One-line form: `… provided. Trace ID: … Correlation ID: …`.
        let cut = TRACE_MARKERS
            .iter()
            .filter_map(|m| t.find(&format!(" {m}")))
            .min();
        match cut {
            Some(i) => {
                kept.push(&t[..i]);
                break;
            }
            None => kept.push(t),
        }
    }
    one_line(&kept.join(" "))
}

/// A text on one line: every control character (line breaks, tabs, escape)
/// becomes a space, runs of whitespace collapse, ends trimmed.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_trace_lines_are_dropped() {
        let d = "AADSTS7000215: Invalid client secret is provided.\r\nTrace ID: b179b7db-c957-4917-a1b6-66fab2042a00\r\nCorrelation ID: 4cfc9c81-660f-4a1a-ba0b-87db205c5461\r\nTimestamp: 2020-04-07 20:52:51Z";
        let p = parse_aad_description(d);
        assert_eq!(p.code, Some(7000215));
        assert_eq!(p.message, "Invalid client secret is provided.");
    }

    #[test]
    fn one_line_and_multi_sentence_forms() {
        let d = "AADSTS65001: The user or administrator has not consented. Trace ID: x Correlation ID: y";
        assert_eq!(
            parse_aad_description(d).message,
            "The user or administrator has not consented."
        );
        let d = "AADSTS90002: Tenant 'x' not found. Check to make sure you have the correct tenant ID.\r\nThis may happen if there are no active subscriptions.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2024-01-01 00:00:00Z";
        let p = parse_aad_description(d);
        assert_eq!(p.code, Some(90002));
        assert_eq!(
            p.message,
            "Tenant 'x' not found. Check to make sure you have the correct tenant ID. This may \
happen if there are no active subscriptions."
        );
        assert_eq!(parse_aad_description("").message, "");
        assert_eq!(
            parse_aad_description("plain\ttext\u{1b}[31m").message,
            "plain text [31m"
        );
        assert_eq!(parse_aad_description("AADSTS: x").code, None);
        assert_eq!(parse_aad_description("Trace ID: only").message, "");
    }
}
