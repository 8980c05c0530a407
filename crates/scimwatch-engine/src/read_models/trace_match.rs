//! Who a trace search matches: the in-scope Entra users stored with the
//! assignments, the people the stored provisioning events are about, and
//! the users of the SaaS's latest complete snapshot — merged into one
//! candidate per person (by Entra object id where one is known).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::graph::sync::{AssignmentsBody, EntraUser};
use crate::store::events::EventRow;

/// The prefix of a candidate key that is a SaaS (SCIM) id, not an Entra one.
pub const SCIM_KEY: &str = "scim:";

/// A person the search matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct TraceCandidate {
    /// Search for this to trace exactly this person: the Entra object id,
    /// or `scim:<SaaS id>` for a user only the SaaS knows.
    pub key: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    /// The Entra object id, when known.
    pub object_id: Option<String>,
    /// The SaaS's id and userName, when the SaaS snapshot has them.
    pub scim_id: Option<String>,
    pub scim_user_name: Option<String>,
    /// Where the person was found: `assignments`, `logs`, `saas`.
    pub found_in: Vec<String>,
    /// The search equals one of their ids, names or addresses (not only a part).
    pub exact: bool,
    /// The SaaS ids the events about them name (`targetIdentity.id`).
    #[serde(skip)]
    #[ts(skip)]
    pub target_ids: Vec<String>,
    /// Their `mailNickname` (for a SaaS externalId).
    #[serde(skip)]
    #[ts(skip)]
    pub mail_nickname: Option<String>,
}

fn eq(a: Option<&str>, q: &str) -> bool {
    a.is_some_and(|a| !a.is_empty() && a.eq_ignore_ascii_case(q))
}

fn contains(a: Option<&str>, q_lower: &str) -> bool {
    a.is_some_and(|a| a.to_lowercase().contains(q_lower))
}

fn note(c: &mut TraceCandidate, place: &str) {
    if !c.found_in.iter().any(|p| p == place) {
        c.found_in.push(place.to_string());
    }
}

/// A SCIM user's string attribute.
pub fn scim_str<'a>(u: &'a Value, k: &str) -> Option<&'a str> {
    u.get(k).and_then(Value::as_str)
}

fn scim_emails(u: &Value) -> impl Iterator<Item = &str> {
    u.get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("value").and_then(Value::as_str))
}

/// Whether the SaaS user `u` is the candidate `c`: its id is one the
/// events name, its userName or an email is their UPN or mail, or its
/// externalId is their object id, UPN, mail or mail nickname.
pub fn scim_is(c: &TraceCandidate, u: &Value) -> bool {
    let id = scim_str(u, "id");
    if id.is_some_and(|id| c.target_ids.iter().any(|t| t == id))
        || (id.is_some() && id == c.scim_id.as_deref())
    {
        return true;
    }
    let names = [c.user_principal_name.as_deref(), c.mail.as_deref()];
    let user_name = scim_str(u, "userName");
    if names.iter().any(|n| n.is_some_and(|n| eq(user_name, n))) {
        return true;
    }
    if scim_emails(u).any(|e| {
        names
            .iter()
            .any(|n| n.is_some_and(|n| e.eq_ignore_ascii_case(n)))
    }) {
        return true;
    }
    let external = scim_str(u, "externalId");
    [
        c.object_id.as_deref(),
        c.user_principal_name.as_deref(),
        c.mail.as_deref(),
        c.mail_nickname.as_deref(),
    ]
    .iter()
    .any(|n| n.is_some_and(|n| eq(external, n)))
}

/// Everything a search is matched against.
pub struct Sources<'a> {
    pub assignments: Option<&'a AssignmentsBody>,
    /// Events whose source or target matched the search (newest first).
    pub events: &'a [EventRow],
    /// The SaaS snapshot's users.
    pub scim_users: &'a [Value],
}

fn from_entra(u: &EntraUser) -> TraceCandidate {
    TraceCandidate {
        key: u.id.clone(),
        display_name: u.display_name.clone(),
        user_principal_name: u.user_principal_name.clone(),
        mail: u.mail.clone(),
        object_id: Some(u.id.clone()),
        mail_nickname: u.mail_nickname.clone(),
        ..Default::default()
    }
}

/// The candidates the search `q` matches, exact matches first, then by name.
pub fn candidates(q: &str, s: &Sources<'_>) -> Vec<TraceCandidate> {
    let q = q.trim();
    let ql = q.to_lowercase();
    let key_scim = q.strip_prefix(SCIM_KEY);
    let mut by_key: BTreeMap<String, TraceCandidate> = BTreeMap::new();
    if let Some(a) = s.assignments {
        for u in &a.entra_users {
            let exact = [
                Some(u.id.as_str()),
                u.user_principal_name.as_deref(),
                u.mail.as_deref(),
                u.mail_nickname.as_deref(),
                u.display_name.as_deref(),
            ]
            .iter()
            .any(|v| eq(*v, q));
            let partial = contains(u.display_name.as_deref(), &ql)
                || contains(u.user_principal_name.as_deref(), &ql)
                || contains(u.mail.as_deref(), &ql);
            if exact || partial {
                let mut c = from_entra(u);
                c.exact = exact;
                note(&mut c, "assignments");
                by_key.insert(c.key.clone(), c);
            }
        }
        // Directly assigned users stored without details (older bodies).
        if a.entra_users.is_empty() {
            for p in &a.users {
                let exact = eq(Some(p.id.as_str()), q) || eq(p.name.as_deref(), q);
                if exact || contains(p.name.as_deref(), &ql) {
                    let c = by_key
                        .entry(p.id.clone())
                        .or_insert_with(|| TraceCandidate {
                            key: p.id.clone(),
                            object_id: Some(p.id.clone()),
                            display_name: p.name.clone(),
                            ..Default::default()
                        });
                    c.exact |= exact;
                    note(c, "assignments");
                }
            }
        }
    }
    for e in s.events {
        let source = e.source_id.as_deref().filter(|s| !s.trim().is_empty());
        let key = match source {
            Some(id) => id.to_string(),
            None => match e.source_name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(n) => format!("name:{n}"),
                None => continue,
            },
        };
        let exact = eq(e.source_id.as_deref(), q)
            || eq(e.target_id.as_deref(), q)
            || eq(e.source_name.as_deref(), q)
            || eq(e.target_name.as_deref(), q);
        let c = by_key.entry(key.clone()).or_insert_with(|| TraceCandidate {
            key: key.clone(),
            object_id: source.map(str::to_string),
            display_name: e.source_name.clone(),
            ..Default::default()
        });
        c.exact |= exact;
        if c.display_name.is_none() {
            c.display_name = e.source_name.clone();
        }
        if let Some(t) = e.target_id.as_deref().filter(|t| !t.trim().is_empty()) {
            if !c.target_ids.iter().any(|x| x == t) {
                c.target_ids.push(t.to_string());
            }
        }
        note(c, "logs");
    }
    for u in s.scim_users {
        let Some(id) = scim_str(u, "id") else {
            continue;
        };
        let exact = key_scim == Some(id)
            || eq(Some(id), q)
            || eq(scim_str(u, "userName"), q)
            || eq(scim_str(u, "externalId"), q)
            || scim_emails(u).any(|e| e.eq_ignore_ascii_case(q));
        let partial =
            contains(scim_str(u, "userName"), &ql) || contains(scim_str(u, "displayName"), &ql);
        // A person found on the Entra side whose SaaS user this is.
        let owner = by_key.values_mut().find(|c| scim_is(c, u));
        let c = match owner {
            Some(c) => c,
            None if exact || partial => {
                by_key
                    .entry(format!("{SCIM_KEY}{id}"))
                    .or_insert_with(|| TraceCandidate {
                        key: format!("{SCIM_KEY}{id}"),
                        display_name: scim_str(u, "displayName").map(str::to_string),
                        ..Default::default()
                    })
            }
            None => continue,
        };
        c.exact |= exact;
        c.scim_id = Some(id.to_string());
        c.scim_user_name = scim_str(u, "userName").map(str::to_string);
        note(c, "saas");
    }
    let mut out: Vec<TraceCandidate> = by_key.into_values().collect();
    out.sort_by(|a, b| {
        b.exact.cmp(&a.exact).then_with(|| {
            a.display_name
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .cmp(&b.display_name.as_deref().unwrap_or("").to_lowercase())
        })
    });
    out
}

/// The one candidate to trace: the one whose key is the search, else the
/// only candidate, else the only exact one.
pub fn pick(q: &str, list: &[TraceCandidate]) -> Option<usize> {
    let q = q.trim();
    if let Some(i) = list.iter().position(|c| c.key.eq_ignore_ascii_case(q)) {
        return Some(i);
    }
    if list.len() == 1 {
        return Some(0);
    }
    let exact: Vec<usize> = (0..list.len()).filter(|&i| list[i].exact).collect();
    match exact.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
