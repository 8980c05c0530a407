//! The Entra (Microsoft Graph) commands: `sign-in`, `discover-app`, `poll`,
//! `status`, `logs`, `cycles`. Bodies are engine functions; this file only
//! parses arguments and prints.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Offset, SecondsFormat, TimeZone, Utc};
use clap::Subcommand;
use scimwatch_core::health::stream_line;
use scimwatch_core::{AuthMode, CommandError, ErrorKind};
use scimwatch_engine::graph::auth::{sign_in_browser, sign_in_device_code, SignInOutcome};
use scimwatch_engine::graph::observe::{status_report, StatusReport};
use scimwatch_engine::graph::{discover_and_store, ClientOptions, GraphClient, GraphTarget};
use scimwatch_engine::poller::{poll_once, Event, PollConfig, Poller};
use scimwatch_engine::store::connections::{self as rows, ConnectionRow};
use scimwatch_engine::store::events::{self, EventFilter};
use scimwatch_engine::Engine;

#[derive(Subcommand, Debug)]
pub enum EntraCommand {
    /// Sign in to Microsoft Graph for a connection (opens the browser;
    /// `--device-code` as a fallback). Client-secret connections: checks the secret.
    SignIn {
        /// Connection name or id.
        connection: String,
        /// Use the device-code flow (enter a code on another device).
        #[arg(long)]
        device_code: bool,
    },
    /// Find the connection's enterprise app and provisioning job in Entra.
    DiscoverApp {
        /// Connection name or id.
        connection: String,
    },
    /// Read Entra now (`--once`), or keep polling until interrupted.
    Poll {
        /// Poll every stream once and exit.
        #[arg(long)]
        once: bool,
        /// Connection name or id (default: all).
        connection: Option<String>,
    },
    /// The provisioning job at a glance: state, cycles, quarantine, mappings, scope.
    Status {
        /// Connection name or id (default: all with an Entra side).
        connection: Option<String>,
    },
    /// Stored provisioning log entries, newest first.
    Logs {
        /// Connection name or id (default: the only one with an Entra side).
        connection: Option<String>,
        /// success, failure, skipped or warning.
        #[arg(long)]
        status: Option<String>,
        /// create, update, delete, disable, stagedDelete or other.
        #[arg(long)]
        action: Option<String>,
        /// From (RFC 3339, YYYY-MM-DD, or an age like 24h / 7d / 30m).
        #[arg(long)]
        since: Option<String>,
        /// Until (same forms as --since).
        #[arg(long)]
        until: Option<String>,
        /// Who: part of a source or target display name, or an object id.
        #[arg(long)]
        identity: Option<String>,
        /// One provisioning cycle (its id, as `cycles` lists it).
        #[arg(long)]
        cycle: Option<String>,
        /// An error code, e.g. EntryConflict.
        #[arg(long)]
        error_code: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after a previous page (`next_cursor` of --json output).
        #[arg(long)]
        cursor: Option<String>,
        /// CSV output.
        #[arg(long)]
        csv: bool,
    },
    /// Provisioning cycles rolled up from the logs, newest first.
    Cycles {
        /// Connection name or id (default: the only one with an Entra side).
        connection: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

fn err(kind: ErrorKind, message: impl Into<String>) -> CommandError {
    CommandError {
        kind,
        message: message.into(),
        fields: Vec::new(),
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CommandError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| err(ErrorKind::Internal, e.to_string()))?;
    crate::out::json(&s);
    Ok(())
}

async fn entra_rows(engine: &Engine) -> Result<Vec<ConnectionRow>, CommandError> {
    Ok(rows::list(engine.store.pool())
        .await?
        .into_iter()
        .filter(|r| r.tenant_id.is_some())
        .collect())
}

/// The named connection, or the only Entra connection when none is named.
async fn one(engine: &Engine, name: Option<&str>) -> Result<ConnectionRow, CommandError> {
    match name {
        Some(n) => {
            let row = rows::find(engine.store.pool(), n).await?.ok_or_else(|| {
                err(
                    ErrorKind::NotFound,
                    format!("no connection named or with id {n}"),
                )
            })?;
            if row.tenant_id.is_none() {
                return Err(err(
                    ErrorKind::Validation,
                    format!(
                        "connection \u{201c}{}\u{201d} has no Entra tenant",
                        row.name
                    ),
                ));
            }
            Ok(row)
        }
        None => {
            let mut all = entra_rows(engine).await?;
            match all.len() {
                0 => Err(err(
                    ErrorKind::NotFound,
                    "no connection watches an Entra tenant yet; add one with `scimwatch-cli connections add --tenant …`",
                )),
                1 => Ok(all.remove(0)),
                _ => Err(err(
                    ErrorKind::Validation,
                    format!(
                        "several connections watch Entra ({}); name one",
                        all.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )),
            }
        }
    }
}

/// Parse `--since`/`--until` (`flag`): RFC 3339, a date (UTC midnight), or
/// an age (`30m`, `24h`, `7d`, `2w`, `90s`) counted back from `now`. Every
/// refusal names the flag and the problem; nothing overflows or panics.
pub fn parse_when(flag: &str, s: &str, now: DateTime<Utc>) -> Result<i64, CommandError> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&dt).timestamp_millis());
        }
    }
    let bad = |why: &str| {
        crate::flag_error(
            flag,
            format!(
                "{t:?} is not a time{why}: use RFC 3339, YYYY-MM-DD, or an age like 30m, 24h, 7d"
            ),
        )
    };
    let Some(unit) = t.chars().last() else {
        return Err(bad(""));
    };
    // `unit` is the last char, so this cut is on a char boundary.
    let num = &t[..t.len() - unit.len_utf8()];
    let unit_secs: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ if num.is_empty() => return Err(bad("")),
        _ => {
            return Err(bad(&format!(
                " (`{unit}` is no unit: an age ends in s, m, h, d or w)"
            )))
        }
    };
    if num.starts_with('-') {
        return Err(crate::flag_error(
            flag,
            format!("{t:?}: an age cannot be negative; for a time in the future give a date"),
        ));
    }
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(" (an age is a whole number and a unit)"));
    }
    let too_far = || {
        crate::flag_error(
            flag,
            format!("{t:?} reaches back before any date scimwatch can write; give a smaller age or a date"),
        )
    };
    let back_ms = num
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_secs))
        .and_then(|secs| secs.checked_mul(1000))
        .and_then(|ms| i64::try_from(ms).ok())
        .ok_or_else(too_far)?;
    let at = now
        .timestamp_millis()
        .checked_sub(back_ms)
        .filter(|ms| Utc.timestamp_millis_opt(*ms).single().is_some())
        .ok_or_else(too_far)?;
    Ok(at)
}

/// Check the flags a command was given, before the data folder is opened:
/// a refusal here exits 2.
pub fn check_flags(cmd: &EntraCommand, now: DateTime<Utc>) -> Result<(), CommandError> {
    if let EntraCommand::Logs { since, until, .. } = cmd {
        if let Some(s) = since {
            parse_when("--since", s, now)?;
        }
        if let Some(u) = until {
            parse_when("--until", u, now)?;
        }
    }
    Ok(())
}

fn when(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

pub(crate) fn open_browser(url: &str) {
    eprintln!("Opening the browser to sign in. If it does not open, visit:\n  {url}");
    let spawn = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(target_os = "windows") {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = spawn {
        eprintln!("(could not start a browser: {e})");
    }
}

fn client_for(engine: &Engine, row: &ConnectionRow) -> Result<GraphClient, CommandError> {
    let target = GraphTarget::from_row(row)?;
    Ok(GraphClient::new(
        target,
        engine.secrets.clone(),
        ClientOptions::default(),
    )?)
}

fn print_status(r: &StatusReport) {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    println!("{}  ({})", r.connection, r.connection_id);
    println!(
        "  app          {}{}",
        o(&r.app_display_name),
        r.job_id
            .as_deref()
            .map(|j| format!(" · job {j}"))
            .unwrap_or_default()
    );
    let graph = match (&r.graph[..], &r.blind_reason) {
        ("blind", Some(why)) => format!("BLIND since {} — {why}", o(&r.blind_since)),
        // "ok" only ever means the job itself was read.
        ("ok", _) => "ok (the job is read)".to_string(),
        (g, _) => g.to_string(),
    };
    println!("  graph        {graph}");
    // Each stream's own health (issue 17, defects 4 and 5): what was read,
    // what was not and why, in local time.
    let now = Utc::now();
    for (i, line) in stream_lines(r, now).iter().enumerate() {
        println!("  {:<12} {line}", if i == 0 { "streams" } else { "" });
    }
    println!(
        "  job          {} (schedule {}{}) · read {}",
        o(&r.status_code),
        o(&r.schedule_state),
        r.interval_minutes
            .map(|m| format!(", every {m} min"))
            .unwrap_or_default(),
        o(&r.job_read_at)
    );
    println!(
        "  last cycle   {} → {} ({})",
        o(&r.last_cycle_began),
        o(&r.last_cycle_ended),
        o(&r.last_cycle_state)
    );
    println!("  last clean   {}", o(&r.last_successful_ended));
    println!("  next         {} · {}", o(&r.next_expected), r.timing);
    if let Some(q) = &r.quarantine {
        println!(
            "  QUARANTINE   {} ({}) since {} · next attempt {}{}",
            o(&q.reason),
            o(&q.error_code),
            o(&q.since),
            o(&q.next_attempt),
            q.days_left
                .map(|d| format!(" · {d} days before Entra disables the job"))
                .unwrap_or_default()
        );
        // The cause, as Entra words it (from the last execution when the
        // quarantine itself carries no error).
        let from = match q.error_source.as_deref() {
            Some("last_execution") => " (last execution)",
            _ => "",
        };
        match &q.error_message {
            Some(m) => println!("  {:<12} {m}", format!("error{from}")),
            None if q.error_code.is_none() => {
                println!("  error        not given by Entra (see the provisioning logs)")
            }
            None => {}
        }
    }
    let onoff = |v: Option<bool>| match v {
        Some(true) => "enabled",
        Some(false) => "DISABLED",
        None => "unknown",
    };
    println!(
        "  mappings     users {} · groups {}",
        onoff(r.users_mapping_enabled),
        onoff(r.groups_mapping_enabled)
    );
    let n = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
    println!(
        "  assignments  {} users · {} groups ({} members) · {} in scope",
        n(r.assigned_users),
        n(r.assigned_groups),
        n(r.group_members),
        n(r.in_scope_users)
    );
    println!("  scope        {}", o(&r.scope));
    println!("  tenant URL   {}", o(&r.tenant_url));
    println!(
        "  logs         {} · {} events stored",
        match r.logs_available {
            Some(true) => "available",
            Some(false) => "UNAVAILABLE (no P1/P2 licence)",
            None => "not read yet",
        },
        r.events_stored
    );
}

/// One line per Graph stream (job, configuration, logs), times in the
/// local time of this computer.
pub fn stream_lines(r: &StatusReport, now: DateTime<Utc>) -> Vec<String> {
    let offset = chrono::Local::now().offset().fix();
    r.streams
        .iter()
        .map(|s| stream_line(&s.health, &r.connection, offset, now))
        .collect()
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

fn event_connection(e: &Event) -> &str {
    match e {
        Event::Discovered { connection, .. }
        | Event::JobStatusChanged { connection, .. }
        | Event::CycleCompleted { connection, .. }
        | Event::ConfigChanged { connection, .. }
        | Event::LogsIngested { connection, .. }
        | Event::LogsUnavailable { connection, .. }
        | Event::Blind { connection, .. }
        | Event::Recovered { connection, .. }
        | Event::PollError { connection, .. } => connection,
    }
}

pub async fn run(engine: &Engine, cmd: EntraCommand, json: bool) -> Result<(), CommandError> {
    match cmd {
        EntraCommand::SignIn {
            connection,
            device_code,
        } => {
            let row = one(engine, Some(&connection)).await?;
            let client = client_for(engine, &row)?;
            let target = client.target().clone();
            let out = match target.auth_mode {
                AuthMode::ClientSecret | AuthMode::Certificate => {
                    client.access_token().await?;
                    SignInOutcome {
                        method: if target.auth_mode == AuthMode::Certificate {
                            "certificate".into()
                        } else {
                            "client_secret".into()
                        },
                        refresh_token_stored: false,
                    }
                }
                AuthMode::Delegated if device_code => {
                    sign_in_device_code(
                        client.http(),
                        &client.options().http,
                        &target,
                        engine.secrets.as_ref(),
                        |p| eprintln!("{}", p.message),
                        None,
                    )
                    .await?
                }
                AuthMode::Delegated => {
                    sign_in_browser(
                        client.http(),
                        &client.options().http,
                        &target,
                        engine.secrets.as_ref(),
                        open_browser,
                        Duration::from_secs(300),
                    )
                    .await?
                }
            };
            // Prove the sign-in works against Graph.
            client.access_token().await?;
            if json {
                print_json(&out)?;
            } else {
                println!(
                    "Signed in to Microsoft Graph for {} ({}).",
                    row.name, out.method
                );
            }
        }
        EntraCommand::DiscoverApp { connection } => {
            let row = one(engine, Some(&connection)).await?;
            let client = client_for(engine, &row)?;
            let d = discover_and_store(&engine.store, &client, &row, Utc::now().timestamp_millis())
                .await?;
            if json {
                print_json(&d)?;
            } else {
                println!(
                    "{}: app {} (object id {}, appId {}) · job {}",
                    row.name,
                    d.app_display_name.as_deref().unwrap_or("?"),
                    d.service_principal_id,
                    d.app_id.as_deref().unwrap_or("?"),
                    d.job_id
                );
                if !d.other_jobs.is_empty() {
                    println!("  other jobs (not watched): {}", d.other_jobs.join(", "));
                }
            }
        }
        EntraCommand::Poll { once, connection } => {
            let cfg = PollConfig::default();
            if once {
                let events = poll_once(engine, &cfg, connection.as_deref()).await?;
                let failed = events.iter().any(|e| matches!(e, Event::PollError { .. }));
                if json {
                    print_json(&events)?;
                } else {
                    let names = rows::list(engine.store.pool()).await?;
                    for e in &events {
                        let c = event_connection(e);
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
                                    println!("{} {}: {}", when(Utc::now().timestamp_millis()), event_connection(&e), describe(&e));
                                }
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                            Err(_) => break,
                        },
                    }
                }
                poller.shutdown(Duration::from_secs(10)).await;
            }
        }
        EntraCommand::Status { connection } => {
            let list = match connection {
                Some(c) => vec![one(engine, Some(&c)).await?],
                None => entra_rows(engine).await?,
            };
            let now = Utc::now();
            let mut reports = Vec::new();
            for row in &list {
                reports.push(status_report(&engine.store, row, now).await?);
            }
            if json {
                print_json(&reports)?;
            } else if reports.is_empty() {
                println!("No connection watches an Entra tenant yet.");
            } else {
                for r in &reports {
                    print_status(r);
                }
            }
        }
        EntraCommand::Logs {
            connection,
            status,
            action,
            since,
            until,
            identity,
            cycle,
            error_code,
            limit,
            cursor,
            csv,
        } => {
            let row = one(engine, connection.as_deref()).await?;
            let now = Utc::now();
            let filter = EventFilter {
                status,
                action,
                since_ms: since
                    .as_deref()
                    .map(|s| parse_when("--since", s, now))
                    .transpose()?,
                until_ms: until
                    .as_deref()
                    .map(|s| parse_when("--until", s, now))
                    .transpose()?,
                cycle_id: cycle,
                error_code,
                identity,
            };
            let filter = scimwatch_engine::event_filter_check::checked(&filter)
                .map_err(CommandError::from)?;
            let page = events::query(
                engine.store.pool(),
                row.id,
                &filter,
                limit,
                cursor.as_deref(),
            )
            .await?;
            if json {
                print_json(&page)?;
            } else if csv {
                // One CSV dialect for the CLI and the app's export (formulas neutralised).
                println!("{}", scimwatch_engine::export::CSV_HEADER);
                for e in &page.items {
                    println!("{}", scimwatch_engine::export::csv_row(e));
                }
            } else {
                for e in &page.items {
                    println!(
                        "{}  {:<7} {:<8} {:<5} {} → {}{}",
                        when(e.activity_ms),
                        e.action,
                        e.status,
                        e.identity_type.as_deref().unwrap_or(""),
                        e.source_name.as_deref().unwrap_or("?"),
                        e.target_name
                            .as_deref()
                            .or(e.target_id.as_deref())
                            .unwrap_or("?"),
                        e.error_code
                            .as_deref()
                            .map(|c| format!("  [{c}]"))
                            .unwrap_or_default()
                    );
                }
                if page.items.is_empty() {
                    println!("No log entries match.");
                }
                if let Some(c) = &page.next_cursor {
                    eprintln!("more: --cursor {c}");
                }
            }
        }
        EntraCommand::Cycles { connection, limit } => {
            let row = one(engine, connection.as_deref()).await?;
            let cycles = events::cycles(engine.store.pool(), row.id, limit).await?;
            if json {
                print_json(&cycles)?;
            } else if cycles.is_empty() {
                println!("No cycles yet (the provisioning logs have not been read).");
            } else {
                for c in &cycles {
                    let errors = c
                        .top_errors
                        .iter()
                        .map(|e| format!("{} ×{}", e.code, e.count))
                        .collect::<Vec<_>>()
                        .join(", ");
                    println!(
                        "{} → {}  {:>6} entries  {:>5} failed  {}{}",
                        when(c.started_ms),
                        when(c.ended_ms),
                        c.total,
                        c.failures,
                        c.cycle_id,
                        if errors.is_empty() {
                            String::new()
                        } else {
                            format!("  [{errors}]")
                        }
                    );
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_three_forms() {
        let now = Utc.with_ymd_and_hms(2025, 3, 3, 12, 0, 0).unwrap();
        assert_eq!(
            parse_when("--since", "2025-03-03T11:00:00Z", now).unwrap(),
            now.timestamp_millis() - 3_600_000
        );
        assert_eq!(
            parse_when("--since", "2025-03-03", now).unwrap(),
            now.timestamp_millis() - 12 * 3_600_000
        );
        assert_eq!(
            parse_when("--since", "24h", now).unwrap(),
            now.timestamp_millis() - 86_400_000
        );
        assert_eq!(
            parse_when("--since", "30m", now).unwrap(),
            now.timestamp_millis() - 1_800_000
        );
        assert!(parse_when("--since", "yesterday", now).is_err());
        assert!(parse_when("--since", "", now).is_err());
        assert_eq!(
            parse_when("--since", "2w", now).unwrap(),
            now.timestamp_millis() - 14 * 86_400_000
        );
    }

    #[test]
    fn odd_ages_are_specific_errors_not_panics_or_wraps() {
        let now = Utc.with_ymd_and_hms(2025, 3, 3, 12, 0, 0).unwrap();
        let msg = |s: &str| parse_when("--since", s, now).unwrap_err().message;
        assert!(msg("5é").contains("`é` is no unit"), "{}", msg("5é"));
        assert!(msg("é").contains("is not a time"), "{}", msg("é"));
        assert!(msg("5\u{1f600}").contains("is no unit"));
        assert!(msg("99999999999999999d").contains("reaches back before any date"));
        assert!(msg("18446744073709551616s").contains("reaches back before any date"));
        assert!(msg("-9223372036854775808s").contains("cannot be negative"));
        assert!(msg("+5d").contains("whole number"));
        assert!(msg("1.5h").contains("whole number"));
        let e = parse_when("--until", "5é", now).unwrap_err();
        assert_eq!(e.fields[0].field, "--until");
        assert!(e.message.starts_with("--until: "));
        // The largest age that still is a date works.
        assert!(parse_when("--since", "90000000d", now).unwrap() < 0);
    }
}
