//! The rules read from the provisioning logs: a failure spike, escrows
//! that keep rising.

use super::*;

/// Whether `failures` of a cycle's `total` log entries are a failure spike,
/// and how severe: a ratio *and* a count. A spike when at least
/// `failure_min_count` failed and the rate reaches `failure_rate_pct`, or
/// when `failure_count` failed whatever the rate; critical when the rate
/// reaches `failure_rate_critical_pct` with at least
/// `failure_critical_min_count` failures, or at `failure_count_critical`.
/// 3 of 3 failed is a critical spike; 1 of 1000 is none. Without a total
/// (`0`) only the count can make a spike.
pub fn failure_spike_severity(failures: u64, total: u64, cfg: &Thresholds) -> Option<Severity> {
    if failures == 0 {
        return None;
    }
    // More failures than entries cannot be: the rate is capped at 100 %.
    let rate = pct(failures.min(total), total);
    let by_rate =
        total > 0 && failures >= cfg.failure_min_count.max(1) && rate >= cfg.failure_rate_pct;
    let by_count = failures >= cfg.failure_count;
    if !(by_rate || by_count) {
        return None;
    }
    let critical = (rate >= cfg.failure_rate_critical_pct
        && failures >= cfg.failure_critical_min_count)
        || failures >= cfg.failure_count_critical;
    Some(if critical {
        Severity::Critical
    } else {
        Severity::Warning
    })
}

/// `failure_spike` and `escrows_rising`.
pub(crate) fn failures(obs: &Observations, cfg: &Thresholds, out: &mut Vec<Finding>) {
    if let Some(c) = &obs.last_cycle {
        let rate = pct(c.failures, c.total);
        if let Some(severity) = failure_spike_severity(c.failures, c.total, cfg) {
            let mut f = Finding::new(
                FindingKind::FailureSpike,
                severity,
                format!(
                    "{} of {} changes failed in the last cycle ({rate:.1} %)",
                    c.failures, c.total
                ),
                "Open the provisioning logs filtered on status Failure and fix the most frequent \
error first. Entra quarantines the job when failures pass 40 % of the cycle.",
            )
            .with("Failures", EvidenceValue::Count(c.failures))
            .with("Entries in the cycle", EvidenceValue::Count(c.total))
            .with("Failure rate", format!("{rate:.1} %"));
            if let Some(id) = &c.cycle_id {
                f = f.with("Cycle", EvidenceValue::Code(id.clone()));
            }
            if let Some(t) = c.ended {
                f = f.with("Cycle ended", t);
            }
            for e in c.top_errors.iter().take(5) {
                f = f.with(&format!("Error {}", e.code), EvidenceValue::Count(e.count));
            }
            out.push(f);
        }
    }
    if let Some(job) = &obs.job {
        let h = &job.escrow_history;
        if let Some((first, last)) = escrows_rising(h, cfg.escrow_min) {
            out.push(
                Finding::new(
                    FindingKind::EscrowsRising,
                    Severity::Warning,
                    format!("Escrowed entries are rising ({first} → {last})"),
                    "Entries Entra could not provision are piling up (it retries them). Check \
the provisioning logs for the failing entries; too many escrows quarantine the job.",
                )
                .with(
                    "Escrow counts, oldest first",
                    h.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                ),
            );
        }
    }
}

/// `(first, last)` when escrow counts (oldest first) never fall over at least
/// two samples, end higher than they started, and reach `min`.
pub fn escrows_rising(history: &[u64], min: u64) -> Option<(u64, u64)> {
    let (first, last) = (*history.first()?, *history.last()?);
    (history.len() >= 2 && history.windows(2).all(|w| w[1] >= w[0]) && last > first && last >= min)
        .then_some((first, last))
}
