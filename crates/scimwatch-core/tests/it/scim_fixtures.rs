//! Data-driven SCIM deviation tests: `tests/fixtures/scim/cases.json` lists
//! each fixture body, how to read it, and the deviations (and values) expected.

// Test helpers outside `#[test]` functions may unwrap too (clippy.toml only
// covers the test functions themselves).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use scimwatch_core::scim::{
    check_content_type, classify_body, content_hash, diff_snapshots, parse_list_response,
    parse_scim_error, BodyKind, Deviation, ScimUser, Snapshot,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Parse {
    List,
    Body,
    Error,
    User,
}

#[derive(Debug, Deserialize)]
struct Case {
    file: String,
    parse: Parse,
    content_type: Option<String>,
    deviations: Vec<Deviation>,
    #[serde(default)]
    resources: Option<usize>,
    #[serde(default)]
    total_results: Option<u64>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    scim_type: Option<String>,
    #[serde(default)]
    active: Option<bool>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scim")
}

fn read(name: &str) -> Vec<u8> {
    let p = fixtures().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cases() -> Vec<Case> {
    serde_json::from_slice(&read("cases.json")).expect("cases.json")
}

/// Run one case; returns every deviation noticed, in the order the engine
/// would collect them (content type, body, then the parser's own).
fn run(case: &Case) -> Vec<Deviation> {
    let body = read(&case.file);
    let ct = case.content_type.as_deref();
    let mut devs: Vec<Deviation> = check_content_type(ct).deviation().into_iter().collect();
    let kind = classify_body(ct, &body);
    devs.extend(kind.deviation());
    match case.parse {
        Parse::List => {
            assert_eq!(kind, BodyKind::Json, "{}", case.file);
            let list = parse_list_response(&body).unwrap();
            if let Some(n) = case.resources {
                assert_eq!(list.resources.len(), n, "{}", case.file);
            }
            assert_eq!(list.total_results, case.total_results, "{}", case.file);
            devs.extend(list.deviations);
        }
        Parse::Body => {
            let err = parse_list_response(&body).unwrap_err();
            assert!(!err.to_string().is_empty());
            assert!(parse_scim_error(&body).is_none());
        }
        Parse::Error => {
            let e = parse_scim_error(&body).unwrap();
            assert_eq!(e.status, case.status, "{}", case.file);
            assert_eq!(e.scim_type, case.scim_type, "{}", case.file);
            devs.extend(e.deviations);
        }
        Parse::User => {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let (user, d) = ScimUser::from_value(&v);
            assert_eq!(user.active, case.active, "{}", case.file);
            devs.extend(d);
        }
    }
    devs
}

#[test]
fn every_fixture_yields_its_deviations() {
    let cases = cases();
    assert!(cases.len() >= 12);
    for case in &cases {
        assert_eq!(run(case), case.deviations, "{}", case.file);
    }
}

#[test]
fn every_fixture_file_has_a_case() {
    let cases = cases();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "cases.json" {
            continue;
        }
        assert!(
            cases.iter().any(|c| c.file == name),
            "{name} has no case in cases.json"
        );
    }
}

#[test]
fn html_page_title_is_reported() {
    let kind = classify_body(Some("text/html"), &read("html-login-page.html"));
    assert_eq!(
        kind,
        BodyKind::Html {
            title: Some("Sign in & continue - Contoso SSO".into())
        }
    );
}

#[test]
fn pages_feed_a_snapshot_diff() {
    // Two reads of the same inventory: the duplicate-id page and the clean one.
    let clean = parse_list_response(&read("list-clean.json")).unwrap();
    let dup = parse_list_response(&read("list-duplicate-ids.json")).unwrap();
    let (a, _) = Snapshot::from_resources(clean.resources.clone(), Vec::new());
    let (b, _) = Snapshot::from_resources(dup.resources, Vec::new());
    assert!(diff_snapshots(&a, &b).is_empty());
    // A user read with `active` as a string hashes differently from a boolean:
    // the hash is over the server's JSON, not over the typed view.
    let s: serde_json::Value = serde_json::from_slice(&read("user-active-string.json")).unwrap();
    let mut b = s.clone();
    b["active"] = serde_json::json!(true);
    assert_ne!(content_hash(&s), content_hash(&b));
}

/// Damaged and random inputs: every SCIM parser returns without panicking.
#[test]
fn damaged_inputs_never_panic() {
    use scimwatch_core::scim::{jwt_expiry, ScimGroup};
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for i in (0..bytes.len()).step_by(3) {
            inputs.push(bytes[..i].to_vec());
            let mut b = bytes.clone();
            b[i] = (next() & 0xff) as u8;
            inputs.push(b);
        }
    }
    for _ in 0..500 {
        let len = (next() % 64) as usize;
        inputs.push((0..len).map(|_| (next() & 0xff) as u8).collect());
    }
    for input in &inputs {
        let _ = classify_body(Some("text/html"), input);
        let _ = classify_body(None, input);
        let _ = parse_list_response(input);
        let _ = parse_scim_error(input);
        let text = String::from_utf8_lossy(input);
        let _ = check_content_type(Some(&text));
        let _ = jwt_expiry(&text);
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(input) {
            let _ = ScimUser::from_value(&v);
            let _ = ScimGroup::from_value(&v);
            let _ = content_hash(&v);
        }
    }
}
