//! `poll`: once (prints the events it caused; a failed read exits non-zero)
//! or until Ctrl-C (prints events as they come), and how an event reads.

use std::time::Duration;

use chrono::Utc;
use scimwatch_core::{CommandError, ErrorKind};
use scimwatch_engine::poller::{poll_once, Event, PollConfig, Poller};
use scimwatch_engine::store::connections as rows;
use scimwatch_engine::Engine;

use super::{err, one, print_json, when};

pub(super) async fn poll(
    engine: &Engine,
    once: bool,
    connection: Option<String>,
    json: bool,
) -> Result<(), CommandError> {
    let cfg = PollConfig::default();
    if once {
        let events = poll_once(engine, &cfg, connection.as_deref()).await?;
        let failed = events.iter().any(|e| matches!(e, Event::PollError { .. }));
        if json {
            print_json(&events)?;
        } else {
            let names = rows::list(engine.store.pool()).await?;
            for e in &events {
                let c = e.connection();
                let name = names
                    .iter()
                    .find(|r| r.uuid == c)
                    .map(|r| r.name.as_str())
                    .unwrap_or(c);
                println!("{name}: {}", describe(e));
            }
            if events.is_empty() {
                println!("Polled; nothing changed.");
            }
        }
        if failed {
            return Err(err(
                ErrorKind::Network,
                "some reads failed (see above); run `scimwatch-cli status` for details",
            ));
        }
    } else {
        if let Some(c) = &connection {
            one(engine, Some(c)).await?;
        }
        let poller = Poller::spawn(engine.clone(), cfg);
        let mut rx = poller.subscribe();
        poller.poll_now(connection.clone()).await;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                e = rx.recv() => match e {
                    Ok(e) => {
                        if json {
                            crate::out::json(&serde_json::to_string(&e).unwrap_or_default());
                        } else {
                            println!("{} {}: {}", when(Utc::now().timestamp_millis()), e.connection(), describe(&e));
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                },
            }
        }
        poller.shutdown(Duration::from_secs(10)).await;
    }
    Ok(())
}

fn describe(e: &Event) -> String {
    match e {
        Event::Discovered {
            app_display_name,
            job_id,
            other_jobs,
            ..
        } => format!(
            "found app {} with job {job_id}{}",
            app_display_name.as_deref().unwrap_or("?"),
            if other_jobs.is_empty() {
                String::new()
            } else {
                format!(" (other jobs not watched: {})", other_jobs.join(", "))
            }
        ),
        Event::JobStatusChanged {
            previous,
            status_code,
            quarantine_reason,
            ..
        } => format!(
            "job status {} → {}{}",
            previous.as_deref().unwrap_or("—"),
            status_code.as_deref().unwrap_or("—"),
            quarantine_reason
                .as_deref()
                .map(|q| format!(" (quarantine: {q})"))
                .unwrap_or_default()
        ),
        Event::CycleCompleted { ended_ms, .. } => format!("cycle ended at {}", when(*ended_ms)),
        Event::ConfigChanged { kind, summary, .. } => {
            format!("{} changed: {summary}", kind.as_str())
        }
        Event::LogsIngested {
            new_events, cycles, ..
        } => format!("{new_events} new log entries ({} cycles)", cycles.len()),
        Event::LogsUnavailable { reason, .. } => reason.clone(),
        Event::Blind { reason, .. } => format!("cannot read Microsoft Graph: {reason}"),
        Event::Recovered { .. } => "Microsoft Graph can be read again".into(),
        Event::PollError {
            stream, message, ..
        } => format!("{}: {message}", stream.as_str()),
    }
}
