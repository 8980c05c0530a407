//! `status`: each Entra connection's app, job, streams and stored logs; an
//! all-apps tenant's apps, what needs attention and its Graph budget.

use chrono::{DateTime, Offset, Utc};
use scimwatch_core::health::stream_line;
use scimwatch_core::CommandError;
use scimwatch_engine::api::connections::tenant_summary;
use scimwatch_engine::api::overview::{job_status, StatusReport};
use scimwatch_engine::Engine;

use crate::fleet_list::{print_tenant_status, StatusOut};

use super::{entra_rows, one, print_json};

pub(super) async fn status(
    engine: &Engine,
    connection: Option<String>,
    json: bool,
) -> Result<(), CommandError> {
    let list = match connection {
        Some(c) => vec![one(engine, Some(&c)).await?],
        None => entra_rows(engine).await?,
    };
    let now = Utc::now();
    let mut reports = Vec::new();
    for row in &list {
        reports.push(StatusOut {
            report: job_status(engine, &row.uuid).await?,
            tenant: tenant_summary(engine, &row.uuid).await?,
        });
    }
    if json {
        print_json(&reports)?;
    } else if reports.is_empty() {
        println!("No connection watches an Entra tenant yet.");
    } else {
        for r in &reports {
            match &r.tenant {
                Some(t) => print_tenant_status(&r.report, &stream_lines(&r.report, now), t),
                None => print_status(&r.report),
            }
        }
    }
    Ok(())
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
