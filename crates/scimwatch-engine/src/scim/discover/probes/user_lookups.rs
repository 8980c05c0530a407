//! The Users lookups Entra depends on, against a user that exists:
//! `userName eq` in Entra's case and in another, the attribute name in
//! another case, `externalId eq`, and `excludedAttributes`.

use scimwatch_core::scim::Severity;
use serde_json::Value;

use super::{eq_filter, external_id, finding, other_case, plural, refused, resources, str_of};
use crate::scim::client::ScimClient;
use crate::scim::discover::{probe, Findings};

/// What the Users probes learned, for `filter.supported`.
pub(in crate::scim::discover) struct FilterOutcome {
    /// `Some(true)` when `userName eq` found exactly the existing user,
    /// `Some(false)` when it was refused or not honoured, `None` when not
    /// examined.
    pub works: Option<bool>,
}

/// `userName eq` on an existing user in Entra's case and in another case,
/// the attribute name in another case, `externalId eq`, `excludedAttributes`.
pub(in crate::scim::discover) async fn users(
    client: &ScimClient,
    page1: &[Value],
    f: &mut Findings,
) -> FilterOutcome {
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
