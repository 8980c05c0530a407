//! The checklist's steps read from the provisioning logs (the last
//! cycle's errors, skipped users, conflicts) and the SCIM compliance step.

use super::*;
fn logs_or_why(obs: &Observations) -> Result<&crate::health::CycleObservation, String> {
    if obs.logs_available == Some(false) {
        return Err(
            "this tenant has no provisioning logs (they need Entra ID P1 or P2); check the \
provisioning logs in the portal if available"
                .into(),
        );
    }
    obs.last_cycle
        .as_ref()
        .ok_or_else(|| "scimwatch has not read the provisioning logs of the last cycle".into())
}

fn with_cycle(mut o: CheckOutcome, c: &crate::health::CycleObservation) -> CheckOutcome {
    if let Some(id) = &c.cycle_id {
        o = o.with("Cycle", EvidenceValue::Code(id.clone()));
    }
    if let Some(t) = c.ended {
        o = o.with("Cycle ended", t);
    }
    o.at(c.ended)
}

pub(super) fn check_last_cycle_errors(
    obs: &Observations,
    ctx: &Context,
    _now: DateTime<Utc>,
) -> CheckOutcome {
    let t = &ctx.thresholds;
    // Entries Entra keeps retrying: few failures per cycle, but they never clear.
    let escrows = obs.job.as_ref().and_then(|j| {
        escrows_rising(&j.escrow_history, t.escrow_min).map(|r| (r, &j.escrow_history))
    });
    let escrow_evidence = |o: CheckOutcome| match escrows {
        Some(((first, last), h)) => o
            .with(
                "Escrowed entries, oldest first",
                h.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            )
            .with("Escrows rising", format!("{first} → {last}")),
        None => o,
    };
    let c = match logs_or_why(obs) {
        Ok(c) => c,
        Err(why) => {
            return match escrows {
                Some(((first, last), _)) => escrow_evidence(CheckOutcome::fail(format!(
                    "Entra's count of entries it keeps retrying is rising ({first} → {last}); \
the provisioning logs would say why ({why})"
                ))),
                None => CheckOutcome::unknown(why),
            }
        }
    };
    let rate = pct(c.failures, c.total);
    let spike = failure_spike_severity(c.failures, c.total, t).is_some();
    let mut o = if spike {
        CheckOutcome::fail(format!(
            "{} failures in the last cycle ({rate:.1} %)",
            c.failures
        ))
    } else if let Some(((first, last), _)) = escrows {
        escrow_evidence(CheckOutcome::fail(format!(
            "{} failures in the last cycle, and Entra's escrowed entries keep rising ({first} → \
{last}): they are retried every cycle and will not go through by themselves",
            c.failures
        )))
    } else if c.failures == 0 {
        CheckOutcome::pass("No failures in the last cycle")
    } else {
        CheckOutcome::pass(format!(
            "{} failures in the last cycle, below the alert threshold",
            c.failures
        ))
    };
    o = o
        .with("Entries", EvidenceValue::count(c.total))
        .with("Failures", EvidenceValue::count(c.failures))
        .with("Failure rate", format!("{rate:.1} %"));
    for e in c.top_errors.iter().take(5) {
        o = o.with(&format!("Error {}", e.code), EvidenceValue::count(e.count));
    }
    with_cycle(o, c)
}

pub(super) fn check_skipped_users(
    obs: &Observations,
    _ctx: &Context,
    _now: DateTime<Utc>,
) -> CheckOutcome {
    let c = match logs_or_why(obs) {
        Ok(c) => c,
        Err(why) => return CheckOutcome::unknown(why),
    };
    let entitled = c.skip_count("NotEffectivelyEntitled");
    let scope = c.skips_where(|s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("scope") && !s.eq_ignore_ascii_case("noteffectivelyentitled")
    });
    let matching = c.skips_where(|s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("match") || s.contains("anchor") || s.contains("mandatory")
    });
    let evidence = |o: CheckOutcome| {
        let mut o = o
            .with("Skipped in the last cycle", EvidenceValue::count(c.skipped))
            .with(
                "Not assigned / not effectively entitled",
                EvidenceValue::count(entitled),
            )
            .with(
                "Out of scope (scoping filters)",
                EvidenceValue::count(scope),
            )
            .with("Missing matching attribute", EvidenceValue::count(matching));
        for s in c.skip_reasons.iter().take(5) {
            o = o.with(
                &format!("Skip reason {}", s.code),
                EvidenceValue::count(s.count),
            );
        }
        with_cycle(o, c)
    };
    if c.skipped == 0 {
        return evidence(CheckOutcome::pass(
            "No users were skipped in the last cycle",
        ));
    }
    if matching > 0 {
        return evidence(CheckOutcome::fail(format!(
            "{matching} users were skipped because the matching attribute is missing"
        )));
    }
    match &obs.drift {
        Some(d) if d.missing > 0 => evidence(
            CheckOutcome::fail(format!(
                "{} users were skipped and {} assigned users are missing from the SaaS",
                c.skipped, d.missing
            ))
            .with(
                "Assigned users missing from the SaaS",
                EvidenceValue::count(d.missing),
            ),
        ),
        Some(_) => evidence(CheckOutcome::pass(
            "Skipped users are outside the scope; every assigned user exists in the SaaS",
        )),
        None => evidence(CheckOutcome::unknown(
            "users were skipped; without comparing the SaaS's users scimwatch cannot tell \
whether they should have been provisioned",
        )),
    }
}

pub(super) fn check_conflicts(
    obs: &Observations,
    _ctx: &Context,
    _now: DateTime<Utc>,
) -> CheckOutcome {
    let logs = logs_or_why(obs);
    if logs.is_err() && obs.drift.is_none() {
        return CheckOutcome::unknown(logs.err().unwrap_or_else(|| "nothing observed".into()));
    }
    let mut o_evidence: Vec<(String, u64)> = Vec::new();
    let mut total = 0u64;
    if let Ok(c) = logs {
        // One classifier for every code: the EntryConflict and Duplicate
        // families (app prefixes included), and a SaaS's 409 / scimType
        // "uniqueness" reported under another code.
        let conflicts = c.conflict_counts();
        for e in &conflicts {
            total = total.saturating_add(e.count);
            let code = if e.code.is_empty() {
                "(no error code)"
            } else {
                e.code.as_str()
            };
            o_evidence.push((format!("{code} in the last cycle"), e.count));
        }
        if conflicts.is_empty() {
            o_evidence.push((
                "Conflicts (EntryConflict, Duplicate…, HTTP 409, scimType uniqueness) in the last \
cycle"
                    .into(),
                0,
            ));
        }
    }
    if let Some(d) = &obs.drift {
        total = total.saturating_add(d.duplicates);
        o_evidence.push(("Duplicate accounts in the SaaS".into(), d.duplicates));
    }
    let mut o = match &logs {
        _ if total > 0 => CheckOutcome::fail(format!("{total} conflicts or duplicates found")),
        Ok(_) => CheckOutcome::pass("No conflicts or duplicates found"),
        // The SaaS holds no duplicate accounts, but Entra's conflicts are
        // only in the provisioning logs, which could not be read.
        Err(why) => CheckOutcome::unknown(format!(
            "no duplicate accounts in the SaaS, but Entra's conflicts could not be checked: {why}"
        )),
    };
    for (label, n) in o_evidence {
        o = o.with(&label, EvidenceValue::count(n));
    }
    if let Ok(c) = logs {
        // Who: the objects Entra could not create or match.
        for name in &c.conflict_objects {
            o = o.with("Conflicting user", name.clone());
        }
    }
    match logs {
        Ok(c) => with_cycle(o, c),
        Err(_) => o.at(obs.drift.as_ref().and_then(|d| d.observed_at)),
    }
}

pub(super) fn check_scim_compliance(
    obs: &Observations,
    _ctx: &Context,
    _now: DateTime<Utc>,
) -> CheckOutcome {
    // scimwatch's own Test Connection is live evidence of the one deviation
    // Entra fails on at once: 404 for a filter that matches nobody.
    if let Some(c) = obs
        .scim_check
        .as_ref()
        .filter(|c| c.verdict.blames_filtering())
    {
        let what = if c.verdict == Verdict::FilterNotFound {
            "The SaaS answers 404 to a filter that matches nobody, where SCIM wants 200 with an \
empty list: Entra's Test Connection fails and its lookups fail before every create"
        } else {
            "The SaaS refuses the `userName eq` / `displayName eq` filter (400 invalidFilter) that \
Entra sends to find a user or group before creating it: Entra cannot match anyone"
        };
        let mut o = CheckOutcome::fail(what)
            .with(
                "Test Connection",
                format!(
                    "HTTP {} at {}",
                    c.http_status.map(|s| s.to_string()).unwrap_or_default(),
                    fmt_time(c.checked_at)
                ),
            )
            .at(Some(c.checked_at));
        for dev in obs.compliance_deviations.iter().flatten().take(20) {
            o = o.with(&dev.code, dev.message.clone());
        }
        return o;
    }
    match &obs.compliance_deviations {
        None => CheckOutcome::unknown("scimwatch has not examined the SaaS's SCIM server yet"),
        Some(d) if d.is_empty() => CheckOutcome::pass("No deviations from the SCIM standard found"),
        Some(d) => {
            let mut o = CheckOutcome::fail(format!(
                "{} deviations from the SCIM standard found",
                d.len()
            ));
            for dev in d.iter().take(20) {
                o = o.with(&dev.code, dev.message.clone());
            }
            o
        }
    }
}
