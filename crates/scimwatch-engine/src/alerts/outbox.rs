//! The persistent outbox (migration 0017): one row per alert and channel,
//! written in the transaction that stores the incident, so that an alert is
//! never lost between the incident and its delivery (a crash or kill -9
//! leaves the row `pending`; the next watch delivers it). At least once: a
//! receiver may see a retry of an alert it accepted when the process died
//! between its answer and the row's update — the idempotency key, the same
//! on every try, lets it drop the duplicate. Per channel, alerts go out
//! oldest first, one at a time (a recovery never overtakes its opening).

use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::health::Severity;
use sqlx::{SqliteConnection, SqlitePool};

use super::{AlertEvent, DeadLetter};
use crate::error::EngineError;

/// Rung when alerts were put in the outbox or queued again (this process).
/// Here, beside the rows, so that the channels (retry) and diagnosis ring
/// it without importing the deliverer that waits on it.
pub(crate) fn bell() -> &'static tokio::sync::Notify {
    static BELL: std::sync::OnceLock<tokio::sync::Notify> = std::sync::OnceLock::new();
    BELL.get_or_init(tokio::sync::Notify::new)
}

/// Tell the deliverer that alerts are waiting.
pub fn wake() {
    bell().notify_waiters();
}

/// Waits between attempts: 10 s, 30 s, 1, 2, 5, 10, 20, 30 min, then hourly.
const BACKOFF_SECS: [u64; 8] = [10, 30, 60, 120, 300, 600, 1200, 1800];
/// Attempts before an alert is given up on (a dead letter).
pub const MAX_ATTEMPTS: u32 = 12;
/// Age after which a failing alert is given up on.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// The longest wait a receiver's `Retry-After` may ask for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Delivered rows are kept this long (what was sent, for the admin).
const KEEP_DELIVERED_MS: i64 = 30 * 24 * 3600 * 1000;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver accepted it (its answer, e.g. "202 Accepted").
    Delivered(String),
    /// Try again later: after the receiver's `Retry-After` or the backoff.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Retrying cannot help (refused, misconfigured): a dead letter.
    Dead(String),
}

/// The wait before attempt `attempts + 1`, given what the receiver asked.
pub fn next_delay(attempts: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(a) = retry_after {
        return a.clamp(Duration::from_secs(1), MAX_RETRY_AFTER);
    }
    let i = attempts.saturating_sub(1) as usize;
    Duration::from_secs(*BACKOFF_SECS.get(i).unwrap_or(&3600))
}

fn severity_of(s: &str) -> Severity {
    match s {
        "critical" => Severity::Critical,
        "info" => Severity::Info,
        _ => Severity::Warning,
    }
}

/// Whether a channel with this routing takes `event`.
pub fn routes(min_severity: Severity, connections: &[String], event: &AlertEvent) -> bool {
    let connection_ok = connections.is_empty()
        || event
            .connection_id
            .as_ref()
            .is_some_and(|c| connections.contains(c));
    connection_ok && event.severity >= min_severity
}

/// Put `event` in the outbox of every channel that routes it, inside the
/// caller's transaction. Enqueueing a key twice is a no-op. Returns how
/// many rows were added.
pub async fn enqueue_in(
    conn: &mut SqliteConnection,
    event: &AlertEvent,
    now: DateTime<Utc>,
) -> Result<usize, EngineError> {
    let channels: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, min_severity, connections_json FROM alert_channels")
            .fetch_all(&mut *conn)
            .await?;
    let json = serde_json::to_string(event)
        .map_err(|e| EngineError::Io(format!("cannot store an alert: {e}")))?;
    let mut added = 0;
    for (id, min, conns) in channels {
        let conns: Vec<String> = serde_json::from_str(&conns).unwrap_or_default();
        if !routes(severity_of(&min), &conns, event) {
            continue;
        }
        let done = sqlx::query(
            "INSERT OR IGNORE INTO alert_outbox (channel_id, idempotency_key, event_json, \
             created_ms, next_attempt_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&event.key)
        .bind(&json)
        .bind(now.timestamp_millis())
        .bind(now.timestamp_millis())
        .execute(&mut *conn)
        .await?;
        added += done.rows_affected() as usize;
    }
    Ok(added)
}

/// One channel's oldest pending alert.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: i64,
    pub channel_id: i64,
    pub attempts: u32,
    pub created_ms: i64,
    pub next_attempt_ms: i64,
    pub event: AlertEvent,
}

/// Each channel's oldest pending alert, due or not.
pub async fn heads(pool: &SqlitePool) -> Result<Vec<Head>, EngineError> {
    let rows: Vec<(i64, i64, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT o.id, o.channel_id, o.attempts, o.created_ms, o.next_attempt_ms, o.event_json \
         FROM alert_outbox o WHERE o.state = 'pending' AND o.id = \
         (SELECT min(p.id) FROM alert_outbox p WHERE p.channel_id = o.channel_id \
          AND p.state = 'pending')",
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, channel_id, attempts, created_ms, next_attempt_ms, json) in rows {
        match serde_json::from_str(&json) {
            Ok(event) => out.push(Head {
                id,
                channel_id,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                created_ms,
                next_attempt_ms,
                event,
            }),
            Err(e) => {
                // Unreadable: give it up visibly rather than block the channel.
                mark_dead(
                    pool,
                    id,
                    &format!("the stored alert cannot be read: {e}"),
                    None,
                )
                .await?;
            }
        }
    }
    Ok(out)
}

async fn mark_dead(
    pool: &SqlitePool,
    id: i64,
    error: &str,
    now: Option<DateTime<Utc>>,
) -> Result<(), EngineError> {
    sqlx::query(
        "UPDATE alert_outbox SET state = 'dead', last_error = ?, \
         last_attempt_ms = COALESCE(?, last_attempt_ms) WHERE id = ?",
    )
    .bind(error)
    .bind(now.map(|t| t.timestamp_millis()))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Record what an attempt at `head` came to: delivered, rescheduled with
/// backoff (or the receiver's `Retry-After`), or dead — also when it keeps
/// failing past [`MAX_ATTEMPTS`] or [`MAX_AGE`].
pub async fn record(
    pool: &SqlitePool,
    head: &Head,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    let attempts = head.attempts.saturating_add(1);
    let ms = now.timestamp_millis();
    match outcome {
        Outcome::Delivered(_) => {
            sqlx::query(
                "UPDATE alert_outbox SET state = 'delivered', attempts = ?, last_attempt_ms = ?, \
                 delivered_ms = ?, last_error = NULL WHERE id = ?",
            )
            .bind(attempts)
            .bind(ms)
            .bind(ms)
            .bind(head.id)
            .execute(pool)
            .await?;
        }
        Outcome::Retry { error, after } => {
            let age = Duration::from_millis(u64::try_from(ms - head.created_ms).unwrap_or(0));
            if attempts >= MAX_ATTEMPTS || age >= MAX_AGE {
                let m = format!("gave up after {attempts} attempts: {error}");
                sqlx::query("UPDATE alert_outbox SET attempts = ? WHERE id = ?")
                    .bind(attempts)
                    .bind(head.id)
                    .execute(pool)
                    .await?;
                return mark_dead(pool, head.id, &m, Some(now)).await;
            }
            let wait = next_delay(attempts, *after);
            sqlx::query(
                "UPDATE alert_outbox SET attempts = ?, last_attempt_ms = ?, next_attempt_ms = ?, \
                 last_error = ? WHERE id = ?",
            )
            .bind(attempts)
            .bind(ms)
            .bind(ms + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2))
            .bind(error)
            .bind(head.id)
            .execute(pool)
            .await?;
        }
        Outcome::Dead(error) => {
            sqlx::query("UPDATE alert_outbox SET attempts = ? WHERE id = ?")
                .bind(attempts)
                .bind(head.id)
                .execute(pool)
                .await?;
            mark_dead(pool, head.id, error, Some(now)).await?;
        }
    }
    Ok(())
}

/// id, channel uuid and name, key, event, attempts, created, last error.
type DeadRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
);

/// Dead letters, newest first.
pub async fn dead_letters(pool: &SqlitePool, limit: i64) -> Result<Vec<DeadLetter>, EngineError> {
    let rows: Vec<DeadRow> = sqlx::query_as(
        "SELECT o.id, c.uuid, c.name, o.idempotency_key, o.event_json, o.attempts, \
             o.created_ms, o.last_error FROM alert_outbox o JOIN alert_channels c \
             ON c.id = o.channel_id WHERE o.state = 'dead' ORDER BY o.id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, cid, cname, key, json, attempts, created, err)| {
            let summary = serde_json::from_str::<AlertEvent>(&json)
                .map(|e| e.summary)
                .unwrap_or_else(|_| "(unreadable alert)".into());
            DeadLetter {
                id,
                channel_id: cid,
                channel_name: cname,
                idempotency_key: key,
                summary,
                attempts: u32::try_from(attempts).unwrap_or(0),
                created_at: DateTime::from_timestamp_millis(created).unwrap_or_default(),
                last_error: err.unwrap_or_default(),
            }
        })
        .collect())
}

/// Put dead letters back in the queue (one by id, or all of a channel, or
/// all): attempts start again, now. Returns how many.
pub async fn retry_dead(
    pool: &SqlitePool,
    id: Option<i64>,
    channel_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64, EngineError> {
    let done = sqlx::query(
        "UPDATE alert_outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?1, \
         created_ms = ?1 WHERE state = 'dead' AND (?2 IS NULL OR id = ?2) \
         AND (?3 IS NULL OR channel_id = ?3)",
    )
    .bind(now.timestamp_millis())
    .bind(id)
    .bind(channel_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Forget delivered alerts older than 30 days.
pub async fn prune(pool: &SqlitePool, now: DateTime<Utc>) -> Result<u64, EngineError> {
    let done =
        sqlx::query("DELETE FROM alert_outbox WHERE state = 'delivered' AND delivered_ms < ?")
            .bind(now.timestamp_millis() - KEEP_DELIVERED_MS)
            .execute(pool)
            .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_retry_after_wins_within_bounds() {
        assert_eq!(next_delay(1, None), Duration::from_secs(10));
        assert_eq!(next_delay(2, None), Duration::from_secs(30));
        assert_eq!(next_delay(8, None), Duration::from_secs(1800));
        assert_eq!(next_delay(11, None), Duration::from_secs(3600));
        assert_eq!(
            next_delay(1, Some(Duration::from_secs(120))),
            Duration::from_secs(120)
        );
        assert_eq!(next_delay(1, Some(Duration::ZERO)), Duration::from_secs(1));
        assert_eq!(
            next_delay(1, Some(Duration::from_secs(86_400))),
            MAX_RETRY_AFTER
        );
    }
}
