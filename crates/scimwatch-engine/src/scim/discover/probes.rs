//! The read-side probes of `discover`: Entra's own lookups replayed against
//! objects that exist (`userName eq` in two cases, `displayName eq` with
//! `excludedAttributes=members`, `externalId eq`), `excludedAttributes`,
//! `startIndex=0`, a made-up token, `filter.supported` against behaviour, and
//! the shape of the discovery lists. GET only; a check that has nothing to
//! look at (no user, no group, no externalId) says nothing.

use scimwatch_core::scim::{
    parse_list_response_for, parse_scim_error, Deviation, ListRequest, Severity,
};
use scimwatch_core::Sensitive;
use serde_json::Value;

use super::{probe, ComplianceFinding, Findings, Probe};
use crate::scim::client::ScimClient;
use crate::scim::test_connection::random_guid;

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

/// What the Users probes learned, for `filter.supported`.
pub(super) struct FilterOutcome {
    /// `Some(true)` when `userName eq` found exactly the existing user,
    /// `Some(false)` when it was refused or not honoured, `None` when not
    /// examined.
    pub works: Option<bool>,
}

/// `userName eq` on an existing user in Entra's case and in another case,
/// the attribute name in another case, `externalId eq`, `excludedAttributes`.
pub(super) async fn users(client: &ScimClient, page1: &[Value], f: &mut Findings) -> FilterOutcome {
    let Some((user, name)) = page1
        .iter()
        .find_map(|u| str_of(u, "userName").map(|n| (u, n)))
    else {
        f.not_examined(
            "Entra's user lookup (`userName eq` on an existing user, in its case and in \
             another), externalId and excludedAttributes on users: no user to look up",
        );
        return FilterOutcome { works: None };
    };
    let id = str_of(user, "id");
    let filter = eq_filter("userName", name);
    let pf = probe(client, "Users", &[("filter", &filter)]).await;
    let works = match (pf.status(), resources(&pf)) {
        (Some(st), _) if st != 200 => {
            // A refusal is not "found nobody".
            finding(
                f,
                "filter_refused",
                Severity::Error,
                format!(
                    "`filter=userName eq \"{name}\"` was refused with {}: Entra looks every user \
                     up with this filter before creating it, so it cannot match existing accounts \
                     and would create duplicates",
                    refused(&pf)
                ),
                &pf,
            );
            false
        }
        (_, Some(list)) => {
            let wrong = list
                .iter()
                .filter(|u| !str_of(u, "userName").is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .count();
            if list.is_empty() {
                finding(
                    f,
                    "filter_not_honoured",
                    Severity::Error,
                    format!(
                        "`filter=userName eq \"{name}\"` found nobody although that user exists: \
                         Entra would not match existing users and would create duplicates"
                    ),
                    &pf,
                );
                false
            } else if wrong > 0 {
                finding(
                    f,
                    "filter_not_honoured",
                    Severity::Error,
                    format!(
                        "`filter=userName eq \"{name}\"` returned {} with another userName: the \
                         filter is not honoured, so Entra matches the wrong users",
                        plural(wrong, "user")
                    ),
                    &pf,
                );
                false
            } else {
                true
            }
        }
        _ => return FilterOutcome { works: None },
    };
    if !works {
        return FilterOutcome { works: Some(false) };
    }

    // userName is case-insensitive (RFC 7643 §4.1.1, caseExact false).
    if let Some(other) = other_case(name) {
        let pc = probe(
            client,
            "Users",
            &[("filter", &eq_filter("userName", &other))],
        )
        .await;
        let found = resources(&pc).map(|l| {
            l.iter()
                .any(|u| str_of(u, "userName").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        });
        if found == Some(false) || pc.status().is_some_and(|s| s >= 400) {
            finding(
                f,
                "filter_case_sensitive",
                Severity::Error,
                format!(
                    "`filter=userName eq \"{other}\"` did not find the user `{name}` ({}): the \
                     server compares userName case-sensitively although RFC 7643 makes it \
                     case-insensitive, so Entra would create duplicates when the case differs \
                     between Entra and the application",
                    if found == Some(false) {
                        "an empty list".to_string()
                    } else {
                        refused(&pc)
                    }
                ),
                &pc,
            );
        }
    }

    // Attribute names are case-insensitive (RFC 7644 §3.4.2.2).
    let pa = probe(client, "Users", &[("filter", &eq_filter("USERNAME", name))]).await;
    let found = resources(&pa).map(|l| !l.is_empty());
    if found == Some(false) || pa.status().is_some_and(|s| s >= 400) {
        finding(
            f,
            "filter_attribute_case_sensitive",
            Severity::Warning,
            format!(
                "`filter=USERNAME eq \"{name}\"` {} while `userName eq` works: attribute names \
                 are case-sensitive on this server (RFC 7644 §3.4.2.2 makes them \
                 case-insensitive); Entra sends `userName` as declared, but a mapping whose \
                 matching attribute is spelled differently finds nobody and creates duplicates",
                if found == Some(false) {
                    "found nobody".to_string()
                } else {
                    format!("was refused with {}", refused(&pa))
                }
            ),
            &pa,
        );
    }

    // externalId eq, when the user has one.
    if let Some(ext) = page1
        .iter()
        .find_map(|u| str_of(u, "externalId").map(|e| (u, e)))
    {
        external_id(client, "Users", ext.0, ext.1, f).await;
    } else {
        f.not_examined("`externalId eq` on users: no user carries an externalId");
    }

    // excludedAttributes on users: an attribute the user has.
    if let Some(attr) = ["emails", "name", "displayName", "phoneNumbers"]
        .into_iter()
        .find(|a| user.get(*a).is_some_and(|v| !v.is_null()))
    {
        let px = probe(
            client,
            "Users",
            &[("filter", &filter), ("excludedAttributes", attr)],
        )
        .await;
        if let Some(list) = resources(&px) {
            let kept = list
                .iter()
                .any(|u| str_of(u, "id") == id && u.get(attr).is_some_and(|v| !v.is_null()));
            if kept {
                finding(
                    f,
                    "excluded_attributes_ignored",
                    Severity::Info,
                    format!(
                        "`excludedAttributes={attr}` is ignored: the user still carries `{attr}` \
                         (RFC 7644 §3.4.2.5); Entra only sends it for groups \
                         (`excludedAttributes=members`), so on users this costs only bandwidth"
                    ),
                    &px,
                );
            }
        }
    }
    FilterOutcome { works: Some(true) }
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

/// Entra's group lookup: `displayName eq` with `excludedAttributes=members`.
pub(super) async fn groups(client: &ScimClient, f: &mut Findings) {
    let pl = probe(client, "Groups", &[("startIndex", "1"), ("count", "5")]).await;
    let Some(list) = resources(&pl) else {
        f.not_examined(format!(
            "Entra's group lookup (`displayName eq` with `excludedAttributes=members`): GET \
             /Groups answered {}",
            pl.status()
                .map(|s| format!("HTTP {s} without a SCIM list"))
                .unwrap_or_else(|| "nothing".into())
        ));
        return;
    };
    let has_members = |g: &Value| {
        g.get("members")
            .and_then(Value::as_array)
            .is_some_and(|m| !m.is_empty())
    };
    let Some(group) = list
        .iter()
        .filter(|g| str_of(g, "displayName").is_some())
        .find(|g| has_members(g))
        .or_else(|| list.iter().find(|g| str_of(g, "displayName").is_some()))
    else {
        f.not_examined(
            "Entra's group lookup (`displayName eq` with `excludedAttributes=members`) and \
             `externalId eq` on groups: no group to look up",
        );
        return;
    };
    let name = str_of(group, "displayName").unwrap_or_default();
    let gid = str_of(group, "id");
    let pg = probe(
        client,
        "Groups",
        &[
            ("filter", &eq_filter("displayName", name)),
            ("excludedAttributes", "members"),
        ],
    )
    .await;
    let entra = format!("`filter=displayName eq \"{name}\"&excludedAttributes=members`");
    match (pg.status(), resources(&pg)) {
        (Some(st), _) if st != 200 => finding(
            f,
            "group_filter_not_honoured",
            Severity::Error,
            format!(
                "{entra} was refused with {}: this is how Entra looks a group up before creating \
                 it, so Entra would create duplicate groups",
                refused(&pg)
            ),
            &pg,
        ),
        (_, Some(found)) => {
            let wrong = found
                .iter()
                .filter(|g| !str_of(g, "displayName").is_some_and(|n| n.eq_ignore_ascii_case(name)))
                .count();
            let hit = found.iter().find(|g| str_of(g, "id") == gid);
            if hit.is_none() || wrong > 0 {
                finding(
                    f,
                    "group_filter_not_honoured",
                    Severity::Error,
                    if found.is_empty() {
                        format!(
                            "{entra} found nothing although the group exists: Entra would not \
                             match it and would create duplicate groups"
                        )
                    } else if hit.is_none() {
                        format!(
                            "{entra} returned {}, none of them the group (id {}): Entra would not \
                             match it and would create duplicate groups",
                            plural(found.len(), "group"),
                            gid.unwrap_or("—")
                        )
                    } else {
                        format!(
                            "{entra} returned {} with another displayName: Entra would match \
                             the wrong group",
                            plural(wrong, "group")
                        )
                    },
                    &pg,
                );
            } else if !has_members(group) {
                f.not_examined(
                    "`excludedAttributes=members` on groups: no group with members among the \
                     first five",
                );
            } else if hit.is_some_and(has_members) {
                finding(
                    f,
                    "excluded_members_ignored",
                    Severity::Warning,
                    format!(
                        "{entra} still returned the group's members: the server ignores \
                         `excludedAttributes=members`, so Entra's group queries carry every \
                         member and become slow or time out on large groups"
                    ),
                    &pg,
                );
            }
        }
        _ => {}
    }
    if let Some(ext) = list
        .iter()
        .find_map(|g| str_of(g, "externalId").map(|e| (g, e)))
    {
        external_id(client, "Groups", ext.0, ext.1, f).await;
    } else {
        f.not_examined("`externalId eq` on groups: no group carries an externalId");
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

/// `filter.supported` in /ServiceProviderConfig against what filtering did.
pub(super) fn filter_declared(
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
pub(super) fn declared_filter(spc: &Value) -> Option<bool> {
    spc.get("filter")
        .and_then(|x| x.get("supported"))
        .and_then(Value::as_bool)
}

/// The shape of /ResourceTypes and /Schemas (RFC 7644 §4): a ListResponse
/// with its totals, Schema resources with `schemas`, relative endpoints.
pub(super) fn discovery_list(path: &str, v: &Value, base_path: &str, p: &Probe, f: &mut Findings) {
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
