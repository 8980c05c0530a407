//! Signing a delegated connection in from the app (Connections → "Sign
//! in…"): start (browser or device code), follow, cancel. The browser is
//! opened from Rust through the opener plugin's API, which the web view's
//! capability does not govern (that one stays scoped to the portal hosts);
//! when no browser opens, the UI shows the sign-in URL to copy. With
//! `remediation` the sign-in also asks consent for the remediation actions'
//! write permission (the switch's "Sign in and consent…").

use std::sync::Arc;

use scimwatch_engine::remediate;
use scimwatch_engine::signin::{
    self, Opener, SignInMethod, SignInOptions, SignInSession, SignInStatus,
};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::CommandResult;
use crate::state::AppState;

fn system_browser(app: AppHandle) -> Opener {
    Arc::new(move |url: &str| {
        app.opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    })
}

#[tauri::command]
pub async fn start_sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    method: SignInMethod,
    remediation: bool,
) -> CommandResult<SignInSession> {
    // The remediation switch's "Sign in and consent…": consent to the write
    // permission too, kept by the stored sign-in for the switch's check.
    let extra = if remediation {
        vec![remediate::WRITE_PERMISSION.to_string()]
    } else {
        Vec::new()
    };
    Ok(signin::start(
        &state.engine,
        &id,
        method,
        system_browser(app),
        SignInOptions {
            extra,
            ..SignInOptions::default()
        },
    )
    .await?)
}

#[tauri::command]
pub async fn sign_in_state(state: State<'_, AppState>, id: String) -> CommandResult<SignInStatus> {
    Ok(signin::status(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn cancel_sign_in(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<SignInSession>> {
    Ok(signin::cancel(&state.engine, &id).await?)
}
