//! Drift between who Entra should provision and who the SaaS has.
//!
//! Entra matches users on a matching attribute (by default its
//! `userPrincipalName` against SCIM `userName`), case-insensitively. This
//! module does the same with both sides already fetched: Entra's assigned
//! users with their matching value, and the SaaS's user inventory.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::resource::ScimUser;

/// Which SCIM attribute Entra's matching value is compared with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchingAttribute {
    /// `userName` (Entra's default target for `userPrincipalName`).
    #[default]
    UserName,
    /// `externalId`.
    ExternalId,
    /// The primary (else work, else first) email.
    PrimaryEmail,
    /// The SaaS's `id`.
    Id,
}

impl MatchingAttribute {
    /// The SCIM attribute's name.
    pub fn scim_name(self) -> &'static str {
        match self {
            MatchingAttribute::UserName => "userName",
            MatchingAttribute::ExternalId => "externalId",
            MatchingAttribute::PrimaryEmail => "emails",
            MatchingAttribute::Id => "id",
        }
    }

    /// Map a schema `targetAttributeName` (`userName`, `externalId`,
    /// `emails[type eq "work"].value`) to a matching attribute.
    pub fn from_target_attribute(name: &str) -> Option<Self> {
        let n = name.trim();
        if n.eq_ignore_ascii_case("userName") {
            Some(Self::UserName)
        } else if n.eq_ignore_ascii_case("externalId") {
            Some(Self::ExternalId)
        } else if n.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("emails")) {
            Some(Self::PrimaryEmail)
        } else if n.eq_ignore_ascii_case("id") {
            Some(Self::Id)
        } else {
            None
        }
    }

    fn value_of(self, u: &ScimUser) -> Option<&str> {
        match self {
            MatchingAttribute::UserName => u.user_name.as_deref(),
            MatchingAttribute::ExternalId => u.external_id.as_deref(),
            MatchingAttribute::PrimaryEmail => u.primary_email(),
            MatchingAttribute::Id => u.id.as_deref(),
        }
    }
}

/// How to compare the two sides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DriftConfig {
    /// The SaaS attribute matched against Entra's matching value.
    pub matching_attribute: MatchingAttribute,
}

/// A user Entra should provision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AssignedUser {
    /// Entra object id.
    pub principal_id: String,
    /// Display name, for the report.
    pub display_name: Option<String>,
    /// The source value of the matching attribute (the UPN by default).
    pub matching_value: Option<String>,
    /// Whether the user should be `active` in the SaaS (account enabled and in scope).
    pub expected_active: bool,
}

/// A SaaS user, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SaasUserRef {
    /// The SaaS's id.
    pub id: Option<String>,
    /// `userName`.
    pub user_name: Option<String>,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `active`.
    pub active: Option<bool>,
}

impl SaasUserRef {
    fn of(u: &ScimUser) -> Self {
        Self {
            id: u.id.clone(),
            user_name: u.user_name.clone(),
            external_id: u.external_id.clone(),
            active: u.active,
        }
    }
}

/// SaaS users sharing a value that should be unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DuplicateUsers {
    /// `userName` or `externalId`.
    pub attribute: String,
    /// The shared value (as first seen).
    pub value: String,
    /// The users sharing it.
    pub users: Vec<SaasUserRef>,
}

/// An assigned user whose SaaS `active` differs from what Entra expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ActiveMismatch {
    /// The assigned user.
    pub assigned: AssignedUser,
    /// The SaaS user it matched.
    pub saas: SaasUserRef,
}

/// Totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DriftCounts {
    /// Assigned users.
    pub assigned: u32,
    /// SaaS users.
    pub saas: u32,
    /// Assigned users found in the SaaS.
    pub matched: u32,
    /// Assigned, absent in the SaaS.
    pub missing: u32,
    /// In the SaaS, not assigned.
    pub orphans: u32,
    /// Orphans still active (the ones that matter: access that should be gone).
    pub active_orphans: u32,
    /// Groups of duplicates.
    pub duplicates: u32,
    /// `active` mismatches.
    pub active_mismatches: u32,
    /// Assigned users without a matching value.
    pub unmatchable: u32,
}

/// The drift report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DriftReport {
    /// The matching attribute used.
    pub matching_attribute: MatchingAttribute,
    /// Assigned users absent from the SaaS.
    pub missing: Vec<AssignedUser>,
    /// SaaS users no assigned user matches (inactive ones included: filter on `active`).
    pub orphans: Vec<SaasUserRef>,
    /// SaaS users sharing a `userName` or an `externalId` (case-insensitive).
    pub duplicates: Vec<DuplicateUsers>,
    /// Matched users whose `active` is not what Entra expects.
    pub active_mismatches: Vec<ActiveMismatch>,
    /// Assigned users without a matching value (Entra cannot match them either).
    pub unmatchable: Vec<AssignedUser>,
    /// Totals.
    pub counts: DriftCounts,
}

/// Case-insensitive key, as Entra compares.
fn key(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_lowercase())
    }
}

fn duplicates_by(
    saas: &[ScimUser],
    attribute: &str,
    get: impl Fn(&ScimUser) -> Option<&str>,
) -> Vec<DuplicateUsers> {
    let mut groups: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for (i, u) in saas.iter().enumerate() {
        if let Some(v) = get(u) {
            if let Some(k) = key(v) {
                groups
                    .entry(k)
                    .or_insert_with(|| (v.to_string(), Vec::new()))
                    .1
                    .push(i);
            }
        }
    }
    groups
        .into_values()
        .filter(|(_, idx)| idx.len() > 1)
        .map(|(value, idx)| DuplicateUsers {
            attribute: attribute.to_string(),
            value,
            users: idx.iter().map(|i| SaasUserRef::of(&saas[*i])).collect(),
        })
        .collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Compare Entra's assigned users with the SaaS inventory.
///
/// An assigned user matches every SaaS user with the same matching value
/// (case-insensitive, trimmed); when several match (duplicates), the first in
/// inventory order is used for the `active` comparison and all of them are
/// counted as matched (the duplicates are reported separately). A SaaS user
/// whose `active` is absent is not reported as a mismatch.
pub fn compute_drift(
    assigned: &[AssignedUser],
    saas: &[ScimUser],
    config: &DriftConfig,
) -> DriftReport {
    let attr = config.matching_attribute;
    let mut index: HashMap<String, Vec<usize>> = HashMap::with_capacity(saas.len());
    for (i, u) in saas.iter().enumerate() {
        if let Some(k) = attr.value_of(u).and_then(key) {
            index.entry(k).or_default().push(i);
        }
    }
    let mut matched_saas = vec![false; saas.len()];
    let mut report = DriftReport {
        matching_attribute: attr,
        ..DriftReport::default()
    };
    let mut matched = 0usize;
    for a in assigned {
        let Some(k) = a.matching_value.as_deref().and_then(key) else {
            report.unmatchable.push(a.clone());
            continue;
        };
        match index.get(&k) {
            Some(hits) if !hits.is_empty() => {
                matched += 1;
                for h in hits {
                    matched_saas[*h] = true;
                }
                let first = &saas[hits[0]];
                if first.active.is_some_and(|act| act != a.expected_active) {
                    report.active_mismatches.push(ActiveMismatch {
                        assigned: a.clone(),
                        saas: SaasUserRef::of(first),
                    });
                }
            }
            _ => report.missing.push(a.clone()),
        }
    }
    report.orphans = saas
        .iter()
        .zip(&matched_saas)
        .filter(|(_, m)| !**m)
        .map(|(u, _)| SaasUserRef::of(u))
        .collect();
    report.duplicates = duplicates_by(saas, "userName", |u| u.user_name.as_deref());
    report
        .duplicates
        .extend(duplicates_by(saas, "externalId", |u| {
            u.external_id.as_deref()
        }));
    report.counts = DriftCounts {
        assigned: count(assigned.len()),
        saas: count(saas.len()),
        matched: count(matched),
        missing: count(report.missing.len()),
        orphans: count(report.orphans.len()),
        active_orphans: count(
            report
                .orphans
                .iter()
                .filter(|o| o.active != Some(false))
                .count(),
        ),
        duplicates: count(report.duplicates.len()),
        active_mismatches: count(report.active_mismatches.len()),
        unmatchable: count(report.unmatchable.len()),
    };
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assigned(id: &str, upn: Option<&str>, active: bool) -> AssignedUser {
        AssignedUser {
            principal_id: id.into(),
            display_name: None,
            matching_value: upn.map(str::to_string),
            expected_active: active,
        }
    }

    fn saas(id: &str, user_name: &str, ext: Option<&str>, active: Option<bool>) -> ScimUser {
        ScimUser {
            id: Some(id.into()),
            user_name: Some(user_name.into()),
            external_id: ext.map(str::to_string),
            active,
            ..ScimUser::default()
        }
    }

    #[test]
    fn drift_by_user_name() {
        let entra = vec![
            assigned("e1", Some("Ada@Contoso.com"), true),
            assigned("e2", Some("bob@contoso.com"), false),
            assigned("e3", Some("cy@contoso.com"), true),
            assigned("e4", None, true),
            assigned("e5", Some("dee@contoso.com"), true),
        ];
        let inventory = vec![
            saas("s1", "ada@contoso.com ", Some("ada"), Some(true)),
            saas("s2", "BOB@contoso.com", Some("bob"), Some(true)),
            saas("s3", "eve@contoso.com", Some("ADA"), Some(true)),
            saas("s4", "old@contoso.com", None, Some(false)),
            saas("s5", "dee@contoso.com", None, None),
            saas("s6", "Dee@Contoso.com", None, Some(true)),
        ];
        let r = compute_drift(&entra, &inventory, &DriftConfig::default());
        assert_eq!(
            r.missing
                .iter()
                .map(|a| a.principal_id.as_str())
                .collect::<Vec<_>>(),
            ["e3"]
        );
        assert_eq!(r.unmatchable[0].principal_id, "e4");
        assert_eq!(
            r.orphans
                .iter()
                .map(|o| o.id.as_deref().unwrap())
                .collect::<Vec<_>>(),
            ["s3", "s4"]
        );
        assert_eq!(r.active_mismatches.len(), 1);
        assert_eq!(r.active_mismatches[0].assigned.principal_id, "e2");
        assert_eq!(r.active_mismatches[0].saas.id.as_deref(), Some("s2"));
        let dups: Vec<_> = r
            .duplicates
            .iter()
            .map(|d| (d.attribute.as_str(), d.users.len()))
            .collect();
        assert_eq!(dups, [("userName", 2), ("externalId", 2)]);
        assert_eq!(
            r.counts,
            DriftCounts {
                assigned: 5,
                saas: 6,
                matched: 3,
                missing: 1,
                orphans: 2,
                active_orphans: 1,
                duplicates: 2,
                active_mismatches: 1,
                unmatchable: 1,
            }
        );
    }

    #[test]
    fn drift_by_external_id_and_email() {
        let entra = vec![assigned("e1", Some("ADA"), true)];
        let inventory = vec![saas("s1", "x@y", Some("ada"), Some(true))];
        let cfg = DriftConfig {
            matching_attribute: MatchingAttribute::ExternalId,
        };
        let r = compute_drift(&entra, &inventory, &cfg);
        assert!(r.missing.is_empty() && r.orphans.is_empty());
        let r = compute_drift(&entra, &inventory, &DriftConfig::default());
        assert_eq!(r.missing.len(), 1);
        assert_eq!(r.orphans.len(), 1);
        assert_eq!(
            MatchingAttribute::from_target_attribute("emails[type eq \"work\"].value"),
            Some(MatchingAttribute::PrimaryEmail)
        );
        assert_eq!(
            MatchingAttribute::from_target_attribute("USERNAME"),
            Some(MatchingAttribute::UserName)
        );
        assert_eq!(MatchingAttribute::from_target_attribute("nickName"), None);
    }

    #[test]
    fn empty_sides() {
        let r = compute_drift(&[], &[], &DriftConfig::default());
        assert_eq!(r.counts, DriftCounts::default());
    }
}
