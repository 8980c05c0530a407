//! `scimwatch-cli alerts add|list|remove|test|dead|retry`: alert channels
//! (Teams, Slack, a signed webhook, e-mail). Webhook URLs, signing secrets
//! and SMTP passwords are secrets: read from a file or stdin (`-`), kept in
//! the secret store, never printed.

use clap::{Args, Subcommand, ValueEnum};
use scimwatch_core::health::Severity;
use scimwatch_core::{CommandError, ErrorKind};
use scimwatch_engine::alerts::{AlertChannel, AlertChannelInput, ChannelKind, EmailSettings};
use scimwatch_engine::api::alerts as api;
use scimwatch_engine::Engine;

use crate::{print_json, read_secret};

#[derive(Subcommand, Debug)]
pub enum AlertsCommand {
    /// List alert channels with their queue (pending, dead letters).
    List,
    /// Add a channel. The webhook URL, signing secret and SMTP password only
    /// from a file or stdin (`-`).
    Add(Box<AddArgs>),
    /// Remove a channel (by name or id), its queued alerts and its secrets.
    Remove {
        /// Name or id.
        channel: String,
    },
    /// Send a test alert now. Exit 0: the receiver took it; 1: it did not
    /// (the reason is printed).
    Test {
        /// Name or id.
        channel: String,
    },
    /// Alerts given up on (dead letters), newest first.
    Dead,
    /// Queue dead letters again: one (by its number from `alerts dead`), or
    /// every one of a channel, or all.
    Retry {
        /// The dead letter's number.
        id: Option<i64>,
        /// Every dead letter of this channel.
        #[arg(long)]
        channel: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KindArg {
    Teams,
    Slack,
    Webhook,
    Email,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SeverityArg {
    Info,
    Warning,
    Critical,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    #[arg(long)]
    name: String,
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Teams, Slack, webhook: a file holding the webhook URL (or `-`: stdin).
    #[arg(long, value_name = "PATH|-")]
    url_file: Option<String>,
    /// Webhook: a file holding the HMAC-SHA256 signing secret (16+ characters).
    #[arg(long, value_name = "PATH|-")]
    signing_secret_file: Option<String>,
    /// E-mail: the SMTP server (STARTTLS is required unless it is this machine).
    #[arg(long)]
    smtp_host: Option<String>,
    #[arg(long, default_value_t = 587)]
    smtp_port: u16,
    /// E-mail: the SMTP user name (with --smtp-password-file).
    #[arg(long)]
    smtp_user: Option<String>,
    #[arg(long, value_name = "PATH|-")]
    smtp_password_file: Option<String>,
    /// E-mail: the sender address.
    #[arg(long)]
    from: Option<String>,
    /// E-mail: a recipient (repeat for more).
    #[arg(long)]
    to: Vec<String>,
    /// Send incidents at or above this severity.
    #[arg(long, value_enum, default_value = "warning")]
    min_severity: SeverityArg,
    /// Only incidents of this connection (name or id; repeat for more).
    /// Default: every connection.
    #[arg(long)]
    connection: Vec<String>,
}

fn input(a: &AddArgs) -> Result<AlertChannelInput, CommandError> {
    let kind = match a.kind {
        KindArg::Teams => ChannelKind::Teams,
        KindArg::Slack => ChannelKind::Slack,
        KindArg::Webhook => ChannelKind::Webhook,
        KindArg::Email => ChannelKind::Email,
    };
    let secret = |f: &Option<String>, what: &str, flag: &str| {
        f.as_deref().map(|f| read_secret(f, what, flag)).transpose()
    };
    let email = (kind == ChannelKind::Email).then(|| EmailSettings {
        host: a.smtp_host.clone().unwrap_or_default(),
        port: a.smtp_port,
        username: a.smtp_user.clone(),
        from: a.from.clone().unwrap_or_default(),
        to: a
            .to
            .iter()
            .flat_map(|t| t.split(','))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
    });
    if kind != ChannelKind::Email && a.url_file.is_none() {
        return Err(crate::flag_error(
            "--url-file",
            "give a file holding the webhook URL (or - to read it from stdin)",
        ));
    }
    Ok(AlertChannelInput {
        name: a.name.clone(),
        kind,
        url: secret(&a.url_file, "webhook URL", "--url-file")?,
        signing_secret: secret(
            &a.signing_secret_file,
            "signing secret",
            "--signing-secret-file",
        )?,
        email,
        smtp_password: secret(
            &a.smtp_password_file,
            "SMTP password",
            "--smtp-password-file",
        )?,
        min_severity: match a.min_severity {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Critical => Severity::Critical,
        },
        connections: a.connection.clone(),
    })
}

fn describe(c: &AlertChannel) -> String {
    let mut s = format!(
        "{} [{}] {} — {} and above, {}",
        c.name,
        c.kind.as_str(),
        c.target,
        c.min_severity.as_str(),
        if c.connections.is_empty() {
            "every connection".to_string()
        } else {
            format!("{} connection(s)", c.connections.len())
        }
    );
    if c.pending > 0 || c.dead > 0 {
        s.push_str(&format!("; {} pending, {} dead", c.pending, c.dead));
    }
    if let Some(t) = c.last_delivered_at {
        s.push_str(&format!(
            "; last delivered {}",
            t.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    if let Some(e) = &c.last_error {
        s.push_str(&format!("\n    last error: {e}"));
    }
    s
}

pub async fn run(engine: &Engine, cmd: AlertsCommand, json: bool) -> Result<(), CommandError> {
    match cmd {
        AlertsCommand::List => {
            let list = api::list_alert_channels(engine).await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No alert channels. Add one with `scimwatch-cli alerts add`.");
            } else {
                for c in &list {
                    println!("{}", describe(c));
                }
            }
        }
        AlertsCommand::Add(a) => {
            let added = api::add_alert_channel(engine, &input(&a)?).await?;
            if json {
                print_json(&added)?;
            } else {
                for n in &added.notes {
                    eprintln!("note: {n}");
                }
                println!("Added {}", describe(&added.channel));
                println!(
                    "Send a test alert with: scimwatch-cli alerts test \u{201c}{}\u{201d}",
                    added.channel.name
                );
            }
        }
        AlertsCommand::Remove { channel } => {
            let c = api::remove_alert_channel(engine, &channel).await?;
            if json {
                print_json(&serde_json::json!({ "removed": c }))?;
            } else {
                println!("Removed {} and its queued alerts.", c.name);
            }
        }
        AlertsCommand::Test { channel } => {
            let r = api::test_alert_channel(engine, &channel).await?;
            if !r.delivered {
                return Err(CommandError {
                    kind: ErrorKind::Network,
                    message: r.message,
                    fields: Vec::new(),
                });
            }
            if json {
                print_json(&r)?;
            } else {
                println!("{}", r.message);
            }
        }
        AlertsCommand::Dead => {
            let dead = api::list_dead_letters(engine).await?;
            if json {
                print_json(&dead)?;
            } else if dead.is_empty() {
                println!("No dead letters.");
            } else {
                for d in &dead {
                    println!(
                        "#{} {} — {} ({} attempts, {})\n    {}",
                        d.id,
                        d.channel_name,
                        d.summary,
                        d.attempts,
                        d.created_at.format("%Y-%m-%d %H:%M UTC"),
                        d.last_error
                    );
                }
            }
        }
        AlertsCommand::Retry { id, channel } => {
            let n = api::retry_dead_letters(engine, id, channel.as_deref()).await?;
            if json {
                print_json(&serde_json::json!({ "requeued": n }))?;
            } else {
                println!("Queued {n} alert(s) again; a running watch or serve sends them.");
            }
        }
    }
    Ok(())
}
