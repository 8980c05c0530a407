//! The provisioning service's SCIM client: one call to the app's endpoint,
//! with Entra's errors when it fails.

use super::*;

/// The job error of an endpoint Entra cannot connect to, worded as real
/// tenants show it.
pub(crate) fn unreachable_error() -> SyncError {
    SyncError {
        code: CREDENTIAL_UNAVAILABLE.into(),
        message: "We are not able to connect to your application while attempting to validate \
our authorization to access your application. Details: An error occurred while sending the \
request."
            .into(),
        tenant_actionable: true,
    }
}

pub(crate) enum CallError {
    Abort(Abort),
    Entry(ErrorKind, String),
}

pub(crate) struct Client<'a> {
    pub http: &'a reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client<'_> {
    /// One SCIM request. `collection` marks requests to `/Users` or `/Groups`
    /// themselves, where a 404 means a wrong Tenant URL.
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        collection: bool,
    ) -> Result<(u16, Value), CallError> {
        let url = format!("{}{}", self.base.trim_end_matches('/'), path);
        let mut req = self
            .http
            .request(method, &url)
            .bearer_auth(&self.token)
            .header("Accept", "application/scim+json");
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Err(CallError::Entry(
                    ErrorKind::Timeout,
                    format!("Request to {url} timed out"),
                ))
            }
            Err(_) => {
                return Err(CallError::Abort(Abort {
                    message: format!(
                        "An error occurred while sending the request to {url}: the connection \
failed without an answer"
                    ),
                    unreachable: true,
                }))
            }
        };
        let status = resp.status().as_u16();
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) if e.is_timeout() => {
                return Err(CallError::Entry(
                    ErrorKind::Timeout,
                    format!("Request to {url} timed out"),
                ))
            }
            Err(e) => return Err(CallError::Entry(ErrorKind::Timeout, e.to_string())),
        };
        let snippet: String = text.chars().take(300).collect();
        match status {
            401 | 403 => Err(CallError::Abort(Abort {
                message: format!("The SCIM endpoint answered HTTP {status} to {url}: {snippet}"),
                unreachable: false,
            })),
            404 if collection => Err(CallError::Abort(Abort {
                message: format!(
                    "The SCIM endpoint answered HTTP 404 to {url}: check the Tenant URL"
                ),
                unreachable: false,
            })),
            409 => Err(CallError::Entry(ErrorKind::EntryConflict, snippet)),
            429 => Err(CallError::Entry(ErrorKind::TooManyRequests, snippet)),
            500..=599 => Err(CallError::Entry(ErrorKind::InternalServerError, snippet)),
            204 => Ok((status, Value::Null)),
            _ => match serde_json::from_str::<Value>(&text) {
                Ok(v) if (200..300).contains(&status) => Ok((status, v)),
                Ok(_) => Err(CallError::Entry(
                    ErrorKind::ServiceIncompatible,
                    format!("HTTP {status}: {snippet}"),
                )),
                Err(_) => Err(CallError::Entry(
                    ErrorKind::ServiceIncompatible,
                    format!("HTTP {status}, not JSON: {snippet}"),
                )),
            },
        }
    }

    pub(crate) async fn lookup(
        &self,
        resource: &str,
        attr: &str,
        value: &str,
    ) -> Result<Vec<Value>, CallError> {
        let filter = format!("{attr} eq \"{}\"", value.replace('"', "\\\""));
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("filter", &filter)
            .finish();
        let extra = if resource == "Groups" {
            "&excludedAttributes=members"
        } else {
            ""
        };
        let (_, v) = self
            .call(
                reqwest::Method::GET,
                &format!("/{resource}?{q}{extra}"),
                None,
                true,
            )
            .await?;
        match v.get("Resources") {
            Some(Value::Array(a)) => Ok(a.clone()),
            None | Some(Value::Null) => Ok(vec![]),
            Some(_) => Err(CallError::Entry(
                ErrorKind::ServiceIncompatible,
                "Resources is not a list".into(),
            )),
        }
    }
}
