//! Tests of the lenient readers against the shapes Graph and SCIM servers send.

use super::*;
use chrono::{Duration, TimeZone, Utc};

crate::open_enum! {
    /// Test enum.
    enum Colour / Other {
        Red = "red",
        DarkBlue = "darkBlue",
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Probe {
    #[serde(default, deserialize_with = "opt_string")]
    s: Option<String>,
    #[serde(default, deserialize_with = "opt_non_empty_string")]
    ne: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    n: Option<i64>,
    #[serde(default, deserialize_with = "opt_bool")]
    b: Option<bool>,
    #[serde(default, deserialize_with = "open")]
    e: Option<Colour>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    t: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_interval")]
    i: Option<Interval>,
    #[serde(default, deserialize_with = "vec_or_null")]
    v: Vec<i64>,
}

fn probe(json: &str) -> Probe {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn strings_accept_any_scalar() {
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        (r#"{"s":"x","ne":"x"}"#, Some("x"), Some("x")),
        (r#"{"s":"","ne":""}"#, Some(""), None),
        (r#"{"s":"  ","ne":"  "}"#, Some("  "), None),
        (r#"{"s":null,"ne":null}"#, None, None),
        (r#"{"s":12,"ne":1.5}"#, Some("12"), Some("1.5")),
        (r#"{"s":true,"ne":false}"#, Some("true"), Some("false")),
        (r#"{"s":{"a":[1]},"ne":[1,{"x":2}]}"#, None, None),
        (r#"{"s":"a\"b"}"#, Some("a\"b"), None),
        (r#"{}"#, None, None),
    ];
    for (json, s, ne) in cases {
        let p = probe(json);
        assert_eq!(p.s.as_deref(), *s, "{json}");
        assert_eq!(p.ne.as_deref(), *ne, "{json}");
    }
}

#[test]
fn numbers_accept_strings() {
    let cases: &[(&str, Option<i64>)] = &[
        (r#"{"n":5}"#, Some(5)),
        (r#"{"n":-5}"#, Some(-5)),
        (r#"{"n":"500"}"#, Some(500)),
        (r#"{"n":" 7 "}"#, Some(7)),
        (r#"{"n":3.0}"#, Some(3)),
        (r#"{"n":"3.9"}"#, Some(3)),
        (r#"{"n":""}"#, None),
        (r#"{"n":"abc"}"#, None),
        (r#"{"n":null}"#, None),
        (r#"{"n":true}"#, None),
        (r#"{"n":{"x":1}}"#, None),
        (r#"{"n":18446744073709551615}"#, None),
        (r#"{"n":1e300}"#, None),
    ];
    for (json, n) in cases {
        assert_eq!(probe(json).n, *n, "{json}");
    }
}

#[test]
fn booleans_accept_strings() {
    let cases: &[(&str, Option<bool>)] = &[
        (r#"{"b":true}"#, Some(true)),
        (r#"{"b":"false"}"#, Some(false)),
        (r#"{"b":"False"}"#, Some(false)),
        (r#"{"b":"TRUE"}"#, Some(true)),
        (r#"{"b":1}"#, Some(true)),
        (r#"{"b":0}"#, Some(false)),
        (r#"{"b":2}"#, None),
        (r#"{"b":"yes"}"#, None),
        (r#"{"b":null}"#, None),
        (r#"{"b":[true]}"#, None),
    ];
    for (json, b) in cases {
        assert_eq!(probe(json).b, *b, "{json}");
    }
}

#[test]
fn open_enums_are_case_insensitive_and_keep_unknowns() {
    assert_eq!(probe(r#"{"e":"RED"}"#).e, Some(Colour::Red));
    assert_eq!(probe(r#"{"e":"darkblue"}"#).e, Some(Colour::DarkBlue));
    assert_eq!(
        probe(r#"{"e":"unknownFutureValue"}"#).e,
        Some(Colour::Other("unknownFutureValue".into()))
    );
    assert_eq!(probe(r#"{"e":""}"#).e, None);
    assert_eq!(probe(r#"{"e":null}"#).e, None);
    assert_eq!(probe(r#"{"e":3}"#).e, Some(Colour::Other("3".into())));
    assert_eq!(Colour::parse("DARKBLUE").as_str(), "darkBlue");
    assert_eq!(Colour::parse("teal").as_str(), "teal");
    assert!(!Colour::parse("teal").is_known());
    assert_eq!(
        serde_json::to_string(&Colour::DarkBlue).unwrap(),
        "\"darkBlue\""
    );
    let c: Colour = serde_json::from_str("\"Red\"").unwrap();
    assert_eq!(c, Colour::Red);
    assert_eq!(Colour::KNOWN, &["red", "darkBlue"]);
}

#[test]
fn timestamps() {
    let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
    let cases: Vec<(&str, Option<Timestamp>)> = vec![
        ("", None),
        ("   ", None),
        ("0001-01-01T00:00:00Z", Some(Timestamp::Never)),
        ("0001-01-01T00:00:00", Some(Timestamp::Never)),
        ("0001-01-01T00:00:00+00:00", Some(Timestamp::Never)),
        (
            "2019-05-04T03:00:54Z",
            Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
        ),
        (
            "2019-05-04T05:00:54+02:00",
            Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
        ),
        (
            "2019-05-04T03:00:54",
            Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
        ),
        (
            "2019-05-04 03:00:54",
            Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
        ),
        (
            "2019-05-04t03:00:54z",
            Some(Timestamp::At(utc(2019, 5, 4, 3, 0, 54))),
        ),
        ("yesterday", Some(Timestamp::Unparsed("yesterday".into()))),
    ];
    for (text, expected) in cases {
        assert_eq!(Timestamp::parse(text), expected, "{text:?}");
    }
    let t = Timestamp::parse("2021-02-02T04:22:45.9480566Z").unwrap();
    assert_eq!(t.at().unwrap().timestamp_subsec_nanos(), 948_056_600);
    assert_eq!(t.to_string(), "2021-02-02T04:22:45.948056600Z");
    assert_eq!(t.millis(), Some(1_612_239_765_948));
    assert_eq!(Timestamp::Never.to_string(), NEVER_TEXT);
    assert_eq!(probe(r#"{"t":""}"#).t, None);
    assert_eq!(probe(r#"{"t":null}"#).t, None);
    assert_eq!(
        probe(r#"{"t":"0001-01-01T00:00:00Z"}"#).t,
        Some(Timestamp::Never)
    );
    // Round trip through Serialize.
    let json = serde_json::to_string(&t).unwrap();
    let back: Timestamp = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
}

#[test]
fn intervals() {
    let every = |d: Duration| Some(Interval::Every(d));
    let cases: Vec<(&str, Option<Interval>)> = vec![
        ("", None),
        ("PT40M", every(Duration::minutes(40))),
        ("pt40m", every(Duration::minutes(40))),
        ("P1DT2H", every(Duration::hours(26))),
        ("PT0.5S", every(Duration::milliseconds(500))),
        ("PT0,5S", every(Duration::milliseconds(500))),
        ("P1W", every(Duration::days(7))),
        ("PT0S", every(Duration::zero())),
        ("PT1H30M15S", every(Duration::seconds(5415))),
        ("P10675199DT2H48M5.4775807S", Some(Interval::NoSchedule)),
        ("P99999999D", Some(Interval::NoSchedule)),
        ("10675199.02:48:05.4775807", Some(Interval::NoSchedule)),
        ("00:40:00", every(Duration::minutes(40))),
        ("1.02:00:00", every(Duration::hours(26))),
        ("P1Y", Some(Interval::Unparsed("P1Y".into()))),
        ("P1M", Some(Interval::Unparsed("P1M".into()))),
        ("-PT40M", Some(Interval::Unparsed("-PT40M".into()))),
        ("P", Some(Interval::Unparsed("P".into()))),
        ("PT", Some(Interval::Unparsed("PT".into()))),
        ("PT5", Some(Interval::Unparsed("PT5".into()))),
        ("PTM", Some(Interval::Unparsed("PTM".into()))),
        ("P1H", Some(Interval::Unparsed("P1H".into()))),
        ("forty", Some(Interval::Unparsed("forty".into()))),
        (
            "PT99999999999999999999999H",
            Some(Interval::Unparsed("PT99999999999999999999999H".into())),
        ),
        ("1:2", Some(Interval::Unparsed("1:2".into()))),
    ];
    for (text, expected) in cases {
        assert_eq!(Interval::parse(text), expected, "{text:?}");
    }
    assert_eq!(probe(r#"{"i":"PT40M"}"#).i, every(Duration::minutes(40)));
    assert_eq!(probe(r#"{"i":null}"#).i, None);
}

#[test]
fn interval_formatting_round_trips() {
    for text in [
        "PT40M",
        "P1DT2H",
        "PT0.5S",
        "PT0S",
        "PT1H30M15S",
        "P7D",
        "PT1.000000001S",
    ] {
        let i = Interval::parse(text).unwrap();
        assert_eq!(i.to_string(), text);
    }
    assert_eq!(Interval::NoSchedule.to_string(), TIMESPAN_MAX_TEXT);
    assert_eq!(format_iso_duration(Duration::seconds(-90)), "-PT1M30S");
}

#[test]
fn lists_accept_null() {
    assert!(probe(r#"{"v":null}"#).v.is_empty());
    assert_eq!(probe(r#"{"v":[1,2]}"#).v, vec![1, 2]);
    assert!(probe("{}").v.is_empty());
}
