//! Each Graph stream's own health, stored in `poll_state` (issue 17,
//! defect 4): stream `health:<stream>` (`health:graph_job`, …),
//! `watermark_ms` = failing since (NULL while it reads fine), `cursor` =
//! core's [`StreamHealth`] as JSON. Only the job stream decides whether the
//! connection is blind; a throttled or refused log stream is recorded here
//! and nowhere else.

use std::time::Duration;

use chrono::{DateTime, Utc};
use scimwatch_core::health::{retry_at, GraphStream, StreamHealth, StreamProblem};
use sqlx::SqlitePool;

use super::Stream;
use crate::error::EngineError;
use crate::graph::GraphError;
use crate::store::jobs;

/// `poll_state.stream` of `stream`'s health.
pub fn health_key(stream: Stream) -> String {
    format!("health:{}", stream.as_str())
}

/// Core's name of an engine stream.
pub fn core_stream(stream: Stream) -> GraphStream {
    match stream {
        Stream::GraphJob => GraphStream::Job,
        Stream::GraphConfig => GraphStream::Config,
        Stream::GraphLogs => GraphStream::Logs,
    }
}

/// What kind of failure `e` is, and the HTTP status Graph answered (when it did).
pub fn classify(e: &GraphError) -> (StreamProblem, Option<u16>) {
    use GraphError::*;
    match e {
        Throttled { .. } => (StreamProblem::Throttled, Some(429)),
        Unreachable { .. } | Timeout { .. } => (StreamProblem::Unreachable, None),
        ServerError { status, .. } => (StreamProblem::ServerError, Some(*status)),
        Html { status, .. } => (StreamProblem::BadAnswer, Some(*status)),
        Malformed { .. } | TooLarge { .. } | NextLinkLoop { .. } => {
            (StreamProblem::BadAnswer, None)
        }
        Unauthorized { .. } => (StreamProblem::Refused, Some(401)),
        NotSignedIn(_) | ConsentRequired { .. } | SignIn { .. } | SignInAborted(_) => {
            (StreamProblem::Refused, None)
        }
        // The synchronization API's missing-role answer is a 401 (its code says so).
        MissingRole { code, .. } if code.starts_with("HTTP 401") => {
            (StreamProblem::Denied, Some(401))
        }
        MissingRole { .. } => (StreamProblem::Denied, Some(403)),
        NotFound(_) => (StreamProblem::NotFound, Some(404)),
        AppNotFound(_) | NoProvisioningJob(_) => (StreamProblem::NotFound, None),
        LogsUnlicensed => (StreamProblem::Unavailable, Some(403)),
        Http { status, .. } => (StreamProblem::Other, Some(*status)),
        Storage(_) | Secret(_) => (StreamProblem::Local, None),
        InsecureUrl(_) | Config(_) | AppAmbiguous { .. } => (StreamProblem::Other, None),
    }
}

/// The recorded health of one stream (`None`: never recorded, or unreadable).
pub async fn load(pool: &SqlitePool, connection_id: i64, stream: Stream) -> Option<StreamHealth> {
    let row = jobs::get_poll_state(pool, connection_id, &health_key(stream))
        .await
        .ok()
        .flatten()?;
    serde_json::from_str(row.cursor.as_deref()?).ok()
}

/// Every stream's recorded health, in [`Stream::GRAPH`] order.
pub async fn load_all(
    pool: &SqlitePool,
    connection_id: i64,
) -> Result<Vec<StreamHealth>, EngineError> {
    let mut out = Vec::new();
    for stream in Stream::GRAPH {
        let Some(row) = jobs::get_poll_state(pool, connection_id, &health_key(stream)).await?
        else {
            continue;
        };
        // A record this version cannot read is skipped, never guessed at.
        if let Some(h) = row
            .cursor
            .as_deref()
            .and_then(|c| serde_json::from_str::<StreamHealth>(c).ok())
        {
            out.push(h);
        }
    }
    Ok(out)
}

async fn store(pool: &SqlitePool, connection_id: i64, stream: Stream, h: &StreamHealth) {
    let json = match serde_json::to_string(h) {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, "poller: cannot encode stream health");
            return;
        }
    };
    let since = h
        .is_failing()
        .then_some(h.failing_since)
        .flatten()
        .map(|t| t.timestamp_millis());
    let now_ms = Utc::now().timestamp_millis();
    if let Err(e) = jobs::set_poll_state(
        pool,
        connection_id,
        &health_key(stream),
        since,
        Some(&json),
        now_ms,
    )
    .await
    {
        tracing::warn!(error = %e, stream = stream.as_str(), "poller: cannot record stream health");
    }
}

/// `stream` was read at `now` (`unavailable`: read, but the tenant does not
/// offer it, with why).
pub async fn record_ok(
    pool: &SqlitePool,
    connection_id: i64,
    stream: Stream,
    unavailable: Option<&str>,
    now: DateTime<Utc>,
) {
    let s = core_stream(stream);
    let h = match unavailable {
        Some(why) => StreamHealth::unavailable(s, why, now),
        None => StreamHealth::ok(s, now),
    };
    store(pool, connection_id, stream, &h).await;
}

/// `stream` failed at `now` with `e`; it is read again after `delay` (the
/// backoff, already at least Graph's `Retry-After`). Returns the record.
pub async fn record_failed(
    pool: &SqlitePool,
    connection_id: i64,
    stream: Stream,
    e: &GraphError,
    delay: Duration,
    now: DateTime<Utc>,
) -> StreamHealth {
    let previous = load(pool, connection_id, stream).await;
    let (problem, status) = classify(e);
    let retry_after = match e {
        GraphError::Throttled { retry_after, .. } => *retry_after,
        _ => None,
    };
    let h = StreamHealth::failed(
        previous.as_ref(),
        core_stream(stream),
        problem,
        status,
        &e.to_string(),
        retry_at(now, delay, retry_after),
        now,
    );
    store(pool, connection_id, stream, &h).await;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_answers_are_classified_with_their_status() {
        let throttled = GraphError::Throttled {
            path: "/auditLogs/provisioning".into(),
            retry_after: Some(Duration::from_secs(600)),
        };
        assert_eq!(classify(&throttled), (StreamProblem::Throttled, Some(429)));
        assert_eq!(
            classify(&GraphError::NotFound("the job".into())),
            (StreamProblem::NotFound, Some(404))
        );
        let refused = GraphError::Unauthorized {
            code: "InvalidAuthenticationToken".into(),
            message: "expired".into(),
        };
        assert_eq!(classify(&refused), (StreamProblem::Refused, Some(401)));
        let forbidden = GraphError::MissingRole {
            what: "the job".into(),
            needs: "x".into(),
            code: "Authorization_RequestDenied".into(),
        };
        assert_eq!(classify(&forbidden), (StreamProblem::Denied, Some(403)));
        let unknown_401 = GraphError::unauthorized(
            crate::graph::client::Family::Synchronization,
            "the job",
            Some("UnknownError".into()),
            String::new(),
        );
        assert_eq!(classify(&unknown_401), (StreamProblem::Denied, Some(401)));
        assert_eq!(
            classify(&GraphError::LogsUnlicensed).0,
            StreamProblem::Unavailable
        );
        let down = GraphError::Timeout {
            host: "graph".into(),
            secs: 10,
        };
        assert_eq!(classify(&down), (StreamProblem::Unreachable, None));
        // scimwatch's own database failing is not Graph's answer.
        let locked = GraphError::Storage(EngineError::Storage(sqlx::Error::PoolTimedOut));
        assert_eq!(classify(&locked), (StreamProblem::Local, None));
    }

    #[test]
    fn keys_name_the_stream() {
        assert_eq!(health_key(Stream::GraphLogs), "health:graph_logs");
        assert_eq!(core_stream(Stream::GraphJob), GraphStream::Job);
    }
}
