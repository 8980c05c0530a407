//! Settings screen.

use scimwatch_core::settings::Theme;
use scimwatch_engine::AppInfo;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(state.engine.info())
}

/// "Send a test notification": proves the desktop can show scimwatch's pop-ups.
#[tauri::command]
pub fn send_test_notification(state: State<'_, AppState>) -> CommandResult<()> {
    state
        .notifier
        .send(&scimwatch_engine::notify::test_notification())
        .map(|_| ())
        .map_err(|e| scimwatch_core::CommandError {
            kind: scimwatch_core::ErrorKind::Internal,
            message: e.to_string(),
            fields: Vec::new(),
        })
}

#[tauri::command]
pub async fn get_settings(
    state: State<'_, AppState>,
) -> CommandResult<scimwatch_core::settings::Settings> {
    Ok(scimwatch_engine::settings::load(&state.engine.store).await?)
}

/// Validate, store and apply at once (intervals, thresholds, notifications).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: scimwatch_core::settings::Settings,
) -> CommandResult<scimwatch_core::settings::Settings> {
    let saved =
        scimwatch_engine::settings::save(&state.engine.store, &settings, chrono::Utc::now())
            .await?;
    if let Some(w) = state.watch() {
        w.reconfigure(saved.clone()).await;
    }
    Ok(saved)
}

/// Settings → Appearance: the stored theme.
#[tauri::command]
pub async fn get_theme(state: State<'_, AppState>) -> CommandResult<Theme> {
    Ok(scimwatch_engine::settings::load_theme(&state.engine.store).await?)
}

/// Store the theme; the window has already applied it.
#[tauri::command]
pub async fn set_theme(state: State<'_, AppState>, theme: Theme) -> CommandResult<Theme> {
    Ok(
        scimwatch_engine::settings::save_theme(&state.engine.store, theme, chrono::Utc::now())
            .await?,
    )
}
