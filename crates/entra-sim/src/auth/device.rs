//! The device-code flow: `devicecode`, the verification page `/devicelogin`
//! and the device-code grant at the token endpoint.

use super::*;

/// `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
pub(super) fn device_code(
    st: &SimState,
    form: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Response {
    let Some(dc) = form.get("device_code") else {
        return missing_parameter(st, "device_code");
    };
    let result = {
        let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
        match store.devices.get_mut(dc) {
            None => Err((StatusCode::BAD_REQUEST, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.")),
            Some(d) if now >= d.expires => Err((StatusCode::BAD_REQUEST, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")),
            Some(d) if d.redeemed => Err((StatusCode::BAD_REQUEST, "invalid_grant", 54005, "The device code was already redeemed.")),
            Some(d) => match d.decision {
                Some(true) => {
                    d.redeemed = true;
                    Ok(d.scopes.clone())
                }
                Some(false) => Err((StatusCode::BAD_REQUEST, "authorization_declined", 70000, "The user declined the authorization request.")),
                None => {
                    let too_fast = d.last_poll.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1));
                    d.last_poll = Some(Instant::now());
                    if too_fast {
                        Err((StatusCode::BAD_REQUEST, "slow_down", 70016, "The client is polling too fast: add 5 seconds to the polling interval."))
                    } else {
                        Err((StatusCode::BAD_REQUEST, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."))
                    }
                }
            },
        }
    };
    match result {
        Ok(scopes) => token_response(st, &scopes, now),
        Err((status, err, code, msg)) => aad_error(st, status, err, code, msg),
    }
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(crate) async fn devicecode(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let st = &*state;
    if !tenant_ok(st, &tenant) {
        return aad_error(
            st,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if !client_ok(st, form.get("client_id")) {
        return unknown_client(st, &form, &tenant);
    }
    let Some(scope) = form.get("scope") else {
        return missing_parameter(st, "scope");
    };
    let scopes = parse_scopes(st, scope);
    let now = st.clock.now();
    let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
    let device_code = store.next();
    let user_code: String = device_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    store.devices.insert(
        device_code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            scopes,
            expires: now + Duration::seconds(900),
            decision: None,
            last_poll: None,
            redeemed: false,
        },
    );
    let uri = format!("{}/devicelogin", st.base_url);
    let body = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": 900,
        "interval": 5,
        "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
    });
    json_response(StatusCode::OK, &body)
}

/// `GET /devicelogin[?user_code=…&decision=approve|decline]`: the verification page.
pub(crate) async fn devicelogin(
    State(state): State<Arc<SimState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(code) = q.get("user_code") else {
        return Html("<!DOCTYPE html><html><body><h1>Enter code</h1><form method=\"get\"><input name=\"user_code\"><input type=\"hidden\" name=\"decision\" value=\"approve\"><button>Next</button></form></body></html>").into_response();
    };
    let approve = q.get("decision").map(String::as_str) != Some("decline");
    let now = state.clock.now();
    let ok = state
        .auth
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .decide_device_code(code, approve, now);
    if ok {
        Html(format!(
            "<!DOCTYPE html><html><body><h1>{}</h1><p>You can close this window.</p></body></html>",
            if approve {
                "You have signed in"
            } else {
                "Sign-in declined"
            }
        ))
        .into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            Html("<!DOCTYPE html><html><body><h1>That code didn't work</h1></body></html>"),
        )
            .into_response()
    }
}
