//! What a cycle will do: the work list from the tenant and the service's
//! memory of the target (and the simulated churn before it).

use super::*;

pub(crate) fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(|i| match i {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

pub(crate) struct Plan {
    pub(crate) work: Vec<Work>,
    pub(crate) entitled: i64,
    pub(crate) deletes: usize,
    pub(crate) initial: bool,
    pub(crate) version_at_start: u64,
    pub(crate) user_targets: HashMap<u32, String>,
}

pub(crate) fn churn(inner: &mut Inner, n: u32) {
    const TITLES: &[&str] = &[
        "Senior Engineer",
        "Team Lead",
        "Analyst II",
        "Consultant",
        "Manager",
        "Architect",
    ];
    if n == 0 || inner.tenant.users.is_empty() {
        return;
    }
    let scope = inner.tenant.users_in_scope();
    let candidates: Vec<u32> = scope
        .iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .map(|(i, _)| i as u32)
        .collect();
    if candidates.is_empty() {
        return;
    }
    for _ in 0..n {
        inner.churn_counter += 1;
        let r = mix64(inner.churn_counter);
        let idx = candidates[(r % candidates.len() as u64) as usize];
        let title = TITLES[((r >> 20) % TITLES.len() as u64) as usize];
        inner
            .tenant
            .update_user(idx, |u| u.job_title = title.to_string());
    }
}

pub(crate) fn plan(inner: &Inner) -> Plan {
    let view = SimState::job_view(inner);
    let t: &Tenant = &inner.tenant;
    let prov = &inner.prov;
    let initial = !prov.initial_done;
    let scope_u = t.users_in_scope();
    let scope_g = t.groups_in_scope();
    let users_on = !view.users_mapping_disabled;
    let groups_on = !view.groups_mapping_disabled;
    let mut work = Vec::new();
    let mut entitled = 0i64;
    let mut deletes = 0usize;
    if users_on {
        for (i, u) in t.users.iter().enumerate() {
            let i = i as u32;
            let p = prov.users.get(&i);
            if scope_u[i as usize] {
                entitled += 1;
                let needs = match p {
                    None => true,
                    Some(p) => !p.active || p.version != u.version,
                };
                if needs {
                    work.push(Work::UserUpsert {
                        idx: i,
                        attrs: user_attrs(u),
                        version: u.version,
                        existing: p.cloned(),
                    });
                }
            } else if let Some(p) = p.filter(|p| p.active) {
                deletes += 1;
                work.push(Work::UserDisable {
                    idx: i,
                    prov: p.clone(),
                });
            } else if !initial && u.version > prov.watermark {
                work.push(Work::UserSkip { idx: i });
            }
        }
    }
    if groups_on {
        for (g, grp) in t.groups.iter().enumerate() {
            let g = g as u32;
            let p = prov.groups.get(&g);
            if scope_g[g as usize] {
                entitled += 1;
                let members: Vec<u32> = grp
                    .members
                    .iter()
                    .copied()
                    .filter(|m| scope_u.get(*m as usize).copied().unwrap_or(false))
                    .collect();
                let needs = match p {
                    None => true,
                    Some(p) => {
                        p.version != grp.version
                            || p.display_name != grp.display_name
                            || members.len() != p.members.len()
                            || members.iter().any(|m| !p.members.contains(m))
                    }
                };
                if needs {
                    work.push(Work::GroupUpsert {
                        idx: g,
                        display: grp.display_name.clone(),
                        object_id: grp.id,
                        version: grp.version,
                        members,
                        existing: p.cloned(),
                    });
                }
            } else if let Some(p) = p {
                deletes += 1;
                work.push(Work::GroupDelete {
                    idx: g,
                    prov: p.clone(),
                });
            }
        }
    }
    let user_targets = prov
        .users
        .iter()
        .filter(|(_, p)| p.active)
        .map(|(i, p)| (*i, p.target_id.clone()))
        .collect();
    Plan {
        work,
        entitled,
        deletes,
        initial,
        version_at_start: t.version_counter,
        user_targets,
    }
}

pub(crate) fn display_of(t: &Tenant, p: Principal) -> (String, String) {
    match p {
        Principal::User(i) => t
            .users
            .get(i as usize)
            .map(|u| (u.display_name.clone(), u.user_principal_name.clone()))
            .unwrap_or_default(),
        Principal::Group(i) => t
            .groups
            .get(i as usize)
            .map(|g| (g.display_name.clone(), g.display_name.clone()))
            .unwrap_or_default(),
    }
}
