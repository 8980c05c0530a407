//! Normalisation and validation of what admins type: Tenant URLs, tokens,
//! tenant ids, GUIDs, dates. Every refusal names the problem precisely.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use url::Url;

use crate::transport::is_loopback_host;

/// Longest secret token accepted. Real SCIM tokens and JWTs are a few KB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;
/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// A URL after normalisation, with notes worth showing the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedUrl {
    pub url: String,
    /// Harmless fixes applied (trailing slash removed, `//` collapsed, …).
    pub notes: Vec<String>,
}

/// The refusal of a scheme other than http(s), never quoting more than the scheme.
fn only_https(scheme: &str) -> String {
    let shown: String = scheme.chars().take(20).collect();
    format!("the scheme `{shown}:` is not allowed: only https:// URLs are accepted")
}

/// The scheme `raw` (lower case) starts with, when it is one and not http(s):
/// `javascript:`, `data:`, `ftp://`, `file:///`. A host with a port
/// (`api.example.com:8443/scim`) is no scheme: what follows its colon is digits.
fn other_scheme(lower: &str) -> Option<String> {
    let (head, rest) = lower.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let scheme_like = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_like || head == "http" || head == "https" {
        return None;
    }
    let port_like = rest.chars().next().is_some_and(|c| c.is_ascii_digit())
        && rest
            .chars()
            .take_while(|c| *c != '/' && *c != '?')
            .all(|c| c.is_ascii_digit());
    if port_like && !rest.starts_with("//") {
        return None;
    }
    Some(head.to_string())
}

/// Normalise an https endpoint URL (Tenant URL, Graph or login host).
///
/// Trims whitespace, requires `https` (plain `http` only on loopback), refuses
/// credentials in the URL, fragments, spaces and non-ASCII hosts that are not
/// valid IDNs, removes trailing slashes, collapses `//` in the path and keeps
/// the query string (Entra's `?aadOptscim062020` flag lives there).
pub fn normalize_endpoint_url(raw: &str) -> Result<NormalizedUrl, String> {
    let mut notes = Vec::new();
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("enter a URL".into());
    }
    if trimmed.len() > MAX_URL_LEN {
        return Err(format!("the URL is longer than {MAX_URL_LEN} characters"));
    }
    if trimmed != raw {
        notes.push("removed surrounding whitespace".into());
    }
    if trimmed.chars().any(|c| c.is_whitespace()) {
        return Err("the URL contains a space or line break; copy it again without them".into());
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err("the URL contains control characters".into());
    }
    let lower = trimmed.to_ascii_lowercase();
    if let Some(scheme) = other_scheme(&lower) {
        return Err(only_https(&scheme));
    }
    if !lower.contains("://") {
        return Err(format!(
            "the URL has no scheme; did you mean https://{trimmed} ?"
        ));
    }
    let url = Url::parse(trimmed).map_err(|e| format!("not a valid URL ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(
                "plain http is refused: the token would travel unencrypted; use https".into(),
            )
        }
        other => return Err(only_https(other)),
    }
    if url.host().is_none() {
        return Err("the URL has no host name".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not contain a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("the URL must not contain a `#` fragment".into());
    }
    let mut path = url.path().to_string();
    if path.contains("//") {
        while path.contains("//") {
            path = path.replace("//", "/");
        }
        notes.push("collapsed `//` in the path".into());
    }
    if path.len() > 1 && path.ends_with('/') {
        while path.len() > 1 && path.ends_with('/') {
            path.pop();
        }
        notes.push("removed the trailing slash".into());
    }
    let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    if path != "/" {
        out.push_str(&path);
    }
    if let Some(q) = url.query() {
        if !q.is_empty() {
            out.push('?');
            out.push_str(q);
        }
    }
    // Percent-encoding (`é` → `%C3%A9`) can make the result longer than what
    // was typed; refuse it here, or normalising the result again would fail.
    if out.len() > MAX_URL_LEN {
        return Err(format!(
            "the URL is longer than {MAX_URL_LEN} characters once encoded"
        ));
    }
    Ok(NormalizedUrl { url: out, notes })
}

/// The one form in which Tenant URLs are compared (Entra's `BaseAddress`,
/// the connection's URL, the URL a probe ran against): what
/// [`normalize_endpoint_url`] makes of it — lower-case scheme and host, no
/// trailing slash or `//`, query kept — or, for text it refuses (Entra may
/// hold anything), the same parts read leniently.
pub fn tenant_url_key(raw: &str) -> String {
    if let Ok(n) = normalize_endpoint_url(raw) {
        return n.url;
    }
    let t = raw.trim();
    match Url::parse(t) {
        Ok(u) => {
            let mut out = format!("{}://{}", u.scheme(), u.host_str().unwrap_or_default());
            if let Some(p) = u.port() {
                out.push_str(&format!(":{p}"));
            }
            out.push_str(u.path().trim_end_matches('/'));
            if let Some(q) = u.query().filter(|q| !q.is_empty()) {
                out.push('?');
                out.push_str(q);
            }
            out
        }
        Err(_) => t.trim_end_matches('/').to_string(),
    }
}

/// Whether two Tenant URLs name the same endpoint ([`tenant_url_key`]).
pub fn same_tenant_url(a: &str, b: &str) -> bool {
    tenant_url_key(a) == tenant_url_key(b)
}

/// Whether a SCIM base URL's path looks like a SCIM root (`/scim`, `/scim/v2`, `/v2`).
/// A URL without one often needs a prefix; the engine confirms by probing.
pub fn looks_like_scim_root(url: &str) -> bool {
    let Ok(u) = Url::parse(url) else { return false };
    let p = u.path().to_ascii_lowercase();
    p.contains("scim") || p.ends_with("/v2") || p.contains("/v2/")
}

/// A token after hygiene, with what was fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanToken {
    pub token: String,
    pub notes: Vec<String>,
}

/// Token hygiene: trims surrounding whitespace (a pasted newline is common),
/// strips a pasted `Bearer ` prefix, and refuses what cannot be a token.
/// Error messages never quote the token.
pub fn clean_token(raw: &str) -> Result<CleanToken, String> {
    let mut notes = Vec::new();
    if raw.len() > MAX_TOKEN_LEN {
        return Err(format!(
            "the token is {} KB; a SCIM token is at most {} KB. Did you paste a file?",
            raw.len() / 1024,
            MAX_TOKEN_LEN / 1024
        ));
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("the token is empty".into());
    }
    if trimmed.len() != raw.len() {
        if raw.contains('\n') || raw.contains('\r') {
            notes.push("removed a trailing line break pasted with the token".into());
        } else {
            notes.push("removed surrounding spaces".into());
        }
    }
    let mut token = trimmed;
    // `get`, not indexing: byte 7 may fall inside a multi-byte character.
    let bearer_word = |t: &str| {
        t.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("bearer"))
            && t[6..].chars().next().is_none_or(char::is_whitespace)
    };
    if bearer_word(token) {
        token = token[6..].trim_start();
        if token.is_empty() || bearer_word(token) {
            return Err(
                "that is only the word `Bearer`: paste the token itself (Entra adds `Bearer ` by itself)"
                    .into(),
            );
        }
        notes.push("removed a `Bearer ` prefix: Entra adds it itself".into());
    }
    if token.contains('\n') || token.contains('\r') {
        return Err(
            "the token contains a line break in the middle; copy it again as one line".into(),
        );
    }
    if token.chars().any(|c| c.is_whitespace()) {
        return Err("the token contains a space; copy it again without spaces".into());
    }
    if token.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return Err("the token contains characters that cannot be sent in an HTTP header".into());
    }
    Ok(CleanToken {
        token: token.to_string(),
        notes,
    })
}

/// Whether `s` is a GUID (8-4-4-4-12 hex).
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A tenant is a GUID or a verified domain such as `contoso.onmicrosoft.com`.
pub fn validate_tenant(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(
            "enter the tenant ID (a GUID) or a domain such as contoso.onmicrosoft.com".into(),
        );
    }
    if is_guid(t) {
        return Ok(t.to_ascii_lowercase());
    }
    let is_domain = t.len() <= 253
        && t.contains('.')
        && t.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if is_domain {
        return Ok(t.to_ascii_lowercase());
    }
    if matches!(
        t.to_ascii_lowercase().as_str(),
        "common" | "organizations" | "consumers"
    ) {
        return Err(format!(
            "`{t}` is not a tenant: a monitor needs one specific tenant ID or domain"
        ));
    }
    Err("not a tenant ID: expected a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 or a domain like contoso.onmicrosoft.com".into())
}

/// Parse a date the admin typed: `YYYY-MM-DD` (end of that day, UTC) or RFC 3339.
pub fn parse_user_date(raw: &str) -> Result<DateTime<Utc>, String> {
    let t = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let end = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
        return Ok(d.and_time(end).and_utc());
    }
    Err(format!(
        "`{}` is not a date: use YYYY-MM-DD (for example 2027-03-31) or an RFC 3339 time",
        t.chars().take(40).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_trailing_slash_and_double_slash_are_fixed() {
        let n = normalize_endpoint_url(" https://api.example.com//scim//v2/ ").unwrap();
        assert_eq!(n.url, "https://api.example.com/scim/v2");
        assert_eq!(n.notes.len(), 3, "{:?}", n.notes);
    }

    #[test]
    fn url_query_is_kept() {
        let n = normalize_endpoint_url("https://x.example.com/scim/v2/?aadOptscim062020").unwrap();
        assert_eq!(n.url, "https://x.example.com/scim/v2?aadOptscim062020");
    }

    #[test]
    fn url_port_kept_and_host_lowercased() {
        let n = normalize_endpoint_url("https://API.Example.com:8443/scim").unwrap();
        assert_eq!(n.url, "https://api.example.com:8443/scim");
    }

    #[test]
    fn url_refusals_are_specific() {
        let cases = [
            ("", "enter a URL"),
            ("api.example.com/scim", "no scheme"),
            ("http://api.example.com/scim", "plain http"),
            ("javascript:alert(1)", "only https:// URLs"),
            ("javascript://alert(1)", "only https:// URLs"),
            ("ftp://x.example.com", "only https:// URLs"),
            ("https://api.exa mple.com/scim", "space"),
            ("https://user:pw@api.example.com", "user name or password"),
            ("https://api.example.com/scim#x", "fragment"),
        ];
        for (input, expected) in cases {
            let err = normalize_endpoint_url(input).unwrap_err();
            assert!(err.contains(expected), "{input:?} → {err:?}");
        }
    }

    #[test]
    fn other_schemes_get_only_https_never_a_did_you_mean() {
        for input in [
            "javascript:alert(1)",
            "JavaScript:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://files.example.com/scim",
            "file:///etc/passwd",
            "mailto:admin@example.com",
            "ws://api.example.com/scim",
        ] {
            let err = normalize_endpoint_url(input).unwrap_err();
            assert!(err.contains("only https:// URLs"), "{input:?} → {err:?}");
            assert!(!err.contains("did you mean"), "{input:?} → {err:?}");
        }
        assert!(normalize_endpoint_url("data:,x")
            .unwrap_err()
            .contains("`data:`"));
        // A host with a port is not a scheme: it still gets the suggestion.
        for input in [
            "api.example.com:8443/scim",
            "localhost:8080",
            "10.0.0.5:443/scim?x",
        ] {
            let err = normalize_endpoint_url(input).unwrap_err();
            assert!(err.contains("did you mean https://"), "{input:?} → {err:?}");
        }
    }

    #[test]
    fn url_unicode_host_is_punycoded_or_refused() {
        // IDNs are valid hosts; they are converted to their ASCII form.
        let n = normalize_endpoint_url("https://bücher.example/scim").unwrap();
        assert_eq!(n.url, "https://xn--bcher-kva.example/scim");
        assert!(normalize_endpoint_url("https://exa\u{0}mple.com").is_err());
    }

    #[test]
    fn loopback_may_use_http() {
        for u in [
            "http://127.0.0.1:8080/scim/v2",
            "http://localhost:9/scim",
            "http://[::1]:80/scim",
        ] {
            assert!(normalize_endpoint_url(u).is_ok(), "{u}");
        }
    }

    #[test]
    fn scim_root_detection() {
        assert!(looks_like_scim_root("https://a.example.com/scim/v2"));
        assert!(looks_like_scim_root("https://a.example.com/api/v2"));
        assert!(!looks_like_scim_root("https://a.example.com"));
        assert!(!looks_like_scim_root("https://a.example.com/api"));
    }

    #[test]
    fn token_hygiene() {
        let t = clean_token("abc.def.ghi\n").unwrap();
        assert_eq!(t.token, "abc.def.ghi");
        assert!(t.notes[0].contains("line break"));
        let t = clean_token("Bearer abc").unwrap();
        assert_eq!(t.token, "abc");
        assert!(t.notes.iter().any(|n| n.contains("Bearer")));
        assert!(clean_token("").unwrap_err().contains("empty"));
        assert!(clean_token(" \n ").unwrap_err().contains("empty"));
        assert!(clean_token("abc\ndef")
            .unwrap_err()
            .contains("line break in the middle"));
        assert!(clean_token("abc def").unwrap_err().contains("space"));
        let big = "a".repeat(1024 * 1024);
        let err = clean_token(&big).unwrap_err();
        assert!(err.contains("1024 KB"), "{err}");
        assert!(!err.contains("aaaa"));
    }

    #[test]
    fn bearer_alone_is_refused_and_odd_text_never_panics() {
        for raw in [
            "Bearer",
            "bearer ",
            "  BEARER \t ",
            "Bearer   \n",
            "Bearer Bearer",
        ] {
            let err = clean_token(raw).unwrap_err();
            assert!(err.contains("only the word `Bearer`"), "{raw:?}: {err}");
        }
        // A token that merely starts with the letters is a token.
        assert_eq!(clean_token("Bearerish-tok").unwrap().token, "Bearerish-tok");
        assert_eq!(clean_token("Bearer\tabc").unwrap().token, "abc");
        // Byte 6 or 7 inside a multi-byte character: an error, not a panic.
        for raw in ["abcdeé-token", "abcdefé-token", "Beareé", "é"] {
            assert!(
                clean_token(raw).unwrap_err().contains("HTTP header"),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn token_errors_never_quote_the_token() {
        for raw in ["sec ret", "sec\nret", "sécret"] {
            let err = clean_token(raw).unwrap_err();
            assert!(!err.contains("sec"), "{err}");
        }
    }

    #[test]
    fn tenant_urls_compare_in_one_form() {
        assert!(same_tenant_url(
            "https://API.acme.example/scim/v2/",
            "https://api.acme.example/scim/v2"
        ));
        assert!(same_tenant_url(
            " https://api.acme.example:443//scim/v2?aadOptscim062020 ",
            "https://api.acme.example/scim/v2?aadOptscim062020"
        ));
        assert!(!same_tenant_url(
            "https://api.acme.example/scim",
            "https://api.acme.example/scim/v2"
        ));
        assert!(!same_tenant_url(
            "https://api.acme.example/scim?a=1",
            "https://api.acme.example/scim"
        ));
        // Text the input normaliser refuses is still compared leniently.
        assert_eq!(
            tenant_url_key("http://API.acme.example/scim/"),
            "http://api.acme.example/scim"
        );
        assert_eq!(tenant_url_key("not a url/"), "not a url");
        assert_eq!(tenant_url_key(""), "");
    }

    #[test]
    fn tenants() {
        assert_eq!(
            validate_tenant(" 72F988BF-86f1-41af-91ab-2d7cd011db47 ").unwrap(),
            "72f988bf-86f1-41af-91ab-2d7cd011db47"
        );
        assert_eq!(
            validate_tenant("Contoso.onmicrosoft.com").unwrap(),
            "contoso.onmicrosoft.com"
        );
        assert!(validate_tenant("common")
            .unwrap_err()
            .contains("one specific tenant"));
        assert!(validate_tenant("not a tenant")
            .unwrap_err()
            .contains("not a tenant ID"));
        assert!(validate_tenant("").is_err());
        assert!(validate_tenant("72f988bf-86f1-41af-91ab-2d7cd011db4").is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_user_date("2027-03-31").unwrap().to_rfc3339(),
            "2027-03-31T23:59:59+00:00"
        );
        assert_eq!(
            parse_user_date("2027-03-31T10:00:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2027-03-31T08:00:00+00:00"
        );
        assert!(parse_user_date("31/03/2027")
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(parse_user_date("2027-02-30").is_err());
    }
}
