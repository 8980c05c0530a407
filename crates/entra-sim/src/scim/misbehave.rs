//! Switchable misbehaviours of the built-in SCIM target: what real
//! open-source SCIM servers do instead of what RFC 7643/7644 say (the list in
//! `tests/fixtures/graph-real/README.md`, "What independent SCIM servers do").
//!
//! Each is a [`Fault`] (`scim_ignores_paging`, `scim_filter_refused`, …).
//! They sit in front of the target ([`crate::scim::dispatch`]): a request is
//! read the way the misbehaving server reads it (paging parameters dropped,
//! a filter refused, an attribute name spelled in another case not
//! recognised), and the target's answer is rewritten the way that server
//! answers (`filter.supported: false`, discovery lists without totals, an
//! HTML 404 page, a 409 without `scimType`, …). Entra's own provisioning
//! cycles go through the same door, so the simulated tenant meets the same
//! server a real tenant would.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

// The target's own SCIM answers: the misbehaving server words them the same way.
use super::{scim_error, scim_json, LIST_SCHEMA};
use crate::fault::Fault;
use crate::state::SimState;

pub use crate::fault::DEFAULT_SERVER_PAGE;

/// The page size a server with [`Misbehaviours::items_per_page_too_large`]
/// reports in `itemsPerPage` (its configured page size, not the number of
/// resources on the page).
const CONFIGURED_PAGE: usize = 100;

/// Attribute names the target knows, in their schema spelling: a server with
/// case-sensitive attribute names recognises only these spellings.
const ATTRIBUTE_NAMES: &[&str] = &[
    "id",
    "userName",
    "displayName",
    "externalId",
    "active",
    "title",
    "name.givenName",
    "name.familyName",
    "emails.value",
    "members.value",
];

/// The misbehaviours switched on (from the active faults).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Misbehaviours {
    /// `startIndex` and `count` ignored: every page is the first page of this
    /// size (`totalResults` still says the true total).
    pub ignores_paging: Option<usize>,
    /// `count` ignored: every page holds this many resources (`startIndex` honoured).
    pub ignores_count: Option<usize>,
    /// `userName eq` compares values case-sensitively (RFC 7643: `userName`
    /// is not case-exact).
    pub user_name_case_sensitive: bool,
    /// Filter attribute names must be spelled exactly (`USERNAME eq` finds nobody).
    pub attribute_names_case_sensitive: bool,
    /// `/ServiceProviderConfig` says `filter.supported: false` while filters work.
    pub filter_declared_unsupported: bool,
    /// `/Schemas` and `/ResourceTypes` without `totalResults`/`itemsPerPage`/`startIndex`.
    pub discovery_without_totals: bool,
    /// Schema resources without their own `schemas`.
    pub schemas_without_schemas: bool,
    /// ResourceType `endpoint`s as absolute paths (`/scim/v2/Users`).
    pub absolute_resource_type_endpoints: bool,
    /// `itemsPerPage` is the configured page size, larger than the items returned.
    pub items_per_page_too_large: bool,
    /// A refused token gets 401 with an empty `text/html` body.
    pub unauthorized_empty_html: bool,
    /// Every 404 is the web framework's HTML page, and a filter that matches
    /// nobody answers it too.
    pub html_not_found: bool,
    /// `startIndex=0` answers 400 (RFC 7644 §3.4.2.4: treat it as 1).
    pub start_index_zero_refused: bool,
    /// A 409 without `scimType`.
    pub conflict_without_scim_type: bool,
    /// `excludedAttributes` ignored.
    pub ignores_excluded_attributes: bool,
    /// Any filter answers 400 `invalidFilter`.
    pub filter_refused: bool,
    /// A group rename (`PATCH` of `displayName`) answers 501.
    pub group_rename_unsupported: bool,
    /// `PATCH` `Remove` on group `members` answers 400.
    pub member_removal_refused: bool,
    /// `active` as a string answers 400 `invalidValue`.
    pub active_string_refused: bool,
    /// `displayName eq` on `/Groups` finds nothing.
    pub group_filter_finds_nothing: bool,
    /// `externalId eq` is ignored (the unfiltered list comes back).
    pub external_id_filter_ignored: bool,
    /// Every `PATCH` answers 204 and changes nothing.
    pub patch_ignored: bool,
}

impl Misbehaviours {
    /// The misbehaviours the `faults` switch on.
    pub fn of<'a>(faults: impl IntoIterator<Item = &'a Fault>) -> Self {
        let mut m = Self::default();
        for f in faults {
            match f {
                Fault::ScimIgnoresPaging { page_size } => {
                    m.ignores_paging = Some((*page_size).max(1))
                }
                Fault::ScimIgnoresCount { page_size } => {
                    m.ignores_count = Some((*page_size).max(1))
                }
                Fault::ScimUserNameCaseSensitive => m.user_name_case_sensitive = true,
                Fault::ScimAttributeNamesCaseSensitive => m.attribute_names_case_sensitive = true,
                Fault::ScimFilterDeclaredUnsupported => m.filter_declared_unsupported = true,
                Fault::ScimDiscoveryWithoutTotals => m.discovery_without_totals = true,
                Fault::ScimSchemasWithoutSchemas => m.schemas_without_schemas = true,
                Fault::ScimAbsoluteResourceTypeEndpoints => {
                    m.absolute_resource_type_endpoints = true
                }
                Fault::ScimItemsPerPageTooLarge => m.items_per_page_too_large = true,
                Fault::ScimUnauthorizedEmptyHtml => m.unauthorized_empty_html = true,
                Fault::ScimHtmlNotFound => m.html_not_found = true,
                Fault::ScimStartIndexZeroRefused => m.start_index_zero_refused = true,
                Fault::ScimConflictWithoutScimType => m.conflict_without_scim_type = true,
                Fault::ScimIgnoresExcludedAttributes => m.ignores_excluded_attributes = true,
                Fault::ScimFilterRefused => m.filter_refused = true,
                Fault::ScimGroupRenameUnsupported => m.group_rename_unsupported = true,
                Fault::ScimMemberRemovalRefused => m.member_removal_refused = true,
                Fault::ScimActiveStringRefused => m.active_string_refused = true,
                Fault::ScimGroupFilterFindsNothing => m.group_filter_finds_nothing = true,
                Fault::ScimExternalIdFilterIgnored => m.external_id_filter_ignored = true,
                Fault::ScimPatchIgnored => m.patch_ignored = true,
                _ => {}
            }
        }
        m
    }

    /// Whether none is switched on.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    /// Read a request as the misbehaving server does: an early answer, or
    /// the query it really serves.
    fn read(
        &self,
        req: &Request<'_>,
        params: &mut Vec<(String, String)>,
        body: &[u8],
    ) -> Option<Response> {
        if *req.method == Method::PATCH {
            return self.read_patch(req, body);
        }
        if !req.is_list() {
            return None;
        }
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if let Some(filter) = get("filter") {
            if self.filter_refused {
                // As servers without filtering answer (the fixture's `filter_invalid`).
                return Some(scim_error(
                    StatusCode::BAD_REQUEST,
                    Some("invalidFilter"),
                    "Filtering is not supported",
                ));
            }
            let eq = parse_eq(filter);
            let attr_is = |name: &str| {
                eq.as_ref()
                    .is_some_and(|(a, _)| a.eq_ignore_ascii_case(name))
            };
            if self.group_filter_finds_nothing && req.segs == ["Groups"] && attr_is("displayName") {
                return Some(self.empty_list());
            }
            if self.external_id_filter_ignored && attr_is("externalId") {
                params.retain(|(k, _)| k != "filter");
                return None;
            }
            if self.attribute_names_case_sensitive {
                let attr = filter.split_whitespace().next().unwrap_or_default();
                let known_elsewise = ATTRIBUTE_NAMES
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(attr) && *n != attr);
                if known_elsewise {
                    // The attribute "does not exist": nobody has it.
                    return Some(self.empty_list());
                }
            }
        } else if self.start_index_zero_refused && get("startIndex") == Some("0") {
            return Some(scim_error(
                StatusCode::BAD_REQUEST,
                None,
                "startIndex must be at least 1",
            ));
        }
        if let Some(size) = self.ignores_paging {
            params.retain(|(k, _)| k != "startIndex" && k != "count");
            params.push(("count".into(), size.to_string()));
        } else if let Some(size) = self.ignores_count {
            params.retain(|(k, _)| k != "count");
            params.push(("count".into(), size.to_string()));
        }
        if self.ignores_excluded_attributes {
            params.retain(|(k, _)| k != "excludedAttributes");
        }
        None
    }

    /// A `PATCH` as the misbehaving server reads it: refused, or answered
    /// 204 without being applied.
    fn read_patch(&self, req: &Request<'_>, body: &[u8]) -> Option<Response> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let ops = v.get("Operations").and_then(Value::as_array)?;
        let group = matches!(req.segs.as_slice(), ["Groups", _]);
        let touches = |op: &Value, attr: &str| {
            op.get("path")
                .and_then(Value::as_str)
                .is_some_and(|p| p.eq_ignore_ascii_case(attr) || p.starts_with(&format!("{attr}[")))
                || op
                    .get("value")
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.keys().any(|k| k.eq_ignore_ascii_case(attr)))
        };
        let is_op = |op: &Value, name: &str| {
            op.get("op")
                .and_then(Value::as_str)
                .is_some_and(|o| o.eq_ignore_ascii_case(name))
        };
        for op in ops {
            if group && self.group_rename_unsupported && touches(op, "displayName") {
                return Some(scim_error(
                    StatusCode::NOT_IMPLEMENTED,
                    None,
                    "Renaming a group is not supported",
                ));
            }
            if group && self.member_removal_refused && is_op(op, "remove") && touches(op, "members")
            {
                return Some(scim_error(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    "Members cannot be removed with PATCH",
                ));
            }
            let active_text = op.get("path").and_then(Value::as_str) == Some("active")
                && op.get("value").is_some_and(Value::is_string);
            if self.active_string_refused && active_text {
                return Some(scim_error(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    "Attribute 'active' expected value type 'boolean'",
                ));
            }
        }
        if self.patch_ignored {
            return Some(StatusCode::NO_CONTENT.into_response());
        }
        None
    }

    /// A list that found nobody, as this server answers it.
    fn empty_list(&self) -> Response {
        if self.html_not_found {
            return framework_not_found();
        }
        scim_json(
            StatusCode::OK,
            json!({"schemas": [LIST_SCHEMA], "totalResults": 0, "itemsPerPage": 0, "startIndex": 1, "Resources": []}),
        )
    }

    /// Rewrite the target's answer as the misbehaving server answers.
    fn answer(&self, req: &Request<'_>, status: StatusCode, body: &[u8]) -> Option<Response> {
        match status {
            StatusCode::UNAUTHORIZED if self.unauthorized_empty_html => {
                return Some(
                    (
                        StatusCode::UNAUTHORIZED,
                        [(header::CONTENT_TYPE, "text/html")],
                        "",
                    )
                        .into_response(),
                );
            }
            StatusCode::NOT_FOUND if self.html_not_found => return Some(framework_not_found()),
            StatusCode::CONFLICT if self.conflict_without_scim_type => {
                let mut v: Value = serde_json::from_slice(body).ok()?;
                v.as_object_mut()?.remove("scimType");
                return Some(scim_json(status, v));
            }
            StatusCode::OK => {}
            _ => return None,
        }
        let mut v: Value = serde_json::from_slice(body).ok()?;
        match req.segs.as_slice() {
            ["ServiceProviderConfig"] if self.filter_declared_unsupported => {
                v["filter"] = json!({"supported": false, "maxResults": 0});
            }
            [kind @ ("Schemas" | "ResourceTypes")] => {
                if self.discovery_without_totals {
                    if let Some(o) = v.as_object_mut() {
                        for k in ["totalResults", "itemsPerPage", "startIndex"] {
                            o.remove(k);
                        }
                    }
                }
                let resources = v.get_mut("Resources").and_then(Value::as_array_mut);
                for r in resources.into_iter().flatten() {
                    if *kind == "Schemas" && self.schemas_without_schemas {
                        if let Some(o) = r.as_object_mut() {
                            o.remove("schemas");
                        }
                    }
                    if *kind == "ResourceTypes" && self.absolute_resource_type_endpoints {
                        if let Some(ep) = r.get("endpoint").and_then(Value::as_str) {
                            r["endpoint"] = json!(format!("/scim/v2{ep}"));
                        }
                    }
                }
            }
            [_] if req.is_list() => {
                let user_filter = req
                    .filter
                    .as_deref()
                    .and_then(parse_eq)
                    .filter(|(a, _)| a.eq_ignore_ascii_case("userName"));
                if let (true, Some((_, value))) = (self.user_name_case_sensitive, user_filter) {
                    if let Some(list) = v.get_mut("Resources").and_then(Value::as_array_mut) {
                        list.retain(|u| u.get("userName").and_then(Value::as_str) == Some(&value));
                    }
                    let n = resource_count(&v);
                    v["totalResults"] = json!(n);
                    v["itemsPerPage"] = json!(n);
                }
                if self.html_not_found && req.filter.is_some() && resource_count(&v) == 0 {
                    return Some(framework_not_found());
                }
                if self.items_per_page_too_large {
                    let asked = req.count.unwrap_or(CONFIGURED_PAGE);
                    v["itemsPerPage"] = json!(asked.max(CONFIGURED_PAGE));
                }
            }
            _ => return None,
        }
        Some(scim_json(status, v))
    }
}

/// What the misbehaving server looks at in a request.
struct Request<'a> {
    method: &'a Method,
    segs: Vec<&'a str>,
    filter: Option<String>,
    count: Option<usize>,
}

impl Request<'_> {
    /// `GET /Users` or `GET /Groups` (a list or a filtered query).
    fn is_list(&self) -> bool {
        *self.method == Method::GET && matches!(self.segs.as_slice(), ["Users" | "Groups"])
    }
}

fn resource_count(v: &Value) -> usize {
    v.get("Resources")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// Parse `attr eq "value"`.
fn parse_eq(filter: &str) -> Option<(String, String)> {
    let mut it = filter.trim().splitn(3, ' ');
    let attr = it.next()?;
    let op = it.next()?;
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = it.next()?.trim().strip_prefix('"')?.strip_suffix('"')?;
    Some((attr.to_string(), value.replace("\\\"", "\"")))
}

/// A web framework's own "not found" page (Flask/Werkzeug's), not a SCIM error
/// and not a login page.
fn framework_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n\
         <p>The requested URL was not found on the server. If you entered the URL manually \
         please check your spelling and try again.</p>\n",
    )
        .into_response()
}

/// The largest body the target's answer is read back from to be rewritten.
const MAX_BODY: usize = 64 << 20;

/// Handle a request under `/scim/v2/`: straight to the target when nothing
/// misbehaves, else through the misbehaving server's reading and answering.
pub(crate) async fn dispatch(
    State(state): State<Arc<SimState>>,
    method: Method,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let m = Misbehaviours::of(&state.active_faults());
    // The target reads Entra's string booleans (`"value": "False"`, sent
    // without `aadOptscim062020`) as booleans, as Microsoft asks of a SaaS,
    // unless the server refuses them.
    let body = if method == Method::PATCH && !m.active_string_refused {
        entra_booleans(body)
    } else {
        body
    };
    if m.is_none() {
        return crate::scim::dispatch(
            State(state),
            method,
            Path(rest),
            RawQuery(query),
            headers,
            body,
        )
        .await;
    }
    let mut params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let lookup: HashMap<&str, &str> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let req = Request {
        method: &method,
        segs: rest.split('/').filter(|s| !s.is_empty()).collect(),
        filter: lookup.get("filter").map(|f| f.to_string()),
        count: lookup.get("count").and_then(|c| c.parse().ok()),
    };
    if let Some(early) = m.read(&req, &mut params, &body) {
        // Only a caller with the token gets past the server's own door.
        let authorised = crate::scim::dispatch(
            State(state),
            Method::GET,
            Path("ServiceProviderConfig".into()),
            RawQuery(None),
            headers,
            Bytes::new(),
        )
        .await;
        return match authorised.status() {
            StatusCode::OK => early,
            status => rewrite(&m, &req, status, authorised).await,
        };
    }
    let query = (!params.is_empty()).then(|| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish()
    });
    let resp = crate::scim::dispatch(
        State(state),
        method.clone(),
        Path(rest.clone()),
        RawQuery(query),
        headers,
        body,
    )
    .await;
    let status = resp.status();
    rewrite(&m, &req, status, resp).await
}

/// `active` sent as `"True"`/`"False"` in a PATCH, as a boolean.
fn entra_booleans(body: Bytes) -> Bytes {
    let Ok(mut v) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    let mut changed = false;
    for op in v
        .get_mut("Operations")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if op.get("path").and_then(Value::as_str) != Some("active") {
            continue;
        }
        let b = match op.get("value").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case("true") => true,
            Some(t) if t.eq_ignore_ascii_case("false") => false,
            _ => continue,
        };
        op["value"] = Value::Bool(b);
        changed = true;
    }
    if changed {
        Bytes::from(v.to_string())
    } else {
        body
    }
}

async fn rewrite(
    m: &Misbehaviours,
    req: &Request<'_>,
    status: StatusCode,
    resp: Response,
) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return scim_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "answer too large to rewrite",
        );
    };
    match m.answer(req, status, &bytes) {
        Some(r) => r,
        None => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests;
