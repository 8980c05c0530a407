//! One piece of work against the target: the SCIM calls Entra makes for
//! it, one function per kind of work (a user updated, created, disabled; a
//! group updated, created, deleted).

use super::*;

pub(crate) type ExecErr = (Action, CallError, EventDetail);

/// Run one piece of work against the target.
pub(crate) async fn execute(
    client: &Client<'_>,
    w: Work,
    user_targets: &mut HashMap<u32, String>,
) -> Result<ItemResult, ExecErr> {
    match w {
        Work::UserSkip { idx } => Ok(ItemResult {
            outcome: Outcome::Skipped,
            error: Some(ErrorKind::NotEffectivelyEntitled),
            ..ok(
                Principal::User(idx),
                Action::Other,
                EventDetail::default(),
                ProvUpdate::None,
            )
        }),
        Work::UserUpsert {
            idx,
            attrs,
            version,
            existing: Some(p),
        } => user_update(client, idx, attrs, version, p, user_targets).await,
        Work::UserUpsert {
            idx,
            attrs,
            version,
            existing: None,
        } => user_create(client, idx, attrs, version, user_targets).await,
        Work::UserDisable { idx, prov } => user_disable(client, idx, prov, user_targets).await,
        Work::GroupDelete { idx, prov } => group_delete(client, idx, prov).await,
        Work::GroupUpsert {
            idx,
            display,
            object_id,
            version,
            members,
            existing,
        } => {
            let wanted: Vec<(u32, String)> = members
                .iter()
                .filter_map(|m| user_targets.get(m).map(|t| (*m, t.clone())))
                .collect();
            let group = GroupWork {
                idx,
                display,
                version,
                wanted,
            };
            match existing {
                Some(p) => group_update(client, group, p, user_targets).await,
                None => group_create(client, group, object_id).await,
            }
        }
    }
}

/// A successful result.
fn ok(object: Principal, action: Action, detail: EventDetail, update: ProvUpdate) -> ItemResult {
    ItemResult {
        object,
        action,
        outcome: Outcome::Success,
        error: None,
        duration_ms: 0,
        detail,
        update,
        at: DateTime::<Utc>::MIN_UTC,
    }
}

/// The end of an update, the same for users and groups: PATCH `ops` at
/// `path`, or, with none to make (nothing the mapping exports changed), a
/// skip.
async fn patch_or_skip(
    client: &Client<'_>,
    path: &str,
    ops: Vec<Value>,
    object: Principal,
    detail: EventDetail,
    update: ProvUpdate,
) -> Result<ItemResult, ExecErr> {
    if ops.is_empty() {
        return Ok(ItemResult {
            outcome: Outcome::Skipped,
            ..ok(object, Action::Other, detail, update)
        });
    }
    client
        .call(reqwest::Method::PATCH, path, Some(&patch(ops)), false)
        .await
        .map_err(|e| (Action::Update, e, detail.clone()))?;
    Ok(ok(object, Action::Update, detail, update))
}

/// The start of a create, the same for users and groups: the one entry
/// of `resource` the target already has with `attr` = `value` (then the
/// work is an update), or one POSTed with `body` (a create). Its id and
/// that action; more than one match, or a created entry with no id, fails
/// the create (`noun` names the entry in the error).
async fn match_or_post(
    client: &Client<'_>,
    resource: &str,
    noun: &str,
    (attr, value): (&str, &str),
    body: impl FnOnce() -> Value,
    detail: &EventDetail,
) -> Result<(String, Action), ExecErr> {
    let failed = |e: CallError| (Action::Create, e, detail.clone());
    let found = client.lookup(resource, attr, value).await.map_err(failed)?;
    if found.len() > 1 {
        return Err(failed(CallError::Entry(
            ErrorKind::DuplicateTargetEntries,
            format!("{} {noun}s matched {attr} '{value}'", found.len()),
        )));
    }
    if let Some(existing) = found.first() {
        return Ok((id_of(existing).unwrap_or_default(), Action::Update));
    }
    let (_, created) = client
        .call(
            reqwest::Method::POST,
            &format!("/{resource}"),
            Some(&body()),
            true,
        )
        .await
        .map_err(failed)?;
    let Some(tid) = id_of(&created) else {
        return Err(failed(CallError::Entry(
            ErrorKind::ServiceIncompatible,
            format!("the created {noun} has no id"),
        )));
    };
    Ok((tid, Action::Create))
}

/// A user the service exported before: PATCH what changed (re-enabling it).
async fn user_update(
    client: &Client<'_>,
    idx: u32,
    attrs: Vec<(&'static str, String)>,
    version: u64,
    p: ProvUser,
    user_targets: &mut HashMap<u32, String>,
) -> Result<ItemResult, ExecErr> {
    let mut ops = Vec::new();
    let mut modified = Vec::new();
    if !p.active {
        ops.push(json!({"op": "Replace", "path": "active", "value": true}));
        modified.push((
            "IsSoftDeleted".to_string(),
            Some("True".to_string()),
            Some("False".to_string()),
        ));
    }
    for (n, v) in &attrs {
        let old = p
            .exported
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone());
        if old.as_deref() != Some(v.as_str()) {
            ops.push(json!({"op": "Replace", "path": scim_path(n), "value": v}));
            modified.push((n.to_string(), old, Some(v.clone())));
        }
    }
    let detail = EventDetail {
        target_id: p.target_id.clone(),
        modified,
        ..EventDetail::default()
    };
    let newp = ProvUser {
        target_id: p.target_id.clone(),
        version,
        active: true,
        exported: attrs,
    };
    let patched = !ops.is_empty();
    let result = patch_or_skip(
        client,
        &format!("/Users/{}", p.target_id),
        ops,
        Principal::User(idx),
        detail,
        ProvUpdate::User(idx, newp),
    )
    .await?;
    if patched {
        user_targets.insert(idx, p.target_id);
    }
    Ok(result)
}

/// A user new to the service: matched by `userName` (then PATCHed) or POSTed.
async fn user_create(
    client: &Client<'_>,
    idx: u32,
    attrs: Vec<(&'static str, String)>,
    version: u64,
    user_targets: &mut HashMap<u32, String>,
) -> Result<ItemResult, ExecErr> {
    let upn = attrs.first().map(|(_, v)| v.clone()).unwrap_or_default();
    let create_detail = EventDetail {
        modified: attrs
            .iter()
            .map(|(n, v)| (n.to_string(), None, Some(v.clone())))
            .collect(),
        ..EventDetail::default()
    };
    let (tid, action) = match_or_post(
        client,
        "Users",
        "user",
        ("userName", &upn),
        || user_body(&attrs),
        &create_detail,
    )
    .await?;
    let detail = EventDetail {
        target_id: tid.clone(),
        ..create_detail
    };
    if action == Action::Update {
        // Matched: PATCHed to what the mapping exports, and re-enabled.
        let mut ops = replace_ops(&attrs);
        ops.push(json!({"op": "Replace", "path": "active", "value": true}));
        client
            .call(
                reqwest::Method::PATCH,
                &format!("/Users/{tid}"),
                Some(&patch(ops)),
                false,
            )
            .await
            .map_err(|e| (Action::Update, e, detail.clone()))?;
    }
    user_targets.insert(idx, tid.clone());
    let newp = ProvUser {
        target_id: tid,
        version,
        active: true,
        exported: attrs,
    };
    Ok(ok(
        Principal::User(idx),
        action,
        detail,
        ProvUpdate::User(idx, newp),
    ))
}

/// A user out of scope: `active: false`.
async fn user_disable(
    client: &Client<'_>,
    idx: u32,
    prov: ProvUser,
    user_targets: &mut HashMap<u32, String>,
) -> Result<ItemResult, ExecErr> {
    let detail = EventDetail {
        target_id: prov.target_id.clone(),
        modified: vec![(
            "IsSoftDeleted".into(),
            Some("False".into()),
            Some("True".into()),
        )],
        ..EventDetail::default()
    };
    let body = patch(vec![
        json!({"op": "Replace", "path": "active", "value": false}),
    ]);
    client
        .call(
            reqwest::Method::PATCH,
            &format!("/Users/{}", prov.target_id),
            Some(&body),
            false,
        )
        .await
        .map_err(|e| (Action::Disable, e, detail.clone()))?;
    user_targets.remove(&idx);
    Ok(ok(
        Principal::User(idx),
        Action::Disable,
        detail,
        ProvUpdate::User(
            idx,
            ProvUser {
                active: false,
                ..prov
            },
        ),
    ))
}

/// A group out of scope: DELETE.
async fn group_delete(
    client: &Client<'_>,
    idx: u32,
    prov: ProvGroup,
) -> Result<ItemResult, ExecErr> {
    let detail = EventDetail {
        target_id: prov.target_id.clone(),
        ..EventDetail::default()
    };
    if let Err(e) = client
        .call(
            reqwest::Method::DELETE,
            &format!("/Groups/{}", prov.target_id),
            None,
            false,
        )
        .await
    {
        return Err((Action::Delete, e, detail));
    }
    Ok(ok(
        Principal::Group(idx),
        Action::Delete,
        detail,
        ProvUpdate::GroupRemove(idx),
    ))
}

/// A group in scope, with its members the service has exported.
struct GroupWork {
    idx: u32,
    display: String,
    version: u64,
    wanted: Vec<(u32, String)>,
}

impl GroupWork {
    fn detail(
        &self,
        tid: String,
        modified: Vec<(String, Option<String>, Option<String>)>,
    ) -> EventDetail {
        EventDetail {
            target_id: tid,
            display: self.display.clone(),
            modified,
            ..EventDetail::default()
        }
    }
}

/// A group the service exported before: PATCH its name and members.
async fn group_update(
    client: &Client<'_>,
    group: GroupWork,
    p: ProvGroup,
    user_targets: &HashMap<u32, String>,
) -> Result<ItemResult, ExecErr> {
    let GroupWork {
        idx,
        ref display,
        version,
        ref wanted,
    } = group;
    let mut ops = Vec::new();
    let mut modified = Vec::new();
    if p.display_name != *display {
        ops.push(json!({"op": "Replace", "path": "displayName", "value": display}));
        modified.push((
            "displayName".to_string(),
            Some(p.display_name.clone()),
            Some(display.clone()),
        ));
    }
    let add: Vec<Value> = wanted
        .iter()
        .filter(|(m, _)| !p.members.contains(m))
        .map(|(_, t)| json!({"value": t}))
        .collect();
    let wanted_set: HashSet<u32> = wanted.iter().map(|(m, _)| *m).collect();
    let gone: Vec<u32> = p
        .members
        .iter()
        .copied()
        .filter(|m| !wanted_set.contains(m))
        .collect();
    if !add.is_empty() {
        modified.push(("members".into(), None, Some(format!("{} added", add.len()))));
        ops.push(json!({"op": "Add", "path": "members", "value": add}));
    }
    if !gone.is_empty() {
        modified.push((
            "members".into(),
            Some(format!("{} removed", gone.len())),
            None,
        ));
        let rm: Vec<Value> = gone
            .iter()
            .filter_map(|m| user_targets.get(m).cloned().or_else(|| Some(String::new())))
            .filter(|s| !s.is_empty())
            .map(|t| json!({"value": t}))
            .collect();
        if !rm.is_empty() {
            ops.push(json!({"op": "Remove", "path": "members", "value": rm}));
        }
    }
    let detail = group.detail(p.target_id.clone(), modified);
    let newp = ProvGroup {
        target_id: p.target_id.clone(),
        version,
        display_name: display.clone(),
        members: wanted_set,
    };
    patch_or_skip(
        client,
        &format!("/Groups/{}", p.target_id),
        ops,
        Principal::Group(idx),
        detail,
        ProvUpdate::Group(idx, newp),
    )
    .await
}

/// A group new to the service: matched by `displayName` or POSTed, then
/// its members added 100 at a time.
async fn group_create(
    client: &Client<'_>,
    group: GroupWork,
    object_id: Uuid,
) -> Result<ItemResult, ExecErr> {
    let GroupWork {
        idx,
        ref display,
        version,
        ref wanted,
    } = group;
    let modified = vec![
        ("objectId".to_string(), None, Some(object_id.to_string())),
        ("displayName".to_string(), None, Some(display.clone())),
        (
            "members".to_string(),
            None,
            Some(format!("{} members", wanted.len())),
        ),
    ];
    let detail0 = group.detail(String::new(), modified);
    let (tid, action) = match_or_post(
        client,
        "Groups",
        "group",
        ("displayName", display),
        || {
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "externalId": object_id.to_string(),
                "displayName": display,
            })
        },
        &detail0,
    )
    .await?;
    let detail = EventDetail {
        target_id: tid.clone(),
        ..detail0
    };
    for chunk in wanted.chunks(100) {
        let add: Vec<Value> = chunk.iter().map(|(_, t)| json!({"value": t})).collect();
        let body = patch(vec![json!({"op": "Add", "path": "members", "value": add})]);
        client
            .call(
                reqwest::Method::PATCH,
                &format!("/Groups/{tid}"),
                Some(&body),
                false,
            )
            .await
            .map_err(|e| (action, e, detail.clone()))?;
    }
    let newp = ProvGroup {
        target_id: tid,
        version,
        display_name: display.clone(),
        members: wanted.iter().map(|(m, _)| *m).collect(),
    };
    Ok(ok(
        Principal::Group(idx),
        action,
        detail,
        ProvUpdate::Group(idx, newp),
    ))
}
