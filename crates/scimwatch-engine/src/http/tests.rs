use super::*;

fn env(pairs: &[(&str, &str)]) -> ProxyEnv {
    let m: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ProxyEnv::from_lookup(|k| m.get(k).cloned())
}

#[test]
fn proxy_env_is_read_like_curl() {
    let e = env(&[
        ("https_proxy", "http://p.corp:3128"),
        ("HTTP_PROXY", "p2.corp:8080"),
        ("NO_PROXY", ".corp.example, 10.0.0.0/8"),
    ]);
    assert_eq!(e.https.as_ref().unwrap().0, "https_proxy");
    assert_eq!(e.http.as_ref().unwrap().1, "p2.corp:8080");
    assert!(e.all.is_none());
    assert_eq!(e.proxies().unwrap().len(), 2);
    assert!(e.no_list().ends_with(ALWAYS_DIRECT));
    // CGI: a request header could have set HTTP_PROXY.
    let e = env(&[("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")]);
    assert!(e.http.is_none());
    assert!(env(&[("HTTPS_PROXY", "  ")]).https.is_none());
}

#[test]
fn bad_proxy_urls_are_named_not_shown() {
    let e = env(&[("HTTPS_PROXY", "http://user:s3cret@[bad")]);
    let err = e.proxies().unwrap_err();
    assert!(err.contains("HTTPS_PROXY"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let err = env(&[("ALL_PROXY", "socks5://127.0.0.1:1080")])
        .proxies()
        .unwrap_err();
    assert!(err.contains("ALL_PROXY") && err.contains("SOCKS"), "{err}");
    assert_eq!(
        redact_proxy_url("socks5://u:p@127.0.0.1:1080"),
        "socks5://<redacted>@127.0.0.1:1080"
    );
    let err = build_client_with(
        &TransportConfig {
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            pool_max_idle_per_host: None,
        },
        &e,
    )
    .unwrap_err();
    assert!(err.contains("HTTPS_PROXY"), "{err}");
}

#[test]
fn summary_redacts_passwords() {
    let e = env(&[
        ("HTTPS_PROXY", "http://alice:s3cret@proxy.corp:3128"),
        ("ALL_PROXY", "http://bob@proxy.corp:3128/"),
        ("no_proxy", "localhost,.corp"),
    ]);
    let s = e.summary();
    let text = s.join("\n");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(!text.contains("alice"), "{text}");
    assert!(!text.contains("bob"), "{text}");
    assert!(
        text.contains("HTTPS_PROXY=http://<redacted>@proxy.corp:3128"),
        "{text}"
    );
    assert!(text.contains("no_proxy=localhost,.corp"), "{text}");
    assert_eq!(redact_proxy_url("u:p@[bad"), "<not a valid URL; redacted>");
    assert!(env(&[]).summary().is_empty());
}

#[test]
fn the_proxy_of_a_url_follows_no_proxy() {
    let e = env(&[
        ("HTTPS_PROXY", "http://alice:s3cret@proxy.corp:3128"),
        (
            "NO_PROXY",
            ".direct.example, partner.example, 10.0.0.0/8, 192.168.1.7, ::2",
        ),
    ]);
    let via = |u: &str| e.proxy_for(&Url::parse(u).unwrap()).map(|p| p.1);
    assert_eq!(
        via("https://scim.corp.example/scim").as_deref(),
        Some("http://<redacted>@proxy.corp:3128")
    );
    for direct in [
        "https://a.direct.example/x",
        "https://direct.example/x",
        "https://partner.example/x",
        "https://sub.partner.example/x",
        "https://10.1.2.3/x",
        "https://192.168.1.7/x",
        "https://[::2]/x",
        "https://localhost:8443/x",
        "https://127.0.0.1:8443/x",
        "http://[::1]:80/x",
    ] {
        assert_eq!(via(direct), None, "{direct}");
    }
    assert!(!no_proxy_matches("é.example,.", "x.example"));
    assert!(!no_proxy_matches("ééé", "ab"));
    for proxied in [
        "https://notpartner.example/x",
        "https://11.0.0.1/x",
        "https://192.168.1.8/x",
    ] {
        assert!(via(proxied).is_some(), "{proxied}");
    }
    // http:// goes through HTTP_PROXY (unset here), not HTTPS_PROXY.
    assert_eq!(via("http://scim.corp.example/x"), None);
    let all = env(&[("ALL_PROXY", "proxy.corp:8080"), ("no_proxy", "*")]);
    assert_eq!(
        all.proxy_for(&Url::parse("https://x.example").unwrap()),
        None
    );
}

#[tokio::test]
async fn a_dead_proxy_is_named_not_the_server() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let e = env(&[("HTTPS_PROXY", &format!("http://bob:pw9@127.0.0.1:{port}"))]);
    let client = build_client_with(
        &TransportConfig {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            pool_max_idle_per_host: None,
        },
        &e,
    )
    .unwrap();
    let url = "https://scim.corp.example/scim/v2/Users?filter=secret-query";
    let err = client.get(url).send().await.unwrap_err();
    let d = describe_send_error_with(&err, url, &e);
    assert_eq!(d.kind, SendErrorKind::Connect);
    assert!(
        d.detail.contains("cannot connect to the proxy"),
        "{}",
        d.detail
    );
    assert!(
        d.detail.contains(&format!("127.0.0.1:{port}")),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("HTTPS_PROXY"), "{}", d.detail);
    assert!(d.detail.contains("scim.corp.example"), "{}", d.detail);
    assert!(
        !d.detail.contains("pw9") && !d.detail.contains("bob"),
        "{}",
        d.detail
    );
    assert!(!d.detail.contains("secret-query"), "{}", d.detail);
}

#[test]
fn tls_problems_name_the_problem_and_the_host() {
    let h = "scim.corp.example";
    let m = describe_tls(
        &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        h,
    );
    assert!(m.contains("scim.corp.example"), "{m}");
    assert!(m.contains("issuer unknown"), "{m}");
    assert!(m.contains("SSL_CERT_FILE"), "{m}");
    assert!(m.contains("Proxies and company CAs"), "{m}");
    let m = describe_tls(
        &rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName),
        h,
    );
    assert!(m.contains("another host name") && m.contains(h), "{m}");
    let m = describe_tls(
        &rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        h,
    );
    assert!(m.contains("expired") && m.contains(h), "{m}");
}
