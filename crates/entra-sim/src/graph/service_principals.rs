//! `servicePrincipals`: the list, one, and its `appRoleAssignedTo`.

use super::*;

fn sp_json(t: &Tenant, sp: &ServicePrincipal) -> Value {
    let app_roles = if sp.id == t.app().id {
        json!([
            {"allowedMemberTypes": ["User"], "description": "User", "displayName": "User", "id": t.user_role_id.to_string(), "isEnabled": true, "origin": "Application", "value": null},
            {"allowedMemberTypes": ["User"], "description": "msiam_access", "displayName": "msiam_access", "id": "7dfd756e-8c27-4472-b2b7-38c17fc5de5e", "isEnabled": true, "origin": "Application", "value": null}
        ])
    } else {
        json!([])
    };
    json!({
        "id": sp.id.to_string(),
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": sp.display_name,
        "appDescription": null,
        "appId": sp.app_id.to_string(),
        "applicationTemplateId": if sp.id == t.app().id { json!("8adf8e6e-67b2-4cf2-a259-e3dc5476c621") } else { Value::Null },
        "appOwnerOrganizationId": sp.app_owner_organization_id.to_string(),
        "appRoleAssignmentRequired": sp.app_role_assignment_required,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "publisherName": sp.publisher_name,
        "replyUrls": [],
        "servicePrincipalNames": [sp.app_id.to_string()],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": sp.tags,
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": app_roles,
        "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
    })
}

fn sp_matches(sp: &ServicePrincipal, filter: &str) -> Result<bool, String> {
    let f = filter.trim();
    if let Some(rest) = f.strip_prefix("startswith(displayName,") {
        let v = rest.trim_end_matches(')').trim().trim_matches('\'');
        return Ok(sp
            .display_name
            .to_lowercase()
            .starts_with(&v.to_lowercase()));
    }
    let mut it = f.splitn(3, ' ');
    let (Some(field), Some(op), Some(value)) = (it.next(), it.next(), it.next()) else {
        return Err(format!("Invalid filter clause: '{f}'"));
    };
    if op != "eq" {
        return Err(format!("Unsupported or invalid query filter clause specified for property '{field}' of resource 'ServicePrincipal'."));
    }
    let v = value.trim().trim_matches('\'').replace("''", "'");
    match field {
        "displayName" => Ok(sp.display_name.eq_ignore_ascii_case(&v)),
        "appId" => Ok(sp.app_id.to_string().eq_ignore_ascii_case(&v)),
        "id" => Ok(sp.id.to_string().eq_ignore_ascii_case(&v)),
        "servicePrincipalType" => Ok(v == "Application"),
        _ => Err(format!("Unsupported or invalid query filter clause specified for property '{field}' of resource 'ServicePrincipal'.")),
    }
}

/// `GET /v1.0/servicePrincipals`.
pub async fn service_principals(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = match gate(&st, &headers, GraphFamily::Directory, APP_READ).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let params = parse_params(q);
    let paging = match Paging::read(&st, &ctx, &params, (100, 999), "Request_BadRequest") {
        Ok(p) => p,
        Err(r) => return r,
    };
    let search = param(&params, "$search").map(|s| s.trim_matches('"').to_string());
    if search.is_some()
        && headers
            .get("ConsistencyLevel")
            .and_then(|v| v.to_str().ok())
            != Some("eventual")
    {
        return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    }
    let inner = st.lock();
    let t = &inner.tenant;
    let mut matched = Vec::new();
    for sp in &t.service_principals {
        if let Some(f) = param(&params, "$filter") {
            match sp_matches(sp, f) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(m) => {
                    return graph_error(
                        &st,
                        &ctx,
                        StatusCode::BAD_REQUEST,
                        "Request_UnsupportedQuery",
                        &m,
                    )
                }
            }
        }
        if let Some(s) = &search {
            let needle = s
                .split_once(':')
                .map(|(_, v)| v)
                .unwrap_or(s)
                .to_lowercase();
            if !sp.display_name.to_lowercase().contains(&needle) {
                continue;
            }
        }
        matched.push(sp);
    }
    let page: Vec<Value> = paging
        .page(&matched)
        .map(|sp| select(sp_json(t, sp), &params))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&st, "servicePrincipals")),
    );
    if param(&params, "$count") == Some("true") {
        body.insert("@odata.count".into(), json!(matched.len()));
    }
    if let Some(link) = paging.next_link(&st, "servicePrincipals", &params, matched.len()) {
        body.insert("@odata.nextLink".into(), json!(link));
    }
    body.insert("value".into(), Value::Array(page));
    drop(inner);
    ok_json(&ctx, Value::Object(body))
}

/// `GET /v1.0/servicePrincipals/{id}`.
pub async fn service_principal(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, APP_READ);
    let params = parse_params(q);
    let inner = st.lock();
    let sp = sp_or_return!(st, ctx, &inner.tenant, id);
    let mut v = select(sp_json(&inner.tenant, sp), &params);
    if let Value::Object(o) = &mut v {
        o.insert(
            "@odata.context".into(),
            json!(context(&st, "servicePrincipals/$entity")),
        );
    }
    drop(inner);
    ok_json(&ctx, v)
}

/// `GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo`.
pub async fn app_role_assigned_to(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, APP_READ);
    let params = parse_params(q);
    let paging = match Paging::read(&st, &ctx, &params, (100, 999), "Request_BadRequest") {
        Ok(p) => p,
        Err(r) => return r,
    };
    let inner = st.lock();
    let t = &inner.tenant;
    let sp = sp_or_return!(st, ctx, t, id);
    let list: &[crate::tenant::AppRoleAssignment] = if sp.id == t.app().id {
        &t.assignments
    } else {
        &[]
    };
    let page: Vec<Value> = paging
        .page(list)
        .map(|a| {
            let (ptype, pid, pname) = match a.principal {
                Principal::User(u) => t
                    .users
                    .get(u as usize)
                    .map(|u| ("User", u.id, u.display_name.clone()))
                    .unwrap_or(("User", Uuid::nil(), String::new())),
                Principal::Group(g) => t
                    .groups
                    .get(g as usize)
                    .map(|g| ("Group", g.id, g.display_name.clone()))
                    .unwrap_or(("Group", Uuid::nil(), String::new())),
            };
            select(
                json!({
                    "id": a.id,
                    "deletedDateTime": null,
                    "appRoleId": a.app_role_id.to_string(),
                    "createdDateTime": graph_time(a.created),
                    "principalDisplayName": pname,
                    "principalId": pid.to_string(),
                    "principalType": ptype,
                    "resourceDisplayName": sp.display_name,
                    "resourceId": sp.id.to_string(),
                }),
                &params,
            )
        })
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(
            &st,
            &format!("servicePrincipals('{}')/appRoleAssignedTo", sp.id)
        )),
    );
    let path = format!("servicePrincipals/{}/appRoleAssignedTo", sp.id);
    if let Some(link) = paging.next_link(&st, &path, &params, list.len()) {
        body.insert("@odata.nextLink".into(), json!(link));
    }
    body.insert("value".into(), Value::Array(page));
    drop(inner);
    ok_json(&ctx, Value::Object(body))
}
