//! Alerts beyond the desktop against local receivers (issue 21, item 3): an
//! incident goes through the persistent outbox to a signed webhook, Teams
//! and Slack (HTTP servers started here) and e-mail (an SMTP sink started
//! here, with STARTTLS); retries honour `Retry-After`, refusals become dead
//! letters that can be retried, a hanging receiver delays no diagnosis.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::receiver;
use crate::smtp_sink;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use receiver::{Answer, Receiver};
use scimwatch_core::health::{
    MappingsObservation, Observations, ScimCheckObservation, Severity, Verdict,
};
use scimwatch_core::{ConnectionInput, Sensitive};
use scimwatch_engine::alerts::deliver::{DeliverOptions, Deliverer};
use scimwatch_engine::alerts::{self, outbox, sign, AlertChannelInput, ChannelKind, EmailSettings};
use scimwatch_engine::connections::{add, SecretsInput};
use scimwatch_engine::diagnose::{diagnose, DiagnosisConfig};
use scimwatch_engine::notify::RecordingNotifier;
use scimwatch_engine::secrets::MemoryStore;
use scimwatch_engine::{Engine, Store};

async fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_file(&dir.path().join("scimwatch.db"))
        .await
        .unwrap();
    let e = Engine::from_parts(store, Arc::new(MemoryStore::new()), dir.path().into());
    (dir, e)
}

async fn connection(e: &Engine, name: &str) -> String {
    add(
        &e.store,
        e.secrets.as_ref(),
        &ConnectionInput {
            name: name.into(),
            scim_url: Some(format!(
                "https://{}.example.com/scim/v2",
                name.to_lowercase()
            )),
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
    .unwrap()
    .connection
    .id
}

fn scim(ok: bool, now: DateTime<Utc>) -> Observations {
    Observations {
        scim_check: Some(ScimCheckObservation {
            ok,
            verdict: if ok {
                Verdict::Ok
            } else {
                Verdict::Unauthorized
            },
            http_status: Some(if ok { 200 } else { 401 }),
            checked_at: now,
            message: None,
        }),
        mappings: ok.then(MappingsObservation::default),
        ..Default::default()
    }
}

async fn run(e: &Engine, conn: &str, ok: bool, now: DateTime<Utc>) -> Duration {
    let started = Instant::now();
    let utc = FixedOffset::east_opt(0).unwrap();
    diagnose(
        &e.store,
        conn,
        &scim(ok, now),
        &DiagnosisConfig::default(),
        utc,
        now,
        &RecordingNotifier::new(),
    )
    .await
    .unwrap();
    started.elapsed()
}

fn webhook(name: &str, url: &str) -> AlertChannelInput {
    AlertChannelInput {
        name: name.into(),
        kind: ChannelKind::Webhook,
        url: Some(Sensitive::new(url.into())),
        signing_secret: Some(Sensitive::new("0123456789abcdef-signing".into())),
        email: None,
        smtp_password: None,
        min_severity: Severity::Warning,
        connections: vec![],
    }
}

fn deliverer(e: &Engine) -> Deliverer {
    Deliverer::spawn(
        e.clone(),
        DeliverOptions {
            tick: Duration::from_millis(100),
            roots: None,
        },
    )
}

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn t0() -> DateTime<Utc> {
    Utc::now()
}

#[tokio::test]
async fn an_incident_reaches_a_signed_webhook_once_after_a_503_with_retry_after() {
    let (_d, e) = engine().await;
    let conn = connection(&e, "Acme").await;
    let rx = Receiver::start().await;
    rx.script(vec![Answer::status(503).retry_after("1")]);
    alerts::add(&e, &webhook("ops", &rx.url("/hook")), t0())
        .await
        .unwrap();

    // In the past: the deliverer sends what is due by the real clock.
    let now = t0() - chrono::Duration::minutes(30);
    run(&e, &conn, false, now).await;
    let d = deliverer(&e);
    until("the opening accepted", || rx.accepted().len() == 1).await;
    let got = rx.received();
    assert_eq!(got[0].status, 503);
    assert_eq!(got.len(), 2, "one retry after Retry-After: 1");
    let ok = &got[1];
    assert_eq!(
        ok.header("idempotency-key"),
        got[0].header("idempotency-key")
    );
    let key = ok.header("idempotency-key").unwrap().to_string();
    assert!(
        key.starts_with("incident-") && key.ends_with("-opened"),
        "{key}"
    );
    sign::verify(
        b"0123456789abcdef-signing",
        ok.header("x-scimwatch-timestamp").unwrap(),
        ok.header("x-scimwatch-signature").unwrap(),
        &ok.body,
        Utc::now().timestamp(),
    )
    .expect("the signature verifies");
    let body = ok.json();
    assert_eq!(body["type"], "incident.opened");
    assert_eq!(body["incident"]["severity"], "critical");
    assert_eq!(body["connection"]["name"], "Acme");
    assert_eq!(ok.header("x-scimwatch-event"), Some("incident.opened"));

    // The same problem again: no alert (the desktop policy's dedupe).
    run(&e, &conn, false, now + chrono::Duration::minutes(5)).await;
    // Recovered: one more alert, its own key.
    run(&e, &conn, true, now + chrono::Duration::minutes(10)).await;
    until("the recovery accepted", || rx.accepted().len() == 2).await;
    let rec = &rx.accepted()[1];
    assert_eq!(rec.json()["type"], "incident.recovered");
    assert_eq!(
        rec.header("idempotency-key").unwrap(),
        key.replace("-opened", "-recovered")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.accepted().len(), 2, "nothing sent twice");
    let list = alerts::list(&e).await.unwrap();
    assert_eq!((list[0].pending, list[0].dead), (0, 0));
    assert!(list[0].last_delivered_at.is_some());
    assert!(d.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn teams_and_slack_get_their_formats_routed_by_severity_and_connection() {
    let (_d, e) = engine().await;
    let acme = connection(&e, "Acme").await;
    let other = connection(&e, "Globex").await;
    let teams = Receiver::start().await;
    let slack = Receiver::start().await;
    let only_info = Receiver::start().await;
    let base = |name: &str, kind, url: String| AlertChannelInput {
        name: name.into(),
        kind,
        url: Some(Sensitive::new(url)),
        signing_secret: None,
        email: None,
        smtp_password: None,
        min_severity: Severity::Critical,
        connections: vec![],
    };
    // A Teams URL pasted with a line break in it: mended, and said so.
    let added = alerts::add(
        &e,
        &base(
            "teams",
            ChannelKind::Teams,
            format!("{}\n   /flow", teams.url("/work")),
        ),
        t0(),
    )
    .await
    .unwrap();
    assert!(added.notes[0].contains("removed"), "{:?}", added.notes);
    assert_eq!(
        added.channel.target,
        format!("http://127.0.0.1:{}/…", teams.port)
    );
    alerts::add(
        &e,
        &AlertChannelInput {
            connections: vec!["Acme".into()],
            ..base("slack", ChannelKind::Slack, slack.url("/services/T/B/x"))
        },
        t0(),
    )
    .await
    .unwrap();
    // Routed to the other connection only: gets nothing from Acme.
    alerts::add(
        &e,
        &AlertChannelInput {
            connections: vec![other.clone()],
            min_severity: Severity::Info,
            ..base(
                "globex only",
                ChannelKind::Slack,
                only_info.url("/services/T/B/y"),
            )
        },
        t0(),
    )
    .await
    .unwrap();
    run(&e, &acme, false, t0()).await;
    let d = deliverer(&e);
    until("teams and slack", || {
        teams.accepted().len() == 1 && slack.accepted().len() == 1
    })
    .await;
    let card = teams.accepted()[0].json();
    assert_eq!(teams.accepted()[0].path, "/work/flow");
    assert_eq!(
        card["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    let blocks = slack.accepted()[0].json();
    assert_eq!(blocks["blocks"][0]["type"], "header");
    assert!(blocks["text"].as_str().unwrap().starts_with("Acme — "));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(only_info.received().is_empty(), "routed by connection");
    d.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn refusals_are_dead_letters_kept_visible_and_retried_by_hand() {
    let (_d, e) = engine().await;
    let conn = connection(&e, "Acme").await;
    let rx = Receiver::start().await;
    rx.script(vec![Answer::status(410).body("channel_is_archived")]);
    alerts::add(&e, &webhook("ops", &rx.url("/hook")), t0())
        .await
        .unwrap();
    run(&e, &conn, false, t0()).await;
    let d = deliverer(&e);
    until("refused once", || rx.received().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dead = outbox::dead_letters(e.store.pool(), 10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].last_error.contains("410"), "{}", dead[0].last_error);
    assert!(dead[0].summary.starts_with("Acme — "));
    let listed = alerts::list(&e).await.unwrap();
    assert_eq!(listed[0].dead, 1);
    assert!(listed[0].last_error.as_deref().unwrap().contains("410"));
    assert_eq!(
        rx.received().len(),
        1,
        "a dead letter is not retried by itself"
    );

    assert_eq!(
        outbox::retry_dead(e.store.pool(), Some(dead[0].id), None, Utc::now())
            .await
            .unwrap(),
        1
    );
    until("delivered after the retry", || rx.accepted().len() == 1).await;
    assert_eq!(
        rx.accepted()[0].header("idempotency-key"),
        Some(dead[0].idempotency_key.as_str())
    );
    d.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_hanging_or_unreachable_receiver_delays_no_diagnosis_and_loses_nothing() {
    let (_d, e) = engine().await;
    let conn = connection(&e, "Acme").await;
    // Accepts and never answers.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_port = hang.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hang.accept().await {
            held.push(s);
        }
    });
    // Nobody listens.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    alerts::add(
        &e,
        &webhook("hangs", &format!("http://127.0.0.1:{hang_port}/x")),
        t0(),
    )
    .await
    .unwrap();
    alerts::add(
        &e,
        &webhook("closed", &format!("http://127.0.0.1:{closed}/x")),
        t0(),
    )
    .await
    .unwrap();
    let d = deliverer(&e);
    let now = t0() - chrono::Duration::minutes(10);
    let mut slowest = Duration::ZERO;
    for i in 0..5 {
        let took = run(&e, &conn, i % 2 == 1, now + chrono::Duration::minutes(i)).await;
        slowest = slowest.max(took);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        slowest < Duration::from_secs(2),
        "a diagnosis took {slowest:?}"
    );
    let start = Instant::now();
    loop {
        let list = alerts::list(&e).await.unwrap();
        let closed = list.iter().find(|c| c.name == "closed").unwrap();
        if let Some(m) = &closed.last_error {
            assert!(m.contains("refused the connection"), "{m}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no error recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let list = alerts::list(&e).await.unwrap();
    let hangs = list.iter().find(|c| c.name == "hangs").unwrap();
    assert_eq!(hangs.pending, 5, "every alert kept: {hangs:?}");
    d.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_channels_secrets_stay_out_of_the_database_and_its_errors() {
    let (dir, e) = engine().await;
    let added = alerts::add(
        &e,
        &webhook(
            "ops",
            "https://alerts.example.com/hook?token=TOPSECRET-TOKEN-42",
        ),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(added.channel.target, "https://alerts.example.com/…");
    let shown = serde_json::to_string(&alerts::list(&e).await.unwrap()).unwrap();
    assert!(
        !shown.contains("TOPSECRET") && !shown.contains("signing"),
        "{shown}"
    );
    e.store.close().await;
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("TOPSECRET") && !text.contains("0123456789abcdef-signing"));
    }

    let (_d2, e) = engine().await;
    let err = alerts::add(
        &e,
        &webhook("x", "http://alerts.example.com/hook?token=TOPSECRET"),
        t0(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("plain http to alerts.example.com is refused"),
        "{err}"
    );
    assert!(!err.contains("TOPSECRET"), "{err}");
    let short = AlertChannelInput {
        signing_secret: Some(Sensitive::new("short".into())),
        ..webhook("y", "https://alerts.example.com/hook")
    };
    let err = alerts::add(&e, &short, t0()).await.unwrap_err().to_string();
    assert!(err.contains("at least 16 characters"), "{err}");
    let err = alerts::add(&e, &webhook("z", "https://a.example.com/h"), t0())
        .await
        .and(alerts::add(&e, &webhook("Z", "https://a.example.com/h"), t0()).await)
        .unwrap_err()
        .to_string();
    assert!(err.contains("exists"), "{err}");
}

fn email_input(host: &str, port: u16, user: Option<&str>) -> AlertChannelInput {
    AlertChannelInput {
        name: "mail".into(),
        kind: ChannelKind::Email,
        url: None,
        signing_secret: None,
        email: Some(EmailSettings {
            host: host.into(),
            port,
            username: user.map(str::to_string),
            from: "scimwatch@example.com".into(),
            to: vec!["ops@example.com".into(), "oncall@example.com".into()],
        }),
        smtp_password: user.map(|_| Sensitive::new("smtp-pass-1".into())),
        min_severity: Severity::Warning,
        connections: vec![],
    }
}

fn roots(ca: &[u8]) -> Arc<rustls::RootCertStore> {
    let mut r = rustls::RootCertStore::empty();
    r.add(rustls::pki_types::CertificateDer::from(ca.to_vec()))
        .unwrap();
    Arc::new(r)
}

#[tokio::test]
async fn an_incident_is_mailed_over_starttls_with_auth_exactly_once() {
    let (acceptor, ca) = smtp_sink::tls_for_localhost();
    let sink = smtp_sink::start(
        "127.0.0.1",
        smtp_sink::SinkConfig {
            tls: Some(acceptor),
            refuse_starttls: None,
            auth: true,
        },
        Some(ca.clone()),
    )
    .await;
    let (_d, e) = engine().await;
    let conn = connection(&e, "Acme").await;
    alerts::add(
        &e,
        &email_input("localhost", sink.port, Some("alerts")),
        t0(),
    )
    .await
    .unwrap();
    run(&e, &conn, false, t0()).await;
    let d = Deliverer::spawn(
        e.clone(),
        DeliverOptions {
            tick: Duration::from_millis(100),
            roots: Some(roots(&ca)),
        },
    );
    until("mailed", || !sink.delivered.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got = sink.delivered.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert!(m.tls, "sent after STARTTLS");
    assert_eq!(m.auth.as_deref(), Some("alerts:smtp-pass-1"));
    assert_eq!(m.from, "<scimwatch@example.com> BODY=8BITMIME");
    assert_eq!(m.to, vec!["<ops@example.com>", "<oncall@example.com>"]);
    assert!(m.data.contains("Subject: =?UTF-8?B?"), "{}", m.data);
    assert!(m.data.contains("Message-ID: <incident-"), "{}", m.data);
    assert!(
        m.data.contains("\r\n\r\nAcme — Test Connection fails"),
        "{}",
        m.data
    );
    assert!(!m.data.contains("\n.\r\n") && m.data.ends_with("\r\n"));
    d.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn dot_stuffed_data_and_plain_smtp_only_on_loopback() {
    use scimwatch_engine::alerts::smtp::{self, Mail, Server, SmtpError};
    let plain = smtp_sink::SinkConfig {
        tls: None,
        refuse_starttls: None,
        auth: false,
    };
    let mail = Mail {
        from: "scimwatch@example.com".into(),
        to: vec!["ops@example.com".into()],
        subject: "test".into(),
        text: "first\n.hidden line\n.\nlast".into(),
        idempotency_key: "test-1".into(),
        date: Utc::now(),
    };
    let server = |host: &str, port| Server {
        host: host.into(),
        port,
        username: None,
        password: None,
        roots: smtp::default_roots(),
    };
    // A relay on this machine may speak plain SMTP.
    let local = smtp_sink::start("127.0.0.1", plain.clone(), None).await;
    smtp::send(&server("127.0.0.1", local.port), &mail)
        .await
        .unwrap();
    let got = local.delivered.lock().unwrap()[0].clone();
    assert!(!got.tls);
    assert!(
        got.data
            .ends_with("\r\n\r\nfirst\r\n..hidden line\r\n..\r\nlast\r\n"),
        "{:?}",
        got.data
    );

    // Another machine without STARTTLS: refused before MAIL FROM.
    let ip = non_loopback_ip().expect("this test needs a non-loopback address");
    let remote = smtp_sink::start(&ip, plain, None).await;
    let err = smtp::send(&server(&ip, remote.port), &mail)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SmtpError::Permanent(m) if m.contains("does not offer STARTTLS")),
        "{err:?}"
    );
    assert!(remote.delivered.lock().unwrap().is_empty());

    // STARTTLS offered but refused by another machine: refused too.
    let (acceptor, _) = smtp_sink::tls_for_localhost();
    let refusing = smtp_sink::start(
        &ip,
        smtp_sink::SinkConfig {
            tls: Some(acceptor),
            refuse_starttls: Some("454 4.7.0 TLS not available".into()),
            auth: false,
        },
        None,
    )
    .await;
    let err = smtp::send(&server(&ip, refusing.port), &mail)
        .await
        .unwrap_err();
    assert!(
        err.message().contains("refused STARTTLS: 454") && err.message().contains("unencrypted"),
        "{err:?}"
    );
    assert!(refusing.delivered.lock().unwrap().is_empty());
}

/// This machine's address on its default route (no packet is sent).
fn non_loopback_ip() -> Option<String> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then(|| ip.to_string())
}
