//! The client-credentials grant: a secret or a certificate assertion, for
//! the app's own permissions (`roles`).

use super::*;

/// `grant_type=client_credentials`.
pub(super) fn client_credentials(
    st: &SimState,
    form: &HashMap<String, String>,
    tenant: &str,
    now: DateTime<Utc>,
) -> Response {
    if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return aad_error(st, StatusCode::BAD_REQUEST, "invalid_request", 90001, "The client_assertion_type parameter must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.");
        }
        let client_id = form.get("client_id").map(String::as_str).unwrap_or("");
        if let Err((code, msg)) = crate::assertion::verify(
            assertion,
            st.config.client_certificate.as_ref(),
            client_id,
            tenant,
            now,
        ) {
            return aad_error(st, StatusCode::UNAUTHORIZED, "invalid_client", code, &msg);
        }
    } else if form
        .get("client_secret")
        .is_none_or(|s| *s != st.lock().tenant.client.client_secret)
    {
        return aad_error(st, StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.");
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    if !scope.trim().ends_with("/.default") || scope.split_whitespace().count() != 1 {
        return aad_error(st, StatusCode::BAD_REQUEST, "invalid_scope", 1002012, &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."));
    }
    let (at, life) = access_token(st, &admin_consent::app_permissions(st), true, now);
    let body = json!({"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": at});
    json_response(StatusCode::OK, &body)
}
