//! `users` (by id) and a user's Graph shape.

use super::*;

/// A user as Graph shows it: the default properties, plus the ones Graph only
/// returns when `$select`ed (`accountEnabled`, `mailNickname`, …).
pub(super) fn user_json(u: &crate::tenant::User, params: &Params, typed: bool) -> Value {
    let mut v = json!({
        "id": u.id.to_string(),
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
    });
    if let Value::Object(o) = &mut v {
        if typed {
            o.insert("@odata.type".into(), json!("#microsoft.graph.user"));
        }
        if param(params, "$select").is_some() {
            o.insert("accountEnabled".into(), json!(u.account_enabled));
            o.insert("mailNickname".into(), json!(u.mail_nickname));
            o.insert("department".into(), json!(u.department));
        }
    }
    select(v, params)
}

/// `GET /users?$filter=id in ('…','…')` (at most 15 values, as Graph allows).
pub async fn users(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, GROUP_READ);
    let params = parse_params(q);
    let Some(filter) = param(&params, "$filter") else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            "The simulator lists users by id only: $filter=id in ('…').",
        );
    };
    let inner_list = filter
        .trim()
        .strip_prefix("id in (")
        .and_then(|r| r.strip_suffix(')'));
    let Some(list) = inner_list else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            &format!("Unsupported Query: {filter}"),
        );
    };
    let ids: Vec<&str> = list
        .split(',')
        .map(|v| v.trim().trim_matches('\''))
        .filter(|v| !v.is_empty())
        .collect();
    if ids.len() > 15 {
        return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.");
    }
    let inner = st.lock();
    let t = &inner.tenant;
    let value: Vec<Value> = ids
        .iter()
        .filter_map(|id| Uuid::parse_str(id).ok())
        .filter_map(|id| t.user_idx(&id).and_then(|i| t.users.get(i as usize)))
        .map(|u| user_json(u, &params, false))
        .collect();
    let body = json!({"@odata.context": context(&st, "users"), "value": value});
    drop(inner);
    ok_json(&ctx, body)
}
