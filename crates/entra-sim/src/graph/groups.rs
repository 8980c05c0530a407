//! `groups/{id}/members`.

use super::*;

/// `GET /v1.0/groups/{id}/members`.
pub async fn group_members(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::Directory, GROUP_READ);
    let params = parse_params(q);
    let paging = match Paging::read(&st, &ctx, &params, (100, 999), "Request_BadRequest") {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(gid) = Uuid::parse_str(&id) else {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            &format!("Invalid object identifier '{id}'."),
        );
    };
    let inner = st.lock();
    let t = &inner.tenant;
    let Some(g) = t.group_idx(&gid).and_then(|i| t.groups.get(i as usize)) else {
        return graph_error(&st, &ctx, StatusCode::NOT_FOUND, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."));
    };
    let page: Vec<Value> = paging
        .page(&g.members)
        .filter_map(|m| t.users.get(*m as usize))
        .map(|u| user_json(u, &params, true))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&st, "directoryObjects")),
    );
    let path = format!("groups/{id}/members");
    if let Some(link) = paging.next_link(&st, &path, &params, g.members.len()) {
        body.insert("@odata.nextLink".into(), json!(link));
    }
    body.insert("value".into(), Value::Array(page));
    drop(inner);
    ok_json(&ctx, Value::Object(body))
}
