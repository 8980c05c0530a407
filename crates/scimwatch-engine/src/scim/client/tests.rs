use super::*;

fn client(url: &str) -> ScimClient {
    ScimClient::new(
        url,
        &Sensitive::new("Bearer tok-123456\n".into()),
        ClientConfig::default(),
    )
    .unwrap()
}

#[test]
fn urls_keep_the_base_path_and_query() {
    let c = client("https://x.example.com/scim/v2/?aadOptscim062020");
    assert_eq!(
        c.url_for("Users", &[("filter", "userName eq \"a+b\"")]),
        "https://x.example.com/scim/v2/Users?aadOptscim062020&filter=userName%20eq%20%22a%2Bb%22"
    );
    let c = client("https://x.example.com");
    assert_eq!(c.url_for("/Groups", &[]), "https://x.example.com/Groups");
    assert!(
        c.notes.iter().any(|n| n.contains("Bearer")),
        "{:?}",
        c.notes
    );
}

#[test]
fn refusals() {
    let tok = Sensitive::new("t".to_string());
    assert!(matches!(
        ScimClient::new("http://x.example.com", &tok, ClientConfig::default()),
        Err(ScimError::InvalidUrl(_))
    ));
    assert!(matches!(
        ScimClient::new(
            "https://x.example.com",
            &Sensitive::new(" ".into()),
            ClientConfig::default()
        ),
        Err(ScimError::InvalidToken(_))
    ));
}

#[test]
fn scrubs_and_excerpts() {
    let c = client("https://x.example.com/scim");
    let body = format!(
        "{{\"echo\":\"tok-123456\",\"pad\":\"{}\"}}",
        "é".repeat(3000)
    );
    let (ex, truncated) = c.excerpt(body.as_bytes());
    assert!(truncated);
    assert!(!ex.contains("tok-123456"));
    assert!(ex.len() <= EXCERPT_BYTES);
    assert!(!ex.ends_with('\u{fffd}'));
    assert!(!format!("{c:?}").contains("tok-123456"));
}

#[test]
fn response_headers_never_keep_credentials() {
    let tok = "s3cr3t-Token-value";
    let shown = |n: &str, v: &str| shown_header_value(n, v, tok);
    for n in [
        "Set-Cookie",
        "cookie",
        "Authorization",
        "Proxy-Authorization",
    ] {
        assert_eq!(shown(n, "anything=1"), "<redacted>");
    }
    assert_eq!(
        shown(
            "WWW-Authenticate",
            &format!(
                "Bearer realm=\"{tok}\", error=\"invalid_token\", error_description=\"bad {tok}\""
            )
        ),
        "Bearer error=\"invalid_token\" <parameters redacted>"
    );
    assert_eq!(shown("www-authenticate", "Basic"), "Basic");
    assert_eq!(shown("www-authenticate", "\"x\""), "<redacted>");
    assert_eq!(
        shown("X-Echo", &format!("you sent Bearer {tok}!")),
        "you sent Bearer <redacted>!"
    );
    assert_eq!(shown("X-Echo", &format!("t={tok}")), "t=<redacted>");
    assert_eq!(
        shown("X-Other", "Bearer abcdefgh12345678"),
        "Bearer <redacted>"
    );
    assert_eq!(
        shown("X-Jwt", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"),
        "<redacted>"
    );
    assert_eq!(
        shown("X-Key", "key=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd"),
        "key=<redacted>"
    );
    // Ordinary values stay as sent.
    for v in [
        "application/scim+json; charset=utf-8",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "https://x.example.com/scim/v2/Users",
    ] {
        assert_eq!(shown("X-Any", v), v);
    }
}

#[test]
fn retry_after_is_read_from_the_headers_by_core() {
    use chrono::TimeZone;
    let now = chrono::Utc
        .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
        .unwrap();
    let h = |v: &str| {
        vec![Header {
            name: "Retry-After".into(),
            value: v.into(),
        }]
    };
    assert_eq!(
        retry_after(&h("2.5"), now),
        Some(Duration::from_millis(2500))
    );
    assert_eq!(retry_after(&h("-1"), now), Some(Duration::ZERO));
    assert_eq!(
        retry_after(&h("Wed, 21 Oct 2015 07:28:30 GMT"), now),
        Some(Duration::from_secs(30))
    );
    assert_eq!(retry_after(&h("soon"), now), None);
    assert_eq!(retry_after(&[], now), None);
}
