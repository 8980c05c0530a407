//! What leaves the checklist: deep links into the portal for this app, the
//! report with every step and its evidence, and no panic on empty input.

use chrono::{DateTime, Utc};
use scimwatch_core::checklist::{
    deep_link, evaluate_checklist, portal_base_for, report_json, report_markdown, Context,
    PortalPage, Report, STEPS,
};
use scimwatch_core::health::{evaluate, Observations, Thresholds, Verdict};
use scimwatch_core::Cloud;

use crate::common::{healthy, now, scim};

use super::{ctx, run, APP, SP};

#[test]
fn deep_links_for_this_app() {
    let base = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~";
    let cases = [
        (
            PortalPage::Provisioning,
            format!("{base}/Provisioning/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::AttributeMappings,
            format!("{base}/Provisioning/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::UsersAndGroups,
            format!("{base}/Users/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::ProvisioningLogs,
            format!("{base}/ProvisioningActivity/objectId/{SP}/appId/{APP}"),
        ),
        (
            PortalPage::Overview,
            format!("{base}/Overview/objectId/{SP}/appId/{APP}"),
        ),
    ];
    for (page, url) in cases {
        assert_eq!(ctx().link(page), Some(url), "{page:?}");
    }
    let gov = Context {
        portal_base: portal_base_for(Cloud::Usgov).unwrap().into(),
        ..ctx()
    };
    assert!(gov
        .link(PortalPage::Provisioning)
        .unwrap()
        .starts_with("https://portal.azure.us/#view/"));
    assert_eq!(portal_base_for(Cloud::Custom), None);
    // Missing or suspicious ids, or a non-https base: no link rather than a wrong one.
    assert_eq!(
        deep_link(
            "https://entra.microsoft.com",
            None,
            Some(APP),
            PortalPage::Provisioning
        ),
        None
    );
    assert_eq!(
        deep_link(
            "https://entra.microsoft.com",
            Some("x/../y"),
            Some(APP),
            PortalPage::Provisioning
        ),
        None
    );
    assert_eq!(
        deep_link(
            "http://entra.microsoft.com",
            Some(SP),
            Some(APP),
            PortalPage::Provisioning
        ),
        None
    );
    assert_eq!(
        deep_link("not a url", Some(SP), Some(APP), PortalPage::Provisioning),
        None
    );
    assert!(deep_link(
        "https://entra.microsoft.com/",
        Some(SP),
        Some(APP),
        PortalPage::Provisioning
    )
    .unwrap()
    .starts_with("https://entra.microsoft.com/#view/"));

    let r = run(&healthy());
    let step = r.step("groups_assigned").unwrap();
    assert_eq!(
        step.deep_link.as_deref(),
        Some(&*format!("{base}/Users/objectId/{SP}/appId/{APP}"))
    );
    assert!(
        step.fix_steps[0].contains("Acme SCIM"),
        "{:?}",
        step.fix_steps
    );
}

#[test]
fn report_contains_every_step_and_its_evidence() {
    let mut o = healthy();
    scim(&mut o, Verdict::Unauthorized, Some(401));
    o.scim_check.as_mut().unwrap().message = Some("bad | token\n<script>".into());
    o.mappings.as_mut().unwrap().groups_enabled = Some(false);
    let findings = evaluate(&o, &Thresholds::default(), now());
    let r = run(&o);
    let md = report_markdown(&r, &ctx(), &findings, now());
    assert!(
        md.starts_with("# scimwatch provisioning report: Acme \\| prod\n"),
        "{md}"
    );
    for s in STEPS {
        assert!(
            md.contains(&format!("Step id: `{}`", s.id)),
            "{} missing",
            s.id
        );
    }
    assert!(
        md.contains("| 2 | Test Connection: the secret token is valid and not expired | FAIL |")
    );
    assert!(md.contains("- Start with: Test Connection: the secret token is valid and not expired"));
    assert!(md.contains("- HTTP status: 401"));
    assert!(
        md.contains("bad \\| token \\<script\\>"),
        "values are escaped"
    );
    assert!(md.contains(&format!(
        "<https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/Provisioning/objectId/{SP}/appId/{APP}>"
    )));
    assert!(md.contains("### [CRITICAL] Test Connection fails: the SCIM token is refused"));
    assert!(
        md.contains("Kind: groups\\_mapping\\_disabled")
            || md.contains("Kind: groups_mapping_disabled")
    );

    let json = report_json(&r, &ctx(), &findings, now());
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.checklist, r);
    assert_eq!(back.findings, findings);
    assert_eq!(back.checklist.steps.len(), STEPS.len());
}

#[test]
fn checklist_and_report_never_panic_on_empty_input() {
    let r = evaluate_checklist(&Observations::default(), &Context::default(), &[], now());
    assert_eq!(r.steps.len(), STEPS.len());
    assert!(r.steps.iter().all(|s| s.deep_link.is_none()));
    let weird = Context {
        connection_name: Some("`#|*\n\r\u{0}".into()),
        utc_offset_minutes: i32::MAX,
        portal_base: "".into(),
        ..Default::default()
    };
    let md = report_markdown(&r, &weird, &[], now());
    // Nothing was observed: no all-clear.
    assert!(md.contains("not an all-clear"), "{md}");
    let _ = report_json(&r, &weird, &[], now());
    let _ = evaluate_checklist(&healthy(), &weird, &[], DateTime::<Utc>::MAX_UTC);
}
