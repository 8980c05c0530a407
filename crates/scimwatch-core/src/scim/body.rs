//! What came back: JSON, an HTML page, text or nothing; the content type;
//! and SCIM error bodies (RFC 7644 §3.12).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::deviation::Deviation;
use super::resource::get_ci;

/// The SCIM Error schema URN.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// What a response body is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BodyKind {
    /// Valid JSON.
    Json,
    /// An HTML page (a login page, a proxy or WAF error).
    Html {
        /// The `<title>`, whitespace collapsed, at most 200 characters.
        title: Option<String>,
    },
    /// Something else (plain text, XML, invalid JSON).
    Text,
    /// Nothing, or only whitespace.
    Empty,
}

impl BodyKind {
    /// The deviation this body represents where JSON was expected, if any.
    pub fn deviation(&self) -> Option<Deviation> {
        match self {
            BodyKind::Json => None,
            BodyKind::Html { title } => Some(Deviation::HtmlBody {
                title: title.clone(),
            }),
            BodyKind::Text => Some(Deviation::NonJsonBody),
            BodyKind::Empty => Some(Deviation::EmptyBody),
        }
    }
}

fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// Position of `needle` (ASCII, lower case) in `hay`, ignoring ASCII case.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Classify a response body. JSON wins when the body parses as JSON whatever
/// the content type says; HTML is recognised by content type or markup.
pub fn classify_body(content_type: Option<&str>, body: &[u8]) -> BodyKind {
    let body = strip_bom(body);
    let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return BodyKind::Empty;
    };
    let trimmed = &body[first..];
    let json_start = matches!(trimmed[0], b'{' | b'[' | b'"' | b'-')
        || trimmed[0].is_ascii_digit()
        || trimmed.starts_with(b"true")
        || trimmed.starts_with(b"false")
        || trimmed.starts_with(b"null");
    if json_start && serde_json::from_slice::<serde::de::IgnoredAny>(trimmed).is_ok() {
        return BodyKind::Json;
    }
    let head = &trimmed[..trimmed.len().min(64 * 1024)];
    let ct_html = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"));
    let looks_html = head.starts_with(b"<")
        && (find_ci(&head[..head.len().min(1024)], b"<html").is_some()
            || find_ci(&head[..head.len().min(1024)], b"<!doctype html").is_some()
            || find_ci(head, b"<body").is_some()
            || find_ci(head, b"<title").is_some());
    if ct_html || looks_html {
        return BodyKind::Html {
            title: html_title(head),
        };
    }
    BodyKind::Text
}

fn html_title(head: &[u8]) -> Option<String> {
    let open = find_ci(head, b"<title")?;
    let after_open = open + head[open..].iter().position(|b| *b == b'>')? + 1;
    let len = find_ci(&head[after_open..], b"</title")?;
    let raw = String::from_utf8_lossy(&head[after_open..after_open + len]);
    let decoded = raw
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ");
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return None;
    }
    Some(collapsed.chars().take(200).collect())
}

/// The verdict on a response's `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContentTypeCheck {
    /// `application/scim+json`: ideal.
    Scim,
    /// `application/json` (or another `+json`): accepted, a deviation.
    Json,
    /// No header.
    Missing,
    /// Anything else.
    Other {
        /// The media type, lower-cased, without parameters.
        media_type: String,
    },
}

impl ContentTypeCheck {
    /// The deviation to report, if any.
    pub fn deviation(&self) -> Option<Deviation> {
        match self {
            ContentTypeCheck::Scim => None,
            ContentTypeCheck::Json => Some(Deviation::ContentTypeJson),
            ContentTypeCheck::Missing => Some(Deviation::ContentTypeMissing),
            ContentTypeCheck::Other { media_type } => Some(Deviation::ContentTypeUnexpected {
                content_type: media_type.clone(),
            }),
        }
    }
}

/// Check a `Content-Type` header value (`application/scim+json; charset=utf-8`).
pub fn check_content_type(content_type: Option<&str>) -> ContentTypeCheck {
    let Some(ct) = content_type else {
        return ContentTypeCheck::Missing;
    };
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "" => ContentTypeCheck::Missing,
        "application/scim+json" => ContentTypeCheck::Scim,
        "application/json" | "text/json" => ContentTypeCheck::Json,
        m if m.starts_with("application/") && m.ends_with("+json") => ContentTypeCheck::Json,
        _ => ContentTypeCheck::Other {
            media_type: media.chars().take(100).collect(),
        },
    }
}

/// A SCIM error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScimError {
    /// HTTP status from the body (string or number in the JSON).
    pub status: Option<u16>,
    /// `invalidFilter`, `uniqueness`, `mutability`, …
    pub scim_type: Option<String>,
    /// The server's explanation.
    pub detail: Option<String>,
    /// How the body departs from RFC 7644 §3.12.
    pub deviations: Vec<Deviation>,
}

/// Read a SCIM error body. `None` when the body is not JSON or does not look
/// like a SCIM error (no Error schema and none of `status`/`scimType`/`detail`).
pub fn parse_scim_error(body: &[u8]) -> Option<ScimError> {
    let value: Value = serde_json::from_slice(strip_bom(body)).ok()?;
    let obj = value.as_object()?;
    let has_schema = get_ci(obj, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(ERROR_SCHEMA))
            })
        });
    let status_v = get_ci(obj, "status");
    let scim_type = get_ci(obj, "scimType")
        .and_then(Value::as_str)
        .map(str::to_string);
    let detail = get_ci(obj, "detail")
        .and_then(Value::as_str)
        .map(str::to_string);
    if !has_schema && status_v.is_none() && scim_type.is_none() && detail.is_none() {
        return None;
    }
    let mut deviations = Vec::new();
    if !has_schema {
        deviations.push(Deviation::ErrorSchemaMissing);
    }
    let status = match status_v {
        Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
        Some(Value::Number(n)) => {
            deviations.push(Deviation::ErrorStatusAsNumber);
            n.as_u64().and_then(|n| u16::try_from(n).ok())
        }
        _ => None,
    };
    Some(ScimError {
        status,
        scim_type,
        detail,
        deviations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bodies() {
        let cases: &[(Option<&str>, &str, BodyKind)] = &[
            (None, "", BodyKind::Empty),
            (Some("application/json"), " \n\t", BodyKind::Empty),
            (Some("application/scim+json"), "{\"a\":1}", BodyKind::Json),
            (Some("text/html"), "{\"a\":1}", BodyKind::Json),
            (None, "\u{feff}[1,2]", BodyKind::Json),
            (Some("application/json"), "{\"a\":", BodyKind::Text),
            (Some("text/plain"), "Unauthorized", BodyKind::Text),
            (
                Some("text/html; charset=utf-8"),
                "<!DOCTYPE html><html><head><title>\n Sign in to your account </title></head></html>",
                BodyKind::Html {
                    title: Some("Sign in to your account".into()),
                },
            ),
            (
                None,
                "<HTML><BODY>502 Bad Gateway</BODY></HTML>",
                BodyKind::Html { title: None },
            ),
            (
                Some("text/html"),
                "Access denied",
                BodyKind::Html { title: None },
            ),
            (
                None,
                "<html><title>A &amp; B</title>",
                BodyKind::Html {
                    title: Some("A & B".into()),
                },
            ),
            (None, "<?xml version=\"1.0\"?><a/>", BodyKind::Text),
        ];
        for (ct, body, expected) in cases {
            assert_eq!(&classify_body(*ct, body.as_bytes()), expected, "{body:?}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let bodies: &[&[u8]] = &[
            b"<",
            b"<title>",
            b"<title",
            b"\xff\xfe<html><title>\xff</title>",
            b"\xEF\xBB\xBF",
        ];
        for b in bodies {
            let _ = classify_body(Some("text/html"), b);
        }
        let long_title = format!("<html><title>{}</title>", "x".repeat(1000));
        match classify_body(None, long_title.as_bytes()) {
            BodyKind::Html { title } => assert_eq!(title.unwrap().len(), 200),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn content_types() {
        let cases = [
            (Some("application/scim+json"), ContentTypeCheck::Scim),
            (
                Some("Application/SCIM+JSON; charset=utf-8"),
                ContentTypeCheck::Scim,
            ),
            (Some("application/json"), ContentTypeCheck::Json),
            (
                Some("application/json;charset=UTF-8"),
                ContentTypeCheck::Json,
            ),
            (Some("application/problem+json"), ContentTypeCheck::Json),
            (None, ContentTypeCheck::Missing),
            (Some("  "), ContentTypeCheck::Missing),
            (
                Some("text/html; charset=utf-8"),
                ContentTypeCheck::Other {
                    media_type: "text/html".into(),
                },
            ),
        ];
        for (ct, expected) in cases {
            assert_eq!(check_content_type(ct), expected, "{ct:?}");
        }
        assert_eq!(
            check_content_type(Some("application/scim+json")).deviation(),
            None
        );
        assert_eq!(
            check_content_type(Some("application/json")).deviation(),
            Some(Deviation::ContentTypeJson)
        );
    }

    #[test]
    fn scim_errors() {
        let e = parse_scim_error(
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"exists"}"#,
        )
        .unwrap();
        assert_eq!(e.status, Some(409));
        assert_eq!(e.scim_type.as_deref(), Some("uniqueness"));
        assert!(e.deviations.is_empty());
        let e = parse_scim_error(br#"{"status":401,"detail":"bad token"}"#).unwrap();
        assert_eq!(e.status, Some(401));
        assert_eq!(
            e.deviations,
            vec![
                Deviation::ErrorSchemaMissing,
                Deviation::ErrorStatusAsNumber
            ]
        );
        assert!(parse_scim_error(b"{\"Resources\":[]}").is_none());
        assert!(parse_scim_error(b"<html>").is_none());
        assert!(parse_scim_error(b"[]").is_none());
        let e = parse_scim_error(br#"{"status":"abc","detail":1}"#).unwrap();
        assert_eq!(e.status, None);
    }
}
