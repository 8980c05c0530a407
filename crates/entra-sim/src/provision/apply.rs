//! What a cycle's results do to the job: counts, escrows, quarantine, and
//! the `restart` action.

use super::*;

pub(crate) fn tally(report: &mut CycleReport, exec: &mut Execution, item: &ItemResult) {
    match item.outcome {
        Outcome::Success => {
            exec.count_exports += 1;
            exec.count_exported += 1;
            match item.action {
                Action::Create => report.created += 1,
                Action::Update => report.updated += 1,
                Action::Disable => report.disabled += 1,
                Action::Delete => report.deleted += 1,
                Action::Other => {}
            }
        }
        Outcome::Failure => {
            exec.count_exports += 1;
            exec.count_escrowed += 1;
            exec.count_escrowed_raw += 1;
            report.failed += 1;
        }
        Outcome::Skipped => report.skipped += 1,
    }
    if matches!(item.object, Principal::Group(_)) && item.outcome == Outcome::Success {
        exec.count_imported_reference_deltas += 1;
    }
}

pub(crate) fn apply(
    state: &SimState,
    cycle_idx: u32,
    items: Vec<ItemResult>,
    progress: Option<(i64, i64)>,
) {
    let mut inner = state.lock();
    for it in items {
        let mut detail = it.detail;
        if detail.display.is_empty() {
            detail.display = display_of(&inner.tenant, it.object).0;
        }
        inner.logs.push(
            cycle_idx,
            it.at,
            it.object,
            it.action,
            it.outcome,
            it.error,
            it.duration_ms,
            Some(detail),
        );
        match it.update {
            ProvUpdate::None => {}
            ProvUpdate::User(i, p) => {
                inner.prov.users.insert(i, p);
            }
            ProvUpdate::Group(i, p) => {
                inner.prov.groups.insert(i, p);
            }
            ProvUpdate::GroupRemove(i) => {
                inner.prov.groups.remove(&i);
            }
        }
    }
    if let Some((done, total)) = progress {
        let now = state.clock.now();
        inner.job.progress = Some((done, total, now));
    }
    update_counts(&mut inner);
}

pub(crate) fn update_counts(inner: &mut Inner) {
    inner.job.synced_users = inner.prov.users.values().filter(|p| p.active).count() as i64;
    inner.job.synced_groups = inner.prov.groups.len() as i64;
}

/// The log entry's error of a cycle-stopping failure: an endpoint that did
/// not answer is a connection failure (`Timeout`: "timed out or the
/// connection failed"), not a refused credential.
pub(crate) fn abort_kind(a: &Abort) -> ErrorKind {
    if a.unreachable {
        ErrorKind::Timeout
    } else {
        ErrorKind::CredentialValidationFailure
    }
}

/// The job error of a cycle-stopping failure: [`unreachable_error`] when the
/// endpoint did not answer, else [`credential_error`].
pub(crate) fn abort_error(state: &SimState, a: &Abort) -> SyncError {
    if a.unreachable {
        unreachable_error()
    } else {
        credential_error(state, &a.message)
    }
}

/// The job error of a credential failure: the documented
/// `…CredentialValidationFailure`, or under [`Fault::ScimInvalidCredentials`]
/// what a real 2021 tenant sent.
pub(crate) fn credential_error(state: &SimState, detail: &str) -> SyncError {
    if SimState::real_credential_quarantine(&state.lock()) {
        return SyncError {
            code: INVALID_CREDENTIALS.into(),
            message: "Please provide a valid tenant URL for your application.".into(),
            tenant_actionable: true,
        };
    }
    SyncError {
        code: CREDENTIAL_FAILURE.into(),
        message: format!("Failed to validate the credentials of the SCIM endpoint (Tenant URL and Secret Token). {detail}"),
        tenant_actionable: true,
    }
}

pub(crate) fn quarantine(
    inner: &mut Inner,
    now: DateTime<Utc>,
    reason: &'static str,
    error: SyncError,
) {
    let (series_began, series_count) = match &inner.job.quarantine {
        Some(q) => (q.series_began, q.series_count + 1),
        None => (now, 1),
    };
    let real = SimState::real_credential_quarantine(inner);
    // A real tenant retried the first time after 5 minutes.
    let next = if real && series_count == 1 {
        now + chrono::Duration::minutes(5)
    } else {
        now + quarantine_backoff(series_count)
    };
    inner.job.quarantine = Some(Quarantine {
        current_began: now,
        next_attempt: next,
        reason,
        series_began,
        series_count,
        // Real quarantines can come without `error`: the cause is then only
        // in `lastExecution.error`.
        error: (!real).then_some(error),
    });
    if now - series_began >= quarantine_disable_after() {
        inner.job.disabled_by_quarantine = true;
        inner.job.next_run = None;
    } else {
        inner.job.next_run = Some(next);
    }
}

pub(crate) fn finish_failed(
    state: &SimState,
    mut exec: Execution,
    reason: &'static str,
    err: SyncError,
    mut report: CycleReport,
) -> CycleReport {
    let now = state.clock.now();
    let mut inner = state.lock();
    exec.time_ended = now;
    exec.state = Some(ExecutionState::Failed);
    exec.error = Some(err.clone());
    inner.job.last_execution = Some(exec);
    inner.job.has_run = true;
    inner.job.count_successive_complete_failures += 1;
    quarantine(&mut inner, now, reason, err);
    update_counts(&mut inner);
    report.state = Some(ExecutionState::Failed.as_str().to_string());
    report.quarantine = Some(reason.to_string());
    report
}

/// Apply a `restart` with the given `resetScope` flags.
pub(crate) fn restart(inner: &mut Inner, scope: &str, now: DateTime<Utc>) {
    let s = scope.to_ascii_lowercase();
    let all = s.trim().is_empty() || s.contains("full");
    if all || s.contains("watermark") || s.contains("connectordatastore") {
        inner.prov.initial_done = false;
        inner.prov.watermark = 0;
    }
    if all || s.contains("connectordatastore") {
        inner.prov.users.clear();
        inner.prov.groups.clear();
    }
    if all || s.contains("quarantinestate") {
        inner.job.quarantine = None;
        inner.job.disabled_by_quarantine = false;
    }
    if all || s.contains("escrows") {
        inner.job.escrows_pruned = true;
    }
    if s.contains("forcedeletes") {
        inner.job.force_deletes = true;
    }
    inner.job.schedule_state = crate::job::ScheduleState::Active;
    inner.job.next_run = Some(now);
    let _ = Duration::zero();
}
