//! The authorization-code grant with PKCE: `authorize`, its consent page
//! and the code's redemption at the token endpoint.

use super::*;

/// `grant_type=authorization_code`.
pub(super) fn authorization_code(
    st: &SimState,
    form: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Response {
    let Some(code) = form.get("code") else {
        return missing_parameter(st, "code");
    };
    let entry = {
        let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
        match store.codes.get_mut(code) {
            None => None,
            Some(c) => {
                let was_used = c.used;
                c.used = true;
                Some((c.clone(), was_used))
            }
        }
    };
    let Some((c, was_used)) = entry else {
        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the authorization code is not valid.");
    };
    if was_used {
        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
    }
    if now >= c.expires {
        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
    }
    if form.get("redirect_uri").map(String::as_str) != Some(c.redirect_uri.as_str()) {
        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 50148, "The redirect_uri specified in the token request does not match the redirect_uri in the authorization request.");
    }
    if let Some((challenge, method)) = &c.challenge {
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        let computed = if method == "S256" {
            B64.encode(Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.clone()
        };
        if verifier.is_empty() || computed != *challenge {
            return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
        }
    }
    token_response(st, &c.scopes, now)
}

fn issue_code(state: &SimState, p: &PendingAuth) -> String {
    let now = state.clock.now();
    let mut store = state.auth.lock().unwrap_or_else(|e| e.into_inner());
    let code = format!("1.sim.{}", store.next());
    store.codes.insert(
        code.clone(),
        AuthCode {
            redirect_uri: p.redirect_uri.clone(),
            scopes: p.scopes.clone(),
            challenge: p.challenge.clone(),
            expires: now + Duration::minutes(10),
            used: false,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &p.state {
        params.push(("state", s.as_str()));
    }
    with_params(&p.redirect_uri, &params)
}

fn loopback_redirect(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    u.scheme() == "http"
        && matches!(
            u.host_str(),
            Some("localhost") | Some("127.0.0.1") | Some("[::1]")
        )
}

/// `GET /{tenant}/oauth2/v2.0/authorize`: validates, then shows an auto-consent
/// page (`prompt=none` redirects straight back with the code).
pub(crate) async fn authorize(
    State(state): State<Arc<SimState>>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let st = &*state;
    let page_error = |code: u32, msg: &str| {
        (StatusCode::BAD_REQUEST, Html(format!("<!DOCTYPE html><html><body><h1>Sign in</h1><p>AADSTS{code}: {msg}</p></body></html>"))).into_response()
    };
    if !tenant_ok(st, &tenant) {
        return page_error(90002, &format!("Tenant '{tenant}' not found."));
    }
    if !client_ok(st, q.get("client_id")) {
        return page_error(
            700016,
            "Application with the given identifier was not found in the directory.",
        );
    }
    let Some(redirect_uri) = q.get("redirect_uri").filter(|r| loopback_redirect(r)) else {
        return page_error(50011, "The redirect URI specified in the request does not match the redirect URIs configured for the application (http://localhost).");
    };
    let st_param = q.get("state").cloned();
    if q.get("response_type").map(String::as_str) != Some("code") {
        let mut p = vec![
            ("error", "unsupported_response_type"),
            (
                "error_description",
                "AADSTS700054: response_type must be 'code'.",
            ),
        ];
        if let Some(s) = &st_param {
            p.push(("state", s));
        }
        return redirect(&with_params(redirect_uri, &p));
    }
    let challenge = q.get("code_challenge").map(|c| {
        (
            c.clone(),
            q.get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".into()),
        )
    });
    let pending = PendingAuth {
        redirect_uri: redirect_uri.clone(),
        scopes: parse_scopes(st, q.get("scope").map(String::as_str).unwrap_or("openid")),
        state: st_param,
        challenge,
    };
    if q.get("prompt").map(String::as_str) == Some("none") {
        return redirect(&issue_code(st, &pending));
    }
    let id = {
        let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
        let id = store.next();
        store.pending.insert(id.clone(), pending.clone());
        id
    };
    let accept = format!(
        "{}/{tenant}/oauth2/v2.0/authorize/consent?request={id}&decision=accept",
        st.base_url
    );
    let cancel = format!(
        "{}/{tenant}/oauth2/v2.0/authorize/consent?request={id}&decision=cancel",
        st.base_url
    );
    let perms = pending.scopes.join(", ");
    Html(format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"1;url={accept}\"><title>Permissions requested</title></head><body><h1>Permissions requested</h1><p>scimwatch wants: {perms}</p><p>Consenting automatically…</p><a id=\"accept\" href=\"{accept}\">Accept</a> <a id=\"cancel\" href=\"{cancel}\">Cancel</a></body></html>"
    ))
    .into_response()
}

/// `GET /{tenant}/oauth2/v2.0/authorize/consent?request=…&decision=accept|cancel`.
pub(crate) async fn consent(
    State(state): State<Arc<SimState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pending = q.get("request").and_then(|r| {
        state
            .auth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .remove(r)
    });
    let Some(p) = pending else {
        return (StatusCode::BAD_REQUEST, Html("<!DOCTYPE html><html><body><p>AADSTS90014: the sign-in request is unknown or was already used.</p></body></html>")).into_response();
    };
    if q.get("decision").map(String::as_str) == Some("cancel") {
        let mut params = vec![
            ("error", "access_denied"),
            (
                "error_description",
                "AADSTS65004: User declined to consent to access the app.",
            ),
        ];
        if let Some(s) = &p.state {
            params.push(("state", s.as_str()));
        }
        return redirect(&with_params(&p.redirect_uri, &params));
    }
    redirect(&issue_code(&state, &p))
}
