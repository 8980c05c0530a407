use super::*;
use crate::scim::client::Header;

fn redirect(url: &str, status: u16, location: Option<&str>) -> ScimResponse {
    ScimResponse {
        url: url.into(),
        status,
        headers: location
            .map(|l| {
                vec![Header {
                    name: "location".into(),
                    value: l.into(),
                }]
            })
            .unwrap_or_default(),
        content_type: None,
        body: Vec::new(),
        latency: std::time::Duration::ZERO,
        throttled: 0,
    }
}

#[test]
fn redirects_say_where_and_never_pass() {
    let base = "https://scim.example.com/scim/v2/Users?filter=x";
    let (v, m) = judge(&redirect(base, 302, Some("/v2/Users")), true);
    assert_eq!(v, Verdict::OtherStatus);
    assert!(
        m.contains("redirects to https://scim.example.com/v2/Users"),
        "{m}"
    );
    assert!(!m.contains("would pass"), "{m}");
    assert!(!m.contains("plain http"), "{m}");
    let (_, m) = judge(
        &redirect(base, 301, Some("http://scim.example.com/scim/v2/Users")),
        true,
    );
    assert!(m.contains("plain http"), "an https → http downgrade: {m}");
    let (v, m) = judge(&redirect(base, 307, None), true);
    assert_eq!(v, Verdict::OtherStatus);
    assert!(m.contains("no Location header"), "{m}");
    let (_, m) = judge(
        &redirect(base, 308, Some("https://x.example/\u{1b}[31mred")),
        true,
    );
    assert!(!m.contains('\u{1b}'), "control characters stripped: {m:?}");
}
