//! Judging one answer: what Entra expects of it, and what Entra does when
//! it is not so.

use scimwatch_core::scim::write_probe::{reaction_for_status, str_at, EntraReaction, PROBE_PREFIX};
use scimwatch_core::scim::{parse_list_response_for, ListRequest};
use serde_json::Value;

use super::super::client::ScimResponse;

/// Why a step failed and what Entra does about it.
pub(super) type Failure = (String, EntraReaction);

fn status_failure(what: &str, r: &ScimResponse) -> Failure {
    (
        format!("{what} answered HTTP {}", r.status),
        reaction_for_status(Some(r.status)),
    )
}

pub(super) fn json(r: &ScimResponse) -> Option<Value> {
    serde_json::from_slice(&r.body).ok()
}

/// The ids and names (`name_attr`) of a ListResponse.
fn listed(r: &ScimResponse, name_attr: &str) -> Result<Vec<(String, String)>, String> {
    let list = parse_list_response_for(&r.body, ListRequest::default())
        .map_err(|e| format!("the answer is not a SCIM ListResponse ({e})"))?;
    Ok(list
        .resources
        .iter()
        .map(|v| {
            (
                str_at(v, "id").unwrap_or_default().to_string(),
                str_at(v, name_attr).unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// A lookup of a name nobody has: 200 with an empty ListResponse.
pub(super) fn empty_list(r: &ScimResponse, name_attr: &str) -> Result<(), Failure> {
    if r.status != 200 {
        let (msg, _) = status_failure("the lookup", r);
        return Err((
            format!(
                "{msg} where Entra expects 200 with an empty ListResponse for a {name_attr} \
                 nobody has"
            ),
            if r.status == 404 {
                EntraReaction::Escrow
            } else {
                reaction_for_status(Some(r.status))
            },
        ));
    }
    match listed(r, name_attr) {
        Err(e) => Err((e, EntraReaction::Escrow)),
        Ok(v) if v.is_empty() => Ok(()),
        Ok(v) => Err((
            format!(
                "a filter on a {name_attr} nobody has returned {} resource(s) (first: {}): the \
                 filter is ignored",
                v.len(),
                v[0].1
            ),
            EntraReaction::Duplicate,
        )),
    }
}

/// A create: 201 (200 accepted) with the new resource's `id`.
pub(super) fn created(r: &ScimResponse) -> Result<(String, Option<String>), Failure> {
    if r.status != 201 && r.status != 200 {
        return Err(status_failure("the create", r));
    }
    let id = json(r)
        .as_ref()
        .and_then(|v| str_at(v, "id").map(str::to_string))
        .filter(|id| !id.is_empty());
    match id {
        Some(id) => {
            let note = (r.status == 200)
                .then(|| "answered 200 where RFC 7644 §3.3 says 201 Created".to_string());
            Ok((id, note))
        }
        None => Err((
            format!(
                "the create answered HTTP {} without the new resource's id: Entra cannot \
                 address the object afterwards",
                r.status
            ),
            EntraReaction::Duplicate,
        )),
    }
}

/// What [`found_only`] says when the lookup found nothing.
pub(super) const FOUND_NOTHING: &str =
    "the lookup found nothing although the object exists: Entra does not find what it provisioned";

/// A lookup that must find exactly the object `id`.
pub(super) fn found_only(r: &ScimResponse, id: &str, name_attr: &str) -> Result<(), Failure> {
    if r.status != 200 {
        return Err(status_failure("the lookup", r));
    }
    let v = listed(r, name_attr).map_err(|e| (e, EntraReaction::Escrow))?;
    if v.len() == 1 && v[0].0 == id {
        return Ok(());
    }
    if v.is_empty() {
        return Err((FOUND_NOTHING.into(), EntraReaction::Duplicate));
    }
    let strangers = v.iter().filter(|(i, _)| i != id).count();
    Err((
        format!(
            "the lookup returned {} resource(s), {strangers} of them not the object asked for \
             (e.g. {}): the filter is not honoured",
            v.len(),
            v.iter()
                .find(|(i, _)| i != id)
                .map(|(_, n)| n.as_str())
                .unwrap_or_default()
        ),
        EntraReaction::Duplicate,
    ))
}

/// A GET by id of an object that exists: 200 with that id; the resource.
pub(super) fn got(r: &ScimResponse, id: &str) -> Result<Value, Failure> {
    if r.status != 200 {
        return Err(status_failure("the GET by id", r));
    }
    let v = json(r).ok_or_else(|| {
        (
            "the GET by id answered 200 without a JSON resource".to_string(),
            EntraReaction::Escrow,
        )
    })?;
    if str_at(&v, "id") != Some(id) {
        return Err((
            format!(
                "the GET by id returned another resource (id {:?})",
                str_at(&v, "id")
            ),
            EntraReaction::Escrow,
        ));
    }
    Ok(v)
}

/// A PATCH or DELETE accepted: 2xx.
pub(super) fn accepted(r: &ScimResponse, what: &str) -> Result<(), Failure> {
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(status_failure(what, r))
    }
}

/// Whether a name is one of the probe's.
pub(super) fn is_probe_name(name: &str) -> bool {
    name.starts_with(PROBE_PREFIX)
}
