//! The Entra (Microsoft Graph) commands: `sign-in`, `discover-app`, `poll`,
//! `status`, `logs`, `cycles`. Bodies are engine functions; this file only
//! parses arguments and prints.
//!
//! `poll.rs`, `status.rs` and `when.rs` (times as typed and printed) hold
//! what is longer than a few lines.

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use scimwatch_core::{AuthMode, CommandError, ErrorKind};
use scimwatch_engine::api::logs::{self as logs_api, EventFilter};
use scimwatch_engine::graph::auth::{sign_in_browser, sign_in_device_code, SignInOutcome};
use scimwatch_engine::graph::{discover_and_store, ClientOptions, GraphClient, GraphTarget};
use scimwatch_engine::store::connections::{self as rows, ConnectionRow};
use scimwatch_engine::Engine;

mod poll;
mod status;
mod when;

pub use when::parse_when;
use when::when;

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
            let row = rows::require(engine.store.pool(), n).await?;
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
            poll::poll(engine, once, connection, json).await?;
        }
        EntraCommand::Status { connection } => status::status(engine, connection, json).await?,
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
            let (id, cursor) = (row.uuid.as_str(), cursor.as_deref());
            if csv && !json {
                // One CSV dialect for the CLI and the app's export (formulas neutralised).
                let page =
                    logs_api::query_logs_csv(engine, id, &filter, cursor, Some(limit)).await?;
                println!("{}", scimwatch_engine::export::CSV_HEADER);
                for line in &page.items {
                    println!("{line}");
                }
                if let Some(c) = &page.next_cursor {
                    eprintln!("more: --cursor {c}");
                }
                return Ok(());
            }
            let page = logs_api::query_logs(engine, id, &filter, cursor, Some(limit)).await?;
            if json {
                print_json(&page)?;
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
            let cycles = logs_api::list_cycles(engine, &row.uuid, Some(limit)).await?;
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
