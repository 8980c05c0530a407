//! Every app in a tenant (issue 21, item 1): the pure decisions of an
//! all-apps connection — which discovered apps to add, retire or bring
//! back, how healthy a job looks for scheduling, and how often each job is
//! read within the tenant's request budget.
//!
//! The engine (`fleet.rs`, `poller/tenant.rs`) does the reading and the storing;
//! nothing here does IO or reads a clock.

use std::collections::HashSet;

mod schedule;
pub use schedule::{
    app_standing, job_condition, new_app_reads_own_logs, plan_polls, round_every, AppFacts, Budget,
    JobCondition, PollPlan, ROUND_EVERY_MAX, ROUND_SHARE,
};

/// What discovery learnt about one service principal's provisioning jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobSeen {
    /// It has a provisioning job: the one to watch.
    Job(String),
    /// Graph refused to list its jobs (401 `UnknownError` / 403): it may
    /// have one, but the admin may not read it.
    Denied,
}

/// One app as discovery found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundApp {
    pub service_principal_id: String,
    pub app_id: Option<String>,
    pub display_name: Option<String>,
    pub job: JobSeen,
}

/// One app connection already stored under the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownApp {
    pub service_principal_id: String,
    pub retired: bool,
}

/// Why an app connection is retired (kept read-only, with its history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetireReason {
    /// The service principal is no longer in the tenant.
    AppDeleted,
    /// The app is there, its provisioning job is not.
    JobDeleted,
}

impl RetireReason {
    /// The note shown with the retired app.
    pub fn note(self) -> &'static str {
        match self {
            RetireReason::AppDeleted => {
                "the enterprise app is no longer in the tenant; kept read-only with its history"
            }
            RetireReason::JobDeleted => {
                "the app no longer has a provisioning job; kept read-only with its history"
            }
        }
    }
}

/// What to change after a discovery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetPlan {
    /// New apps: one app connection each.
    pub add: Vec<FoundApp>,
    /// Stored apps not found any more.
    pub retire: Vec<(String, RetireReason)>,
    /// Retired apps found again.
    pub revive: Vec<String>,
    /// Every candidate's jobs were refused: the admin may read none, which
    /// is the tenant's problem (one message), not one "no permission" app
    /// per service principal.
    pub all_denied: bool,
}

fn key(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

/// Decide what a discovery changes.
///
/// `found`: the service principals read at this discovery that have a job
/// (or whose jobs were refused); `listed`: every service principal id the
/// listing returned; `no_job`: those whose jobs were read and that have
/// none; `complete`: the listing finished. Apps already watched are not
/// asked for their jobs again at discovery (their own job reads do that),
/// so a watched app missing from `found` is kept while it is listed: it is
/// retired when it is no longer listed (`AppDeleted`, only after a complete
/// listing) or when it was read without a job (`JobDeleted`).
pub fn plan_fleet(
    known: &[KnownApp],
    found: &[FoundApp],
    listed: &[String],
    no_job: &[String],
    complete: bool,
) -> FleetPlan {
    let known_keys: HashSet<String> = known.iter().map(|k| key(&k.service_principal_id)).collect();
    let found_keys: HashSet<String> = found.iter().map(|f| key(&f.service_principal_id)).collect();
    let listed_keys: HashSet<String> = listed.iter().map(|s| key(s)).collect();
    let no_job_keys: HashSet<String> = no_job.iter().map(|s| key(s)).collect();
    // "Every app refused" is about the tenant as a whole: nothing readable
    // found now, and no app watched that can still be read.
    let all_denied = !found.is_empty()
        && found.iter().all(|f| f.job == JobSeen::Denied)
        && known
            .iter()
            .all(|k| k.retired || found_keys.contains(&key(&k.service_principal_id)));
    let mut plan = FleetPlan {
        all_denied,
        ..FleetPlan::default()
    };
    let mut added = HashSet::new();
    for f in found {
        let k = key(&f.service_principal_id);
        if known_keys.contains(&k) || !added.insert(k) {
            continue;
        }
        if all_denied && f.job == JobSeen::Denied {
            continue;
        }
        plan.add.push(f.clone());
    }
    for k in known {
        let id = key(&k.service_principal_id);
        let is_found = found_keys.contains(&id);
        if k.retired {
            if is_found {
                plan.revive.push(k.service_principal_id.clone());
            }
            continue;
        }
        if is_found {
            continue;
        }
        if no_job_keys.contains(&id) {
            plan.retire
                .push((k.service_principal_id.clone(), RetireReason::JobDeleted));
        } else if complete && !listed_keys.contains(&id) {
            plan.retire
                .push((k.service_principal_id.clone(), RetireReason::AppDeleted));
        }
    }
    plan
}

/// The name of a new app connection: `"<tenant> / <app>"` (the app's
/// display name, else its service principal id), without control
/// characters, within [`crate::connection::MAX_NAME_LEN`], and made unique
/// with the start of the service principal id when `taken` says the name is
/// used (compared case-insensitively by the caller).
pub fn app_connection_name(
    tenant: &str,
    display_name: Option<&str>,
    service_principal_id: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let app = display_name
        .map(clean)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| clean(service_principal_id));
    let fit = |s: String| -> String {
        let max = crate::connection::MAX_NAME_LEN;
        if s.chars().count() <= max {
            s
        } else {
            s.chars()
                .take(max)
                .collect::<String>()
                .trim_end()
                .to_string()
        }
    };
    let base = fit(format!("{} / {app}", clean(tenant)));
    if !taken(&base) {
        return base;
    }
    let short: String = clean(service_principal_id).chars().take(8).collect();
    let tail = format!(" ({short})");
    let room = crate::connection::MAX_NAME_LEN.saturating_sub(tail.chars().count());
    let head: String = base.chars().take(room).collect();
    let first = format!("{}{tail}", head.trim_end());
    if !taken(&first) {
        return first;
    }
    let full = clean(service_principal_id);
    let tail = format!(" ({full})");
    let room = crate::connection::MAX_NAME_LEN.saturating_sub(tail.chars().count());
    let head: String = base.chars().take(room).collect();
    fit(format!("{}{tail}", head.trim_end()))
}

/// One app connection as the tenant's log stream routes to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteKey {
    pub service_principal_id: String,
    pub job_id: Option<String>,
}

/// The index in `apps` of the app an event belongs to: the service
/// principal the event names (`servicePrincipal.id`), else — events of the
/// 2019 beta shape name none — its `jobId` (job ids are unique within a
/// tenant). `None`: no watched app (not discovered yet, or not watched).
pub fn route_event(
    service_principal_id: Option<&str>,
    job_id: Option<&str>,
    apps: &[RouteKey],
) -> Option<usize> {
    if let Some(sp) = service_principal_id
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        return apps
            .iter()
            .position(|a| a.service_principal_id.trim().eq_ignore_ascii_case(sp));
    }
    let job = job_id.map(str::trim).filter(|s| !s.is_empty())?;
    apps.iter().position(|a| {
        a.job_id
            .as_deref()
            .is_some_and(|j| j.trim().eq_ignore_ascii_case(job))
    })
}

/// `servicePrincipal.id` of one provisioning event's raw JSON (`None` when
/// absent, empty or the JSON is not an object). Reads only that member.
pub fn event_service_principal_id(raw: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Sp {
        #[serde(default)]
        id: Option<String>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Ev {
        #[serde(default)]
        service_principal: Option<Sp>,
    }
    let ev: Ev = serde_json::from_str(raw).ok()?;
    let id = ev.service_principal?.id?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(sp: &str, job: Option<&str>) -> FoundApp {
        FoundApp {
            service_principal_id: sp.into(),
            app_id: None,
            display_name: Some(format!("app {sp}")),
            job: job.map_or(JobSeen::Denied, |j| JobSeen::Job(j.into())),
        }
    }

    fn known(sp: &str, retired: bool) -> KnownApp {
        KnownApp {
            service_principal_id: sp.into(),
            retired,
        }
    }

    #[test]
    fn new_apps_are_added_missing_ones_retired_returning_ones_revived() {
        let listed: Vec<String> = ["a", "b", "d", "e"].iter().map(|s| s.to_string()).collect();
        let plan = plan_fleet(
            &[
                known("A", false),
                known("c", false),
                known("d", false),
                known("e", true),
            ],
            &[
                found("a", Some("scim.1")),
                found("b", Some("scim.2")),
                found("e", Some("scim.5")),
            ],
            &listed,
            &["d".to_string()],
            true,
        );
        assert_eq!(plan.add, vec![found("b", Some("scim.2"))]);
        assert_eq!(
            plan.retire,
            vec![
                ("c".to_string(), RetireReason::AppDeleted),
                ("d".to_string(), RetireReason::JobDeleted)
            ]
        );
        assert_eq!(plan.revive, vec!["e".to_string()]);
        assert!(!plan.all_denied);
    }

    #[test]
    fn an_interrupted_discovery_retires_nothing() {
        let plan = plan_fleet(
            &[known("a", false)],
            &[found("b", Some("j"))],
            &[],
            &[],
            false,
        );
        assert_eq!(plan.add.len(), 1);
        assert!(plan.retire.is_empty());
        // Complete, the same listing retires it.
        let plan = plan_fleet(
            &[known("a", false)],
            &[found("b", Some("j"))],
            &[],
            &[],
            true,
        );
        assert_eq!(
            plan.retire,
            vec![("a".to_string(), RetireReason::AppDeleted)]
        );
        // Still listed, not read again (watched apps are skipped): kept.
        let listed = vec!["A".to_string()];
        let plan = plan_fleet(&[known("a", false)], &[], &listed, &[], true);
        assert_eq!(plan, FleetPlan::default());
    }

    #[test]
    fn refused_apps_are_added_unless_every_one_is_refused() {
        let some = plan_fleet(
            &[],
            &[found("a", Some("j")), found("b", None)],
            &[],
            &[],
            true,
        );
        assert_eq!(some.add.len(), 2);
        assert!(!some.all_denied);
        let all = plan_fleet(&[], &[found("a", None), found("b", None)], &[], &[], true);
        assert!(all.add.is_empty());
        assert!(all.all_denied);
        // A known app whose jobs are now refused is still there: not retired.
        let kept = plan_fleet(&[known("a", false)], &[found("a", None)], &[], &[], true);
        assert!(kept.retire.is_empty() && kept.add.is_empty());
        // A watched app that can still be read: the tenant is not "all refused".
        let listed = vec!["k".to_string()];
        let mixed = plan_fleet(
            &[known("k", false)],
            &[found("b", None)],
            &listed,
            &[],
            true,
        );
        assert!(!mixed.all_denied);
        assert_eq!(mixed.add.len(), 1);
        // Duplicates in one listing are one app.
        let dup = plan_fleet(
            &[],
            &[found("a", Some("j")), found("A", Some("j"))],
            &[],
            &[],
            true,
        );
        assert_eq!(dup.add.len(), 1);
    }

    #[test]
    fn app_connections_are_named_after_the_tenant_and_the_app_uniquely() {
        let none = |_: &str| false;
        assert_eq!(
            app_connection_name("Contoso", Some("Slack"), "sp-1", none),
            "Contoso / Slack"
        );
        // No display name: the id; control characters and runs of spaces go.
        assert_eq!(
            app_connection_name("Contoso", Some(" \u{7}\n "), "4d1f-aa", none),
            "Contoso / 4d1f-aa"
        );
        assert_eq!(
            app_connection_name("Con\ttoso", Some("A  \u{1b}[31mB"), "x", none),
            "Contoso / A [31mB"
        );
        // Taken: the start of the service principal id makes it unique.
        let taken = |n: &str| n.eq_ignore_ascii_case("contoso / slack");
        assert_eq!(
            app_connection_name("Contoso", Some("Slack"), "0123456789abcdef", taken),
            "Contoso / Slack (01234567)"
        );
        let both = |n: &str| n.starts_with("Contoso / Slack") && !n.ends_with("abcdef)");
        assert_eq!(
            app_connection_name("Contoso", Some("Slack"), "0123456789abcdef", both),
            "Contoso / Slack (0123456789abcdef)"
        );
        let long = "x".repeat(200);
        let n = app_connection_name("Contoso", Some(&long), "0123456789", taken);
        assert_eq!(n.chars().count(), crate::connection::MAX_NAME_LEN);
        let t = |n: &str| n.chars().count() == crate::connection::MAX_NAME_LEN && !n.contains('(');
        let n = app_connection_name("Contoso", Some(&long), "0123456789", t);
        assert!(n.ends_with(" (01234567)"), "{n}");
        assert_eq!(n.chars().count(), crate::connection::MAX_NAME_LEN);
    }

    #[test]
    fn events_route_by_service_principal_then_by_job() {
        let apps = vec![
            RouteKey {
                service_principal_id: "SP-1".into(),
                job_id: Some("scim.1".into()),
            },
            RouteKey {
                service_principal_id: "sp-2".into(),
                job_id: None,
            },
        ];
        assert_eq!(route_event(Some("sp-1"), Some("scim.2"), &apps), Some(0));
        assert_eq!(route_event(Some("SP-2"), None, &apps), Some(1));
        // Named, but not watched: never guessed from the job.
        assert_eq!(route_event(Some("sp-9"), Some("scim.1"), &apps), None);
        // The beta shape names no service principal: the job decides.
        assert_eq!(route_event(None, Some("scim.1"), &apps), Some(0));
        assert_eq!(route_event(Some(" "), Some("scim.9"), &apps), None);
        assert_eq!(route_event(None, None, &apps), None);
    }

    #[test]
    fn the_service_principal_is_read_from_the_raw_event() {
        let raw = r#"{"id":"e1","provisioningSteps":[{"name":"x"}],
            "servicePrincipal":{"id":"4d1f1b2a-1111-2222-3333-444455556666","displayName":"Slack"}}"#;
        assert_eq!(
            event_service_principal_id(raw).as_deref(),
            Some("4d1f1b2a-1111-2222-3333-444455556666")
        );
        assert_eq!(event_service_principal_id(r#"{"id":"e1"}"#), None);
        assert_eq!(
            event_service_principal_id(r#"{"servicePrincipal":null}"#),
            None
        );
        assert_eq!(
            event_service_principal_id(r#"{"servicePrincipal":{"id":""}}"#),
            None
        );
        assert_eq!(event_service_principal_id("[1,2]"), None);
    }
}

/// The tenant-wide stream's routing on a page real Graph served (the 2019
/// beta shape of tests/fixtures/graph-real: no `servicePrincipal`, only
/// `jobId`), not only on entra-sim's events.
#[cfg(test)]
mod real_shape {
    use super::*;

    const BOX_PAGE: &str = include_str!(
        "../../../tests/fixtures/graph-real/provisioning-page-beta-box-statusinfo-only-2019.json"
    );

    #[test]
    fn a_real_beta_event_without_a_service_principal_routes_by_its_job_id() {
        let page: serde_json::Value = serde_json::from_str(BOX_PAGE).unwrap();
        let event = &page["value"][0];
        let raw = event.to_string();
        let sp = event_service_principal_id(&raw);
        assert_eq!(sp, None, "the 2019 beta event names no service principal");
        let job = event["jobId"].as_str().unwrap();
        let apps = [
            RouteKey {
                service_principal_id: "11111111-1111-1111-1111-111111111111".into(),
                job_id: Some("scim.other".into()),
            },
            RouteKey {
                service_principal_id: "22222222-2222-2222-2222-222222222222".into(),
                job_id: Some(job.into()),
            },
        ];
        assert_eq!(route_event(sp.as_deref(), Some(job), &apps), Some(1));
        // Not watched: no app, never a guess.
        assert_eq!(route_event(sp.as_deref(), Some(job), &apps[..1]), None);
    }
}
