//! Signing a delegated connection in from the app (Connections → "Sign
//! in…"): start (browser or device code), follow, cancel. The browser is
//! opened from Rust through the opener plugin's API, which the web view's
//! capability does not govern (that one stays scoped to the portal hosts);
//! when no browser opens, the UI shows the sign-in URL to copy.

use std::sync::Arc;

use scimwatch_engine::api::signin as api;
use scimwatch_engine::signin::{Opener, SignInMethod, SignInSession, SignInStatus};
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
    let browser = system_browser(app);
    Ok(api::start_sign_in(&state.engine, &id, method, browser, remediation).await?)
}

#[tauri::command]
pub async fn sign_in_state(state: State<'_, AppState>, id: String) -> CommandResult<SignInStatus> {
    Ok(api::sign_in_state(&state.engine, &id).await?)
}

#[tauri::command]
pub async fn cancel_sign_in(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<SignInSession>> {
    Ok(api::cancel_sign_in(&state.engine, &id).await?)
}
