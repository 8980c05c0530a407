//! Settings screen: what is running where, a test notification, the
//! settings (applied to the running watch at once) and the theme.

use chrono::Utc;
use scimwatch_core::settings::{Settings, Theme};
use scimwatch_core::{CommandError, ErrorKind};

use crate::engine::{AppInfo, Engine};
use crate::error::EngineError;
use crate::monitor::Watch;
use crate::notify::{self, Notifier};

pub fn app_info(engine: &Engine) -> AppInfo {
    engine.info()
}

/// "Send a test notification": proves the desktop can show scimwatch's pop-ups.
pub fn send_test_notification(notifier: &dyn Notifier) -> Result<(), CommandError> {
    notifier
        .send(&notify::test_notification())
        .map(|_| ())
        .map_err(|e| CommandError {
            kind: ErrorKind::Internal,
            message: e.to_string(),
            fields: Vec::new(),
        })
}

pub async fn get_settings(engine: &Engine) -> Result<Settings, EngineError> {
    crate::settings::load(&engine.store).await
}

/// Validate, store and apply at once to the running `watch` (intervals,
/// thresholds, notifications).
pub async fn save_settings(
    engine: &Engine,
    watch: Option<&Watch>,
    settings: &Settings,
) -> Result<Settings, EngineError> {
    let saved = crate::settings::save(&engine.store, settings, Utc::now()).await?;
    if let Some(w) = watch {
        w.reconfigure(saved.clone()).await;
    }
    Ok(saved)
}

/// Settings → Appearance: the stored theme.
pub async fn get_theme(engine: &Engine) -> Result<Theme, EngineError> {
    crate::settings::load_theme(&engine.store).await
}

/// Store the theme; the window has already applied it.
pub async fn set_theme(engine: &Engine, theme: Theme) -> Result<Theme, EngineError> {
    crate::settings::save_theme(&engine.store, theme, Utc::now()).await
}
