//! Signing a delegated connection in (Connections → "Sign in…"): start
//! (browser or device code), follow, cancel. The shell supplies the
//! browser `opener`. With `remediation` the sign-in also asks consent for
//! the remediation actions' write permission (the switch's "Sign in and
//! consent…"), kept by the stored sign-in for the switch's check.

use crate::engine::Engine;
use crate::graph::GraphError;
use crate::remediate;
use crate::signin::{self, Opener, SignInMethod, SignInOptions, SignInSession, SignInStatus};

pub async fn start_sign_in(
    engine: &Engine,
    id: &str,
    method: SignInMethod,
    opener: Opener,
    remediation: bool,
) -> Result<SignInSession, GraphError> {
    let extra = if remediation {
        vec![remediate::WRITE_PERMISSION.to_string()]
    } else {
        Vec::new()
    };
    let opts = SignInOptions {
        extra,
        ..SignInOptions::default()
    };
    signin::start(engine, id, method, opener, opts).await
}

pub async fn sign_in_state(engine: &Engine, id: &str) -> Result<SignInStatus, GraphError> {
    signin::status(engine, id).await
}

pub async fn cancel_sign_in(
    engine: &Engine,
    id: &str,
) -> Result<Option<SignInSession>, GraphError> {
    signin::cancel(engine, id).await
}
