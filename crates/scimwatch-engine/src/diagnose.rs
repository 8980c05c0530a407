//! Diagnosis: observations → findings (core's health rules) → incidents
//! (core's reconcile) → stored, and notifications sent. One problem is one
//! incident and one notification; reminders, escalations and recoveries
//! follow the notification policy.

use chrono::{DateTime, FixedOffset, Utc};
use scimwatch_core::health::{self, Finding, Observations, Thresholds};
use scimwatch_core::incident::{self, IncidentAction, NotificationKind, NotifyPolicy};
use serde::Serialize;
use ts_rs::TS;

use crate::alerts;
use crate::error::EngineError;
use crate::notify::{recovered_summary, toast_line, Notification, Notifier};
use crate::store::{connections as rows, incidents, Store};

/// What one diagnosis pass did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiagnosisOutcome {
    pub findings: Vec<Finding>,
    pub actions: Vec<IncidentAction>,
    /// Notifications shown on the desktop.
    pub notified: Vec<Notification>,
    /// Why a notification could not be shown (no desktop session, …).
    pub notify_errors: Vec<String>,
}

/// Rules and notification policy, with their defaults.
#[derive(Debug, Clone)]
pub struct DiagnosisConfig {
    pub thresholds: Thresholds,
    pub policy: NotifyPolicy,
    /// `false`: incidents open and resolve, but nothing pops up.
    pub notify: bool,
}

impl Default for DiagnosisConfig {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            policy: NotifyPolicy::default(),
            notify: true,
        }
    }
}

impl From<&scimwatch_core::settings::Settings> for DiagnosisConfig {
    fn from(s: &scimwatch_core::settings::Settings) -> Self {
        Self {
            thresholds: s.thresholds(),
            policy: s.notify_policy(),
            notify: s.notifications_enabled,
        }
    }
}

fn notification_for(
    action: &IncidentAction,
    kind: NotificationKind,
    connection: &str,
    connection_id: &str,
) -> Notification {
    // A toast: the summary says in one line what is wrong (or what has
    // recovered), the body in one line what to do.
    let (severity, title, body) = match action {
        _ if kind == NotificationKind::Recovered => (
            health::Severity::Info,
            recovered_summary(action.kind(), action_title(action)),
            "Nothing to do: scimwatch no longer sees the problem.".to_string(),
        ),
        IncidentAction::Open { finding, .. }
        | IncidentAction::Escalate { finding, .. }
        | IncidentAction::Update { finding } => (
            finding.severity,
            finding.title.clone(),
            toast_line(&finding.action),
        ),
        IncidentAction::Remind {
            severity, title, ..
        }
        | IncidentAction::DeliverPending {
            severity, title, ..
        } => (
            *severity,
            title.clone(),
            "Still open: open scimwatch for the evidence and the fix.".to_string(),
        ),
        IncidentAction::Resolve { title, .. } => (
            health::Severity::Info,
            recovered_summary(action.kind(), title),
            "Nothing to do: scimwatch no longer sees the problem.".to_string(),
        ),
        IncidentAction::ConfirmResolved { .. } => (
            health::Severity::Info,
            recovered_summary(action.kind(), action_title(action)),
            "Nothing to do: scimwatch no longer sees the problem.".to_string(),
        ),
    };
    let prefix = match kind {
        // Resolved by hand, but the live evidence still fails.
        NotificationKind::Opened
            if matches!(
                action,
                IncidentAction::Open {
                    reopens: Some(_),
                    ..
                }
            ) =>
        {
            "Still failing after it was resolved: "
        }
        NotificationKind::Opened | NotificationKind::Recovered => "",
        NotificationKind::Escalated => "Worse: ",
        NotificationKind::Reminder => "Reminder: ",
    };
    Notification {
        summary: format!("{connection} — {prefix}{title}"),
        body,
        severity,
        connection_id: Some(connection_id.to_string()),
        incident_kind: Some(action.kind().as_str().to_string()),
    }
}

/// The incident title an action carries.
fn action_title(action: &IncidentAction) -> &str {
    match action {
        IncidentAction::Open { finding, .. }
        | IncidentAction::Escalate { finding, .. }
        | IncidentAction::Update { finding } => &finding.title,
        IncidentAction::Remind { title, .. }
        | IncidentAction::DeliverPending { title, .. }
        | IncidentAction::Resolve { title, .. } => title,
        IncidentAction::ConfirmResolved { .. } => "",
    }
}

/// The alert for a notification the policy decided on: the incident it
/// is about (stored in `saved`) gives the idempotency key —
/// `incident-<id>-opened` / `-recovered` once per incident, escalations
/// and reminders (which recur) with the time.
fn alert_event(
    action: &IncidentAction,
    kind: NotificationKind,
    n: &Notification,
    conn: &rows::ConnectionRow,
    saved: &[(i64, incident::IncidentState)],
    now: DateTime<Utc>,
) -> Option<alerts::AlertEvent> {
    let recovered = kind == NotificationKind::Recovered;
    let (id, state) = saved
        .iter()
        .filter(|(_, s)| s.kind == action.kind() && s.is_active() != recovered)
        .max_by_key(|(_, s)| s.updated_at)?;
    let (transition, key) = match kind {
        NotificationKind::Opened => (alerts::Transition::Opened, format!("incident-{id}-opened")),
        NotificationKind::Recovered => (
            alerts::Transition::Recovered,
            format!("incident-{id}-recovered"),
        ),
        NotificationKind::Escalated => (
            alerts::Transition::Escalated,
            format!("incident-{id}-escalated-{}", now.timestamp_millis()),
        ),
        NotificationKind::Reminder => (
            alerts::Transition::Reminder,
            format!("incident-{id}-reminder-{}", now.timestamp_millis()),
        ),
    };
    Some(alerts::AlertEvent {
        key,
        transition,
        incident_id: Some(*id),
        connection_id: Some(conn.uuid.clone()),
        connection_name: Some(conn.name.clone()),
        kind: Some(state.kind.as_str().to_string()),
        severity: state.severity,
        title: state.title.clone(),
        summary: n.summary.clone(),
        body: n.body.clone(),
        action: state.action.clone(),
        occurred_at: now,
    })
}

/// Evaluate `obs` for one connection, update its incidents and notify.
pub async fn diagnose(
    store: &Store,
    connection_uuid: &str,
    obs: &Observations,
    cfg: &DiagnosisConfig,
    local_offset: FixedOffset,
    now: DateTime<Utc>,
    notifier: &dyn Notifier,
) -> Result<DiagnosisOutcome, EngineError> {
    let conn = rows::get_by_uuid(store.pool(), connection_uuid)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("no connection with id {connection_uuid}")))?;
    diagnose_row(store, &conn, obs, cfg, local_offset, now, notifier).await
}

/// [`diagnose`] of a connection row already read (a round over every
/// connection has them).
pub async fn diagnose_row(
    store: &Store,
    conn: &rows::ConnectionRow,
    obs: &Observations,
    cfg: &DiagnosisConfig,
    local_offset: FixedOffset,
    now: DateTime<Utc>,
    notifier: &dyn Notifier,
) -> Result<DiagnosisOutcome, EngineError> {
    let findings = health::evaluate(obs, &cfg.thresholds, now);
    let before = incidents::load_for_reconcile(store.pool(), conn.id).await?;
    let states: Vec<_> = before.iter().map(|(_, s)| s.clone()).collect();
    // One problem, one incident: what another finding explains is its evidence.
    let problems = incident::group_related(&states, &findings, obs);
    let actions = incident::reconcile(&states, &problems, &cfg.policy, local_offset, now);
    // No action leaves the incidents as they are: nothing to write (a
    // fleet's every-minute round is mostly this).
    if !actions.is_empty() {
        let after = incident::apply(&states, &actions, now);
        // The incidents and their alerts (one outbox row per routed channel)
        // in one transaction: a crash cannot keep one without the other.
        let mut tx = crate::store::begin_write(store.pool()).await?;
        let saved = incidents::save_in(&mut tx, conn.id, &before, &after).await?;
        let mut queued = 0;
        for a in &actions {
            if let Some(kind) = a.notification() {
                let n = notification_for(a, kind, &conn.name, &conn.uuid);
                if let Some(event) = alert_event(a, kind, &n, conn, &saved, now) {
                    queued += alerts::outbox::enqueue_in(&mut tx, &event, now).await?;
                }
            }
        }
        tx.commit().await?;
        if queued > 0 {
            alerts::outbox::wake();
        }
    }

    let mut notified = Vec::new();
    let mut notify_errors = Vec::new();
    for a in &actions {
        if let Some(kind) = a.notification().filter(|_| cfg.notify) {
            let n = notification_for(a, kind, &conn.name, &conn.uuid);
            match notifier.send(&n) {
                Ok(_) => notified.push(n),
                Err(e) => {
                    tracing::warn!(error = %e, "notification not shown");
                    notify_errors.push(e.to_string());
                }
            }
        }
    }
    Ok(DiagnosisOutcome {
        findings,
        actions,
        notified,
        notify_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::{add, SecretsInput};
    use crate::notify::RecordingNotifier;
    use crate::secrets::MemoryStore;
    use chrono::{Duration, TimeZone};
    use scimwatch_core::health::{MappingsObservation, ScimCheckObservation, Verdict};
    use scimwatch_core::{ConnectionInput, Sensitive};

    /// A saved connection (`id`), a notifier that records and the first
    /// instant.
    struct Fixture {
        store: Store,
        id: String,
        rec: RecordingNotifier,
        t0: DateTime<Utc>,
    }

    impl Fixture {
        /// Diagnose `obs` at `now` with the default rules, in UTC.
        async fn diagnose(&self, obs: &Observations, now: DateTime<Utc>) -> DiagnosisOutcome {
            let cfg = DiagnosisConfig::default();
            let utc = FixedOffset::east_opt(0).unwrap();
            diagnose(&self.store, &self.id, obs, &cfg, utc, now, &self.rec)
                .await
                .unwrap()
        }

        /// The connection's incidents, the active ones only or all.
        async fn incidents(&self, active: bool) -> Vec<incidents::IncidentView> {
            incidents::list(self.store.pool(), Some(&self.id), active, 10)
                .await
                .unwrap()
        }
    }

    async fn setup() -> Fixture {
        let store = Store::open_memory().await.unwrap();
        let secrets = MemoryStore::new();
        let saved = add(
            &store,
            &secrets,
            &ConnectionInput {
                name: "Acme".into(),
                scim_url: Some("https://acme.example.com/scim/v2".into()),
                ..Default::default()
            },
            &SecretsInput {
                scim_token: Some(Sensitive::new("t".into())),
                client_secret: None,
                client_certificate: None,
            },
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        )
        .await
        .unwrap();
        Fixture {
            store,
            id: saved.connection.id,
            rec: RecordingNotifier::new(),
            t0: Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
        }
    }

    fn unauthorized(now: DateTime<Utc>) -> Observations {
        Observations {
            scim_check: Some(ScimCheckObservation {
                ok: false,
                verdict: Verdict::Unauthorized,
                http_status: Some(401),
                checked_at: now,
                message: Some("401 Unauthorized".into()),
            }),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn one_problem_is_one_incident_and_one_notification_then_recovery() {
        let f = setup().await;
        let t0 = f.t0;
        let out = f.diagnose(&unauthorized(t0), t0).await;
        assert!(!out.findings.is_empty());
        assert_eq!(f.rec.sent().len(), 1, "{:?}", f.rec.sent());
        // Same problem five minutes later: no new notification, same incident.
        let t1 = t0 + Duration::minutes(5);
        f.diagnose(&unauthorized(t1), t1).await;
        assert_eq!(f.rec.sent().len(), 1);
        let open = f.incidents(true).await;
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].connection_name, "Acme");

        // Fixed: a recovery notification, and no active incident left.
        let t2 = t1 + Duration::minutes(5);
        let healthy = Observations {
            scim_check: Some(ScimCheckObservation {
                ok: true,
                verdict: Verdict::Ok,
                http_status: Some(200),
                checked_at: t2,
                message: None,
            }),
            mappings: Some(MappingsObservation::default()),
            ..Default::default()
        };
        f.diagnose(&healthy, t2).await;
        let sent = f.rec.sent();
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(sent[1].summary.contains("Recovered"), "{}", sent[1].summary);
        assert!(f.incidents(true).await.is_empty());
        assert_eq!(f.incidents(false).await.len(), 1);
        assert_eq!(incidents::worst_active(f.store.pool()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn reminders_follow_the_policy_and_snooze_silences_them() {
        let f = setup().await;
        let t0 = f.t0;
        f.diagnose(&unauthorized(t0), t0).await;
        let t1 = t0 + Duration::hours(4) + Duration::minutes(1);
        f.diagnose(&unauthorized(t1), t1).await;
        assert_eq!(f.rec.sent().len(), 2);
        assert!(f.rec.sent()[1].summary.contains("Reminder"));

        let open = f.incidents(true).await;
        incidents::snooze(f.store.pool(), open[0].id, Some(t1 + Duration::hours(24)))
            .await
            .unwrap();
        let t2 = t1 + Duration::hours(5);
        f.diagnose(&unauthorized(t2), t2).await;
        assert_eq!(f.rec.sent().len(), 2, "snoozed: no reminder");
        assert!(incidents::worst_active(f.store.pool())
            .await
            .unwrap()
            .is_some());
    }
}
