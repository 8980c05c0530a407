//! scimwatch-cli: the scimwatch engine without a window, for scripts,
//! servers and jump hosts. Secrets are read from files or stdin, never flags.

// First, so that every `println!`/`eprintln!` in the crate is the
// terminal-safe, never-panicking one from `out.rs`.
#[macro_use]
mod out;

mod alerts_cmd;
mod connections_cmd;
mod entra_cmds;
mod fleet_list;
mod remediate_cmds;
mod scim_cmds;
mod serve_cmd;
mod watch_cmd;

use connections_cmd::*;
use watch_cmd::*;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Args, Parser, Subcommand, ValueEnum};
use scimwatch_core::{AuthMode, Cloud, CommandError, Connection, ConnectionInput, Sensitive};
use scimwatch_engine::api;
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::secrets::SecretStoreKind;
use scimwatch_engine::Engine;

#[derive(Parser, Debug)]
#[command(
    name = "scimwatch-cli",
    version,
    about = "Watch Entra ID SCIM provisioning from the command line"
)]
struct Cli {
    /// Data directory (default: the user's data folder; env SCIMWATCH_DATA_DIR).
    #[arg(long, global = true, env = "SCIMWATCH_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Machine-readable output (and errors as `{"error": {kind, message, fields}}`).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per run
enum Command {
    /// Manage the connections scimwatch watches.
    Connections {
        #[command(subcommand)]
        command: ConnectionsCommand,
    },
    /// Where scimwatch keeps its data and secrets.
    Info,
    /// Incidents: open problems (and, with --all, resolved ones).
    Incidents {
        /// Only this connection (name or id).
        #[arg(long)]
        connection: Option<String>,
        /// Include resolved incidents.
        #[arg(long)]
        all: bool,
    },
    /// Show a test desktop notification (proves notifications reach this desktop).
    NotifyTest,
    /// Alerts to Teams, Slack, signed webhooks and e-mail: add, list,
    /// remove, test channels; dead letters.
    Alerts {
        #[command(subcommand)]
        command: alerts_cmd::AlertsCommand,
    },
    /// Check every connection now: poll Entra, test the SCIM endpoint, run the
    /// troubleshooting checklist. Exit 0 healthy, 1 problems found, 2 could not check.
    Check {
        /// Only this connection (name or id).
        connection: Option<String>,
    },
    /// Watch headless (a server, a jump host): poll, test, diagnose, notify —
    /// desktop notifications where a session exists, log lines otherwise.
    Watch,
    /// `watch` plus a read-only HTTP service for Prometheus and scripts:
    /// /metrics, /healthz, /readyz, /api/v1/status. Exit 2: --listen or
    /// --token-file unusable.
    Serve(serve_cmd::ServeArgs),
    #[command(flatten)]
    Entra(entra_cmds::EntraCommand),
    #[command(flatten)]
    Scim(scim_cmds::ScimCommand),
    #[command(flatten)]
    Remediate(remediate_cmds::RemediateCommand),
}

/// A failure with the shape the UI gets, and whether to print it as JSON.
struct Failure {
    error: CommandError,
    json: bool,
    exit: u8,
    /// The output already said everything (e.g. `check` found problems).
    quiet: bool,
}

impl Failure {
    fn new(error: impl Into<CommandError>, json: bool) -> Self {
        Self {
            error: error.into(),
            json,
            exit: 1,
            quiet: false,
        }
    }

    fn with_exit(mut self, code: u8) -> Self {
        self.exit = code;
        self
    }

    fn quiet(code: u8) -> Self {
        Self {
            error: CommandError {
                kind: scimwatch_core::ErrorKind::Internal,
                message: String::new(),
                fields: Vec::new(),
            },
            json: false,
            exit: code,
            quiet: true,
        }
    }
}

/// A refusal of what was typed on the command line, naming the flag
/// (`--since`, `--scim-token-file`): exit 2, like clap's own usage errors.
pub(crate) fn flag_error(flag: &str, message: impl Into<String>) -> CommandError {
    let message = message.into();
    CommandError {
        kind: scimwatch_core::ErrorKind::Validation,
        message: format!("{flag}: {message}"),
        fields: vec![scimwatch_core::FieldError::new(flag, message)],
    }
}

/// Whether an error is about a command-line flag (see [`flag_error`]).
fn is_flag_error(e: &CommandError) -> bool {
    e.kind == scimwatch_core::ErrorKind::Validation
        && !e.fields.is_empty()
        && e.fields.iter().all(|f| f.field.starts_with("--"))
}

/// Largest secret file read, per kind: a little over what validation accepts,
/// so the refusal names the real problem; never the whole of a wrong file.
fn secret_limit(what: &str) -> usize {
    match what {
        "SCIM token" => scimwatch_core::validate::MAX_TOKEN_LEN,
        "certificate" => 64 * 1024,
        _ => 1024,
    }
}

/// Read a secret from a file or stdin (`-`), at most [`secret_limit`] bytes:
/// a bigger file is refused without being read to its end.
fn read_secret(source: &str, what: &str, flag: &str) -> Result<Sensitive<String>, CommandError> {
    let limit = secret_limit(what);
    let mut buf = Vec::new();
    let res = if source == "-" {
        std::io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut buf)
    } else {
        std::fs::File::open(source).and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut buf))
    };
    let from = if source == "-" { "stdin" } else { source };
    res.map_err(|e| flag_error(flag, format!("cannot read the {what} from {from}: {e}")))?;
    if buf.len() > limit {
        buf.fill(0);
        return Err(flag_error(
            flag,
            format!(
                "{from} holds more than {} KB; a {what} is at most {} KB. Is it the right file?",
                limit / 1024,
                limit / 1024
            ),
        ));
    }
    match String::from_utf8(buf) {
        Ok(s) => Ok(Sensitive::new(s)),
        Err(e) => {
            let mut bytes = e.into_bytes();
            bytes.fill(0);
            Err(flag_error(
                flag,
                format!("{from} is not text (UTF-8); a {what} is text"),
            ))
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CommandError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| CommandError {
        kind: scimwatch_core::ErrorKind::Internal,
        message: e.to_string(),
        fields: Vec::new(),
    })?;
    out::json(&s);
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.json;
    // Refuse a bad flag value before touching the data folder.
    if let Command::Entra(cmd) = &cli.command {
        entra_cmds::check_flags(cmd, Utc::now()).map_err(|e| Failure::new(e, json))?;
    }
    if let Command::Serve(args) = &cli.command {
        return serve_cmd::run(cli.data_dir.clone(), args, json).await;
    }
    let engine = Engine::open(cli.data_dir.clone())
        .await
        .map_err(|e| Failure::new(e, json))?;
    // Said once: the next open finds nothing left to tighten.
    for t in engine.store.tightened() {
        eprintln!("note: restricted to you (others could read it): {t}");
    }
    let fail = |e: CommandError| Failure::new(e, json);
    match cli.command {
        Command::Entra(cmd) => entra_cmds::run(&engine, cmd, json).await.map_err(fail)?,
        Command::Remediate(cmd) => remediate_cmds::run(&engine, cmd, json)
            .await
            .map_err(fail)?,
        Command::Scim(cmd) => {
            // A command that examines the SaaS and could not reach it (or
            // was refused) could not check: exit 2, never a verdict.
            let examines = matches!(
                cmd,
                scim_cmds::ScimCommand::Crawl { .. }
                    | scim_cmds::ScimCommand::Drift { .. }
                    | scim_cmds::ScimCommand::Discover { .. }
            );
            let code = scim_cmds::run(&engine, cmd, json).await.map_err(|e| {
                let could_not = examines
                    && matches!(
                        e.kind,
                        scimwatch_core::ErrorKind::Network
                            | scimwatch_core::ErrorKind::Auth
                            | scimwatch_core::ErrorKind::Consent
                    );
                let e = if could_not {
                    CommandError {
                        message: format!("could not check: {}", e.message),
                        ..e
                    }
                } else {
                    e
                };
                let f = fail(e);
                if could_not {
                    f.with_exit(2)
                } else {
                    f
                }
            })?;
            if code != 0 {
                return Err(Failure::quiet(code));
            }
        }
        Command::Incidents { connection, all } => {
            let conn = match connection {
                Some(c) => Some(
                    connections::get(&engine.store, &c)
                        .await
                        .map_err(|e| fail(e.into()))?
                        .id,
                ),
                None => None,
            };
            let list = api::incidents::list_incidents(&engine, conn.as_deref(), !all)
                .await
                .map_err(|e| fail(e.into()))?;
            if json {
                print_json(&list).map_err(fail)?;
            } else if list.is_empty() {
                println!("No {}incidents.", if all { "" } else { "open " });
            } else {
                for v in &list {
                    let i = &v.incident;
                    println!(
                        "#{} [{}] {} — {} ({:?}, opened {})",
                        v.id,
                        i.severity.as_str(),
                        v.connection_name,
                        i.title,
                        i.state,
                        i.opened_at.format("%Y-%m-%d %H:%M UTC")
                    );
                    println!("    fix: {}", i.action);
                }
            }
        }
        Command::Check { connection } => return check(&engine, connection, json).await,
        Command::Watch => watch(&engine, json, Default::default(), || {})
            .await
            .map_err(fail)?,
        Command::Serve(_) => {} // run above, before the data folder is opened
        Command::Alerts { command } => alerts_cmd::run(&engine, command, json)
            .await
            .map_err(fail)?,
        Command::NotifyTest => {
            use scimwatch_engine::notify::{test_notification, DesktopNotifier, Notifier};
            let id = DesktopNotifier.send(&test_notification()).map_err(|e| {
                fail(CommandError {
                    kind: scimwatch_core::ErrorKind::Internal,
                    message: e.to_string(),
                    fields: Vec::new(),
                })
            })?;
            if json {
                print_json(&serde_json::json!({ "sent": true, "id": id })).map_err(fail)?;
            } else {
                println!("Sent a test notification (id {id}).");
            }
        }
        Command::Info => {
            let info = engine.info();
            if json {
                print_json(&info).map_err(fail)?;
            } else {
                println!("version       {}", info.version);
                println!("data folder   {}", info.data_dir);
                println!("database      {}", info.database);
                println!("secret store  {}", info.secret_store);
                if let Some(p) = &info.secret_store_path {
                    println!("secrets file  {p}");
                }
                if info.proxies.is_empty() {
                    println!(
                        "proxy         none: HTTPS_PROXY, HTTP_PROXY and ALL_PROXY are not set"
                    );
                }
                for p in &info.proxies {
                    println!("proxy         {p}");
                }
                for t in &info.trust {
                    println!("trusts        {t}");
                }
                for n in &info.notes {
                    println!("note          {n}");
                }
            }
        }
        Command::Connections { command } => match command {
            ConnectionsCommand::List => {
                let list = api::connections::list_connections(&engine)
                    .await
                    .map_err(|e| fail(e.into()))?;
                if json {
                    print_json(&list).map_err(fail)?;
                } else {
                    let apps = fleet_list::tenants_apps(&engine.store, &list)
                        .await
                        .map_err(|e| fail(e.into()))?;
                    print_connections(&list, &apps, engine.secrets.kind());
                }
            }
            ConnectionsCommand::Update(a) => {
                let c = connections::get(&engine.store, &a.connection)
                    .await
                    .map_err(|e| fail(e.into()))?;
                let input = updated_input(&c, &a);
                let secrets = secrets_from(
                    a.scim_token_file.as_deref(),
                    a.client_secret_file.as_deref(),
                    a.client_certificate_file.as_deref(),
                )
                .map_err(fail)?;
                let saved = api::connections::update_connection(&engine, &c.id, &input, &secrets)
                    .await
                    .map_err(|e| {
                        let mut e = CommandError::from(e);
                        // Say how to confirm from here.
                        let ask = "confirm that the stored one belongs to it";
                        for f in &mut e.fields {
                            if f.message.contains(ask) {
                                f.message.push_str(" (`--keep-secret`)");
                            }
                        }
                        e.message = e.message.replace(ask, &format!("{ask} (`--keep-secret`)"));
                        fail(e)
                    })?;
                if json {
                    print_json(&saved).map_err(fail)?;
                } else {
                    println!(
                        "Updated {} ({}).",
                        saved.connection.name, saved.connection.id
                    );
                    for n in &saved.notes {
                        println!("  note: {n}");
                    }
                }
            }
            ConnectionsCommand::Remove { connection } => {
                let removed = api::connections::remove_connection(&engine, &connection)
                    .await
                    .map_err(|e| fail(e.into()))?;
                if json {
                    print_json(&removed).map_err(fail)?;
                } else {
                    println!(
                        "Removed {} ({}) and its stored data and secrets.",
                        removed.name, removed.id
                    );
                }
            }
            ConnectionsCommand::Add(a) => {
                let secrets = secrets_from(
                    a.scim_token_file.as_deref(),
                    a.client_secret_file.as_deref(),
                    a.client_certificate_file.as_deref(),
                )
                .map_err(fail)?;
                let input = added_input(*a);
                let saved = api::connections::add_connection(&engine, &input, &secrets)
                    .await
                    .map_err(|e| fail(e.into()))?;
                if json {
                    print_json(&saved).map_err(fail)?;
                } else {
                    println!("Added {} ({}).", saved.connection.name, saved.connection.id);
                    for n in &saved.notes {
                        println!("  note: {n}");
                    }
                }
            }
        },
    }
    engine.store.close().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure {
            quiet: true, exit, ..
        }) => ExitCode::from(exit),
        Err(Failure {
            error, json, exit, ..
        }) => {
            let exit = if is_flag_error(&error) { 2 } else { exit };
            if json {
                let body = serde_json::json!({ "error": error });
                out::json(&body.to_string());
            } else {
                eprintln!("error: {}", error.message);
                // Each field's problem, unless the message already says it.
                for f in error
                    .fields
                    .iter()
                    .filter(|f| !error.message.contains(&f.message))
                {
                    eprintln!("  {}: {}", f.field, f.message);
                }
            }
            ExitCode::from(exit)
        }
    }
}
