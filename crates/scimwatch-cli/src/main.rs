//! scimwatch-cli: the scimwatch engine without a window, for scripts,
//! servers and jump hosts. Secrets are read from files or stdin, never flags.

// First, so that every `println!`/`eprintln!` in the crate is the
// terminal-safe, never-panicking one from `out.rs`.
#[macro_use]
mod out;

mod alerts_cmd;
mod entra_cmds;
mod fleet_list;
mod remediate_cmds;
mod scim_cmds;
mod serve_cmd;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::{Args, Parser, Subcommand, ValueEnum};
use scimwatch_core::{AuthMode, Cloud, CommandError, Connection, ConnectionInput, Sensitive};
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

#[derive(Subcommand, Debug)]
enum ConnectionsCommand {
    /// List connections.
    List,
    /// Add a connection. Secrets only from a file or stdin (`-`).
    Add(Box<AddArgs>),
    /// Change a connection: only the flags given change; stored secrets are
    /// kept unless a new one is given. Moving the Tenant URL, the login or the
    /// Graph URL while keeping a stored secret needs `--keep-secret`.
    Update(Box<UpdateArgs>),
    /// Remove a connection (by name or id) with everything stored for it.
    Remove {
        /// Name or id.
        connection: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CloudArg {
    Global,
    Usgov,
    China,
    Custom,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AuthArg {
    Delegated,
    ClientSecret,
    Certificate,
}

#[derive(Args, Debug)]
struct AddArgs {
    #[arg(long)]
    name: String,
    #[arg(long, value_enum, default_value = "global")]
    cloud: CloudArg,
    /// Login host for `--cloud custom`.
    #[arg(long)]
    login_url: Option<String>,
    /// Graph host for `--cloud custom`.
    #[arg(long)]
    graph_url: Option<String>,
    /// Entra tenant ID or domain.
    #[arg(long)]
    tenant: Option<String>,
    /// App registration client ID (optional for delegated sign-in).
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, value_enum, default_value = "delegated")]
    auth_mode: AuthArg,
    /// Enterprise app display name or appId.
    #[arg(long, conflicts_with = "all_apps")]
    app: Option<String>,
    /// Watch every enterprise app of the tenant that has a provisioning job
    /// (one connection per app, found and retired automatically; one
    /// provisioning-log stream for the whole tenant).
    #[arg(long)]
    all_apps: bool,
    /// The SaaS's SCIM Tenant URL.
    #[arg(long)]
    scim_url: Option<String>,
    /// SCIM token expiry (YYYY-MM-DD or RFC 3339), if known.
    #[arg(long)]
    token_expires: Option<String>,
    /// File holding the SCIM Secret Token, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    scim_token_file: Option<String>,
    /// File holding the client secret, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    client_secret_file: Option<String>,
    /// PEM file holding the app registration's certificate and its private
    /// key (`--auth-mode certificate`), or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    client_certificate_file: Option<String>,
}

#[derive(Args, Debug)]
struct UpdateArgs {
    /// Name or id of the connection to change.
    connection: String,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    #[arg(long, value_enum)]
    cloud: Option<CloudArg>,
    /// Login host for `--cloud custom`.
    #[arg(long)]
    login_url: Option<String>,
    /// Graph host for `--cloud custom`.
    #[arg(long)]
    graph_url: Option<String>,
    /// Entra tenant ID or domain.
    #[arg(long)]
    tenant: Option<String>,
    /// App registration client ID.
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, value_enum)]
    auth_mode: Option<AuthArg>,
    /// Enterprise app display name or appId.
    #[arg(long)]
    app: Option<String>,
    /// The SaaS's SCIM Tenant URL.
    #[arg(long)]
    scim_url: Option<String>,
    /// SCIM token expiry (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    token_expires: Option<String>,
    /// File holding a new SCIM Secret Token, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    scim_token_file: Option<String>,
    /// File holding a new client secret, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    client_secret_file: Option<String>,
    /// PEM file holding a new certificate and its private key, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    client_certificate_file: Option<String>,
    /// The stored token, client secret or certificate belongs to the Tenant
    /// URL, login or Graph URL as changed here: keep it. Without this flag
    /// such a change needs the new secret, so that a stored secret is never
    /// sent to an endpoint it was not made for.
    #[arg(long)]
    keep_secret: bool,
}

fn cloud_of(c: CloudArg) -> Cloud {
    match c {
        CloudArg::Global => Cloud::Global,
        CloudArg::Usgov => Cloud::Usgov,
        CloudArg::China => Cloud::China,
        CloudArg::Custom => Cloud::Custom,
    }
}

fn auth_mode_of(a: AuthArg) -> AuthMode {
    match a {
        AuthArg::Delegated => AuthMode::Delegated,
        AuthArg::ClientSecret => AuthMode::ClientSecret,
        AuthArg::Certificate => AuthMode::Certificate,
    }
}

/// Secrets given as files or stdin (at most one from stdin).
fn secrets_from(
    scim_token: Option<&str>,
    client_secret: Option<&str>,
    client_certificate: Option<&str>,
) -> Result<SecretsInput, CommandError> {
    let given = [scim_token, client_secret, client_certificate];
    if given.iter().filter(|f| **f == Some("-")).count() > 1 {
        return Err(CommandError {
            kind: scimwatch_core::ErrorKind::Validation,
            message: "only one secret can come from stdin; put the other in a file".into(),
            fields: Vec::new(),
        });
    }
    Ok(SecretsInput {
        scim_token: scim_token
            .map(|s| read_secret(s, "SCIM token", "--scim-token-file"))
            .transpose()?,
        client_secret: client_secret
            .map(|s| read_secret(s, "client secret", "--client-secret-file"))
            .transpose()?,
        client_certificate: client_certificate
            .map(|s| read_secret(s, "certificate", "--client-certificate-file"))
            .transpose()?,
    })
}

/// The connection as stored, with the flags given laid over it.
fn updated_input(c: &Connection, a: &UpdateArgs) -> ConnectionInput {
    let e = c.entra.as_ref();
    let cloud = a
        .cloud
        .map(cloud_of)
        .or(e.map(|e| e.cloud))
        .unwrap_or_default();
    let was_custom = e.is_some_and(|e| e.cloud == Cloud::Custom);
    let custom_host = |given: &Option<String>, stored: Option<&String>| {
        given.clone().or_else(|| {
            (cloud == Cloud::Custom && was_custom)
                .then(|| stored.cloned())
                .flatten()
        })
    };
    let auth_mode = a
        .auth_mode
        .map(auth_mode_of)
        .or(e.map(|e| e.auth_mode))
        .unwrap_or_default();
    // The default public client is what an empty client ID means: keep it
    // implicit, so that switching to an unattended mode asks for a real one.
    let stored_client = e
        .filter(|e| {
            !(e.auth_mode == AuthMode::Delegated
                && e.client_id == scimwatch_core::connection::DEFAULT_PUBLIC_CLIENT_ID)
        })
        .map(|e| e.client_id.clone());
    ConnectionInput {
        name: a.name.clone().unwrap_or_else(|| c.name.clone()),
        cloud,
        login_url: custom_host(&a.login_url, e.map(|e| &e.login_url)),
        graph_url: custom_host(&a.graph_url, e.map(|e| &e.graph_url)),
        tenant_id: a.tenant.clone().or(e.map(|e| e.tenant_id.clone())),
        client_id: a.client_id.clone().or(stored_client),
        auth_mode,
        app: a.app.clone().or(e.and_then(|e| e.app.clone())),
        scim_url: a
            .scim_url
            .clone()
            .or(c.scim.as_ref().map(|s| s.url.clone())),
        scim_token_expires: a.token_expires.clone().or(c
            .scim
            .as_ref()
            .and_then(|s| s.token_expires_at)
            .map(|t| t.to_rfc3339())),
        keep_secrets_for_new_endpoint: a.keep_secret,
        all_apps: None,
    }
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

fn print_connections(list: &[Connection], apps: &fleet_list::TenantsApps, store: SecretStoreKind) {
    if list.is_empty() {
        println!("No connections yet. Add one with `scimwatch-cli connections add --name … --scim-url … --scim-token-file …`.");
        return;
    }
    // An all-apps tenant's apps are listed under it (worst first).
    for c in list.iter().filter(|c| !fleet_list::is_app(c)) {
        println!("{}  ({})", c.name, c.id);
        if let Some(tenant_apps) = apps.get(&c.id) {
            fleet_list::print_tenant(c, tenant_apps);
            continue;
        }
        match &c.entra {
            Some(e) => println!(
                "  Entra:  tenant {} · {} cloud · {}{}",
                e.tenant_id,
                e.cloud.as_str(),
                e.app.as_deref().unwrap_or("app not chosen yet"),
                e.job_id
                    .as_deref()
                    .map(|j| format!(" · job {j}"))
                    .unwrap_or_default()
            ),
            None => println!("  Entra:  not watched"),
        }
        match &c.scim {
            Some(s) => println!(
                "  SCIM:   {} · token {}{}",
                s.url,
                if c.has_scim_token {
                    store.phrase()
                } else {
                    "missing"
                },
                s.token_expires_at
                    .map(|t| format!(" · expires {}", t.format("%Y-%m-%d")))
                    .unwrap_or_default()
            ),
            None => println!("  SCIM:   not watched"),
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
                        scimwatch_core::ErrorKind::Network | scimwatch_core::ErrorKind::Auth
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
            let list = scimwatch_engine::store::incidents::list(
                engine.store.pool(),
                conn.as_deref(),
                !all,
                500,
            )
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
                let list = connections::list(&engine.store)
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
                let saved = connections::update(
                    &engine.store,
                    engine.secrets.as_ref(),
                    &c.id,
                    &input,
                    &secrets,
                    Utc::now(),
                )
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
                let removed =
                    connections::remove(&engine.store, engine.secrets.as_ref(), &connection)
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
                let from_stdin = [
                    &a.scim_token_file,
                    &a.client_secret_file,
                    &a.client_certificate_file,
                ]
                .iter()
                .filter(|f| f.as_deref() == Some("-"))
                .count();
                if from_stdin > 1 {
                    return Err(fail(CommandError {
                        kind: scimwatch_core::ErrorKind::Validation,
                        message: "only one secret can come from stdin; put the other in a file"
                            .into(),
                        fields: Vec::new(),
                    }));
                }
                let secrets = SecretsInput {
                    scim_token: a
                        .scim_token_file
                        .as_deref()
                        .map(|s| read_secret(s, "SCIM token", "--scim-token-file"))
                        .transpose()
                        .map_err(fail)?,
                    client_secret: a
                        .client_secret_file
                        .as_deref()
                        .map(|s| read_secret(s, "client secret", "--client-secret-file"))
                        .transpose()
                        .map_err(fail)?,
                    client_certificate: a
                        .client_certificate_file
                        .as_deref()
                        .map(|s| read_secret(s, "certificate", "--client-certificate-file"))
                        .transpose()
                        .map_err(fail)?,
                };
                let input = ConnectionInput {
                    name: a.name,
                    cloud: match a.cloud {
                        CloudArg::Global => Cloud::Global,
                        CloudArg::Usgov => Cloud::Usgov,
                        CloudArg::China => Cloud::China,
                        CloudArg::Custom => Cloud::Custom,
                    },
                    login_url: a.login_url,
                    graph_url: a.graph_url,
                    tenant_id: a.tenant,
                    client_id: a.client_id,
                    auth_mode: match a.auth_mode {
                        AuthArg::Delegated => AuthMode::Delegated,
                        AuthArg::ClientSecret => AuthMode::ClientSecret,
                        AuthArg::Certificate => AuthMode::Certificate,
                    },
                    app: a.app,
                    all_apps: a.all_apps.then_some(true),
                    scim_url: a.scim_url,
                    scim_token_expires: a.token_expires,
                    keep_secrets_for_new_endpoint: false,
                };
                let saved = connections::add(
                    &engine.store,
                    engine.secrets.as_ref(),
                    &input,
                    &secrets,
                    Utc::now(),
                )
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

/// Desktop notifications where a session exists, a log line otherwise.
#[derive(Debug)]
struct NotifyOrLog;

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
async fn watch(
    engine: &Engine,
    json: bool,
    options: scimwatch_engine::monitor::WatchOptions,
    started: impl FnOnce(),
) -> Result<(), CommandError> {
    use scimwatch_engine::monitor::Watch;
    let settings = scimwatch_engine::settings::load(&engine.store)
        .await
        .unwrap_or_default();
    let notifier = std::sync::Arc::new(NotifyOrLog);
    let w = Watch::start_with(engine.clone(), settings, notifier, options)?;
    started();
    let stop = serve_cmd::stop_signal();
    tokio::pin!(stop);
    let mut events = w.events();
    let mut diagnoses = w.diagnoses();
    w.poll_now(None).await;
    eprintln!("scimwatch-cli watch: monitoring every connection (Ctrl-C to stop)");
    loop {
        tokio::select! {
            _ = &mut stop => break,
            e = events.recv() => match e {
                Ok(e) => {
                    if json {
                        out::json(&serde_json::json!({ "event": e }).to_string());
                    } else {
                        println!("{} {}", Utc::now().format("%Y-%m-%d %H:%M:%S"), serde_json::to_string(&e).unwrap_or_default());
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            },
            d = diagnoses.recv() => if let Ok(all) = d {
                for (conn, outcome) in all {
                    for a in &outcome.actions {
                        if json {
                            out::json(&serde_json::json!({ "connection": conn, "incident": a }).to_string());
                        } else {
                            println!("{} {conn}: {}", Utc::now().format("%Y-%m-%d %H:%M:%S"), serde_json::to_string(a).unwrap_or_default());
                        }
                    }
                }
            },
        }
    }
    eprintln!("stopping…");
    w.shutdown(std::time::Duration::from_secs(10)).await;
    Ok(())
}

/// `check`: exit 0 healthy, 1 problems found, 2 could not check.
async fn check(engine: &Engine, connection: Option<String>, json: bool) -> Result<(), Failure> {
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
