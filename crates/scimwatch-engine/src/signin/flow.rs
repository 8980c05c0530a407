//! One sign-in, run in the background: the browser (auth code + PKCE on the
//! loopback redirect) or the device code of [`crate::graph::auth`], raced
//! against the admin's Cancel and the deadline. What the admin must see
//! goes into the session as it comes (the URL handed to the browser, the
//! code to type); the outcome ends it. On success the refresh token is
//! already in the secret store (stored by `graph::auth`, as for the CLI);
//! it is proved by getting an access token with it, and the time of the
//! sign-in is recorded. A cancel that lands while Microsoft is answering
//! puts back the refresh token that was stored before, so a cancelled
//! sign-in never leaves a new one behind.

use std::time::Duration;

use chrono::Utc;

use super::failure::{self, one_line, SignInFailure};
use super::registry::Handle;
use super::{DeviceCodeShown, Opener, SignInMethod, SignInPhase, SIGNIN_STREAM};
use crate::engine::Engine;
use crate::graph::auth::{sign_in_browser_with, sign_in_device_code_with, DeviceCodePrompt};
use crate::graph::{GraphClient, GraphError, SignInOutcome};
use crate::secrets::{SecretKey, SecretKind};
use crate::store::connections::ConnectionRow;
use crate::store::jobs;

/// The browser flow's own limit is this much past ours, so ours decides.
const GRACE: Duration = Duration::from_secs(5);

pub(super) struct Run {
    pub engine: Engine,
    pub row: ConnectionRow,
    pub client: GraphClient,
    pub method: SignInMethod,
    pub wait: Duration,
    pub device_poll: Option<Duration>,
    /// Delegated permissions asked for beyond the read-only ones.
    pub extra: Vec<String>,
    pub opener: Opener,
    pub handle: Handle,
}

enum End {
    Cancelled,
    TimedOut,
    Done(Result<SignInOutcome, GraphError>),
}

/// The sign-in page goes into the session first (to copy when no browser
/// opens), then to the system browser.
fn open_browser(handle: &Handle, opener: &Opener, url: &str) {
    handle.update(|s| s.sign_in_url = Some(url.to_string()));
    let opened = opener(url);
    handle.update(|s| {
        s.browser_opened = Some(opened.is_ok());
        s.browser_error = opened.err().map(|e| one_line(&e));
    });
    handle.milestone();
}

fn show_code(handle: &Handle, p: &DeviceCodePrompt) {
    let expires = Utc::now()
        + chrono::Duration::seconds(i64::try_from(p.expires_in_secs.min(86_400)).unwrap_or(900));
    handle.update(|s| {
        s.device_code = Some(DeviceCodeShown {
            user_code: p.user_code.clone(),
            verification_uri: p.verification_uri.clone(),
            message: one_line(&p.message),
        });
        if expires < s.deadline {
            s.deadline = expires;
        }
    });
    handle.milestone();
}

pub(super) async fn run(r: Run) {
    let Run {
        engine,
        row,
        client,
        method,
        wait,
        device_poll,
        extra,
        opener,
        handle,
    } = r;
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let target = client.target().clone();
    let secrets = engine.secrets.clone();
    let key = SecretKey::new(&target.connection, SecretKind::RefreshToken);
    let before = match secrets.get(&key) {
        Ok(before) => before,
        Err(e) => {
            let (phase, f) = failure::classify(method, &GraphError::Secret(e));
            end(&handle, phase, Some(f));
            return;
        }
    };
    let auth = async {
        let http = client.http();
        let cfg = &client.options().http;
        match method {
            SignInMethod::Browser => {
                sign_in_browser_with(
                    http,
                    cfg,
                    &target,
                    secrets.as_ref(),
                    |url| open_browser(&handle, &opener, url),
                    wait + GRACE,
                    &extra,
                )
                .await
            }
            SignInMethod::DeviceCode => {
                sign_in_device_code_with(
                    http,
                    cfg,
                    &target,
                    secrets.as_ref(),
                    |p| show_code(&handle, p),
                    device_poll,
                    &extra,
                )
                .await
            }
        }
    };
    let outcome = tokio::select! {
        biased;
        () = handle.cancel.notified() => End::Cancelled,
        () = tokio::time::sleep(wait) => End::TimedOut,
        r = auth => End::Done(r),
    };
    match outcome {
        // `registry::cancel` (or the run that replaced this one) has
        // already ended the session; dropping the flow closed the listener.
        End::Cancelled => {}
        End::TimedOut => {
            let f = SignInFailure::timed_out(method, wait.as_secs());
            end(&handle, SignInPhase::TimedOut, Some(f));
        }
        End::Done(Err(e)) => {
            let (phase, f) = failure::classify(method, &e);
            end(&handle, phase, Some(f));
        }
        End::Done(Ok(out)) if !out.refresh_token_stored => {
            end(
                &handle,
                SignInPhase::Failed,
                Some(SignInFailure::no_refresh_token()),
            );
        }
        End::Done(Ok(_)) => {
            // Prove the stored sign-in works: an access token from it.
            let proved = client.access_token().await.map(|_| ());
            let recorded = match proved {
                Ok(()) => {
                    let now_ms = Utc::now().timestamp_millis();
                    jobs::set_poll_state(
                        engine.store.pool(),
                        row.id,
                        SIGNIN_STREAM,
                        Some(now_ms),
                        None,
                        now_ms,
                    )
                    .await
                    .map_err(GraphError::Storage)
                }
                Err(e) => Err(e),
            };
            let kept = match recorded {
                Ok(()) => end(&handle, SignInPhase::Succeeded, None),
                Err(e) => {
                    let (phase, f) = failure::classify(method, &e);
                    end(&handle, phase, Some(f))
                }
            };
            if !kept {
                // Cancelled (or replaced) while Microsoft answered: nothing
                // of this sign-in stays.
                let put_back = match &before {
                    Some(old) => secrets.set(&key, old),
                    None => secrets.delete(&key),
                };
                if let Err(e) = put_back {
                    tracing::warn!(connection = %row.name, error = %e, "could not undo a cancelled sign-in's refresh token");
                }
            }
        }
    }
}

/// End the session; `false` when it had already ended (cancelled).
fn end(handle: &Handle, phase: SignInPhase, failure: Option<SignInFailure>) -> bool {
    handle.finish(|s| {
        s.phase = phase;
        s.failure = failure;
    })
}
