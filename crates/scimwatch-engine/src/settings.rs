//! Settings stored in SQLite (`settings` table, scope `global`), validated by
//! core, and turned into the poller's and the monitor's configuration.

use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::settings::{Settings, Theme};

use crate::error::EngineError;
use crate::poller::PollConfig;
use crate::store::Store;

const KEY: &str = "settings";
/// Settings → Appearance, apart from the monitoring settings.
const THEME_KEY: &str = "theme";

/// The stored settings, or the defaults when none were saved.
pub async fn load(store: &Store) -> Result<Settings, EngineError> {
    Ok(match read(store, KEY).await? {
        // Unknown or missing fields fall back to their defaults.
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => Settings::default(),
    })
}

/// Validate and store; nothing is stored when anything is refused.
pub async fn save(
    store: &Store,
    s: &Settings,
    now: DateTime<Utc>,
) -> Result<Settings, EngineError> {
    s.validate()?;
    write(store, KEY, s, now).await?;
    Ok(s.clone())
}

/// The stored theme; `System` when none was chosen (or the stored value is
/// not one scimwatch knows).
pub async fn load_theme(store: &Store) -> Result<Theme, EngineError> {
    Ok(read(store, THEME_KEY)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Store the theme (the window applies it itself, at once and at start).
pub async fn save_theme(
    store: &Store,
    theme: Theme,
    now: DateTime<Utc>,
) -> Result<Theme, EngineError> {
    write(store, THEME_KEY, &theme, now).await?;
    Ok(theme)
}

/// The JSON stored under the global `key`, if any.
async fn read(store: &Store, key: &str) -> Result<Option<String>, EngineError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT value_json FROM settings WHERE scope = 'global' AND key = ?")
            .bind(key)
            .fetch_optional(store.pool())
            .await?;
    Ok(row.map(|(json,)| json))
}

/// Store `value` as JSON under the global `key`.
async fn write(
    store: &Store,
    key: &str,
    value: &impl serde::Serialize,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    let json = serde_json::to_string(value).map_err(|e| EngineError::Io(e.to_string()))?;
    sqlx::query(
        "INSERT INTO settings (scope, key, value_json, updated_ms) VALUES ('global', ?, ?, ?) \
         ON CONFLICT (scope, key) DO UPDATE SET value_json = excluded.value_json, updated_ms = excluded.updated_ms",
    )
    .bind(key)
    .bind(json)
    .bind(now.timestamp_millis())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The Graph poller's schedule from the settings.
pub fn poll_config(s: &Settings) -> PollConfig {
    let min = |m: u32| Duration::from_secs(u64::from(m) * 60);
    PollConfig {
        job_every: min(s.job_poll_minutes),
        config_every: min(s.config_poll_minutes),
        logs_every: min(s.logs_poll_minutes),
        ..PollConfig::default()
    }
}

/// Delete provisioning events and SCIM checks older than the retention.
pub async fn prune(store: &Store, s: &Settings, now: DateTime<Utc>) -> Result<u64, EngineError> {
    let before = now.timestamp_millis() - i64::from(s.retention_days) * 86_400_000;
    let a = sqlx::query("DELETE FROM provisioning_events WHERE activity_ms < ?")
        .bind(before)
        .execute(store.pool())
        .await?
        .rows_affected();
    // A raw-JSON block goes once every event in it is older than the cut-off
    // (all of them were just deleted).
    sqlx::query("DELETE FROM event_raw_pages WHERE last_ms < ?")
        .bind(before)
        .execute(store.pool())
        .await?;
    let b = sqlx::query("DELETE FROM scim_checks WHERE checked_ms < ?")
        .bind(before)
        .execute(store.pool())
        .await?
        .rows_affected();
    Ok(a + b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn the_theme_is_kept_apart_from_the_monitoring_settings() {
        let store = Store::open_memory().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        assert_eq!(load_theme(&store).await.unwrap(), Theme::System);
        save_theme(&store, Theme::Dark, now).await.unwrap();
        assert_eq!(load_theme(&store).await.unwrap(), Theme::Dark);
        // Saving the monitoring settings leaves the theme alone, and back.
        let s = Settings {
            job_poll_minutes: 7,
            ..Settings::default()
        };
        save(&store, &s, now).await.unwrap();
        assert_eq!(load_theme(&store).await.unwrap(), Theme::Dark);
        save_theme(&store, Theme::Light, now).await.unwrap();
        assert_eq!(load(&store).await.unwrap(), s);
        assert_eq!(load_theme(&store).await.unwrap(), Theme::Light);
        // A value from elsewhere (a newer version, a hand edit): System.
        sqlx::query("UPDATE settings SET value_json = '\"sepia\"' WHERE key = 'theme'")
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(load_theme(&store).await.unwrap(), Theme::System);
    }

    #[tokio::test]
    async fn round_trip_refusal_and_retention() {
        let store = Store::open_memory().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        assert_eq!(load(&store).await.unwrap(), Settings::default());
        let s = Settings {
            job_poll_minutes: 3,
            quiet_start: Some("22:00".into()),
            quiet_end: Some("07:00".into()),
            retention_days: 30,
            ..Settings::default()
        };
        save(&store, &s, now).await.unwrap();
        assert_eq!(load(&store).await.unwrap(), s);
        assert_eq!(poll_config(&s).job_every, Duration::from_secs(180));

        let bad = Settings {
            logs_poll_minutes: 0,
            ..s.clone()
        };
        let e = save(&store, &bad, now).await.unwrap_err();
        assert!(matches!(e, EngineError::Validation(_)), "{e}");
        assert_eq!(load(&store).await.unwrap(), s, "nothing stored half-valid");

        sqlx::query("INSERT INTO connections (uuid, name, scim_url, created_ms, updated_ms) VALUES ('u','n','https://x',0,0)")
            .execute(store.pool())
            .await
            .unwrap();
        for (id, days_ago) in [("old", 31), ("new", 29)] {
            sqlx::query("INSERT INTO provisioning_events (connection_id, event_id, activity_ms, action, status, raw_json) VALUES (1, ?, ?, 'create', 'success', '{}')")
                .bind(id)
                .bind(now.timestamp_millis() - days_ago * 86_400_000)
                .execute(store.pool())
                .await
                .unwrap();
        }
        assert_eq!(prune(&store, &s, now).await.unwrap(), 1);
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM provisioning_events")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}
