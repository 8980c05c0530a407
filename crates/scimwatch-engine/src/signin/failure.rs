//! Why a sign-in did not succeed, as the sign-in dialog shows it: a kind
//! the UI branches on, Microsoft's AADSTS code and its text on one line
//! (real AADSTS descriptions carry `\r\nTrace ID: …` lines, cut here), and
//! never a secret (a `GraphError`'s text holds none).

use scimwatch_core::graph::parse_aad_description;
use serde::Serialize;
use ts_rs::TS;

use super::{SignInMethod, SignInPhase};
use crate::graph::GraphError;

/// What kind of failure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignInFailureKind {
    /// Microsoft refused the sign-in (an AADSTS error: wrong tenant,
    /// unknown client, account disabled, …).
    Refused,
    /// The admin declined the sign-in (device code: "No, cancel").
    Declined,
    /// The admin declined the permissions on the consent page (AADSTS65004).
    ConsentDeclined,
    /// No consent to the read-only permissions (AADSTS65001): an
    /// administrator must grant them.
    ConsentRequired,
    /// Nobody finished in time (or the device code expired).
    TimedOut,
    /// The sign-in service could not be reached or answered nonsense.
    Unreachable,
    /// scimwatch's own side failed (the secret store, the loopback port).
    Local,
}

/// Why a sign-in did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SignInFailure {
    pub kind: SignInFailureKind,
    /// Microsoft's AADSTS code, when it gave one.
    pub aadsts: Option<u32>,
    /// The OAuth error (`access_denied`, `authorization_declined`, …).
    pub error: Option<String>,
    /// Microsoft's text (without the AADSTS prefix and trace lines), or
    /// scimwatch's when Microsoft said nothing; one line.
    pub message: String,
}

/// `text` on one line: trace lines cut, control characters (the `\r\n` of
/// real AADSTS texts) turned into single spaces (core's one reader).
pub fn one_line(text: &str) -> String {
    scimwatch_core::graph::without_trace_lines(text)
}

impl SignInFailure {
    fn new(kind: SignInFailureKind, message: impl AsRef<str>) -> Self {
        Self {
            kind,
            aadsts: None,
            error: None,
            message: one_line(message.as_ref()),
        }
    }

    /// The browser or device code was not finished within `secs`.
    pub fn timed_out(method: SignInMethod, secs: u64) -> Self {
        let mins = secs.div_ceil(60);
        Self::new(
            SignInFailureKind::TimedOut,
            match method {
                SignInMethod::Browser => format!(
                    "No sign-in came back from the browser within {mins} min. Start again, or \
sign in with a device code."
                ),
                SignInMethod::DeviceCode => format!(
                    "The code was not entered within {mins} min. Start again for a new code."
                ),
            },
        )
    }

    /// Signed in, but Microsoft sent no refresh token to keep.
    pub fn no_refresh_token() -> Self {
        Self::new(
            SignInFailureKind::Refused,
            "Microsoft signed you in but sent no refresh token (offline_access was not granted), \
so scimwatch cannot keep watching with this sign-in.",
        )
    }
}

/// How a sign-in that returned `e` ends: the phase and why.
pub fn classify(method: SignInMethod, e: &GraphError) -> (SignInPhase, SignInFailure) {
    use SignInFailureKind as K;
    let failure = match e {
        GraphError::SignIn {
            error,
            aadsts,
            description,
        } => {
            // `description` is usually cleaned already; a raw one still
            // loses its code prefix and trace lines here.
            let parsed = parse_aad_description(description);
            let aadsts = aadsts.or(parsed.code);
            let kind = if aadsts == Some(65004) {
                K::ConsentDeclined
            } else if error == "authorization_declined" || error == "access_denied" {
                K::Declined
            } else if error == "expired_token" {
                K::TimedOut
            } else {
                K::Refused
            };
            let message = if parsed.message.trim().is_empty() {
                format!("Microsoft refused the sign-in ({error}).")
            } else {
                parsed.message
            };
            SignInFailure {
                kind,
                aadsts,
                error: Some(error.clone()),
                message: one_line(&message),
            }
        }
        GraphError::ConsentRequired { .. } => SignInFailure {
            kind: K::ConsentRequired,
            aadsts: Some(65001),
            error: Some("invalid_grant".into()),
            message: one_line(&e.to_string()),
        },
        // The device-code flow gives up with this only when its code
        // expired; the browser flow when it cannot listen on loopback.
        GraphError::SignInAborted(text) => match method {
            SignInMethod::DeviceCode => SignInFailure::new(K::TimedOut, text),
            SignInMethod::Browser => SignInFailure::new(K::Local, text),
        },
        GraphError::Unreachable { .. }
        | GraphError::Timeout { .. }
        | GraphError::Html { .. }
        | GraphError::Malformed { .. }
        | GraphError::TooLarge { .. }
        | GraphError::InsecureUrl(_) => SignInFailure::new(K::Unreachable, e.to_string()),
        GraphError::Storage(_) | GraphError::Secret(_) => {
            SignInFailure::new(K::Local, e.to_string())
        }
        _ => SignInFailure::new(K::Refused, e.to_string()),
    };
    let phase = if failure.kind == K::TimedOut {
        SignInPhase::TimedOut
    } else {
        SignInPhase::Failed
    };
    (phase, failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_aadsts_text_is_one_line_with_its_code() {
        // As real Entra sends it (tests/fixtures/graph-real/token-error-401-…).
        let raw = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/graph-real/token-error-401-aadsts7000215-invalid-client.json"
        ))
        .expect("fixture");
        let body: serde_json::Value = serde_json::from_str(&raw).expect("json");
        let description = body
            .pointer("/body/error_description")
            .or_else(|| body.get("error_description"))
            .and_then(|v| v.as_str())
            .expect("error_description in the fixture")
            .to_string();
        assert!(description.contains("\r\n"), "the fixture is not raw");
        let e = GraphError::SignIn {
            error: "invalid_client".into(),
            aadsts: None,
            description,
        };
        let (phase, f) = classify(SignInMethod::Browser, &e);
        assert_eq!(phase, SignInPhase::Failed);
        assert_eq!(f.kind, SignInFailureKind::Refused);
        assert_eq!(f.aadsts, Some(7000215));
        assert!(
            !f.message.contains('\r') && !f.message.contains('\n'),
            "{f:?}"
        );
        assert!(!f.message.contains("Trace ID"), "{f:?}");
        assert!(!f.message.starts_with("AADSTS"), "{f:?}");
        assert!(f.message.contains("client secret"), "{f:?}");
    }

    #[test]
    fn declines_consent_and_expiry_have_their_kinds() {
        let declined = GraphError::SignIn {
            error: "authorization_declined".into(),
            aadsts: Some(70000),
            description: "The user declined the authorization request.".into(),
        };
        let (phase, f) = classify(SignInMethod::DeviceCode, &declined);
        assert_eq!(
            (phase, f.kind),
            (SignInPhase::Failed, SignInFailureKind::Declined)
        );
        assert_eq!(f.message, "The user declined the authorization request.");

        let consent = GraphError::SignIn {
            error: "access_denied".into(),
            aadsts: None,
            description: "AADSTS65004: User declined to consent to access the app.".into(),
        };
        let (_, f) = classify(SignInMethod::Browser, &consent);
        assert_eq!(f.kind, SignInFailureKind::ConsentDeclined);
        assert_eq!(f.aadsts, Some(65004));
        assert_eq!(f.message, "User declined to consent to access the app.");

        let expired = GraphError::SignInAborted(
            "the device code expired before sign-in completed; start again".into(),
        );
        let (phase, f) = classify(SignInMethod::DeviceCode, &expired);
        assert_eq!(
            (phase, f.kind),
            (SignInPhase::TimedOut, SignInFailureKind::TimedOut)
        );

        let (_, f) = classify(
            SignInMethod::Browser,
            &GraphError::ConsentRequired {
                scopes: "Synchronization.Read.All".into(),
            },
        );
        assert_eq!(
            (f.kind, f.aadsts),
            (SignInFailureKind::ConsentRequired, Some(65001))
        );
    }

    #[test]
    fn one_line_collapses_control_characters() {
        assert_eq!(one_line("a\r\nb\tc  d\u{7}e"), "a b c d e");
        assert_eq!(
            one_line("Refused.\r\nTrace ID: 1\r\nCorrelation ID: 2"),
            "Refused."
        );
    }
}
