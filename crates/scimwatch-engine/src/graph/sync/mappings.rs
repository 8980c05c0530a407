//! The schema's object mappings, stored compact as a configuration version
//! with a human summary of what changed.

use std::collections::{BTreeMap, BTreeSet};

use scimwatch_core::graph::job::ConfigKind;
use scimwatch_core::graph::SynchronizationSchema;
use serde::{Deserialize, Serialize};

use super::{store_config, WatchIds};

use crate::graph::client::{Family, GraphClient};
use crate::graph::error::GraphError;
use crate::store::Store;

/// The stored form of the schema: the object mappings, compact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct MappingsBody {
    pub mappings: Vec<MappingSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct MappingSummary {
    pub name: Option<String>,
    pub source: Option<String>,
    pub target: Option<String>,
    pub enabled: bool,
    /// `target ← source` per attribute mapping, `*` marking matching attributes.
    pub attributes: Vec<String>,
}

pub fn mappings_body(schema: &SynchronizationSchema) -> MappingsBody {
    MappingsBody {
        mappings: schema
            .object_mappings()
            .map(|m| {
                let mut attributes: Vec<String> = m
                    .attribute_mappings
                    .iter()
                    .map(|a| {
                        let src = a
                            .source
                            .as_ref()
                            .and_then(|s| s.expression.clone().or_else(|| s.name.clone()))
                            .unwrap_or_default();
                        format!(
                            "{}{} <- {}",
                            if a.matching_priority.is_some_and(|p| p > 0) {
                                "*"
                            } else {
                                ""
                            },
                            a.target_attribute_name.as_deref().unwrap_or("?"),
                            src
                        )
                    })
                    .collect();
                attributes.sort();
                MappingSummary {
                    name: m.name.clone(),
                    source: m.source_object_name.clone(),
                    target: m.target_object_name.clone(),
                    enabled: m.is_enabled(),
                    attributes,
                }
            })
            .collect(),
    }
}

fn mapping_label(m: &MappingSummary) -> String {
    match m.source.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("user") => "Users mapping".into(),
        Some("group") => "Groups mapping".into(),
        _ => format!(
            "mapping \u{201c}{}\u{201d}",
            m.name.as_deref().unwrap_or("?")
        ),
    }
}

fn mapping_key(m: &MappingSummary) -> String {
    format!(
        "{}>{}",
        m.source.as_deref().unwrap_or("").to_ascii_lowercase(),
        m.target.as_deref().unwrap_or("").to_ascii_lowercase()
    )
}

/// Describe a schema change.
pub fn summarize_mappings(prev: Option<&MappingsBody>, now: &MappingsBody) -> String {
    let state = |m: &MappingSummary| {
        format!(
            "{} {}",
            mapping_label(m),
            if m.enabled { "enabled" } else { "disabled" }
        )
    };
    let Some(prev) = prev else {
        let parts: Vec<String> = now.mappings.iter().map(state).collect();
        return if parts.is_empty() {
            "first reading: no object mappings".into()
        } else {
            format!("first reading: {}", parts.join(", "))
        };
    };
    let before: BTreeMap<String, &MappingSummary> =
        prev.mappings.iter().map(|m| (mapping_key(m), m)).collect();
    let after: BTreeMap<String, &MappingSummary> =
        now.mappings.iter().map(|m| (mapping_key(m), m)).collect();
    let mut out = Vec::new();
    for (k, a) in &after {
        match before.get(k) {
            None => out.push(format!("{} added", mapping_label(a))),
            Some(b) => {
                if b.enabled != a.enabled {
                    out.push(state(a));
                }
                if b.attributes != a.attributes {
                    let bs: BTreeSet<&String> = b.attributes.iter().collect();
                    let as_: BTreeSet<&String> = a.attributes.iter().collect();
                    let n = bs.symmetric_difference(&as_).count();
                    out.push(format!(
                        "{}: attribute mappings changed ({n})",
                        mapping_label(a)
                    ));
                }
            }
        }
    }
    for (k, b) in &before {
        if !after.contains_key(k) {
            out.push(format!("{} removed", mapping_label(b)));
        }
    }
    if out.is_empty() {
        "mappings changed".into()
    } else {
        out.join("; ")
    }
}

/// GET the schema and store a version when it changed. Returns the summary.
pub async fn poll_schema(
    client: &GraphClient,
    store: &Store,
    ids: &WatchIds,
    now_ms: i64,
) -> Result<Option<String>, GraphError> {
    let schema: SynchronizationSchema = client
        .get_json(
            &format!(
                "/servicePrincipals/{}/synchronization/jobs/{}/schema",
                ids.service_principal_id, ids.job_id
            ),
            Family::Synchronization,
            "the provisioning schema (mappings)",
        )
        .await?;
    let body = mappings_body(&schema);
    store_config(
        store,
        ids,
        ConfigKind::Schema,
        &body,
        now_ms,
        |prev: Option<MappingsBody>| summarize_mappings(prev.as_ref(), &body),
    )
    .await
}
