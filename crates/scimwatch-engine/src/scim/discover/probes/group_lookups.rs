//! Entra's group lookup against a group that exists: `displayName eq` with
//! `excludedAttributes=members`, and `externalId eq`.

use scimwatch_core::scim::Severity;
use serde_json::Value;

use super::{eq_filter, external_id, finding, plural, refused, resources, str_of};
use crate::scim::client::ScimClient;
use crate::scim::discover::{probe, Findings};

/// Entra's group lookup: `displayName eq` with `excludedAttributes=members`.
pub(in crate::scim::discover) async fn groups(client: &ScimClient, f: &mut Findings) {
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
