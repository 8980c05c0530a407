#![allow(dead_code)]

use entra_sim::{Sim, SimConfig, SimHandle};
use serde_json::Value;

pub async fn sim() -> SimHandle {
    Sim::start(SimConfig::for_tests()).await.expect("start sim")
}

pub async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.expect("body"))
}

pub async fn get_json(url: &str) -> Value {
    let (status, _, body) = get(url).await;
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).expect("json")
}

pub fn example(name: &str) -> Value {
    // Microsoft's published examples, copied into the repository with their
    // provenance (tests/fixtures/graph/README.md).
    let path = format!(
        "{}/../../tests/fixtures/graph/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every key of `expected` (recursively; each array element of the example
/// against some element of ours; `{}` placeholders and nulls ignored) must be
/// present in `actual`.
pub fn assert_superset(expected: &Value, actual: &Value, path: &str, skip: &[&str]) {
    if let Err(e) = superset(expected, actual, path, skip) {
        panic!("{e}");
    }
}

fn superset(expected: &Value, actual: &Value, path: &str, skip: &[&str]) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                if skip.contains(&k.as_str()) || skip.contains(&p.as_str()) {
                    continue;
                }
                let av = a.get(k).ok_or_else(|| {
                    format!(
                        "missing key {p}; ours has {:?}",
                        a.keys().collect::<Vec<_>>()
                    )
                })?;
                superset(ev, av, &p, skip)?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            for ev in e {
                if ev.as_object().is_some_and(|o| o.is_empty()) || a.is_empty() {
                    continue;
                }
                let mut last = Ok(());
                let found = a.iter().any(|av| {
                    last = superset(ev, av, &format!("{path}[]"), skip);
                    last.is_ok()
                });
                if !found {
                    return last;
                }
            }
            Ok(())
        }
        (Value::Null, _) | (_, Value::Null) => Ok(()),
        (Value::String(s), _) if s.is_empty() => Ok(()),
        (e, a) => {
            if std::mem::discriminant(e) == std::mem::discriminant(a) {
                Ok(())
            } else {
                Err(format!("type differs at {path}: example {e} vs ours {a}"))
            }
        }
    }
}
