//! Read the provisioning job, its schema (object mappings), the app's
//! assignments and the job's secrets-derived settings, and store them:
//! job status as snapshots (content hash + heartbeat), the rest as
//! `config_versions` with a human change summary.
//!
//! This file holds the ids, the job status and the storing of configuration
//! versions; `mappings.rs` the schema, `assignments.rs` the assignments,
//! `settings.rs` the settings read from the job's secrets.

use std::collections::BTreeMap;

use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::graph::{parse_document, Interval, SynchronizationJob};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::client::{Family, GraphClient};
use super::error::GraphError;

use crate::store::jobs::{self, JobSnapshot};
use crate::store::Store;

mod assignments;
mod mappings;
mod settings;

pub use assignments::{
    poll_assignments, read_assignments, summarize_assignments, AssignedGroup, AssignmentsBody,
    EntraUser, Principal,
};
pub use mappings::{mappings_body, poll_schema, summarize_mappings, MappingSummary, MappingsBody};
pub use settings::{poll_settings, settings_body, summarize_settings, SettingsBody};

/// The ids one connection is watched by, after discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchIds {
    pub connection_id: i64,
    pub uuid: String,
    pub name: String,
    pub service_principal_id: String,
    pub job_id: String,
}

/// JSON with object keys sorted at every level (stable hashing).
pub fn canonical_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let sorted: BTreeMap<&String, Value> =
                    m.iter().map(|(k, v)| (k, sort(v))).collect();
                let mut out = serde_json::Map::new();
                for (k, v) in sorted {
                    out.insert(k.clone(), v);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// SHA-256 hex of a string.
pub fn content_hash(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn interval_text(i: &Interval) -> String {
    match i {
        Interval::Every(d) => scimwatch_core::graph::lenient::format_iso_duration(*d),
        Interval::NoSchedule => "NoSchedule".into(),
        Interval::Unparsed(s) => s.clone(),
    }
}

/// Parse a job document and build its snapshot.
pub fn job_snapshot(body: &[u8]) -> Result<(SynchronizationJob, JobSnapshot), GraphError> {
    let job: SynchronizationJob = parse_document("synchronizationJob", body)?;
    let value: Value = parse_document("synchronizationJob", body)?;
    let raw = canonical_json(&value);
    let status = job.status.as_ref();
    let last = status.and_then(|s| s.last_execution.as_ref());
    let snap = JobSnapshot {
        job_id: job.id.clone(),
        content_hash: content_hash(&raw),
        status_code: job.status_code().map(|c| c.as_str().to_string()),
        schedule_state: job.schedule_state().map(|c| c.as_str().to_string()),
        schedule_interval: job
            .schedule
            .as_ref()
            .and_then(|s| s.interval.as_ref())
            .map(interval_text),
        last_execution_state: last
            .and_then(|e| e.state.as_ref())
            .map(|s| s.as_str().to_string()),
        last_execution_began_ms: last
            .and_then(|e| e.time_began.as_ref())
            .and_then(|t| t.millis()),
        last_execution_ended_ms: last
            .and_then(|e| e.time_ended.as_ref())
            .and_then(|t| t.millis()),
        last_successful_ended_ms: status
            .and_then(|s| s.last_successful_execution.as_ref())
            .and_then(|e| e.time_ended.as_ref())
            .and_then(|t| t.millis()),
        quarantine_reason: job
            .quarantine()
            .and_then(|q| q.reason.as_ref())
            .map(|r| r.as_str().to_string()),
        raw_json: raw,
    };
    Ok((job, snap))
}

/// What one job poll saw.
#[derive(Debug, Clone)]
pub struct JobPoll {
    pub changed: bool,
    pub status_code: Option<String>,
    pub previous_status_code: Option<String>,
    /// A cycle ended since the previous reading (`lastExecution.timeEnded` moved).
    pub cycle_completed: Option<i64>,
    pub quarantine_reason: Option<String>,
    /// `lastExecution.state` (`Succeeded`, `Failed`, `EntryLevelErrors`).
    pub last_execution_state: Option<String>,
}

/// GET the job and store its status.
pub async fn poll_job(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<JobPoll, GraphError> {
    let url = client.url(&format!(
        "/servicePrincipals/{}/synchronization/jobs/{}",
        ids.service_principal_id, ids.job_id
    ));
    let body = client
        .get_bytes(&url, Family::Synchronization, "the provisioning job")
        .await?;
    let (_, snap) = job_snapshot(&body)?;
    let rec = jobs::record_job_status(store.pool(), ids.connection_id, &snap, now_ms).await?;
    let prev = rec.previous.as_ref();
    let cycle_completed = snap
        .last_execution_ended_ms
        .filter(|end| prev.is_some_and(|p| p.snapshot.last_execution_ended_ms != Some(*end)));
    Ok(JobPoll {
        changed: rec.changed,
        status_code: snap.status_code.clone(),
        previous_status_code: prev.and_then(|p| p.snapshot.status_code.clone()),
        cycle_completed,
        last_execution_state: snap.last_execution_state.clone(),
        quarantine_reason: snap.quarantine_reason,
    })
}

async fn store_config<T: Serialize + for<'de> Deserialize<'de>>(
    store: &Store,
    ids: &WatchIds,
    kind: ConfigKind,
    body: &T,
    now_ms: i64,
    summarize: impl FnOnce(Option<T>) -> String,
) -> Result<Option<String>, GraphError> {
    let value = serde_json::to_value(body).map_err(|e| GraphError::Config(e.to_string()))?;
    let text = canonical_json(&value);
    let hash = content_hash(&text);
    Ok(jobs::record_config(
        store.pool(),
        ids.connection_id,
        kind,
        &text,
        &hash,
        |prev| summarize(prev.and_then(|p| serde_json::from_str(p).ok())),
        now_ms,
    )
    .await?)
}

/// Schema, assignments and settings; returns `(kind, summary)` for each change.
pub async fn poll_config(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<Vec<(ConfigKind, String)>, GraphError> {
    let (out, denied) = poll_config_each(client, store, ids, now_ms).await?;
    match denied {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Schema, assignments and settings, each on its own: a read Graph refuses
/// for lack of a permission (the schema and settings need the
/// synchronization API, the assignments the directory) does not stop the
/// others. Returns the changes and the first refusal; any other error stops.
pub async fn poll_config_each(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<(Vec<(ConfigKind, String)>, Option<GraphError>), GraphError> {
    let mut out = Vec::new();
    let mut denied: Option<GraphError> = None;
    let mut take = |r: Result<Option<String>, GraphError>,
                    kind: ConfigKind,
                    out: &mut Vec<(ConfigKind, String)>|
     -> Result<(), GraphError> {
        match r {
            Ok(Some(s)) => out.push((kind, s)),
            Ok(None) => {}
            Err(e) if e.is_permission() => {
                denied.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
        Ok(())
    };
    take(
        poll_schema(client, store, ids, now_ms).await,
        ConfigKind::Schema,
        &mut out,
    )?;
    take(
        poll_assignments(client, store, ids, now_ms).await,
        ConfigKind::Assignments,
        &mut out,
    )?;
    take(
        poll_settings(client, store, ids, now_ms).await,
        ConfigKind::Settings,
        &mut out,
    )?;
    Ok((out, denied))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":[{"z":1,"y":2}]}}"#).unwrap();
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":[{"y":2,"z":1}],"d":2},"b":1}"#
        );
        assert_eq!(content_hash("x").len(), 64);
    }

    #[test]
    fn mapping_summaries() {
        let m = |src: &str, enabled: bool| MappingSummary {
            name: Some(format!("Provision {src}s")),
            source: Some(src.into()),
            target: Some(src.into()),
            enabled,
            attributes: vec!["*userName <- userPrincipalName".into()],
        };
        let a = MappingsBody {
            mappings: vec![m("User", true), m("Group", true)],
        };
        let b = MappingsBody {
            mappings: vec![m("User", true), m("Group", false)],
        };
        assert_eq!(summarize_mappings(Some(&a), &b), "Groups mapping disabled");
        assert!(summarize_mappings(None, &a).starts_with("first reading: Users mapping enabled"));
    }

    #[test]
    fn assignment_summaries() {
        let g = |id: &str, n| AssignedGroup {
            id: id.into(),
            name: None,
            members: n,
        };
        let a = AssignmentsBody {
            groups: vec![g("1", 3)],
            group_member_count: 3,
            ..Default::default()
        };
        let b = AssignmentsBody {
            groups: vec![g("1", 3), g("2", 2), g("3", 0)],
            group_member_count: 5,
            ..Default::default()
        };
        assert_eq!(
            summarize_assignments(Some(&a), &b),
            "+2 groups assigned; group members 3 \u{2192} 5"
        );
        assert_eq!(
            summarize_assignments(Some(&b), &a),
            "\u{2212}2 groups unassigned; group members 5 \u{2192} 3"
        );
    }

    #[test]
    fn settings_summaries() {
        let a = SettingsBody {
            base_address: Some("https://a/scim".into()),
            sync_all: Some(false),
            secret_token_set: true,
        };
        let b = SettingsBody {
            base_address: Some("https://b/scim".into()),
            ..a.clone()
        };
        assert_eq!(
            summarize_settings(Some(&a), &b),
            "Tenant URL changed from https://a/scim to https://b/scim"
        );
    }
}
