//! What the discovery documents declare, checked: `filter.supported` in
//! /ServiceProviderConfig against what filtering did, and the shape of
//! /ResourceTypes and /Schemas (RFC 7644 §4).

use scimwatch_core::scim::{parse_list_response_for, Deviation, ListRequest, Severity};
use serde_json::Value;

use super::{finding, str_of};
use crate::scim::discover::{Findings, Probe};

/// `filter.supported` in /ServiceProviderConfig against what filtering did.
pub(in crate::scim::discover) fn filter_declared(
    declared: Option<bool>,
    works: Option<bool>,
    spc: &Probe,
    f: &mut Findings,
) {
    let message = match (declared, works) {
        (Some(false), Some(true)) => {
            "/ServiceProviderConfig declares `filter.supported: false` but `userName eq` filters \
             work: the declaration is wrong (clients that trust it stop filtering; Entra filters \
             anyway)"
        }
        (Some(true), Some(false)) => {
            "/ServiceProviderConfig declares `filter.supported: true` but the `userName eq` \
             filter Entra sends does not work (see the filter finding)"
        }
        _ => return,
    };
    finding(
        f,
        "filter_support_misdeclared",
        Severity::Warning,
        message.to_string(),
        spc,
    );
}

/// `filter.supported` as declared.
pub(in crate::scim::discover) fn declared_filter(spc: &Value) -> Option<bool> {
    spc.get("filter")
        .and_then(|x| x.get("supported"))
        .and_then(Value::as_bool)
}

/// The shape of /ResourceTypes and /Schemas (RFC 7644 §4): a ListResponse
/// with its totals, Schema resources with `schemas`, relative endpoints.
pub(in crate::scim::discover) fn discovery_list(
    path: &str,
    v: &Value,
    base_path: &str,
    p: &Probe,
    f: &mut Findings,
) {
    let items: Vec<Value> = match v {
        Value::Array(a) => {
            finding(
                f,
                "discovery_list_without_totals",
                Severity::Info,
                format!(
                    "/{path} answers a bare JSON array instead of a ListResponse with \
                     totalResults, itemsPerPage and startIndex (RFC 7644 §4); Entra does not \
                     read it, but SCIM clients and validators reject it"
                ),
                p,
            );
            a.clone()
        }
        Value::Object(o) => {
            let missing: Vec<&str> = ["totalResults", "itemsPerPage", "startIndex"]
                .into_iter()
                .filter(|k| !o.contains_key(*k))
                .collect();
            if !missing.is_empty() {
                finding(
                    f,
                    "discovery_list_without_totals",
                    Severity::Info,
                    format!(
                        "/{path} is a ListResponse without {} (RFC 7644 §3.4.2); Entra does not \
                         read it, but SCIM clients and validators reject it",
                        missing.join(", ")
                    ),
                    p,
                );
            }
            match parse_list_response_for(p.body(), ListRequest::default()) {
                Ok(list) => {
                    for d in &list.deviations {
                        if matches!(d, Deviation::ItemsPerPageMismatch { .. }) {
                            f.deviation(d, p);
                        }
                    }
                    list.resources
                }
                Err(_) => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    if path == "Schemas" {
        let bare: Vec<&str> = items
            .iter()
            .filter(|s| s.get("schemas").is_none_or(|x| !x.is_array()))
            .map(|s| str_of(s, "id").unwrap_or("(no id)"))
            .collect();
        if !bare.is_empty() {
            finding(
                f,
                "schema_without_schemas",
                Severity::Info,
                format!(
                    "Schema resources without `schemas` (RFC 7643 §3 requires it on every \
                     resource): {}; Entra does not read /Schemas, validators reject it",
                    bare.join(", ")
                ),
                p,
            );
        }
    }
    if path == "ResourceTypes" {
        let base = base_path.trim_end_matches('/');
        let bad: Vec<&str> = items
            .iter()
            .filter_map(|r| str_of(r, "endpoint"))
            .filter(|e| {
                e.contains("://")
                    || !e.starts_with('/')
                    || (!base.is_empty() && e.starts_with(&format!("{base}/")))
            })
            .collect();
        if !bad.is_empty() {
            finding(
                f,
                "resource_type_endpoint_not_relative",
                Severity::Info,
                format!(
                    "ResourceType endpoints are not relative to the base URL ({}); RFC 7643 §6 \
                     expects the form \"/Users\". Entra does not read them, but clients that \
                     do build wrong URLs",
                    bad.join(", ")
                ),
                p,
            );
        }
    }
}
