//! One delivery attempt: the webhooks over the one HTTP transport
//! (`http.rs`: proxies, the OS CA store, no redirects), e-mail over
//! `smtp.rs`; every answer classified as delivered, retry (with the
//! receiver's `Retry-After`) or dead, in a sentence that names the host,
//! never the URL.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use rustls::RootCertStore;

use super::outbox::Outcome;
use super::{render, sign, smtp, AlertEvent, ChannelKind};

/// A channel with its secrets, for one delivery (`channels::load` reads
/// it; defined here, beside the code that sends to it, so `send` and
/// `channels` do not import each other).
pub struct Loaded {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub kind: ChannelKind,
    pub url: Option<url::Url>,
    pub signing_secret: Option<scimwatch_core::Sensitive<String>>,
    pub email: Option<super::EmailSettings>,
    pub smtp_password: Option<scimwatch_core::Sensitive<String>>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A whole webhook request may take this long.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// What sends alerts: one HTTP client, the roots SMTP's TLS trusts.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    roots: Arc<RootCertStore>,
}

impl Sender {
    /// The transport's client; `roots` for SMTP (default: bundled + OS).
    pub fn new(roots: Option<Arc<RootCertStore>>) -> Result<Self, String> {
        let client = crate::http::build_client(&crate::http::TransportConfig {
            timeout: HTTP_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            pool_max_idle_per_host: Some(2),
        })?;
        Ok(Self {
            client,
            roots: roots.unwrap_or_else(smtp::default_roots),
        })
    }

    /// Try to deliver `event` to `channel` once.
    pub async fn attempt(
        &self,
        channel: &Loaded,
        event: &AlertEvent,
        now: DateTime<Utc>,
    ) -> Outcome {
        match channel.kind {
            ChannelKind::Email => self.email(channel, event).await,
            kind => self.webhook(kind, channel, event, now).await,
        }
    }

    async fn webhook(
        &self,
        kind: ChannelKind,
        channel: &Loaded,
        event: &AlertEvent,
        now: DateTime<Utc>,
    ) -> Outcome {
        let Some(url) = &channel.url else {
            return Outcome::Dead(format!(
                "the webhook URL of \u{201c}{}\u{201d} is missing from the secret store: remove \
                 the channel and add it again",
                channel.name
            ));
        };
        let host = url.host_str().unwrap_or("the receiver").to_string();
        let value = match kind {
            ChannelKind::Teams => render::teams(event),
            ChannelKind::Slack => render::slack(event),
            _ => render::webhook(event),
        };
        let body = serde_json::to_vec(&value).unwrap_or_default();
        let mut req = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(sign::IDEMPOTENCY_HEADER, &event.key)
            .header(
                sign::EVENT_HEADER,
                format!("incident.{}", event.transition.as_str()),
            );
        if kind == ChannelKind::Webhook {
            let Some(secret) = &channel.signing_secret else {
                return Outcome::Dead(format!(
                    "the signing secret of \u{201c}{}\u{201d} is missing from the secret store: \
                     remove the channel and add it again",
                    channel.name
                ));
            };
            let ts = now.timestamp();
            req = req.header(sign::TIMESTAMP_HEADER, ts.to_string()).header(
                sign::SIGNATURE_HEADER,
                sign::signature(secret.expose().as_bytes(), ts, &body),
            );
        }
        match req.body(body).send().await {
            Err(e) => Outcome::Retry {
                error: crate::http::describe_send_error(&e, url.as_str()).detail,
                after: None,
            },
            Ok(resp) => {
                let status = resp.status().as_u16();
                let after = retry_after(resp.headers(), now);
                let text = resp.text().await.unwrap_or_default();
                classify(kind, &host, status, after, &text)
            }
        }
    }

    async fn email(&self, channel: &Loaded, event: &AlertEvent) -> Outcome {
        let Some(settings) = &channel.email else {
            return Outcome::Dead("the e-mail channel has no SMTP settings".into());
        };
        let server = smtp::Server {
            host: settings.host.clone(),
            port: settings.port,
            username: settings.username.clone(),
            password: channel.smtp_password.clone(),
            roots: Arc::clone(&self.roots),
        };
        let (subject, text) = render::email(event);
        let mail = smtp::Mail {
            from: settings.from.clone(),
            to: settings.to.clone(),
            subject,
            text,
            idempotency_key: event.key.clone(),
            date: event.occurred_at,
        };
        let all = tokio::time::timeout(Duration::from_secs(120), smtp::send(&server, &mail)).await;
        match all {
            Err(_) => Outcome::Retry {
                error: format!("{}:{} took over 2 minutes", settings.host, settings.port),
                after: None,
            },
            Ok(Ok(answer)) => Outcome::Delivered(answer),
            Ok(Err(smtp::SmtpError::Transient(m))) => Outcome::Retry {
                error: m,
                after: None,
            },
            Ok(Err(smtp::SmtpError::Permanent(m))) => Outcome::Dead(m),
        }
    }
}

/// The receiver's `Retry-After`, if any, read by core's one parser
/// ([`scimwatch_core::transport::retry_after`]: seconds or an HTTP date;
/// negative or past is now). [`super::outbox::next_delay`] bounds it.
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    scimwatch_core::transport::retry_after(v, now)
}

fn excerpt(text: &str) -> String {
    let t: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(160)
        .collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        String::new()
    } else {
        format!(": \u{201c}{t}\u{201d}")
    }
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// What an HTTP answer means for the alert.
pub fn classify(
    kind: ChannelKind,
    host: &str,
    status: u16,
    after: Option<Duration>,
    body: &str,
) -> Outcome {
    let said = format!("{status} {}{}", reason(status), excerpt(body));
    let said = said.trim().to_string();
    match status {
        200..=299 => Outcome::Delivered(format!("{status} {}", reason(status))),
        429 => Outcome::Retry {
            error: format!("{host} asks to slow down ({said}); retrying later"),
            after,
        },
        408 | 425 | 500..=599 => Outcome::Retry {
            error: format!("{host} answered {said}; retrying later"),
            after,
        },
        300..=399 => Outcome::Dead(format!(
            "{host} answered {status} (a redirect); scimwatch does not follow redirects: give \
             the final URL"
        )),
        404 | 410 => Outcome::Dead(match kind {
            ChannelKind::Teams => format!(
                "{host} answered {said}: the workflow was deleted or turned off, or its URL \
                 changed; turn it on or add the channel again with its new URL"
            ),
            ChannelKind::Slack => format!(
                "Slack answered {said}: the webhook was removed or its channel archived; create \
                 a new incoming webhook and add the channel again"
            ),
            _ => format!("{host} answered {said}: check the webhook URL"),
        }),
        401 | 403 => Outcome::Dead(match kind {
            ChannelKind::Webhook => format!(
                "{host} refused the alert ({said}): check that the receiver verifies \
                 X-Scimwatch-Signature with the same signing secret"
            ),
            _ => format!(
                "{host} refused the alert ({said}): the URL's token is wrong or was revoked; \
                 add the channel again with a fresh URL"
            ),
        }),
        400 | 413 | 415 | 422 => {
            Outcome::Dead(format!("{host} refused the alert as invalid ({said})"))
        }
        _ => Outcome::Dead(format!("{host} refused the alert ({said})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn answers_become_delivered_retry_or_dead() {
        let k = ChannelKind::Webhook;
        assert_eq!(
            classify(k, "h", 202, None, ""),
            Outcome::Delivered("202 Accepted".into())
        );
        let r = classify(k, "h", 429, Some(Duration::from_secs(7)), "");
        assert!(
            matches!(&r, Outcome::Retry { after: Some(d), error } if d.as_secs() == 7 && error.contains("slow down")),
            "{r:?}"
        );
        assert!(matches!(
            classify(k, "h", 503, None, "busy"),
            Outcome::Retry { .. }
        ));
        let dead = classify(
            ChannelKind::Slack,
            "hooks.slack.com",
            410,
            None,
            "channel_is_archived",
        );
        assert!(
            matches!(&dead, Outcome::Dead(m) if m.contains("channel_is_archived") && m.contains("archived")),
            "{dead:?}"
        );
        let teams = classify(ChannelKind::Teams, "x.logic.azure.com", 404, None, "");
        assert!(
            matches!(&teams, Outcome::Dead(m) if m.contains("workflow")),
            "{teams:?}"
        );
        let sig = classify(k, "h", 401, None, "bad signature");
        assert!(
            matches!(&sig, Outcome::Dead(m) if m.contains("signing secret")),
            "{sig:?}"
        );
        assert!(
            matches!(classify(k, "h", 302, None, ""), Outcome::Dead(m) if m.contains("redirect"))
        );
        assert!(
            matches!(classify(k, "h", 400, None, "invalid_payload"), Outcome::Dead(m) if m.contains("invalid_payload"))
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, "30".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(
            RETRY_AFTER,
            "Sat, 28 Nov 2026 12:01:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(60)));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }
}
