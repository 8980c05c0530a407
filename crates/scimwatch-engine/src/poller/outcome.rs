//! What a poll's outcome leaves behind: each stream's schedule and health,
//! the connection's blindness (only the job stream's failures blind it),
//! reads refused for lack of a permission (recorded per stream), and the
//! events that say so.

use chrono::Utc;
use rand::Rng;
use scimwatch_core::fleet::JobCondition;
use tokio::time::Instant;

use super::{backoff, now_ms, stream_health, Event, Side, Stream, Worker};
use crate::graph::GraphError;
use crate::store::connections::ConnectionRow;
use crate::store::jobs::{self, GRAPH_REACH_STREAM};

impl Worker {
    pub(super) async fn record_success(&mut self, row: &ConnectionRow, stream: Stream) {
        let now = Instant::now();
        let Some(cs) = self.conns.get_mut(&row.uuid) else {
            return;
        };
        cs.streams.entry(stream).or_default().succeeded(now);
        // Read, though the tenant has no logs to offer (no P1/P2).
        let unavailable = (stream == Stream::GraphLogs && cs.logs_unavailable)
            .then(|| GraphError::LogsUnlicensed.to_string());
        // Only reading the job ends blindness (issue 17, defect 4).
        let job = stream == Stream::GraphJob;
        let was_blind = job && cs.blind.take().is_some();
        let pool = self.engine.store.pool();
        stream_health::record_ok(pool, row.id, stream, unavailable.as_deref(), Utc::now()).await;
        if job {
            let known = jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
                .await
                .ok()
                .flatten();
            if was_blind || known.is_none_or(|k| k.watermark_ms.is_some()) {
                if let Err(e) =
                    jobs::set_poll_state(pool, row.id, GRAPH_REACH_STREAM, None, None, now_ms())
                        .await
                {
                    tracing::warn!(error = %e, "poller: cannot record reachability");
                }
            }
        }
        // A read Graph refused for lack of a permission is allowed again.
        let key = denied_stream(stream);
        if let Ok(Some(d)) = jobs::get_poll_state(pool, row.id, &key).await {
            if d.watermark_ms.is_some() {
                if let Err(e) = jobs::set_poll_state(pool, row.id, &key, None, None, now_ms()).await
                {
                    tracing::warn!(error = %e, "poller: cannot record permission");
                }
            }
        }
        if was_blind {
            self.emit(Event::Recovered {
                connection: row.uuid.clone(),
                side: Side::Graph,
            });
        }
    }

    async fn record_denied(
        &self,
        row: &ConnectionRow,
        stream: Stream,
        e: &GraphError,
        message: &str,
    ) {
        let pool = self.engine.store.pool();
        let key = denied_stream(stream);
        let since = jobs::get_poll_state(pool, row.id, &key)
            .await
            .ok()
            .flatten()
            .and_then(|d| d.watermark_ms)
            .unwrap_or_else(now_ms);
        let mut what = match e {
            GraphError::MissingRole { what, .. } => what.clone(),
            _ => stream.as_str().to_string(),
        };
        let mut reason = message.to_string();
        if row.tenant_connection_id.is_some() && stream == Stream::GraphJob {
            // One app of an all-apps tenant: the others are still watched.
            what = "this app's provisioning job".into();
            reason = format!(
                "no permission to read this app's provisioning job ({message}); the tenant's other apps are watched"
            );
        }
        let record = serde_json::json!({
            "what": what,
            "reason": reason,
            "job": stream == Stream::GraphJob,
        })
        .to_string();
        if let Err(err) =
            jobs::set_poll_state(pool, row.id, &key, Some(since), Some(&record), now_ms()).await
        {
            tracing::warn!(error = %err, "poller: cannot record permission");
        }
    }

    pub(super) async fn record_failure(
        &mut self,
        row: &ConnectionRow,
        stream: Stream,
        e: GraphError,
    ) {
        let now = Instant::now();
        if row.tenant_connection_id.is_some() && stream == Stream::GraphJob {
            if let Some(cs) = self.conns.get_mut(&row.uuid) {
                cs.condition = JobCondition::Trouble;
            }
            // The app or its job is gone: the tenant's discovery retires it.
            let gone = matches!(
                e,
                GraphError::NotFound(_)
                    | GraphError::AppNotFound(_)
                    | GraphError::NoProvisioningJob(_)
            );
            if let Some(t) = row.tenant_uuid.as_ref().filter(|_| gone) {
                if let Some(ts) = self.conns.get_mut(t) {
                    ts.discover_now = true;
                }
            }
        }
        let (base, cap) = (self.cfg.backoff_base, self.cfg.backoff_cap);
        let jitter: f64 = rand::thread_rng().gen();
        // A read refused for lack of a permission or role is not blindness:
        // Graph answers, scimwatch may not look. It is recorded per stream
        // (so the streams that work neither clear it nor flap) and judged by
        // the health rules as such. Any other failure is the stream's own
        // (its health record says why and until when); only the job's makes
        // the connection blind (issue 17, defect 4).
        let permission = e.is_permission();
        let blinding = !permission && stream == Stream::GraphJob;
        let message = e.to_string();
        if permission {
            self.record_denied(row, stream, &e, &message).await;
        }
        let Some(cs) = self.conns.get_mut(&row.uuid) else {
            return;
        };
        let st = cs.streams.entry(stream).or_default();
        let failures = st.failures.saturating_add(1);
        let mut delay = backoff(failures, base, cap, jitter);
        if let GraphError::Throttled {
            retry_after: Some(wait),
            ..
        } = &e
        {
            // Graph asked for longer than one call may wait: honour it here.
            delay = delay.max(*wait);
        }
        st.failed(now, delay);
        let newly_blind = blinding && cs.blind.is_none();
        // Still blind, for another reason (a 429, then a 404): say the latest.
        let reason_changed = blinding && cs.blind.as_deref() != Some(message.as_str());
        if blinding {
            cs.blind = Some(message.clone());
        }
        let pool = self.engine.store.pool();
        stream_health::record_failed(pool, row.id, stream, &e, delay, Utc::now()).await;
        if reason_changed {
            let since = match newly_blind {
                true => None,
                false => jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|r| r.watermark_ms),
            }
            .unwrap_or_else(now_ms);
            if let Err(err) = jobs::set_poll_state(
                pool,
                row.id,
                GRAPH_REACH_STREAM,
                Some(since),
                Some(&message),
                now_ms(),
            )
            .await
            {
                tracing::warn!(error = %err, "poller: cannot record blindness");
            }
        }
        tracing::info!(connection = %row.name, stream = stream.as_str(), error = %message, "poll failed");
        self.emit(Event::PollError {
            connection: row.uuid.clone(),
            stream,
            kind: e.kind(),
            message: message.clone(),
        });
        if newly_blind {
            self.emit(Event::Blind {
                connection: row.uuid.clone(),
                side: Side::Graph,
                reason: message,
            });
        }
    }
}

/// `poll_state.stream` recording that Graph refuses `stream`'s reads for
/// lack of a permission or role: `watermark_ms` = since (NULL when
/// allowed), `cursor` = `{"what", "reason", "job"}` JSON.
pub fn denied_stream(stream: Stream) -> String {
    format!("denied:{}", stream.as_str())
}
