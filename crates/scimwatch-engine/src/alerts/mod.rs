//! Alerts beyond the desktop: Microsoft Teams (a Workflows webhook with an
//! Adaptive Card), Slack (an incoming webhook with Block Kit), a generic
//! JSON webhook signed with HMAC-SHA256, and e-mail over SMTP with STARTTLS.
//!
//! The notification policy is the desktop's: diagnosis (`diagnose.rs`)
//! decides *that* an incident is announced (opened, escalated, reminded,
//! recovered — with dedupe, quiet hours and snooze from core's
//! `incident::reconcile`), and in the same transaction that stores the
//! incident writes one outbox row per channel that routes it
//! ([`outbox::enqueue_in`]). Channels are sinks:
//!
//! - `target.rs`: what the admin typed, checked (https unless loopback, a
//!   URL pasted with spaces, the retired Office 365 connectors, e-mail
//!   addresses);
//! - `channels.rs`: channels in SQLite, their secrets in the secret store;
//! - `outbox.rs`: the persistent outbox (migration 0017) — at least once,
//!   one row per idempotency key and channel, backoff, dead letters;
//! - `render.rs`: the Adaptive Card, the Block Kit message, the JSON body
//!   and the e-mail;
//! - `sign.rs`: the webhook signature (`X-Scimwatch-Signature`);
//! - `send.rs`: one delivery attempt over the one HTTP transport, or SMTP
//!   (`smtp.rs`), classified as delivered, retry later or dead;
//! - `deliver.rs`: the deliverer task the watch runs beside the monitor (a
//!   slow or failing receiver never delays monitoring).

pub mod channels;
pub mod deliver;
pub mod outbox;
pub mod render;
pub mod send;
pub mod sign;
pub mod smtp;
pub mod target;

use chrono::{DateTime, Utc};
use scimwatch_core::health::Severity;
use scimwatch_core::Sensitive;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use channels::{add, list, remove, test};

/// Where alerts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "AlertChannelKind")]
pub enum ChannelKind {
    /// A Teams Workflows webhook ("Post to a channel when a webhook request
    /// is received"): an Adaptive Card.
    Teams,
    /// A Slack incoming webhook: Block Kit.
    Slack,
    /// Any HTTPS receiver: JSON signed with HMAC-SHA256.
    Webhook,
    /// E-mail over SMTP with STARTTLS.
    Email,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Teams => "teams",
            ChannelKind::Slack => "slack",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "teams" => Some(ChannelKind::Teams),
            "slack" => Some(ChannelKind::Slack),
            "webhook" => Some(ChannelKind::Webhook),
            "email" | "e-mail" | "smtp" => Some(ChannelKind::Email),
            _ => None,
        }
    }
}

/// The non-secret settings of an e-mail channel (the password is a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EmailSettings {
    /// SMTP server host name.
    pub host: String,
    /// 587 (submission with STARTTLS) unless said otherwise.
    pub port: u16,
    /// AUTH user name; `None`: the server takes mail without signing in.
    pub username: Option<String>,
    pub from: String,
    pub to: Vec<String>,
}

/// An alert channel as Settings and `alerts list` show it: never a secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AlertChannel {
    /// uuid.
    pub id: String,
    pub name: String,
    pub kind: ChannelKind,
    /// What may be shown of where alerts go: `https://host/…`, or the SMTP
    /// server and the recipients.
    pub target: String,
    pub email: Option<EmailSettings>,
    /// Incidents at or above this severity are sent.
    pub min_severity: Severity,
    /// Connection uuids; empty: every connection.
    pub connections: Vec<String>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    /// Alerts waiting for delivery (retrying).
    pub pending: u32,
    /// Alerts given up on (shown with their error; can be retried).
    pub dead: u32,
    #[ts(type = "string | null")]
    pub last_delivered_at: Option<DateTime<Utc>>,
    /// The last failed attempt's reason, while alerts are pending or dead.
    pub last_error: Option<String>,
}

/// A new channel as the form and the CLI send it. Deserialize only: a
/// secret never travels back to the web view.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AlertChannelInput {
    pub name: String,
    pub kind: ChannelKind,
    /// Teams, Slack, webhook: the URL (a secret: it carries the token).
    #[serde(default)]
    #[ts(type = "string | null")]
    pub url: Option<Sensitive<String>>,
    /// Webhook: the HMAC-SHA256 key receivers verify with (16+ characters).
    #[serde(default)]
    #[ts(type = "string | null")]
    pub signing_secret: Option<Sensitive<String>>,
    #[serde(default)]
    pub email: Option<EmailSettings>,
    #[serde(default)]
    #[ts(type = "string | null")]
    pub smtp_password: Option<Sensitive<String>>,
    #[serde(default = "default_min_severity")]
    pub min_severity: Severity,
    #[serde(default)]
    pub connections: Vec<String>,
}

fn default_min_severity() -> Severity {
    Severity::Warning
}

/// A channel just added, with what was cleaned up in what was typed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AddedChannel {
    pub channel: AlertChannel,
    /// E.g. "removed 2 spaces pasted inside the URL".
    pub notes: Vec<String>,
}

/// Which announcement an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Opened,
    Escalated,
    Reminder,
    Recovered,
    /// `alerts test` / "Send a test alert".
    Test,
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Opened => "opened",
            Transition::Escalated => "escalated",
            Transition::Reminder => "reminder",
            Transition::Recovered => "recovered",
            Transition::Test => "test",
        }
    }
}

/// One alert, as stored in the outbox and rendered per channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// The idempotency key: `incident-<id>-<transition>` (plus the time for
    /// escalations and reminders, which can happen more than once).
    pub key: String,
    pub transition: Transition,
    pub incident_id: Option<i64>,
    pub connection_id: Option<String>,
    pub connection_name: Option<String>,
    /// The finding kind (`quarantine`, `scim_down`, …).
    pub kind: Option<String>,
    /// The incident's severity (also for its recovery: routing follows it).
    pub severity: Severity,
    pub title: String,
    /// The desktop notification's summary and body.
    pub summary: String,
    pub body: String,
    /// The full recommended fix.
    pub action: String,
    pub occurred_at: DateTime<Utc>,
}

/// The result of "Send a test alert".
#[derive(Debug, Clone, Serialize, TS)]
pub struct AlertTestResult {
    pub delivered: bool,
    /// What happened, in words (the receiver's status, or why not).
    pub message: String,
}

/// What the Settings screen shows of the outbox: dead letters.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeadLetter {
    #[ts(type = "number")]
    pub id: i64,
    pub channel_id: String,
    pub channel_name: String,
    pub idempotency_key: String,
    pub summary: String,
    pub attempts: u32,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    pub last_error: String,
}
