//! The step "The SaaS handles Entra's updates": judged only on a stored
//! probe ("Test with Entra's requests", issue 20). Never probed is "could
//! not check" — the read-only checks see none of Entra's writes — and a
//! probe of another Tenant URL is not evidence about this one.

use chrono::{DateTime, Utc};

use super::{CheckOutcome, Context};
use crate::health::format::fmt_time;
use crate::health::Observations;
use crate::scim::write_probe::ProbeVerdict;
use crate::validate::same_tenant_url;

/// Where the admin runs the probe.
pub const RUN_PROBE: &str = "run Test with Entra's requests on Inventory → Compliance";

/// At most this many failing operations are listed as evidence.
const MAX_LISTED: usize = 21;

pub(super) fn check_entra_updates(
    obs: &Observations,
    _ctx: &Context,
    _now: DateTime<Utc>,
) -> CheckOutcome {
    let Some(p) = &obs.probe else {
        return CheckOutcome::unknown(format!("never probed; {RUN_PROBE}"));
    };
    let at = Some(p.checked_at);
    let probed = format!("{} ({})", fmt_time(p.checked_at), p.url);
    if let Some(url) = &obs.scim_url {
        if !same_tenant_url(url, &p.url) {
            return CheckOutcome::unknown(format!(
                "the last probe was of {}, and the connection now points at {url}; {RUN_PROBE}",
                p.url
            ))
            .with("Probed", probed)
            .at(at);
        }
    }
    if p.verdict == ProbeVerdict::Problems || !p.failures.is_empty() || !p.leftovers.is_empty() {
        let n = p.failures.len();
        let summary = if n > 0 {
            format!(
                "{n} of Entra's operation{} failed when replayed against the SaaS",
                if n == 1 { "" } else { "s" }
            )
        } else if !p.leftovers.is_empty() {
            "The probe could not delete its throwaway objects from the SaaS".to_string()
        } else {
            "The probe found deviations in the lookups Entra makes before it writes".to_string()
        };
        let mut o = CheckOutcome::fail(summary).with("Probed", probed).at(at);
        for f in p.failures.iter().take(MAX_LISTED) {
            let value = match &f.entra_would {
                Some(w) => format!("{} — {w}", f.message),
                None => f.message.clone(),
            };
            o = o.with(&f.title, value);
        }
        for l in &p.leftovers {
            o = o.with("Left in the SaaS", l.clone());
        }
        if n == 0 {
            for d in &p.read_side_deviations {
                o = o.with("Read-side deviation", d.clone());
            }
        }
        return o;
    }
    if !p.write_probe_run {
        return CheckOutcome::unknown(format!(
            "only the read-only probe has run, and it sends none of Entra's writes; {RUN_PROBE} \
             and confirm the writes"
        ))
        .with("Probed", probed)
        .at(at);
    }
    match p.verdict {
        ProbeVerdict::ReadyForEntra => {
            let mut o = CheckOutcome::pass(format!(
                "Entra's operations passed when replayed against the SaaS ({} of {} sent, every \
                 effect read back): ready for Entra{}",
                p.passed,
                p.operations,
                if p.not_checked.is_empty() {
                    String::new()
                } else {
                    format!("; {} not checked (see below)", p.not_checked.len())
                }
            ))
            .with("Probed", probed)
            .at(at);
            for n in &p.not_checked {
                o = o.with("Not checked", n.clone());
            }
            o
        }
        _ => CheckOutcome::unknown(format!(
            "the last probe could not finish ({}); {RUN_PROBE} again",
            p.could_not_probe
                .as_deref()
                .unwrap_or("not every operation could be verified")
        ))
        .with("Probed", probed)
        .at(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::CheckStatus;
    use crate::scim::write_probe::{ProbeFailure, ProbeObservation};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_770_000_000, 0).unwrap_or_default()
    }

    fn probe(verdict: ProbeVerdict) -> ProbeObservation {
        ProbeObservation {
            url: "https://saas.example/scim/v2".into(),
            checked_at: now(),
            write_probe_run: true,
            verdict,
            could_not_probe: None,
            failures: Vec::new(),
            passed: 19,
            operations: 19,
            leftovers: Vec::new(),
            read_side_deviations: Vec::new(),
            not_checked: Vec::new(),
        }
    }

    fn judge(p: Option<ProbeObservation>) -> CheckOutcome {
        let obs = Observations {
            scim_url: Some("https://saas.example/scim/v2/".into()),
            probe: p,
            ..Default::default()
        };
        check_entra_updates(&obs, &Context::default(), now())
    }

    #[test]
    fn never_probed_could_not_check() {
        let o = judge(None);
        assert_eq!(o.status, CheckStatus::Unknown);
        assert!(o.summary.contains("never probed"), "{}", o.summary);
        assert!(o.summary.contains("Inventory → Compliance"));
    }

    #[test]
    fn a_ready_report_passes() {
        let o = judge(Some(probe(ProbeVerdict::ReadyForEntra)));
        assert_eq!(o.status, CheckStatus::Pass, "{}", o.summary);
        assert_eq!(o.observed_at, Some(now()));
        assert!(!o.summary.contains("not checked"), "{}", o.summary);
        // An operation Entra may not send is named beside the pass.
        let mut p = probe(ProbeVerdict::ReadyForEntra);
        p.not_checked
            .push("Create a user with an app role: not checked: no mappings".into());
        let o = judge(Some(p));
        assert_eq!(o.status, CheckStatus::Pass);
        assert!(
            o.summary.ends_with("1 not checked (see below)"),
            "{}",
            o.summary
        );
        assert!(o
            .evidence
            .iter()
            .any(|e| e.label == "Not checked" && e.value.to_string().contains("app role")));
    }

    #[test]
    fn failing_operations_are_the_evidence() {
        let mut p = probe(ProbeVerdict::Problems);
        p.failures.push(ProbeFailure {
            code: "rename_group".into(),
            title: "Rename the group (Replace displayName)".into(),
            message: "HTTP 501".into(),
            entra_would: Some("Entra escrows the object".into()),
        });
        let o = judge(Some(p));
        assert_eq!(o.status, CheckStatus::Fail);
        assert!(o.summary.starts_with("1 of Entra's operation failed"));
        assert!(o
            .evidence
            .iter()
            .any(|e| e.label.starts_with("Rename the group")
                && e.value.to_string().contains("escrows")));
    }

    #[test]
    fn no_pass_without_the_write_probe_or_on_another_url() {
        let mut p = probe(ProbeVerdict::CouldNotProbe);
        p.write_probe_run = false;
        assert_eq!(judge(Some(p)).status, CheckStatus::Unknown);
        let mut p = probe(ProbeVerdict::CouldNotProbe);
        p.could_not_probe = Some("cancelled".into());
        let o = judge(Some(p));
        assert_eq!(o.status, CheckStatus::Unknown);
        assert!(o.summary.contains("cancelled"));
        let mut p = probe(ProbeVerdict::ReadyForEntra);
        p.url = "https://other.example/scim".into();
        assert_eq!(judge(Some(p)).status, CheckStatus::Unknown);
        let mut p = probe(ProbeVerdict::Problems);
        p.leftovers.push("Users/7 (scimwatch-probe-x)".into());
        assert_eq!(judge(Some(p)).status, CheckStatus::Fail);
    }
}
