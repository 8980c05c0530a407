//! Each Graph stream has its own health (issue 17, defect 4): the job, the
//! configuration (schema, assignments, settings) and the provisioning logs
//! are read separately, and a failure of one says nothing about the others.
//! Only the job stream decides whether the connection is blind; a throttled
//! log stream is "logs delayed until HH:MM (throttled)".
//!
//! Pure: every function takes `now` (and the local offset when it renders a
//! time of day).

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::format::fmt_hhmm;
use super::{Finding, FindingKind, Severity};

/// One of the Graph streams the poller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GraphStream {
    /// The provisioning job's status (and app discovery).
    #[serde(rename = "graph_job")]
    Job,
    /// Schema, assignments and settings.
    #[serde(rename = "graph_config")]
    Config,
    /// The provisioning logs.
    #[serde(rename = "graph_logs")]
    Logs,
}

impl GraphStream {
    /// Short name for the admin: `job`, `configuration`, `logs`.
    pub fn label(self) -> &'static str {
        match self {
            GraphStream::Job => "job",
            GraphStream::Config => "configuration",
            GraphStream::Logs => "logs",
        }
    }
}

/// Why a stream could not be read, from Graph's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamProblem {
    /// HTTP 429: Graph asked scimwatch to wait (`Retry-After`).
    Throttled,
    /// No answer: DNS, connection, TLS, timeout.
    Unreachable,
    /// HTTP 5xx.
    ServerError,
    /// An answer that is not the JSON expected (HTML page, cut, looping pages).
    BadAnswer,
    /// HTTP 401: the sign-in was refused.
    Refused,
    /// A permission or directory role is missing (403, or the
    /// synchronization API's 401 with an empty message).
    Denied,
    /// HTTP 404 (or app discovery found no app or job).
    NotFound,
    /// Not available in this tenant (provisioning logs without P1/P2).
    Unavailable,
    /// scimwatch's own side failed (its database, the secret store): the
    /// stream was not read or not kept, and Microsoft Graph is not to blame.
    Local,
    /// Anything else.
    Other,
}

impl StreamProblem {
    /// snake_case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamProblem::Throttled => "throttled",
            StreamProblem::Unreachable => "unreachable",
            StreamProblem::ServerError => "server_error",
            StreamProblem::BadAnswer => "bad_answer",
            StreamProblem::Refused => "refused",
            StreamProblem::Denied => "denied",
            StreamProblem::NotFound => "not_found",
            StreamProblem::Unavailable => "unavailable",
            StreamProblem::Local => "local",
            StreamProblem::Other => "other",
        }
    }
}

/// The last recorded health of one stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHealth {
    pub stream: GraphStream,
    /// When the stream was last read successfully.
    #[serde(default)]
    pub last_ok: Option<DateTime<Utc>>,
    /// Failing since (unset while it reads fine).
    #[serde(default)]
    pub failing_since: Option<DateTime<Utc>>,
    /// `None`: the last read succeeded.
    #[serde(default)]
    pub problem: Option<StreamProblem>,
    /// The HTTP status Graph answered, when it answered.
    #[serde(default)]
    pub http_status: Option<u16>,
    /// Why, in plain words (never a secret).
    #[serde(default)]
    pub reason: Option<String>,
    /// Not read again before this (Graph's `Retry-After` or the backoff).
    #[serde(default)]
    pub retry_at: Option<DateTime<Utc>>,
}

impl StreamHealth {
    /// Read successfully at `now`.
    pub fn ok(stream: GraphStream, now: DateTime<Utc>) -> StreamHealth {
        StreamHealth {
            stream,
            last_ok: Some(now),
            failing_since: None,
            problem: None,
            http_status: None,
            reason: None,
            retry_at: None,
        }
    }

    /// Read at `now`, but the tenant does not offer it (no P1/P2 licence).
    pub fn unavailable(stream: GraphStream, reason: &str, now: DateTime<Utc>) -> StreamHealth {
        StreamHealth {
            problem: Some(StreamProblem::Unavailable),
            reason: Some(reason.to_string()),
            ..StreamHealth::ok(stream, now)
        }
    }

    /// Failed at `now`; keeps the last success and the start of the failure
    /// series from `previous`.
    pub fn failed(
        previous: Option<&StreamHealth>,
        stream: GraphStream,
        problem: StreamProblem,
        http_status: Option<u16>,
        reason: &str,
        retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StreamHealth {
        let previous = previous.filter(|p| p.stream == stream);
        StreamHealth {
            stream,
            last_ok: previous.and_then(|p| p.last_ok),
            failing_since: Some(
                previous
                    .filter(|p| p.is_failing())
                    .and_then(|p| p.failing_since)
                    .unwrap_or(now),
            ),
            problem: Some(problem),
            http_status,
            reason: Some(reason.to_string()),
            retry_at: Some(retry_at),
        }
    }

    /// The last read failed (an unavailable stream is not failing).
    pub fn is_failing(&self) -> bool {
        self.problem
            .is_some_and(|p| p != StreamProblem::Unavailable)
    }

    /// Whether this makes the connection blind: only the job stream does,
    /// and not when Graph refused it for lack of a permission (that is said
    /// as such, see `GraphDenied`).
    pub fn blinds_connection(&self) -> bool {
        self.stream == GraphStream::Job
            && self.is_failing()
            && self.problem != Some(StreamProblem::Denied)
    }

    /// While throttled: the time the stream is read again, if still ahead.
    pub fn delayed_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.problem == Some(StreamProblem::Throttled))
            .then_some(self.retry_at)
            .flatten()
            .filter(|t| *t > now)
    }
}

/// When a failed stream is read again (pure): `now` plus the longer of the
/// backoff and Graph's `Retry-After`.
pub fn retry_at(
    now: DateTime<Utc>,
    backoff: std::time::Duration,
    retry_after: Option<std::time::Duration>,
) -> DateTime<Utc> {
    let wait = retry_after.map_or(backoff, |r| r.max(backoff));
    let wait = Duration::from_std(wait).unwrap_or(Duration::MAX);
    now.checked_add_signed(wait)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// What to do about a failing stream, for the admin. `connection` is the
/// connection's name as the CLI takes it (a placeholder when not given).
pub fn stream_hint(h: &StreamHealth, connection: Option<&str>) -> Option<String> {
    let problem = h.problem?;
    let connection = connection
        .map(|c| format!("\"{c}\""))
        .unwrap_or_else(|| "<connection>".into());
    let discover = format!("scimwatch-cli discover-app {connection}");
    let text = match (h.stream, problem) {
        (GraphStream::Job, StreamProblem::NotFound) => format!(
            "the app's provisioning job may have been deleted or the app id is wrong: re-run app \
discovery (`{discover}`) and check the connection's enterprise app"
        ),
        (GraphStream::Config, StreamProblem::NotFound) => format!(
            "the job's schema or settings were not found: re-run app discovery (`{discover}`)"
        ),
        (_, StreamProblem::Refused) => format!(
            "sign in again (\u{201c}Sign in\u{2026}\u{201d} on the app's Connections page, or \
`scimwatch-cli sign-in {connection}`) or check the client secret or certificate"
        ),
        (GraphStream::Logs, StreamProblem::Denied) => {
            "grant AuditLog.Read.All (admin consent) or a role such as Reports Reader".into()
        }
        (_, StreamProblem::Denied) => "grant Synchronization.Read.All and Application.Read.All \
(admin consent), or a role such as Application Administrator"
            .into(),
        (_, StreamProblem::Unreachable) => {
            "check this computer's network and proxy; scimwatch retries".into()
        }
        (_, StreamProblem::ServerError) => {
            "a Microsoft Graph outage; scimwatch retries (see the Microsoft 365 service health)"
                .into()
        }
        (_, StreamProblem::BadAnswer) => {
            "a proxy or gateway may be answering instead of Microsoft Graph; scimwatch retries"
                .into()
        }
        (_, StreamProblem::Local) => "a problem on this computer, not in Microsoft Graph (the \
database or the secret store): scimwatch retries at the next poll; `scimwatch-cli info` shows the \
data folder"
            .into(),
        (GraphStream::Logs, StreamProblem::Unavailable) => {
            "provisioning logs need Entra ID P1 or P2; the job is still watched".into()
        }
        (GraphStream::Logs, StreamProblem::NotFound)
        | (_, StreamProblem::Throttled | StreamProblem::Unavailable | StreamProblem::Other) => {
            return None
        }
    };
    Some(text)
}

/// One line for the admin, e.g. `logs: delayed until 14:05 (throttled)` or
/// `job: could not read — Graph answered 404: …; <what to do>`. Times of day
/// are in `offset` (the admin's local time). Never "ok" for a stream whose
/// last read failed.
pub fn stream_line(
    h: &StreamHealth,
    connection: &str,
    offset: FixedOffset,
    now: DateTime<Utc>,
) -> String {
    let name = h.stream.label();
    let last = h
        .last_ok
        .map(|t| format!(" (last read {})", when(t, offset, now)))
        .unwrap_or_default();
    let Some(problem) = h.problem else {
        return match h.last_ok {
            Some(t) => format!("{name}: read {}", when(t, offset, now)),
            None => format!("{name}: not read yet"),
        };
    };
    let reason = h.reason.as_deref().unwrap_or("no reason given");
    if problem == StreamProblem::Unavailable {
        return format!("{name}: unavailable — {reason}");
    }
    if problem == StreamProblem::Throttled {
        return match h.delayed_until(now) {
            Some(t) => format!(
                "{name}: delayed until {} (throttled){last}",
                fmt_hhmm(t, offset)
            ),
            None => {
                format!("{name}: throttled by Microsoft Graph; read again at the next poll{last}")
            }
        };
    }
    let answered = match h.http_status {
        Some(s) => format!("Graph answered {s}: "),
        None => String::new(),
    };
    let hint = stream_hint(h, Some(connection))
        .map(|x| format!("; {x}"))
        .unwrap_or_default();
    format!("{name}: could not read — {answered}{reason}{hint}{last}")
}

/// `HH:MM` today, else the date too.
fn when(t: DateTime<Utc>, offset: FixedOffset, now: DateTime<Utc>) -> String {
    let (a, b) = (t.with_timezone(&offset), now.with_timezone(&offset));
    if a.date_naive() == b.date_naive() {
        fmt_hhmm(t, offset)
    } else {
        a.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// A blind finding whose job stream got a specific answer from Graph (404,
/// 401, 429, another status): it names the answer and what to do instead
/// of "cannot reach" and network advice.
pub(super) fn job_stream_finding(mut f: Finding, h: &StreamHealth) -> Finding {
    let answered = matches!(
        h.problem,
        Some(
            StreamProblem::NotFound
                | StreamProblem::Refused
                | StreamProblem::Throttled
                | StreamProblem::Local
                | StreamProblem::Other
        )
    );
    if !answered {
        return f;
    }
    f.title = match h.http_status {
        Some(s) => format!(
            "scimwatch cannot read the provisioning job: Microsoft Graph answered {s} (monitor blind)"
        ),
        None => "scimwatch cannot read the provisioning job (monitor blind)".into(),
    };
    let what = match h.problem {
        Some(StreamProblem::Throttled) => {
            "Microsoft Graph is throttling scimwatch's reads of the job; scimwatch waits as asked \
and reads it again."
                .to_string()
        }
        _ => stream_hint(h, None)
            .map(|x| {
                let mut c = x.chars();
                let first: String = c
                    .next()
                    .map(|f| f.to_uppercase().collect())
                    .unwrap_or_default();
                format!("{first}{}.", c.as_str())
            })
            .unwrap_or_else(|| "Check the connection's enterprise app and sign-in.".into()),
    };
    f.action =
        format!("{what} Until the job is read again this says nothing about provisioning itself.");
    if let Some(s) = h.http_status {
        f = f.with("Graph answered", format!("HTTP {s}"));
    }
    f
}

/// Graph refuses scimwatch the provisioning logs for lack of a permission
/// or role: a `logs_unavailable` finding that names what to grant (never
/// `graph_blind`: the job is still read and judged).
/// Takes the streams' health alone (not `Observations`, which holds it), so
/// `streams` and `observations` do not import each other.
pub(super) fn logs_denied_finding(streams: &[StreamHealth]) -> Option<Finding> {
    let h = streams
        .iter()
        .find(|h| h.stream == GraphStream::Logs && h.problem == Some(StreamProblem::Denied))?;
    let mut f = Finding::new(
        FindingKind::LogsUnavailable,
        Severity::Warning,
        "scimwatch is not allowed to read the provisioning logs",
        "Grant scimwatch's app registration AuditLog.Read.All (admin consent), or a signed-in \
admin a role such as Reports Reader or Security Reader; then sign in again. Until then scimwatch \
judges health from the job status only: failure details, skips and conflicts stay unknown.",
    );
    if let Some(r) = &h.reason {
        f = f.with("Graph said", r.clone());
    }
    f.since = h.failing_since;
    Some(f)
}

#[cfg(test)]
mod tests;
