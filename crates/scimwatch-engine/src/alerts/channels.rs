//! Alert channels: routing and what may be shown in SQLite
//! (`alert_channels`), the webhook URL, signing secret and SMTP password in
//! the secret store under the channel's uuid (`SecretKind::AlertChannel`),
//! never in the database, a log line, an IPC answer or an error message.

use chrono::{DateTime, Utc};
use scimwatch_core::health::Severity;
use scimwatch_core::{Sensitive, ValidationError};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use url::Url;

use super::outbox::Outcome;
use super::send::{Loaded, Sender};
use super::{
    sign, target, AddedChannel, AlertChannel, AlertChannelInput, AlertEvent, AlertTestResult,
    ChannelKind, Transition,
};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::secrets::{SecretKey, SecretKind};
use crate::store::connections as rows;

/// What the secret store keeps for a channel (one entry, JSON).
#[derive(Default, Serialize, Deserialize)]
struct SecretBlob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    smtp_password: Option<String>,
}

#[derive(FromRow)]
struct Row {
    id: i64,
    uuid: String,
    name: String,
    kind: String,
    target: String,
    config_json: String,
    min_severity: String,
    connections_json: String,
    created_ms: i64,
    pending: i64,
    dead: i64,
    last_delivered_ms: Option<i64>,
    last_error: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.uuid, c.name, c.kind, c.target, c.config_json, \
     c.min_severity, c.connections_json, c.created_ms, \
     (SELECT count(*) FROM alert_outbox o WHERE o.channel_id = c.id AND o.state = 'pending') AS pending, \
     (SELECT count(*) FROM alert_outbox o WHERE o.channel_id = c.id AND o.state = 'dead') AS dead, \
     (SELECT max(o.delivered_ms) FROM alert_outbox o WHERE o.channel_id = c.id) AS last_delivered_ms, \
     (SELECT o.last_error FROM alert_outbox o WHERE o.channel_id = c.id AND o.state <> 'delivered' \
      AND o.last_error IS NOT NULL ORDER BY o.last_attempt_ms DESC LIMIT 1) AS last_error \
     FROM alert_channels c";

fn severity_of(s: &str) -> Severity {
    match s {
        "critical" => Severity::Critical,
        "info" => Severity::Info,
        _ => Severity::Warning,
    }
}

impl Row {
    fn kind(&self) -> ChannelKind {
        ChannelKind::parse(&self.kind).unwrap_or(ChannelKind::Webhook)
    }

    fn view(self) -> AlertChannel {
        let kind = self.kind();
        AlertChannel {
            id: self.uuid,
            name: self.name,
            kind,
            target: self.target,
            email: (kind == ChannelKind::Email)
                .then(|| serde_json::from_str(&self.config_json).ok())
                .flatten(),
            min_severity: severity_of(&self.min_severity),
            connections: serde_json::from_str(&self.connections_json).unwrap_or_default(),
            created_at: DateTime::from_timestamp_millis(self.created_ms).unwrap_or_default(),
            pending: u32::try_from(self.pending).unwrap_or(0),
            dead: u32::try_from(self.dead).unwrap_or(0),
            last_delivered_at: self
                .last_delivered_ms
                .and_then(DateTime::from_timestamp_millis),
            last_error: self.last_error,
        }
    }
}

fn invalid(field: &str, m: impl Into<String>) -> EngineError {
    EngineError::Validation(ValidationError::single(field, m))
}

fn key(uuid: &str) -> SecretKey {
    SecretKey::new(uuid, SecretKind::AlertChannel)
}

/// Check `input`, keep its secrets in the secret store and the rest in the
/// database. Refused with a message per field.
pub async fn add(
    engine: &Engine,
    input: &AlertChannelInput,
    now: DateTime<Utc>,
) -> Result<AddedChannel, EngineError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "give the channel a name of 1–80 characters",
        ));
    }
    let pool = engine.store.pool();
    let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM alert_channels WHERE name = ?")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    if taken.is_some() {
        return Err(invalid(
            "name",
            format!("an alert channel named \u{201c}{name}\u{201d} exists; pick another name"),
        ));
    }
    let mut connections = Vec::new();
    for c in &input.connections {
        let row = rows::find(pool, c)
            .await?
            .ok_or_else(|| invalid("connections", rows::not_found(c).to_string()))?;
        if !connections.contains(&row.uuid) {
            connections.push(row.uuid);
        }
    }
    let mut blob = SecretBlob::default();
    let mut notes = Vec::new();
    let (target, config) = match input.kind {
        ChannelKind::Email => {
            let settings = input
                .email
                .as_ref()
                .ok_or_else(|| invalid("email", "give the SMTP server, from and to"))?;
            let s = target::email(settings).map_err(|m| invalid("email", m))?;
            let password = input
                .smtp_password
                .as_ref()
                .map(|p| p.expose().trim().to_string())
                .filter(|p| !p.is_empty());
            match (&s.username, &password) {
                (Some(_), None) => {
                    return Err(invalid(
                        "smtp_password",
                        "give the SMTP password for the user name",
                    ))
                }
                (None, Some(_)) => {
                    return Err(invalid(
                        "username",
                        "give the SMTP user name the password is for",
                    ))
                }
                _ => {}
            }
            blob.smtp_password = password;
            let shown = format!("{}:{} → {}", s.host, s.port, s.to.join(", "));
            (shown, serde_json::to_string(&s).unwrap_or_default())
        }
        kind => {
            let raw = input
                .url
                .as_ref()
                .ok_or_else(|| invalid("url", "paste the webhook URL"))?;
            let checked = target::webhook_url(kind, raw.expose()).map_err(|m| invalid("url", m))?;
            notes.extend(checked.notes);
            if kind == ChannelKind::Webhook {
                let secret = input
                    .signing_secret
                    .as_ref()
                    .map(|s| s.expose().trim().to_string())
                    .unwrap_or_default();
                if secret.chars().count() < sign::MIN_SECRET_LEN {
                    return Err(invalid(
                        "signing_secret",
                        format!(
                            "give a signing secret of at least {} characters (the receiver \
                             verifies X-Scimwatch-Signature with it)",
                            sign::MIN_SECRET_LEN
                        ),
                    ));
                }
                blob.signing_secret = Some(secret);
            }
            let shown = target::display(&checked.url);
            blob.url = Some(checked.url.to_string());
            (shown, "{}".to_string())
        }
    };
    let uuid = uuid::Uuid::new_v4().to_string();
    let json = serde_json::to_string(&blob)
        .map_err(|e| EngineError::Io(format!("cannot keep the channel's secrets: {e}")))?;
    engine.secrets.set(&key(&uuid), &Sensitive::new(json))?;
    let inserted = sqlx::query(
        "INSERT INTO alert_channels (uuid, name, kind, target, config_json, min_severity, \
         connections_json, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&uuid)
    .bind(name)
    .bind(input.kind.as_str())
    .bind(&target)
    .bind(&config)
    .bind(input.min_severity.as_str())
    .bind(serde_json::to_string(&connections).unwrap_or_else(|_| "[]".into()))
    .bind(now.timestamp_millis())
    .execute(pool)
    .await;
    if let Err(e) = inserted {
        let _ = engine.secrets.delete(&key(&uuid));
        return Err(e.into());
    }
    let channel = get(engine, &uuid).await?;
    Ok(AddedChannel { channel, notes })
}

/// Every channel, by name, with its outbox counts.
pub async fn list(engine: &Engine) -> Result<Vec<AlertChannel>, EngineError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY c.name"))
        .fetch_all(engine.store.pool())
        .await?;
    Ok(rows.into_iter().map(Row::view).collect())
}

async fn find(engine: &Engine, name_or_id: &str) -> Result<Row, EngineError> {
    let r: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.uuid = ?1 OR c.name = ?1"))
        .bind(name_or_id.trim())
        .fetch_optional(engine.store.pool())
        .await?;
    r.ok_or_else(|| {
        EngineError::NotFound(format!(
            "no alert channel named or with id \u{201c}{}\u{201d}",
            name_or_id.trim()
        ))
    })
}

/// One channel, by name or id.
pub async fn get(engine: &Engine, name_or_id: &str) -> Result<AlertChannel, EngineError> {
    Ok(find(engine, name_or_id).await?.view())
}

/// Remove a channel, its outbox rows and its secrets.
pub async fn remove(engine: &Engine, name_or_id: &str) -> Result<AlertChannel, EngineError> {
    let row = find(engine, name_or_id).await?;
    sqlx::query("DELETE FROM alert_channels WHERE id = ?")
        .bind(row.id)
        .execute(engine.store.pool())
        .await?;
    engine.secrets.delete(&key(&row.uuid))?;
    Ok(row.view())
}

/// A channel with its secrets, by row id (the deliverer). The error is a
/// sentence for the dead letter.
pub async fn load(engine: &Engine, id: i64) -> Result<Loaded, String> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(engine.store.pool())
        .await
        .map_err(|e| e.to_string())?;
    let row = row.ok_or("the channel was removed")?;
    loaded(engine, row)
}

fn loaded(engine: &Engine, row: Row) -> Result<Loaded, String> {
    let blob: SecretBlob = match engine.secrets.get(&key(&row.uuid)) {
        Ok(Some(s)) => serde_json::from_str(s.expose()).unwrap_or_default(),
        Ok(None) => SecretBlob::default(),
        Err(e) => return Err(format!("the channel's secrets cannot be read: {e}")),
    };
    let kind = row.kind();
    Ok(Loaded {
        id: row.id,
        name: row.name,
        kind,
        url: blob.url.as_deref().and_then(|u| Url::parse(u).ok()),
        signing_secret: blob.signing_secret.map(Sensitive::new),
        email: (kind == ChannelKind::Email)
            .then(|| serde_json::from_str(&row.config_json).ok())
            .flatten(),
        smtp_password: blob.smtp_password.map(Sensitive::new),
        uuid: row.uuid,
    })
}

/// The alert "Send a test alert" sends.
pub fn test_event(now: DateTime<Utc>) -> AlertEvent {
    AlertEvent {
        key: format!("test-{}", uuid::Uuid::new_v4()),
        transition: Transition::Test,
        incident_id: None,
        connection_id: None,
        connection_name: None,
        kind: None,
        severity: Severity::Info,
        title: "scimwatch alerts work".into(),
        summary: "scimwatch alerts work".into(),
        body: "This is how scimwatch will tell this channel when provisioning stalls.".into(),
        action: String::new(),
        occurred_at: now,
    }
}

/// Send a test alert now, directly (not through the outbox): the answer
/// says whether the receiver took it, or why not.
pub async fn test(
    engine: &Engine,
    name_or_id: &str,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<AlertTestResult, EngineError> {
    let row = find(engine, name_or_id).await?;
    let ch = loaded(engine, row).map_err(EngineError::Io)?;
    Ok(match sender.attempt(&ch, &test_event(now), now).await {
        Outcome::Delivered(answer) => AlertTestResult {
            delivered: true,
            message: format!("\u{201c}{}\u{201d} took the test alert ({answer})", ch.name),
        },
        Outcome::Retry { error, .. } => AlertTestResult {
            delivered: false,
            message: format!("not delivered (would be retried): {error}"),
        },
        Outcome::Dead(error) => AlertTestResult {
            delivered: false,
            message: format!("not delivered: {error}"),
        },
    })
}

/// Queue dead letters again (one by id, or all of a channel, or all):
/// the deliverer of a running watch sends them. Returns how many.
pub async fn retry(
    engine: &Engine,
    id: Option<i64>,
    channel: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, EngineError> {
    let channel_id = match channel {
        Some(c) => Some(find(engine, c).await?.id),
        None => None,
    };
    let n = super::outbox::retry_dead(engine.store.pool(), id, channel_id, now).await?;
    if n > 0 {
        super::outbox::wake();
    }
    Ok(n)
}
