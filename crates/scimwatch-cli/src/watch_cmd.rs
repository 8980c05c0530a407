//! `watch` (and the monitor of `serve`) and `check`.

use super::*;

/// Desktop notifications where a session exists, a log line otherwise.
#[derive(Debug)]
pub(crate) struct NotifyOrLog;

impl scimwatch_engine::notify::Notifier for NotifyOrLog {
    fn send(
        &self,
        n: &scimwatch_engine::notify::Notification,
    ) -> Result<u32, scimwatch_engine::notify::NotifyError> {
        use scimwatch_engine::notify::DesktopNotifier;
        match DesktopNotifier.send(n) {
            Ok(id) => Ok(id),
            Err(_) => {
                eprintln!(
                    "{} NOTIFY [{}] {}: {}",
                    Utc::now().format("%Y-%m-%d %H:%M:%S"),
                    n.severity.as_str(),
                    n.summary,
                    n.body
                );
                Ok(0)
            }
        }
    }
}

/// `watch`, and the monitor of `serve`: runs until Ctrl-C or SIGTERM;
/// `started` is called once the monitor runs.
pub(crate) async fn watch(
    engine: &Engine,
    json: bool,
    options: scimwatch_engine::monitor::WatchOptions,
    started: impl FnOnce(),
) -> Result<(), CommandError> {
    use scimwatch_engine::monitor::{Watch, WatchEvent};
    let settings = scimwatch_engine::settings::load(&engine.store)
        .await
        .unwrap_or_default();
    let notifier = std::sync::Arc::new(NotifyOrLog);
    let w = Watch::start_with(engine.clone(), settings, notifier, options)?;
    started();
    let stop = serve_cmd::stop_signal();
    tokio::pin!(stop);
    let mut bus = w.subscribe();
    w.poll_now(None).await;
    eprintln!("scimwatch-cli watch: monitoring every connection (Ctrl-C to stop)");
    loop {
        tokio::select! {
            _ = &mut stop => break,
            e = bus.recv() => match e {
                Ok(WatchEvent::Poll(e)) => {
                    if json {
                        out::json(&serde_json::json!({ "event": e }).to_string());
                    } else {
                        println!("{} {}", Utc::now().format("%Y-%m-%d %H:%M:%S"), serde_json::to_string(&e).unwrap_or_default());
                    }
                }
                Ok(WatchEvent::Diagnosed(all)) => {
                    for (conn, outcome) in all {
                        for a in &outcome.actions {
                            if json {
                                out::json(&serde_json::json!({ "connection": conn, "incident": a }).to_string());
                            } else {
                                println!("{} {conn}: {}", Utc::now().format("%Y-%m-%d %H:%M:%S"), serde_json::to_string(a).unwrap_or_default());
                            }
                        }
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    eprintln!("stopping…");
    w.shutdown(std::time::Duration::from_secs(10)).await;
    Ok(())
}

/// `check`: exit 0 healthy, 1 problems found, 2 could not check.
pub(crate) async fn check(
    engine: &Engine,
    connection: Option<String>,
    json: bool,
) -> Result<(), Failure> {
    use scimwatch_engine::checkup;
    use scimwatch_engine::poller::PollConfig;
    let fail = |e: CommandError| Failure::new(e, json);
    let list = match &connection {
        Some(c) => vec![connections::get(&engine.store, c)
            .await
            .map_err(|e| fail(e.into()))?],
        None => connections::list(&engine.store)
            .await
            .map_err(|e| fail(e.into()))?,
    };
    if list.is_empty() {
        return Err(Failure::new(
            CommandError {
                kind: scimwatch_core::ErrorKind::NotFound,
                message: "no connections to check; add one first".into(),
                fields: Vec::new(),
            },
            json,
        )
        .with_exit(2));
    }
    let c = checkup::run(engine, &list, &PollConfig::default(), Utc::now())
        .await
        .map_err(|e| fail(e.into()))?;
    if json {
        print_json(&serde_json::json!({
            "healthy": c.healthy(),
            "could_not_check": c.could_not_check,
            "not_run": c.not_run,
            "graph_streams": c.graph_streams,
            "connections": c.connections,
        }))
        .map_err(fail)?;
    } else {
        for v in &c.connections {
            println!("{}", v.report_markdown);
        }
        for s in &c.graph_streams {
            println!("{s}");
        }
        for u in &c.could_not_check {
            println!("could not check: {u}");
        }
        for u in &c.not_run {
            println!("not run (opt-in): {u}");
        }
    }
    match c.exit_code() {
        0 => Ok(()),
        code => Err(Failure::quiet(code)),
    }
}
