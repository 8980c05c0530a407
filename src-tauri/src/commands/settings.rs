//! Settings screen.

use scimwatch_core::settings::{Settings, Theme};
use scimwatch_engine::api::settings as api;
use scimwatch_engine::AppInfo;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(api::app_info(&state.engine))
}

#[tauri::command]
pub fn send_test_notification(state: State<'_, AppState>) -> CommandResult<()> {
    api::send_test_notification(state.notifier.as_ref())
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(api::get_settings(&state.engine).await?)
}

/// Validate, store and apply at once (intervals, thresholds, notifications).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    Ok(api::save_settings(&state.engine, state.watch().as_deref(), &settings).await?)
}

#[tauri::command]
pub async fn get_theme(state: State<'_, AppState>) -> CommandResult<Theme> {
    Ok(api::get_theme(&state.engine).await?)
}

#[tauri::command]
pub async fn set_theme(state: State<'_, AppState>, theme: Theme) -> CommandResult<Theme> {
    Ok(api::set_theme(&state.engine, theme).await?)
}
