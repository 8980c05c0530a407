//! Clean-up at start: when the monitor starts (the app, `scimwatch-cli
//! watch` and `serve` share [`crate::monitor::Watch::start_with`]), the
//! throwaway objects a crashed or killed probe left on the clean-up list are
//! deleted in the SaaS — in the background, never holding the start up.
//! What cannot be deleted stays listed with why (`cleanup_error`), and the
//! Compliance tab shows it with its id.
//!
//! Only objects listed at least [`IN_FLIGHT_GRACE`] before the start are
//! touched: a probe still running in another process (`scimwatch-cli
//! probe`) keeps its objects until it deletes them itself.

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use super::cleanup::{clean_scoped, Cleaned, Scope};
use crate::engine::Engine;
use crate::scim::test_connection::{check_client_config, connection_client};
use crate::scim::ScimError;

/// How old a listed object must be to count as left behind.
pub const IN_FLIGHT_GRACE: chrono::Duration = chrono::Duration::minutes(10);

/// What the clean-up at start did for one connection.
#[derive(Debug, Clone)]
pub struct StartCleanup {
    /// The connection's uuid.
    pub connection: String,
    /// What was deleted and what was left, or why nothing could be tried.
    pub result: Result<Cleaned, String>,
}

/// Delete what interrupted probes listed before `started - IN_FLIGHT_GRACE`,
/// for every connection that has such objects.
pub async fn cleanup_at_start(engine: &Engine, started: DateTime<Utc>) -> Vec<StartCleanup> {
    let before = (started - IN_FLIGHT_GRACE).timestamp_millis();
    let listed: Result<Vec<(i64, String)>, sqlx::Error> = sqlx::query_as(
        "SELECT DISTINCT o.connection_id, c.uuid FROM scim_probe_objects o \
         JOIN connections c ON c.id = o.connection_id WHERE o.created_ms < ?",
    )
    .bind(before)
    .fetch_all(engine.store.pool())
    .await;
    let listed = match listed {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the probe clean-up list at start");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (id, uuid) in listed {
        let result = match connection_client(engine, &uuid, check_client_config()).await {
            Ok((_, client)) => clean_scoped(
                &client,
                engine.store.pool(),
                id,
                Scope::ListedBefore(before),
            )
            .await
            .map_err(|e| e.to_string()),
            Err(e) => {
                let why = unreachable_reason(&e);
                note_all(engine, id, before, &why).await;
                Err(why)
            }
        };
        match &result {
            Ok(c) => tracing::info!(
                connection = %uuid,
                removed = c.removed.len(),
                left = c.leftovers.len(),
                "probe clean-up at start"
            ),
            Err(e) => tracing::warn!(connection = %uuid, error = %e, "probe clean-up at start"),
        }
        out.push(StartCleanup {
            connection: uuid,
            result,
        });
    }
    out
}

fn unreachable_reason(e: &ScimError) -> String {
    format!("the SaaS could not be contacted to delete it: {e}")
}

/// Every listed object of the connection gets `why` (no request was made).
async fn note_all(engine: &Engine, connection_id: i64, before: i64, why: &str) {
    let r = sqlx::query(
        "UPDATE scim_probe_objects SET cleanup_error = ?, cleanup_ms = ? \
         WHERE connection_id = ? AND created_ms < ?",
    )
    .bind(why)
    .bind(Utc::now().timestamp_millis())
    .bind(connection_id)
    .bind(before)
    .execute(engine.store.pool())
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "cannot record why a probe object was not deleted");
    }
}

/// Start [`cleanup_at_start`] in the background (on the current tokio
/// runtime); the caller never waits for it.
pub fn spawn_cleanup_at_start(engine: Engine) -> JoinHandle<Vec<StartCleanup>> {
    let started = Utc::now();
    tokio::spawn(async move { cleanup_at_start(&engine, started).await })
}
