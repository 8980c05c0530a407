//! The read-side probes of `discover`: Entra's own lookups replayed against
//! objects that exist (`userName eq` in two cases, `displayName eq` with
//! `excludedAttributes=members`, `externalId eq`), `excludedAttributes`,
//! `startIndex=0`, a made-up token, `filter.supported` against behaviour, and
//! the shape of the discovery lists. GET only; a check that has nothing to
//! look at (no user, no group, no externalId) says nothing.
//!
//! This file holds what the probes share, the `externalId` lookup, the
//! `startIndex=0` and made-up-token probes; `user_lookups.rs` the Users
//! lookups, `group_lookups.rs` Entra's group lookup, `declared.rs` what the
//! discovery documents declare.

use scimwatch_core::scim::{parse_list_response_for, parse_scim_error, ListRequest, Severity};
use scimwatch_core::Sensitive;
use serde_json::Value;

use super::{probe, ComplianceFinding, Findings, Probe};
use crate::scim::client::ScimClient;
use crate::scim::test_connection::random_guid;

mod declared;
mod group_lookups;
mod user_lookups;

pub(super) use declared::{declared_filter, discovery_list, filter_declared};
pub(super) use group_lookups::groups;
pub(super) use user_lookups::users;

/// The resources of a 200 ListResponse.
fn resources(p: &Probe) -> Option<Vec<Value>> {
    if p.status() != Some(200) {
        return None;
    }
    parse_list_response_for(p.body(), ListRequest::default())
        .ok()
        .map(|l| l.resources)
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn eq_filter(attr: &str, value: &str) -> String {
    format!(
        "{attr} eq \"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// The same text in another ASCII case, when it has letters that change
/// (ASCII only: a server that folds only ASCII is not accused over `Ü`).
fn other_case(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let other = if lower != s {
        lower
    } else {
        s.to_ascii_uppercase()
    };
    (other != s).then_some(other)
}

fn refused(p: &Probe) -> String {
    let scim_type = parse_scim_error(p.body()).and_then(|e| e.scim_type);
    format!(
        "HTTP {}{}",
        p.status()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into()),
        scim_type.map(|t| format!(" ({t})")).unwrap_or_default()
    )
}

fn finding(f: &mut Findings, code: &str, severity: Severity, message: String, p: &Probe) {
    f.add(ComplianceFinding::engine(
        code,
        severity,
        message,
        Some(p.evidence()),
    ));
}

/// `externalId eq "<value>"` finds the resource that carries it.
async fn external_id(client: &ScimClient, kind: &str, res: &Value, ext: &str, f: &mut Findings) {
    let filter = eq_filter("externalId", ext);
    let p = probe(client, kind, &[("filter", &filter)]).await;
    let (code, what) = if kind == "Users" {
        ("external_id_filter_not_honoured", "users")
    } else {
        ("group_external_id_filter_not_honoured", "groups")
    };
    let problem = match (p.status(), resources(&p)) {
        (Some(st), _) if st != 200 => Some(format!("was refused with {}", refused(&p))),
        (_, Some(list)) => {
            let others = list
                .iter()
                .filter(|r| str_of(r, "externalId") != Some(ext))
                .count();
            let found = list.iter().any(|r| str_of(r, "id") == str_of(res, "id"));
            if list.is_empty() {
                Some("found nothing although a resource carries it".to_string())
            } else if !found {
                Some(format!(
                    "returned {}, none of them the one that carries it (the filter is ignored)",
                    plural(list.len(), &what[..what.len() - 1])
                ))
            } else if others > 0 {
                Some(format!(
                    "returned {} with another externalId (the filter is ignored)",
                    plural(others, &what[..what.len() - 1])
                ))
            } else {
                None
            }
        }
        _ => None,
    };
    if let Some(problem) = problem {
        finding(
            f,
            code,
            Severity::Warning,
            format!(
                "`filter=externalId eq \"{ext}\"` on /{kind} {problem}: when externalId is the \
                 matching attribute of the {what} mapping, Entra would not find existing {what} \
                 and would create duplicate {what}"
            ),
            &p,
        );
    }
}

/// `startIndex=0` is read as 1 (RFC 7644 §3.4.2.4), not refused.
pub(super) async fn start_index_zero(client: &ScimClient, f: &mut Findings) {
    let p = probe(client, "Users", &[("startIndex", "0"), ("count", "1")]).await;
    if let Some(st) = p
        .status()
        .filter(|s| *s >= 400 && *s != 401 && *s != 403 && *s != 429)
    {
        finding(
            f,
            "start_index_zero_refused",
            Severity::Warning,
            format!(
                "`startIndex=0` was refused with HTTP {st}: RFC 7644 §3.4.2.4 says a value below \
                 1 is read as 1; Entra's own lookups do not page, but tools that start at 0 \
                 (exports, reconciliation scripts) get an error instead of the first page"
            ),
            &p,
        );
    }
}

/// A made-up token: 401 with a SCIM error body, so Entra's logs say why.
pub(super) async fn wrong_token(client: &ScimClient, f: &mut Findings) {
    let token = Sensitive::new(format!("scimwatch-wrong-{}", random_guid()));
    let Ok(bad) = ScimClient::new(client.base_url(), &token, client.config().clone()) else {
        return;
    };
    let p = probe(&bad, "Users", &[("count", "1")]).await;
    match p.status() {
        Some(200) => finding(
            f,
            "wrong_token_accepted",
            Severity::Warning,
            "a made-up bearer token was answered 200: the endpoint does not check the token, so \
             anyone who knows the Tenant URL can read (and likely change) the users"
                .to_string(),
            &p,
        ),
        Some(st @ (401 | 403)) if parse_scim_error(p.body()).is_none() => {
            let body = if p.body().iter().all(u8::is_ascii_whitespace) {
                "an empty body".to_string()
            } else {
                let ct = p
                    .resp
                    .as_ref()
                    .and_then(|r| r.content_type.clone())
                    .unwrap_or_else(|| "no content type".into());
                format!("a {ct} body that is not a SCIM error")
            };
            finding(
                f,
                "unauthorized_without_scim_error",
                Severity::Warning,
                format!(
                    "a wrong token got HTTP {st} with {body} (RFC 7644 §3.12 asks for a SCIM \
                     error): when the token is wrong or expired, Entra's provisioning \
                     logs and Test Connection show no reason"
                ),
                &p,
            );
        }
        _ => {}
    }
}
