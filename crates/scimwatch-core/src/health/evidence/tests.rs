use chrono::{FixedOffset, TimeZone, Utc};
use serde_json::json;

use super::{Evidence, EvidenceValue};

fn at(h: u32, m: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
}

fn every_kind() -> Vec<Evidence> {
    vec![
        Evidence::new("Message", "the token was refused"),
        Evidence::new("Checked at", at(10, 0)),
        Evidence::new(
            "Next cycle expected at",
            EvidenceValue::estimate(at(12, 30), FixedOffset::east_opt(7200).unwrap(), at(12, 35)),
        ),
        Evidence::new("Failures", EvidenceValue::count(3u64)),
        Evidence::new(
            "Time left",
            EvidenceValue::duration(chrono::Duration::minutes(125)),
        ),
        Evidence::new("HTTP status", EvidenceValue::code(401)),
        Evidence::new(
            "Tenant URL in Entra",
            EvidenceValue::link("https://x.example/scim"),
        ),
    ]
}

#[test]
fn each_kind_serializes_with_its_tag() {
    let v = serde_json::to_value(every_kind()).unwrap();
    assert_eq!(
        v,
        json!([
            {"label": "Message", "value": {"kind": "text", "value": "the token was refused"}},
            {"label": "Checked at", "value": {"kind": "time", "value": "2026-03-01T10:00:00Z"}},
            {"label": "Next cycle expected at", "value": {"kind": "estimate", "value": {
                "at": "2026-03-01T12:30:00Z", "utc_offset_minutes": 120, "overdue_seconds": 300}}},
            {"label": "Failures", "value": {"kind": "count", "value": 3}},
            {"label": "Time left", "value": {"kind": "duration", "value": {"seconds": 7500}}},
            {"label": "HTTP status", "value": {"kind": "code", "value": "401"}},
            {"label": "Tenant URL in Entra", "value": {"kind": "link", "value": {
                "url": "https://x.example/scim", "text": "https://x.example/scim"}}},
        ])
    );
}

#[test]
fn each_kind_round_trips() {
    let all = every_kind();
    let text = serde_json::to_string(&all).unwrap();
    let back: Vec<Evidence> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, all);
}

#[test]
fn display_gives_the_text_evidence_always_had() {
    let shown: Vec<String> = every_kind().iter().map(|e| e.value.to_string()).collect();
    assert_eq!(
        shown,
        [
            "the token was refused",
            "2026-03-01T10:00:00Z",
            "~14:30 UTC+02:00 (overdue by 5 min)",
            "3",
            "2 h 05 min",
            "401",
            "https://x.example/scim",
        ]
    );
    let ahead =
        EvidenceValue::estimate(at(12, 30), FixedOffset::west_opt(3600).unwrap(), at(12, 0));
    assert_eq!(ahead.to_string(), "~11:30 UTC-01:00");
    let named = EvidenceValue::Link {
        url: "https://portal.example/x".into(),
        text: "the app".into(),
    };
    assert_eq!(named.to_string(), "the app (https://portal.example/x)");
}

#[test]
fn old_rows_with_a_string_value_still_load() {
    // Incidents, resolutions and checklist progress stored before values were typed.
    let old = r#"[
        {"label": "Message", "value": "the token was refused"},
        {"label": "Checked at", "value": "2026-03-01T10:00:00Z"},
        {"label": "Seen at", "value": "2026-03-01T12:00:00+02:00"},
        {"label": "Failures", "value": "3"},
        {"label": "Next cycle expected at", "value": "~14:30 UTC+02:00"}
    ]"#;
    let ev: Vec<Evidence> = serde_json::from_str(old).unwrap();
    assert_eq!(
        ev.iter().map(|e| e.value.clone()).collect::<Vec<_>>(),
        [
            EvidenceValue::text("the token was refused"),
            EvidenceValue::Time(at(10, 0)),
            EvidenceValue::Time(at(10, 0)),
            EvidenceValue::text("3"),
            EvidenceValue::text("~14:30 UTC+02:00"),
        ]
    );
    // Their text is unchanged.
    assert_eq!(ev[1].value.to_string(), "2026-03-01T10:00:00Z");
}

#[test]
fn a_malformed_typed_value_is_an_error_not_text() {
    for bad in [
        r#"{"label": "x", "value": {"kind": "time", "value": "yesterday"}}"#,
        r#"{"label": "x", "value": {"kind": "count", "value": -1}}"#,
        r#"{"label": "x", "value": {"kind": "colour", "value": "red"}}"#,
        r#"{"label": "x", "value": 3}"#,
        r#"{"label": "x"}"#,
    ] {
        assert!(serde_json::from_str::<Evidence>(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_duration_is_its_absolute_value() {
    assert_eq!(
        EvidenceValue::duration(chrono::Duration::minutes(-45)),
        EvidenceValue::Duration { seconds: 2700 }
    );
    assert_eq!(
        EvidenceValue::Duration { seconds: 20 }.to_string(),
        "less than a minute"
    );
    assert!(EvidenceValue::Duration { seconds: u64::MAX }
        .to_string()
        .ends_with(" h"));
}
