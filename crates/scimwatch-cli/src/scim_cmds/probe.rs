//! `probe` and `probe-cleanup`: the Entra write probe (issue 20).

use chrono::Utc;
use scimwatch_core::scim::write_probe::StepOutcome;
use scimwatch_core::{CommandError, ErrorKind};
use scimwatch_engine::scim::probe::plan::planned_for;
use scimwatch_engine::scim::probe::{self, cleanup, Names, ProbeStep, RunOptions};
use scimwatch_engine::Engine;

use super::{err, resolve};

/// What nothing was probed for: said like any error, exit 2 ("could not probe").
fn could_not(e: CommandError, json: bool) -> Result<u8, CommandError> {
    if json {
        crate::print_json(&serde_json::json!({ "error": e }))?;
    } else {
        eprintln!("error: could not probe: {}", e.message);
    }
    Ok(2)
}

/// The requests the write probe sends, printed before it sends any
/// (`with_role`: the stored Users mapping maps app roles, so the user with
/// a role is created too).
fn print_plan(url: &str, with_role: bool, to_stderr: bool) {
    let say = |s: String| {
        if to_stderr {
            eprintln!("{s}");
        } else {
            println!("{s}");
        }
    };
    say(format!(
        "The write probe sends these requests to {url} (the Authorization header carries the \
         connection's token; <random> is chosen at the start, ids are the SaaS's):"
    ));
    for p in planned_for(&Names::new("<random>"), with_role) {
        say(format!("  {:<6} {}  [{}]", p.method, p.target, p.note));
        if let Some(b) = &p.body {
            say(format!("         {b}"));
        }
    }
    say(String::new());
}

fn print_step(s: &ProbeStep) {
    let mark = match s.outcome {
        StepOutcome::Pass => "pass",
        StepOutcome::Fail => "FAIL",
        StepOutcome::NotApplicable => "n/a ",
        StepOutcome::NotRun => "----",
        StepOutcome::Unverified => "??  ",
        StepOutcome::NotChecked => "n/c ",
    };
    eprintln!("{mark}  {}", s.code);
}

/// `probe CONNECTION [--write --i-understand-this-writes]`: 0 ready for
/// Entra, 1 problems, 2 could not probe.
pub async fn run(
    engine: &Engine,
    connection: Option<String>,
    write: bool,
    understood: bool,
    json: bool,
) -> Result<u8, CommandError> {
    if understood && !write {
        return could_not(
            err(
                ErrorKind::Validation,
                "--i-understand-this-writes goes with --write (the write probe); without --write \
                 only the read-side checks run",
            ),
            json,
        );
    }
    if write && !understood {
        return could_not(
            err(
                ErrorKind::Validation,
                "--write creates, changes and deletes throwaway users and groups \
                 (scimwatch-probe-…) in the SaaS: add --i-understand-this-writes to confirm",
            ),
            json,
        );
    }
    let row = match resolve(engine, connection).await {
        Ok(r) => r,
        Err(e) => return could_not(e, json),
    };
    if write {
        let with_role = probe::roles_mapping::stored_roles_mapping(engine.store.pool(), row.id)
            .await
            .is_mapped();
        print_plan(row.scim_url.as_deref().unwrap_or_default(), with_role, json);
    }
    let cancel = scimwatch_engine::scim::CancelFlag::new();
    let c2 = cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    let show = |s: &ProbeStep| print_step(s);
    let opts = RunOptions {
        cancel,
        on_step: write.then_some(&show as &(dyn Fn(&ProbeStep) + Send + Sync)),
    };
    let r = probe::probe(engine, &row.uuid, write, &opts, Utc::now()).await;
    ctrl_c.abort();
    let report = match r {
        Ok(r) => r,
        Err(e) => return could_not(e.into(), json),
    };
    if json {
        crate::print_json(&report)?;
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(report.exit_code())
}

/// `probe-cleanup CONNECTION`: delete what interrupted probes left.
pub async fn run_cleanup(
    engine: &Engine,
    connection: Option<String>,
    json: bool,
) -> Result<u8, CommandError> {
    let row = resolve(engine, connection).await?;
    let c = cleanup::cleanup(engine, &row.uuid)
        .await
        .map_err(CommandError::from)?;
    if json {
        crate::print_json(&serde_json::json!({
            "removed": c.removed,
            "leftovers": c.leftovers,
        }))?;
    } else {
        if c.removed.is_empty() && c.leftovers.is_empty() {
            println!("Nothing to clean up: no throwaway object of an earlier probe is listed.");
        }
        for r in &c.removed {
            println!("deleted {r}");
        }
        for l in &c.leftovers {
            println!(
                "LEFT {}/{} ({}): {}",
                l.resource,
                l.id.as_deref().unwrap_or("id unknown"),
                l.names.join(", "),
                l.reason
            );
        }
    }
    Ok(u8::from(!c.leftovers.is_empty()))
}
