//! `auditLogs/provisioning`.

use super::*;

/// `GET /v1.0/auditLogs/provisioning`.
pub async fn provisioning_logs(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let ctx = gate_or_return!(st, headers, GraphFamily::ProvisioningLogs, LOGS_READ);
    if !st.premium(&st.lock()) {
        return graph_error(
            &st,
            &ctx,
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        );
    }
    let params = parse_params(q);
    let mut paging = match Paging::read_top(&st, &ctx, &params, (100, 1000), "BadRequest") {
        Ok(p) => p,
        Err(r) => return r,
    };
    let clauses = match param(&params, "$filter").map(parse_filter).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(m) => return graph_error(&st, &ctx, StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let desc = match param(&params, "$orderby").map(str::trim) {
        None => true,
        Some("activityDateTime") | Some("activityDateTime asc") => false,
        Some("activityDateTime desc") => true,
        Some(o) => {
            return graph_error(
                &st,
                &ctx,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid $orderby: '{o}'. Only activityDateTime is supported."),
            )
        }
    };
    if param(&params, "$count").is_some() {
        return graph_error(
            &st,
            &ctx,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "$count is not supported on provisioning logs.",
        );
    }
    if let Err(r) = paging.read_skiptoken(&st, &ctx, &params, "BadRequest") {
        return r;
    }
    let inner = st.lock();
    let retained = st.clock.now() - Duration::days(30);
    let apps = inner.tenant.log_apps();
    let page = inner
        .logs
        .query(&clauses, desc, paging.top, paging.cursor, retained, &apps);
    let first = if desc { usize::MAX } else { 0 };
    let path = "auditLogs/provisioning";
    let next_link = paging.next_link_to(&st, path, &params, page.next, first);
    let rctx = RenderCtx {
        tenant: &inner.tenant,
    };
    let shape = SimState::log_shape(&inner);
    let body = LogPage {
        context: crate::logs::real::page_context(&st.base_url, shape),
        next_link,
        value: inner.logs.events_json(&page.items, &rctx).with_shape(shape),
    };
    let text = serde_json::to_string(&body);
    drop(inner);
    match text {
        Ok(text) => ok_json_text(&ctx, text),
        Err(e) => graph_error(
            &st,
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            &format!("Could not render the provisioning logs: {e}"),
        ),
    }
}

/// A page of `auditLogs/provisioning`, serialised straight from the log store.
#[derive(Serialize)]
struct LogPage<'a> {
    #[serde(rename = "@odata.context")]
    context: String,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
    value: EventsJson<'a>,
}
