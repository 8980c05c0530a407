//! Generated pages: JSON text, so that duplicate keys, escapes and number
//! spellings reach the parser as a server would send them.

use super::*;

/// `s` as a JSON string, each character raw or escaped at random.
fn json_str(s: impl Strategy<Value = String> + 'static) -> BoxedStrategy<String> {
    s.prop_flat_map(|s| {
        let n = s.chars().count();
        (Just(s), vec(0u8..16, n))
    })
    .prop_map(|(s, modes)| {
        let mut out = String::from("\"");
        for (c, m) in s.chars().zip(modes) {
            push_char(&mut out, c, m);
        }
        out.push('"');
        out
    })
    .boxed()
}

fn push_char(out: &mut String, c: char, mode: u8) {
    let hex = |out: &mut String, u: u16| {
        if mode.is_multiple_of(2) {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push_str(&format!("\\u{u:04X}"));
        }
    };
    let short = match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        '/' if mode < 4 => Some("\\/"),
        _ => None,
    };
    let must = c == '"' || c == '\\' || (c as u32) < 0x20;
    match short {
        Some(s) if mode < 8 => out.push_str(s),
        _ if must || mode < 2 => {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                hex(out, *u);
            }
        }
        _ => out.push(c),
    }
}

fn content() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ]{0,8}",
        2 => any::<String>(),
        1 => prop::sample::select(vec![
            "", " ", "\t", "id", "ID", "meta", "lastModified", "VERSION", "é", "\u{1}",
            "\"", "\\", "a\"b", "\u{1F600}", "\u{7f}", "\u{2028}",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn number() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        ((i64::MAX as u64) + 1..=u64::MAX).prop_map(|n| n.to_string()),
        (0u64..20).prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        prop::sample::select(vec![
            "-0",
            "-0.0",
            "0.0",
            "1.0",
            "2.50",
            "1e3",
            "1E+2",
            "1e-2",
            "0.1e-2",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "1e400",
            "-1e400",
            "1e-400",
            "4.9e-324",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn ws() -> BoxedStrategy<&'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n  ", "\t"]).boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => json_str(
            prop::sample::select(vec![
                "id", "ID", "Id", "meta", "Meta", "META", "lastModified", "LastModified",
                "lastmodified", "version", "Version", "location", "value", "a", "b", "B", "",
                "é", "a\"", "schemas", "Resources",
            ])
            .prop_map(str::to_string),
        ),
        1 => json_str(content()),
    ]
    .boxed()
}

fn object(entries: Vec<(String, String)>, pad: Vec<&'static str>) -> String {
    let mut out = String::from("{");
    let mut pad = pad.into_iter().cycle();
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(pad.next().unwrap_or(""));
        out.push_str(k);
        out.push_str(pad.next().unwrap_or(""));
        out.push(':');
        out.push_str(pad.next().unwrap_or(""));
        out.push_str(v);
    }
    out.push_str(pad.next().unwrap_or(""));
    out.push('}');
    out
}

fn array(items: Vec<String>, pad: Vec<&'static str>) -> String {
    let mut out = String::from("[");
    let mut pad = pad.into_iter().cycle();
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(pad.next().unwrap_or(""));
        out.push_str(v);
    }
    out.push_str(pad.next().unwrap_or(""));
    out.push(']');
    out
}

/// serde_json's raw-value token object around `text`.
fn token(text: String) -> BoxedStrategy<String> {
    json_str(Just(text))
        .prop_map(|s| format!("{{\"{RAW_VALUE_TOKEN}\":{s}}}"))
        .boxed()
}

fn value() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number(),
        json_str(content()),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            4 => (vec(inner.clone(), 0..6), vec(ws(), 1..4))
                .prop_map(|(items, pad)| array(items, pad)),
            4 => (vec((key(), inner.clone()), 0..6), vec(ws(), 1..4))
                .prop_map(|(entries, pad)| object(entries, pad)),
            1 => inner.prop_flat_map(token),
        ]
    })
    .boxed()
}

fn id_key() -> BoxedStrategy<String> {
    json_str(prop::sample::select(vec!["id", "id", "id", "ID", "Id"]).prop_map(str::to_string))
}

fn id_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => json_str("[a-f0-9]{1,3}"),
        1 => json_str(prop::sample::select(vec!["", " ", "\t\n", "\u{a0}"]).prop_map(str::to_string)),
        2 => number(),
        1 => value(),
    ]
    .boxed()
}

fn meta() -> BoxedStrategy<String> {
    let k = json_str(
        prop::sample::select(vec![
            "lastModified",
            "LastModified",
            "LASTMODIFIED",
            "version",
            "Version",
            "VERSION",
            "location",
            "created",
            "resourceType",
            "versions",
        ])
        .prop_map(str::to_string),
    );
    (vec((k, value()), 0..6), vec(ws(), 1..3))
        .prop_map(|(entries, pad)| object(entries, pad))
        .boxed()
}

fn resource() -> BoxedStrategy<String> {
    let meta_key = json_str(
        prop::sample::select(vec!["meta", "meta", "Meta", "META", "mEtA"]).prop_map(str::to_string),
    );
    let entry = prop_oneof![
        3 => (id_key(), id_value()),
        2 => (meta_key, prop_oneof![4 => meta(), 1 => value()]),
        4 => (key(), value()),
    ];
    let plain = (vec(entry, 0..7), vec(ws(), 1..4))
        .prop_map(|(entries, pad)| object(entries, pad))
        .boxed();
    prop_oneof![
        12 => plain.clone(),
        1 => plain.prop_flat_map(token),
        1 => value(),
    ]
    .boxed()
}

fn count_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (0u64..12).prop_map(|n| n.to_string()),
        1 => (0u64..12).prop_map(|n| format!("\"{n}\"")),
        1 => (0u64..12).prop_map(|n| format!("\" {n} \"")),
        1 => prop::sample::select(vec![
            "-1", "1.5", "2.0", "1e1", "9e15", "true", "null", "\"x\"", "[]", "{}", "\"\"",
            "18446744073709551615",
        ])
        .prop_map(str::to_string),
        1 => value(),
    ]
    .boxed()
}

fn spelled(names: &'static [&'static str]) -> BoxedStrategy<String> {
    json_str(prop::sample::select(names).prop_map(str::to_string))
}

fn resources_value() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (vec(resource(), 0..6), vec(ws(), 1..4)).prop_map(|(items, pad)| array(items, pad)),
        1 => Just("null".to_string()),
        1 => Just("[]".to_string()),
        1 => resource(),
        1 => value(),
        1 => vec(resource(), 0..2)
            .prop_map(|items| array(items, vec![""]))
            .prop_flat_map(token),
    ]
    .boxed()
}

fn schemas_value() -> BoxedStrategy<String> {
    let urn = json_str(
        prop::sample::select(vec![
            LIST_RESPONSE_SCHEMA,
            "URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:LISTRESPONSE",
            "urn:ietf:params:scim:schemas:core:2.0:User",
        ])
        .prop_map(str::to_string),
    );
    prop_oneof![
        4 => vec(urn, 0..3).prop_map(|items| array(items, vec![""])),
        1 => value(),
    ]
    .boxed()
}

fn top_entry() -> BoxedStrategy<(String, String)> {
    prop_oneof![
        6 => (
            spelled(&["Resources", "Resources", "Resources", "resources", "RESOURCES", "ReSources"]),
            resources_value(),
        ),
        2 => (spelled(&["schemas", "Schemas"]), schemas_value()),
        3 => (spelled(&["totalResults", "totalResults", "TotalResults", "totalresults"]), count_value()),
        2 => (spelled(&["startIndex", "startIndex", "StartIndex"]), count_value()),
        2 => (spelled(&["itemsPerPage", "itemsPerPage", "ITEMSPERPAGE"]), count_value()),
        1 => (key(), value()),
    ]
    .boxed()
}

/// What the body is made of: a page, sometimes damaged.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(usize),
    Byte(usize, u8),
    Wrap,
}

fn body() -> BoxedStrategy<String> {
    let resources = (
        spelled(&["Resources", "Resources", "resources"]),
        (vec(resource(), 0..8), vec(ws(), 1..4)).prop_map(|(items, pad)| array(items, pad)),
    );
    let entries = (
        prop::option::weighted(0.8, resources),
        vec(top_entry(), 0..6),
    )
        .prop_flat_map(|(first, mut entries)| {
            entries.extend(first);
            Just(entries).prop_shuffle()
        });
    let page = (entries, vec(ws(), 1..4)).prop_map(|(entries, pad)| object(entries, pad));
    let damage = prop_oneof![
        12 => Just(Damage::None),
        1 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), prop::sample::select(b"{}[],:\"\\ 0-e".to_vec()))
            .prop_map(|(at, b)| Damage::Byte(at, b)),
        1 => Just(Damage::Wrap),
    ];
    (page, damage)
        .prop_map(|(text, damage)| match damage {
            Damage::None => text,
            Damage::Truncate(at) => {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text[..at].to_string()
            }
            Damage::Byte(at, b) => {
                let mut at = at % text.len().max(1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut t = text;
                if !t.is_empty() {
                    t.insert(at, char::from(b));
                }
                t
            }
            Damage::Wrap => format!("[{text}]"),
        })
        .boxed()
}

fn request() -> BoxedStrategy<ListRequest> {
    (prop::option::of(0u64..4), prop::option::of(0u64..6))
        .prop_map(|(start_index, count)| ListRequest { start_index, count })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn same_as_the_value_path(body in body(), request in request()) {
        check(body.as_bytes(), request)?;

    }

    #[test]
    fn same_as_the_value_path_on_any_bytes(body in vec(any::<u8>(), 0..64), request in request()) {
        check(&body, request)?;
    }
}

// -----------------------------------------------------------------------
// Speed: `cargo test --release -p scimwatch-core -- --ignored --nocapture page_speed`

/// A page of `n` users of about 900 bytes, as a SCIM server sends them.
fn user_page(n: usize) -> String {
    let users: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"2819c223-7f76-453a-919d-{i:012}","externalId":"ext-{i:06}","userName":"user{i}@example.com","active":true,"displayName":"User Number {i}","title":"Tour Guide","name":{{"givenName":"User","familyName":"Number {i}","formatted":"Ms. User Number {i}"}},"emails":[{{"value":"user{i}@example.com","type":"work","primary":true}}],"addresses":[{{"type":"work","streetAddress":"{i} Hollywood Blvd","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{{"department":"Tour Operations","employeeNumber":"{i:06}"}},"meta":{{"resourceType":"User","created":"2024-01-23T04:56:22Z","lastModified":"2024-05-13T04:42:34Z","location":"https://example.com/v2/Users/2819c223-7f76-453a-919d-{i:012}","version":"W/\"a330bc54f0671c9\""}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{},"startIndex":1,"itemsPerPage":{n},"Resources":[{}]}}"#,
        n * 10,
        users.join(",")
    )
}

#[test]
#[ignore = "timing; run in release"]
fn page_speed() {
    use std::hint::black_box;
    use std::time::Instant;
    let body = user_page(100);
    let request = ListRequest {
        start_index: Some(1),
        count: Some(100),
    };
    println!("page: {} bytes", body.len());
    let old = |body: &[u8]| {
        let list = parse_list_response_for(body, request).unwrap();
        let texts = resource_texts(body).filter(|t| t.len() == list.resources.len());
        for (i, v) in list.resources.iter().enumerate() {
            let id = v.get("id").and_then(id_text);
            let text = match texts.as_ref().and_then(|t| t.get(i)) {
                Some(t) => (*t).to_string(),
                None => v.to_string(),
            };
            black_box((id, text, content_hash(v)));
        }
    };
    let new = |body: &[u8]| {
        let page = parse_list_page(body, request).unwrap();
        for r in &page.resources {
            black_box((&r.id, r.text.to_string(), r.hash));
        }
    };
    check(body.as_bytes(), request).unwrap();
    let runs = 100;
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..100 {
        let t = Instant::now();
        for _ in 0..runs {
            old(black_box(body.as_bytes()));
        }
        best.0 = best.0.min(t.elapsed().as_secs_f64() / f64::from(runs));
        let t = Instant::now();
        for _ in 0..runs {
            new(black_box(body.as_bytes()));
        }
        best.1 = best.1.min(t.elapsed().as_secs_f64() / f64::from(runs));
    }
    println!(
        "old {:.1} µs/page, new {:.1} µs/page: {:.2}x",
        best.0 * 1e6,
        best.1 * 1e6,
        best.0 / best.1
    );
}
