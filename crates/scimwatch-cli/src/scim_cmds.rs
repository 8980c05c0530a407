//! SCIM-side commands: test-connection, discover, probe, probe-cleanup, crawl,
//! snapshots, diff, drift.

mod probe;

use chrono::Utc;
use clap::Subcommand;
use scimwatch_core::{CommandError, ErrorKind};
use scimwatch_engine::scim::drift::{drift, stored_assignments};
use scimwatch_engine::scim::{
    discover, run_inventory, test_token, CancelFlag, CheckResult, CrawlConfig, CrawlMode, ScimError,
};
use scimwatch_engine::store::connections as rows;
use scimwatch_engine::store::inventory;
use scimwatch_engine::Engine;

#[derive(Subcommand, Debug)]
pub enum ScimCommand {
    /// Replay Entra's Test Connection against the SaaS's SCIM endpoint.
    TestConnection {
        /// Connection name or id (optional when there is only one).
        connection: Option<String>,
        /// Test a NEW token from a file (or `-` for stdin) before pasting it into Entra.
        #[arg(long, value_name = "PATH|-")]
        token_file: Option<String>,
    },
    /// Discovery and the SCIM compliance report (Markdown; JSON with --json).
    /// Exit 0 compliant, 1 deviations found, 2 could not examine.
    Discover {
        /// Connection name or id.
        connection: Option<String>,
    },
    /// Before switching provisioning on: replay Entra's requests. Without
    /// --write only the read-side checks run (the write probe is "not run").
    /// With --write --i-understand-this-writes, throwaway users and groups
    /// (scimwatch-probe-…) are created, changed and deleted, every effect
    /// read back. Exit 0 ready for Entra, 1 problems, 2 could not probe.
    Probe {
        /// Connection name or id.
        connection: Option<String>,
        /// Run the write probe (needs --i-understand-this-writes).
        #[arg(long)]
        write: bool,
        /// Confirm that the write probe may create and delete objects in the SaaS.
        #[arg(long)]
        i_understand_this_writes: bool,
    },
    /// Delete the throwaway objects an interrupted write probe left in the SaaS.
    ProbeCleanup {
        /// Connection name or id.
        connection: Option<String>,
    },
    /// Crawl every SCIM user and group into a new inventory snapshot.
    Crawl {
        /// Connection name or id.
        connection: Option<String>,
        /// One request at a time instead of adaptive concurrency.
        #[arg(long)]
        sequential: bool,
        /// Resources per page.
        #[arg(long, default_value_t = 100)]
        page_size: u32,
        /// If another crawl of the connection is running (this or another
        /// process), wait for it to finish, then crawl (default: refuse).
        #[arg(long)]
        wait: bool,
    },
    /// List inventory snapshots.
    Snapshots {
        /// Connection name or id.
        connection: Option<String>,
    },
    /// What changed between two snapshots (ids from `snapshots`).
    Diff { a: i64, b: i64 },
    /// Entra's assigned users against the latest SCIM inventory.
    Drift {
        /// Connection name or id.
        connection: Option<String>,
    },
}

pub(crate) fn err(kind: ErrorKind, message: impl Into<String>) -> CommandError {
    CommandError {
        kind,
        message: message.into(),
        fields: Vec::new(),
    }
}

fn scim(e: ScimError) -> CommandError {
    e.into()
}

/// The named connection, or the only one that watches a SCIM endpoint.
pub(crate) async fn resolve(
    engine: &Engine,
    given: Option<String>,
) -> Result<rows::ConnectionRow, CommandError> {
    if let Some(name) = given {
        return rows::find(engine.store.pool(), &name)
            .await
            .map_err(CommandError::from)?
            .ok_or_else(|| {
                err(
                    ErrorKind::NotFound,
                    format!("no connection \u{201c}{name}\u{201d}"),
                )
            });
    }
    let all: Vec<_> = rows::list(engine.store.pool())
        .await
        .map_err(CommandError::from)?
        .into_iter()
        .filter(|c| c.scim_url.is_some())
        .collect();
    match all.len() {
        1 => Ok(all.into_iter().next().ok_or_else(|| err(ErrorKind::Internal, "gone"))?),
        0 => Err(err(
            ErrorKind::NotFound,
            "no connection watches a SCIM endpoint; add one with `scimwatch-cli connections add --scim-url …`",
        )),
        _ => Err(err(
            ErrorKind::Validation,
            format!(
                "several connections: name one of {}",
                all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

fn print_check(r: &CheckResult) {
    println!(
        "{}  {}{}",
        if r.ok { "OK " } else { "FAIL" },
        r.verdict.as_str(),
        r.latency_ms
            .map(|l| format!(" · {l} ms"))
            .unwrap_or_default()
    );
    println!("  {}", r.message);
    println!("  Tenant URL: {}", r.url);
    if let Some(s) = &r.suggested_url {
        println!("  Try:        {s}");
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
    for x in &r.exchanges {
        println!(
            "  {} {} → {}",
            x.method,
            x.url,
            x.status
                .map(|s| s.to_string())
                .or_else(|| x.error.clone())
                .unwrap_or_default()
        );
    }
}

/// Runs a SCIM-side subcommand; `Ok(1)` when it ran and found a problem its
/// output already states (an incomplete crawl).
pub async fn run(engine: &Engine, cmd: ScimCommand, json: bool) -> Result<u8, CommandError> {
    match cmd {
        ScimCommand::TestConnection {
            connection,
            token_file,
        } => {
            let r = match token_file {
                Some(src) => {
                    let row = resolve(engine, connection).await?;
                    let url = row.scim_url.clone().unwrap_or_default();
                    let token = crate::read_secret(&src, "SCIM token", "--token-file")?;
                    test_token(&url, &token).await.map_err(scim)?
                }
                None => {
                    let row = resolve(engine, connection).await?;
                    scimwatch_engine::api::token::test_connection(engine, &row.uuid)
                        .await
                        .map_err(scim)?
                }
            };
            if json {
                crate::print_json(&r)?;
            } else {
                print_check(&r);
            }
            if !r.ok {
                return Err(err(
                    ErrorKind::Network,
                    format!("Test Connection failed: {}", r.verdict.as_str()),
                ));
            }
        }
        ScimCommand::Discover { connection } => {
            let row = resolve(engine, connection).await?;
            let report = discover(engine, &row.uuid, Utc::now())
                .await
                .map_err(scim)?;
            if json {
                crate::print_json(&report)?;
            } else {
                print!("{}", report.to_markdown());
            }
            // 0 compliant, 1 deviations found, 2 could not examine (the
            // report says which and why).
            return Ok(report.exit_code());
        }
        ScimCommand::Probe {
            connection,
            write,
            i_understand_this_writes,
        } => {
            return probe::run(engine, connection, write, i_understand_this_writes, json).await;
        }
        ScimCommand::ProbeCleanup { connection } => {
            return probe::run_cleanup(engine, connection, json).await;
        }
        ScimCommand::Crawl {
            connection,
            sequential,
            page_size,
            wait,
        } => {
            let row = resolve(engine, connection).await?;
            let cfg = CrawlConfig {
                page_size,
                mode: if sequential {
                    CrawlMode::Sequential
                } else {
                    CrawlMode::Adaptive
                },
                ..CrawlConfig::default()
            };
            let (tx, mut rx) =
                tokio::sync::watch::channel(scimwatch_engine::scim::CrawlProgress::default());
            let printer = tokio::spawn(async move {
                while rx.changed().await.is_ok() {
                    let p = rx.borrow().clone();
                    let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
                    crate::out::progress(format_args!(
                        "{:<8} {}{} (in flight {})   ",
                        p.phase, p.done, total, p.in_flight
                    ));
                }
                eprintln!();
            });
            let cancel = CancelFlag::new();
            let c2 = cancel.clone();
            let ctrl_c = tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    c2.cancel();
                }
            });
            let mut waiting = false;
            let r = loop {
                let r =
                    run_inventory(engine, &row.uuid, &cfg, Some(&tx), &cancel, Utc::now()).await;
                let Err(ScimError::AlreadyRunning { name, pid }) = &r else {
                    break r;
                };
                if !wait || cancel.is_cancelled() {
                    break r;
                }
                if !waiting {
                    waiting = true;
                    eprintln!(
                        "waiting: a crawl of {name} is already running ({}); this one starts \
                         when it ends (Ctrl-C to give up)",
                        scimwatch_engine::locks::pid_text(*pid)
                    );
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    _ = cancel.cancelled() => break r,
                }
            };
            drop(tx);
            let _ = printer.await;
            ctrl_c.abort();
            let o = r.map_err(scim)?;
            if json {
                crate::print_json(&o)?;
            } else {
                println!(
                    "Snapshot {}: {} users, {} groups ({} , {} changes, {} new versions) in {} ms",
                    o.snapshot_id,
                    o.users,
                    o.groups,
                    if o.full { "full" } else { "delta" },
                    o.changes,
                    o.versions_written,
                    o.elapsed_ms
                );
                for f in &o.findings {
                    println!("  deviation: {} ({})", f.message, f.code);
                }
                if let Some(why) = &o.incomplete {
                    println!(
                        "  INCOMPLETE: {why}. Stored as incomplete: it is listed, but never \
                         diffed or used as the base of the next snapshot."
                    );
                }
            }
            if o.incomplete.is_some() {
                return Ok(1);
            }
        }
        ScimCommand::Snapshots { connection } => {
            let row = resolve(engine, connection).await?;
            let list = inventory::list(engine.store.pool(), row.id, 100)
                .await
                .map_err(CommandError::from)?;
            if json {
                crate::print_json(&list)?;
            } else if list.is_empty() {
                println!("No snapshots yet. Run `scimwatch-cli crawl`.");
            } else {
                for s in &list {
                    println!(
                        "{:>6}  {}  {:<9} {:>7} users {:>6} groups  {}{}",
                        s.id,
                        s.started_at.format("%Y-%m-%d %H:%M"),
                        s.state,
                        s.user_count
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "-".into()),
                        s.group_count
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "-".into()),
                        if s.full {
                            "full".to_string()
                        } else {
                            format!("{} changes", s.changes)
                        },
                        s.error
                            .as_deref()
                            .map(|e| format!("  ({e})"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        ScimCommand::Diff { a, b } => {
            let conn_a = inventory::connection_of(engine.store.pool(), a)
                .await
                .map_err(CommandError::from)?
                .ok_or_else(|| err(ErrorKind::NotFound, format!("no snapshot {a}")))?;
            let mut db = engine
                .store
                .pool()
                .acquire()
                .await
                .map_err(|e| CommandError::from(scimwatch_engine::EngineError::from(e)))?;
            let d = inventory::diff(&mut db, conn_a, a, b)
                .await
                .map_err(CommandError::from)?;
            if json {
                crate::print_json(&d)?;
            } else {
                let c = d.counts;
                println!(
                    "Users: +{} −{} ~{}   Groups: +{} −{} ~{}   Memberships: +{} −{}",
                    c.users_added,
                    c.users_removed,
                    c.users_changed,
                    c.groups_added,
                    c.groups_removed,
                    c.groups_changed,
                    c.memberships_added,
                    c.memberships_removed
                );
                let label =
                    |l: &Option<String>, id: &str| l.clone().unwrap_or_else(|| id.to_string());
                for u in &d.users.added {
                    println!("  + user  {}", label(&u.label, &u.id));
                }
                for u in &d.users.removed {
                    println!("  − user  {}", label(&u.label, &u.id));
                }
                for u in &d.users.changed {
                    println!(
                        "  ~ user  {}: {}",
                        label(&u.label, &u.id),
                        u.changed_paths.join(", ")
                    );
                }
                for g in &d.groups.changed {
                    println!(
                        "  ~ group {}: +{} −{} members{}",
                        label(&g.label, &g.id),
                        g.members_added.len(),
                        g.members_removed.len(),
                        if g.changed_paths.is_empty() {
                            String::new()
                        } else {
                            format!(", {}", g.changed_paths.join(", "))
                        }
                    );
                }
            }
        }
        ScimCommand::Drift { connection } => {
            let row = resolve(engine, connection).await?;
            let side = stored_assignments(engine, row.id).await.map_err(scim)?.ok_or_else(|| {
                err(
                    ErrorKind::NotFound,
                    format!(
                        "no Entra assignments are stored for \u{201c}{}\u{201d} yet: drift compares \
                         the users assigned in Entra with the SaaS, so the Entra side must be \
                         watched and polled first",
                        row.name
                    ),
                )
            })?;
            let r = drift(engine, &row.uuid, &side.assigned, &side.config)
                .await
                .map_err(scim)?;
            if json {
                crate::print_json(&r)?;
            } else {
                let c = r.report.counts;
                println!(
                    "Against snapshot {}: {} assigned, {} in the SaaS, {} matched",
                    r.snapshot_id, c.assigned, c.saas, c.matched
                );
                println!(
                    "  missing {} · orphans {} ({} active) · duplicates {} · active mismatches {} · unmatchable {}",
                    c.missing, c.orphans, c.active_orphans, c.duplicates, c.active_mismatches, c.unmatchable
                );
                for m in &r.report.missing {
                    println!(
                        "  missing: {}",
                        m.matching_value.as_deref().unwrap_or(&m.principal_id)
                    );
                }
                for o in r.report.orphans.iter().filter(|o| o.active != Some(false)) {
                    println!("  orphan:  {}", o.user_name.as_deref().unwrap_or("?"));
                }
            }
        }
    }
    Ok(0)
}
