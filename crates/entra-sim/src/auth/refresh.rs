//! The refresh-token grant, with rotation (a refresh token redeems once).

use super::*;

/// `grant_type=refresh_token`.
pub(super) fn refresh_token(
    st: &SimState,
    form: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Response {
    let Some(rt) = form.get("refresh_token") else {
        return missing_parameter(st, "refresh_token");
    };
    let entry = {
        let mut store = st.auth.lock().unwrap_or_else(|e| e.into_inner());
        store.refresh.get_mut(rt).map(|r| {
            let was = r.used;
            r.used = true;
            (r.clone(), was)
        })
    };
    match entry {
        None => aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the refresh token is not valid."),
        Some((_, true)) => aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 70000, "The provided value for the 'refresh_token' is not valid: it was already redeemed (refresh tokens rotate; use the newest one)."),
        Some((r, false)) if now >= r.expires => aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on an earlier date and was inactive for 90.00:00:00."),
        Some((r, false)) => {
            let scopes = match form.get("scope") {
                Some(s) => {
                    let asked = parse_scopes(st, s);
                    if asked.iter().any(|a| !r.scopes.contains(a) && !OIDC.contains(&a.as_str())) {
                        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_grant", 65001, "The user or administrator has not consented to use the application with the requested scope.");
                    }
                    let mut sc = asked;
                    if !sc.iter().any(|x| x == "offline_access") {
                        sc.push("offline_access".into());
                    }
                    sc
                }
                None => r.scopes.clone(),
            };
            token_response_keeping(st, &scopes, &r.scopes, now)
        }
    }
}
