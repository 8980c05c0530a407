//! Pure parts of the remediation actions: the request bodies, the reset
//! scope, and a `provisionOnDemand` answer turned into the portal's steps.

use scimwatch_core::graph::{parse_document, ProvisionOnDemandResponse};
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

/// The `resetScope` flags of `synchronizationJob: restart`
/// (`synchronizationJobRestartScope`), in Microsoft's spelling.
pub const RESET_SCOPES: [&str; 6] = [
    "Watermark",
    "Escrows",
    "QuarantineState",
    "ConnectorDataStore",
    "ForceDeletes",
    "Full",
];

/// The reset scope as Graph wants it (`"Watermark, Escrows, QuarantineState"`)
/// from flags in any case, separated by commas or spaces; a clear error for
/// an unknown or empty one.
pub fn reset_scope(input: &[String]) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for flag in input
        .iter()
        .flat_map(|s| s.split([',', ' ']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let known = RESET_SCOPES
            .iter()
            .find(|k| k.eq_ignore_ascii_case(flag))
            .ok_or_else(|| {
                format!(
                    "unknown reset scope \u{201c}{}\u{201d}: use {}",
                    scimwatch_core::text::terminal_safe(flag),
                    RESET_SCOPES.join(", ")
                )
            })?;
        if !out.contains(known) {
            out.push(known);
        }
    }
    if out.is_empty() {
        return Err(format!(
            "choose what to reset: one or more of {}",
            RESET_SCOPES.join(", ")
        ));
    }
    // Microsoft's order, so the same choice is always the same request.
    out.sort_by_key(|f| RESET_SCOPES.iter().position(|k| k == f));
    Ok(out.join(", "))
}

/// `{"criteria":{"resetScope":"…"}}`.
pub fn restart_body(scope: &str) -> Value {
    json!({"criteria": {"resetScope": scope}})
}

/// The documented request body: one rule, one User subject.
pub fn on_demand_body(rule_id: &str, user_id: &str) -> Value {
    json!({
        "parameters": [{
            "subjects": [{"objectId": user_id, "objectTypeName": "User"}],
            "ruleId": rule_id,
        }]
    })
}

/// One step of a provision-on-demand run, as the portal lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OnDemandStep {
    /// Microsoft's step name (`EntryImport`, `EntryExportAdd`, …).
    pub name: String,
    /// `Import`, `Matching`, `Scoping`, `Export` (as sent).
    pub kind: String,
    /// The portal's title for the step ("Import user", …).
    pub title: String,
    /// `Success`, `Skipped`, `Failure`, … (as sent).
    pub status: String,
    pub description: String,
    pub timestamp: Option<String>,
    /// `details` as label/value pairs, in the order sent.
    pub details: Vec<(String, String)>,
}

/// A provision-on-demand answer, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OnDemandResult {
    /// `Success`, `Skipped` or `Failure` (the answer's `key.result`).
    pub result: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// `Create`, `Update`, `Other`, …
    pub action: Option<String>,
    pub reportable_identifier: Option<String>,
    pub steps: Vec<OnDemandStep>,
    /// `modifiedProperties` as (name, old, new).
    pub modified: Vec<(String, Option<String>, Option<String>)>,
}

fn portal_title(kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "import" => "Import user".into(),
        "scoping" => "Determine if user is in scope".into(),
        "matching" => "Match user between source and target system".into(),
        "export" => "Perform action".into(),
        "processing" => "Process user".into(),
        "referenceresolution" => "Resolve references".into(),
        other => other.to_string(),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn opt(v: &Value, k: &str) -> Option<String> {
    v.get(k).filter(|x| !x.is_null()).map(text)
}

/// Decode Graph's answer (`key` and `value` are JSON documents in strings).
pub fn parse_on_demand(body: &[u8]) -> Result<OnDemandResult, String> {
    let r: ProvisionOnDemandResponse =
        parse_document("provisionOnDemand", body).map_err(|e| e.to_string())?;
    let key = r.result().map_err(|e| e.to_string())?;
    let value = r.value_json().map_err(|e| e.to_string())?;
    let details = key.details.unwrap_or_default();
    // `result` as sent (`Success`, `Skipped`, `Failure`), not lower-cased.
    let raw_key: Option<Value> = r.key.as_deref().and_then(|k| serde_json::from_str(k).ok());
    let steps = value
        .get("provisioningSteps")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| {
                    let kind = opt(s, "type")
                        .or_else(|| opt(s, "provisioningStepType"))
                        .unwrap_or_default();
                    OnDemandStep {
                        name: opt(s, "name").unwrap_or_default(),
                        title: portal_title(&kind),
                        kind,
                        status: opt(s, "status").unwrap_or_default(),
                        description: opt(s, "description").unwrap_or_default(),
                        timestamp: opt(s, "timestamp"),
                        details: s
                            .get("details")
                            .and_then(Value::as_object)
                            .map(|o| o.iter().map(|(k, v)| (k.clone(), text(v))).collect())
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let modified = value
        .get("modifiedProperties")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        opt(m, "displayName").unwrap_or_default(),
                        opt(m, "oldValue"),
                        opt(m, "newValue"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(OnDemandResult {
        result: raw_key
            .as_ref()
            .and_then(|k| opt(k, "result"))
            .or_else(|| value.get("statusInfo").and_then(|s| opt(s, "status")))
            .unwrap_or_else(|| "Unknown".into()),
        error_code: details.error_code,
        error_message: details.error_message,
        action: opt(&value, "action"),
        reportable_identifier: opt(&value, "reportableIdentifier"),
        steps,
        modified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_scope_is_canonical_and_refuses_the_unknown() {
        let s = |v: &[&str]| reset_scope(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            s(&["quarantinestate,watermark", "Escrows"]).unwrap(),
            "Watermark, Escrows, QuarantineState"
        );
        assert!(s(&["Everything"]).unwrap_err().contains("Everything"));
        assert!(s(&[" , "]).unwrap_err().starts_with("choose"));
    }
}
