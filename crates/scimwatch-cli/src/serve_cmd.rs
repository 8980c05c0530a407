//! `scimwatch-cli serve`: `watch` (the same monitor, the same output) plus
//! the engine's read-only HTTP service (`/metrics`, `/healthz`, `/readyz`,
//! `/api/v1/status`). Exit 2: a `--listen` or `--token-file` that cannot be
//! used (not an address, not loopback without a token, cannot be bound, an
//! unreadable or empty token file); 1: the monitor could not start (another
//! watch holds the data folder).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Args;
use scimwatch_engine::monitor::WatchOptions;
use scimwatch_engine::serve::auth::{self, BearerToken, DEFAULT_LISTEN};
use scimwatch_engine::serve::{http, ServeState};
use scimwatch_engine::Engine;

use crate::{flag_error, read_secret, Failure};

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Where to listen (IP:PORT; port 0 picks a free one). Loopback by
    /// default; any other address needs --token-file.
    #[arg(long, value_name = "IP:PORT", default_value = DEFAULT_LISTEN, value_parser = auth::parse_listen)]
    listen: SocketAddr,
    /// A file holding the bearer token every request must carry
    /// (`Authorization: Bearer …`; `/healthz` excepted). Needed when
    /// --listen is not a loopback address.
    #[arg(long, value_name = "FILE")]
    token_file: Option<String>,
    /// Poll, test and diagnose every DURATION (`1s`, `500ms`, `2m`) instead
    /// of the settings' minutes (tests and demos).
    #[arg(long, hide = true, value_name = "DURATION", value_parser = parse_interval)]
    poll_interval: Option<Duration>,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\u{201c}{s}\u{201d} is not a duration such as 1s, 500ms or 2m"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" | "" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("\u{201c}{s}\u{201d}: the unit is ms, s or m")),
    };
    if d < Duration::from_millis(100) {
        return Err("at least 100ms".into());
    }
    Ok(d)
}

/// Ctrl-C or SIGTERM (systemd's stop).
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub(crate) async fn run(
    data_dir: Option<PathBuf>,
    args: &ServeArgs,
    json: bool,
) -> Result<(), Failure> {
    let fail = |e: scimwatch_core::CommandError| Failure::new(e, json);
    // Refuse what was typed before touching the data folder.
    let token = match &args.token_file {
        Some(f) => {
            let secret = read_secret(f, "bearer token", "--token-file").map_err(fail)?;
            Some(BearerToken::new(&secret).ok_or_else(|| {
                fail(flag_error(
                    "--token-file",
                    format!("{f} is empty; put the bearer token clients must send in it"),
                ))
            })?)
        }
        None => None,
    };
    if token.is_none() && !auth::is_loopback(&args.listen) {
        return Err(fail(flag_error(
            "--token-file",
            format!(
                "{} is reachable from other machines: give --token-file FILE with the bearer \
                 token clients must send, or listen on loopback (127.0.0.1:PORT)",
                args.listen
            ),
        )));
    }
    let engine = Engine::open(data_dir).await.map_err(|e| fail(e.into()))?;
    for t in engine.store.tightened() {
        eprintln!("note: restricted to you (others could read it): {t}");
    }
    let listener = http::bind(args.listen)
        .await
        .map_err(|e| fail(flag_error("--listen", e.to_string())))?;
    let addr = listener
        .local_addr()
        .map_err(|e| fail(flag_error("--listen", e.to_string())))?;
    let state = ServeState::new(engine.clone(), token);
    let options = WatchOptions {
        observer: Some(state.counters.observer()),
        interval: args.poll_interval,
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(listener, state.clone(), async move {
        let _ = stop_rx.await;
    }));
    eprintln!(
        "scimwatch-cli serve: listening on http://{addr} (/metrics, /healthz, /readyz, /api/v1/status){}",
        if state.token.is_some() {
            ", bearer token required"
        } else {
            ""
        }
    );
    let started = state.monitor_started.clone();
    let res = crate::watch(&engine, json, options, move || {
        started.store(true, Ordering::SeqCst);
    })
    .await;
    state.monitor_started.store(false, Ordering::SeqCst);
    let _ = stop_tx.send(());
    if let Ok(Ok(Err(e))) = tokio::time::timeout(Duration::from_secs(10), server).await {
        eprintln!("error: {e}");
    }
    res.map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_interval("10ms").is_err());
        assert!(parse_interval("1h").is_err());
        assert!(parse_interval("s").is_err());
    }
}
