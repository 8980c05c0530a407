//! The opt-in remediation commands: `remediation` (the switch and the
//! actions taken), `restart` and `provision-on-demand`. Each action prints
//! the exact Graph request and sends it only when confirmed (`--yes`, or
//! "y" at the prompt); without the switch it is refused before any request.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use clap::Subcommand;
use scimwatch_core::{CommandError, ErrorKind};
use scimwatch_engine::api::remediation as api;
use scimwatch_engine::remediate::{GraphCall, OnDemandResult, RemediationStatus};
use scimwatch_engine::Engine;

#[derive(Subcommand, Debug)]
pub enum RemediateCommand {
    /// The opt-in remediation actions of a connection: show the switch and
    /// the actions taken, or switch them on (`--enable`: asks for
    /// Synchronization.ReadWrite.All — a delegated sign-in opens the browser
    /// to consent; an application's permission is checked with Graph) or off.
    Remediation {
        /// Connection name or id.
        connection: String,
        /// Switch the actions on (after consent / a permission check).
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Switch them off: read-only again.
        #[arg(long)]
        disable: bool,
    },
    /// Restart provisioning (clears quarantine with QuarantineState): shows
    /// the exact Graph request, then sends it when confirmed. Needs the
    /// remediation actions switched on.
    Restart {
        /// Connection name or id.
        connection: String,
        /// What to reset: Watermark, Escrows, QuarantineState,
        /// ConnectorDataStore, ForceDeletes, Full (comma-separated).
        #[arg(long, value_delimiter = ',', required = true)]
        scope: Vec<String>,
        /// Send without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Provision one user now (by userPrincipalName or object id) and print
    /// Entra's steps: shows the exact Graph request, then sends it when
    /// confirmed. Needs the remediation actions switched on.
    ProvisionOnDemand {
        /// Connection name or id.
        connection: String,
        /// The user's userPrincipalName or object id.
        user: String,
        /// Send without asking.
        #[arg(long)]
        yes: bool,
    },
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CommandError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| CommandError {
        kind: ErrorKind::Internal,
        message: e.to_string(),
        fields: Vec::new(),
    })?;
    crate::out::json(&s);
    Ok(())
}

fn print_status(s: &RemediationStatus, name: &str) {
    let state = if s.enabled { "ON" } else { "off (read-only)" };
    println!("Remediation actions for {name}: {state}");
    if let Some(r) = &s.unavailable_reason {
        println!("  Not available: {r}");
    }
    if let (Some(at), Some(by)) = (s.changed_at, &s.changed_by) {
        println!("  Changed {} by {by}", at.format("%Y-%m-%d %H:%M UTC"));
    }
    if let Some(e) = &s.evidence {
        println!("  {e}");
    }
    if !s.enabled {
        println!("  Switch on: scimwatch-cli remediation \"{name}\" --enable");
        match &s.portal.provisioning {
            Some(u) => println!("  In the portal: {u}"),
            None => println!("  In the portal: {}", s.portal.click_path),
        }
    }
    if !s.actions.is_empty() {
        println!("Actions taken (newest first):");
        for a in &s.actions {
            let status = a
                .http_status
                .map(|c| format!(" HTTP {c}"))
                .unwrap_or_default();
            println!(
                "  {}  {}  {}{}  {} — {}",
                a.at.format("%Y-%m-%d %H:%M:%S"),
                a.action,
                a.outcome,
                status,
                a.actor,
                a.summary
            );
        }
    }
}

fn print_call(c: &GraphCall) {
    println!("{}", c.summary);
    println!("{} {}", c.method, c.url);
    println!("{}", c.body);
}

/// "y" at the prompt, or `--yes`; refused without a terminal to ask on.
fn confirmed(yes: bool) -> Result<bool, CommandError> {
    if yes {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CommandError {
            kind: ErrorKind::Validation,
            message: "not sent: confirm with --yes (there is no terminal to ask on)".into(),
            fields: Vec::new(),
        });
    }
    eprint!("Send this request to Microsoft Graph? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CommandError {
            kind: ErrorKind::Internal,
            message: e.to_string(),
            fields: Vec::new(),
        })?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn print_steps(r: &OnDemandResult) {
    let who = r.reportable_identifier.as_deref().unwrap_or("the user");
    let action = r
        .action
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    println!("Result: {}{action} — {who}", r.result);
    if let (Some(c), Some(m)) = (&r.error_code, &r.error_message) {
        println!("  {c}: {m}");
    }
    for (i, s) in r.steps.iter().enumerate() {
        println!("  {}. {} — {} ({})", i + 1, s.title, s.status, s.name);
        if !s.description.is_empty() {
            println!("     {}", s.description);
        }
    }
    for (name, old, new) in &r.modified {
        println!(
            "  {name}: {} → {}",
            old.as_deref().unwrap_or("(none)"),
            new.as_deref().unwrap_or("(none)")
        );
    }
}

pub async fn run(engine: &Engine, cmd: RemediateCommand, json: bool) -> Result<(), CommandError> {
    match cmd {
        RemediateCommand::Remediation {
            connection,
            enable,
            disable,
        } => {
            let st = if enable {
                let open = |u: &str| crate::entra_cmds::open_browser(u);
                api::enable_remediation_in_browser(
                    engine,
                    &connection,
                    &open,
                    Duration::from_secs(300),
                )
                .await?
            } else if disable {
                api::disable_remediation(engine, &connection).await?
            } else {
                api::remediation_status(engine, &connection).await?
            };
            if json {
                print_json(&st)?;
            } else {
                print_status(&st, &connection);
            }
        }
        RemediateCommand::Restart {
            connection,
            scope,
            yes,
        } => {
            let call = api::preview_restart(engine, &connection, &scope).await?;
            if !json || !yes {
                print_call(&call);
            }
            if !confirmed(yes)? {
                println!("Not sent.");
                return Ok(());
            }
            let out = api::restart_provisioning(engine, &connection, &scope, &call).await?;
            if json {
                print_json(&out)?;
            } else {
                println!("{} (audit #{})", out.summary, out.audit_id);
            }
        }
        RemediateCommand::ProvisionOnDemand {
            connection,
            user,
            yes,
        } => {
            let call = api::preview_provision_on_demand(engine, &connection, &user).await?;
            if !json || !yes {
                print_call(&call);
            }
            if !confirmed(yes)? {
                println!("Not sent.");
                return Ok(());
            }
            let out = api::provision_on_demand(engine, &connection, &user, &call).await?;
            if json {
                print_json(&out)?;
            } else {
                print_steps(&out.result);
                println!("Recorded as audit #{}.", out.audit_id);
            }
        }
    }
    Ok(())
}
