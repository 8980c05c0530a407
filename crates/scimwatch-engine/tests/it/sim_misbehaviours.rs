//! The simulator's SCIM target misbehaving as real open-source SCIM servers do
//! (entra-sim's `scim_misbehave`, the list in
//! tests/fixtures/graph-real/README.md), run through the engine: for each
//! misbehaviour, what `discover` reports (deviation, severity, exit code),
//! what the replayed Test Connection says, and whether a crawl is stored
//! complete — without Python or a hand-made fixture server (issue 17).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::scim_fixture;

use chrono::Utc;
use entra_sim::Fault;
use scim_fixture::{add_connection, engine};
use scimwatch_core::scim::Severity;
use scimwatch_core::Sensitive;
use scimwatch_engine::scim::discover::discover_client;
use scimwatch_engine::scim::{run_inventory, CancelFlag, CrawlConfig, ScimClient, Verdict};
use scimwatch_engine::store::inventory;

use Severity::{Error, Info, Warning};

/// What the engine must report for one misbehaviour.
struct Expected {
    fault: Fault,
    /// Deviations `discover` must report (code, severity); no others.
    findings: &'static [(&'static str, Severity)],
    /// `ComplianceReport::exit_code()`: 0 compliant, 1 deviations, 2 could not examine.
    exit: u8,
    /// The replayed Test Connection's verdict (`Ok` passes).
    test_connection: Verdict,
    /// Whether a crawl is stored `incomplete`.
    incomplete: bool,
}

fn table() -> Vec<Expected> {
    let row = |fault, findings, exit, test_connection, incomplete| Expected {
        fault,
        findings,
        exit,
        test_connection,
        incomplete,
    };
    vec![
        // Every page is the first page: the paging probe sees page 2 repeat
        // page 1, and a crawl reads 10 of the 11 users.
        row(
            Fault::ScimIgnoresPaging { page_size: 10 },
            &[
                ("ignores_start_index", Error),
                ("more_than_count_returned", Warning),
            ],
            1,
            Verdict::Ok,
            true,
        ),
        // `startIndex` honoured: a crawl that advances by what a page held
        // reads everyone, so the snapshot is complete (only the probe's
        // `count=2` page shows the deviation).
        row(
            Fault::ScimIgnoresCount { page_size: 10 },
            &[("more_than_count_returned", Warning)],
            1,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimUserNameCaseSensitive,
            &[("filter_case_sensitive", Error)],
            1,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimAttributeNamesCaseSensitive,
            &[("filter_attribute_case_sensitive", Warning)],
            1,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimFilterDeclaredUnsupported,
            &[("filter_support_misdeclared", Warning)],
            1,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimDiscoveryWithoutTotals,
            &[("discovery_list_without_totals", Info)],
            0,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimSchemasWithoutSchemas,
            &[("schema_without_schemas", Info)],
            0,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimAbsoluteResourceTypeEndpoints,
            &[("resource_type_endpoint_not_relative", Info)],
            0,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimItemsPerPageTooLarge,
            &[("items_per_page_mismatch", Info)],
            0,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimUnauthorizedEmptyHtml,
            &[("unauthorized_without_scim_error", Warning)],
            1,
            Verdict::Ok,
            false,
        ),
        // The filter Entra's Test Connection sends matches nobody: 404 with
        // the framework's page. Test Connection fails and says why (the
        // Tenant URL is right: /Users without a filter is a SCIM list).
        row(
            Fault::ScimHtmlNotFound,
            &[
                ("not_found_for_empty_filter", Warning),
                ("non_scim_error_body", Warning),
            ],
            1,
            // The URL is right: its own verdict, not "wrong Tenant URL".
            Verdict::FilterNotFound,
            false,
        ),
        row(
            Fault::ScimStartIndexZeroRefused,
            &[("start_index_zero_refused", Warning)],
            1,
            Verdict::Ok,
            false,
        ),
        // Only a write shows it, and discover never writes: nothing to
        // report (the 409 body is checked below).
        row(
            Fault::ScimConflictWithoutScimType,
            &[],
            0,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimIgnoresExcludedAttributes,
            &[
                ("excluded_members_ignored", Warning),
                ("excluded_attributes_ignored", Info),
            ],
            1,
            Verdict::Ok,
            false,
        ),
        // Every filter refused: Entra cannot match anyone, Test Connection
        // fails on the 400, and ServiceProviderConfig still says filters work.
        row(
            Fault::ScimFilterRefused,
            &[
                ("filter_refused", Error),
                ("group_filter_not_honoured", Error),
                ("group_external_id_filter_not_honoured", Warning),
                ("filter_support_misdeclared", Warning),
            ],
            1,
            Verdict::FilterRefused,
            false,
        ),
        // The write probe's misbehaviours (issue 20): discover only reads,
        // so the writes it cannot see leave it compliant
        // (`scimwatch-engine/tests/it/probe_sim.rs` catches them)…
        row(
            Fault::ScimGroupRenameUnsupported,
            &[],
            0,
            Verdict::Ok,
            false,
        ),
        row(Fault::ScimMemberRemovalRefused, &[], 0, Verdict::Ok, false),
        row(Fault::ScimActiveStringRefused, &[], 0, Verdict::Ok, false),
        row(Fault::ScimPatchIgnored, &[], 0, Verdict::Ok, false),
        // …while the lookups it replays see the broken filters.
        row(
            Fault::ScimGroupFilterFindsNothing,
            &[("group_filter_not_honoured", Error)],
            1,
            Verdict::Ok,
            false,
        ),
        row(
            Fault::ScimExternalIdFilterIgnored,
            &[
                ("external_id_filter_not_honoured", Warning),
                ("group_external_id_filter_not_honoured", Warning),
            ],
            1,
            Verdict::Ok,
            false,
        ),
    ]
}

#[tokio::test]
async fn each_misbehaviour_is_diagnosed_by_discover_test_connection_and_crawl() {
    let table = table();
    // Every misbehaviour the simulator lists is in the table.
    let listed: Vec<&str> = entra_sim::fault::fault_kinds()
        .iter()
        .map(|k| k.kind)
        .filter(|k| {
            let f: Fault = serde_json::from_value(serde_json::json!({ "kind": k })).unwrap();
            !entra_sim::scim_misbehave::Misbehaviours::of([&f]).is_none()
        })
        .collect();
    assert_eq!(listed.len(), table.len(), "{listed:?}");

    let sim = entra_sim::Sim::start(entra_sim::SimConfig::for_tests())
        .await
        .unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    let (users, _) = sim.scim_contents();
    assert!(users.len() > 10, "more users than a page: {}", users.len());
    let c = ScimClient::new(
        &info.scim_url,
        &Sensitive::new(info.scim_token.clone()),
        Default::default(),
    )
    .unwrap();
    let eng = engine().await;
    let conn = add_connection(&eng, "Sim", &info.scim_url, &info.scim_token).await;

    // The well-behaved target first: compliant, complete.
    let r = discover_client(&c, Utc::now()).await;
    assert_eq!(
        (r.exit_code(), r.findings.len()),
        (0, 0),
        "{:?}",
        r.findings
    );

    for e in table {
        sim.clear_faults();
        sim.inject(e.fault.clone()).unwrap();
        let f = &e.fault;
        let r = discover_client(&c, Utc::now()).await;
        let mut got: Vec<(String, Severity)> = r
            .findings
            .iter()
            .map(|x| (x.code.clone(), x.severity))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want: Vec<(String, Severity)> = e
            .findings
            .iter()
            .map(|(c, s)| (c.to_string(), *s))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want, "{f:?}");
        assert!(
            r.could_not_examine.is_none(),
            "{f:?}: {:?}",
            r.could_not_examine
        );
        assert!(r.not_examined().is_empty(), "{f:?}: {:?}", r.not_examined());
        assert_eq!(r.exit_code(), e.exit, "{f:?}");
        // Every finding shows the request and answer it rests on.
        for x in &r.findings {
            let ev = x
                .evidence
                .as_ref()
                .unwrap_or_else(|| panic!("{f:?}: {}", x.code));
            assert!(ev.request.contains("/scim/v2/"), "{f:?}: {}", ev.request);
            assert!(!ev.request.contains(&info.scim_token), "{f:?}");
            assert!(!ev.response_excerpt.contains(&info.scim_token), "{f:?}");
        }
        assert_eq!(r.test_connection.verdict, e.test_connection, "{f:?}");
        assert_eq!(
            r.test_connection.ok,
            e.test_connection == Verdict::Ok,
            "{f:?}: {}",
            r.test_connection.message
        );

        let out = run_inventory(
            &eng,
            &conn,
            &CrawlConfig::default(),
            None,
            &CancelFlag::new(),
            Utc::now(),
        )
        .await
        .unwrap();
        let snapshot = inventory::list(eng.store.pool(), 1, 1)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        assert_eq!(snapshot.id, out.snapshot_id, "{f:?}");
        if e.incomplete {
            let why = out.incomplete.as_deref().unwrap_or_else(|| panic!("{f:?}"));
            assert!(
                why.contains(&format!("read 10 of the {}", users.len()))
                    && why.contains("ignores startIndex"),
                "{f:?}: {why}"
            );
            assert_eq!(snapshot.state, "incomplete", "{f:?}");
        } else {
            assert_eq!(out.incomplete, None, "{f:?}");
            assert_eq!(out.users as usize, users.len(), "{f:?}");
            assert_eq!(snapshot.state, "complete", "{f:?}");
        }
    }

    // The messages say what Entra does with it.
    sim.clear_faults();
    sim.inject(Fault::ScimHtmlNotFound).unwrap();
    let r = discover_client(&c, Utc::now()).await;
    assert!(
        r.test_connection.message.contains("Tenant URL is right")
            && !r.test_connection.message.contains("login"),
        "{}",
        r.test_connection.message
    );
    sim.clear_faults();
    sim.inject(Fault::ScimFilterRefused).unwrap();
    let r = discover_client(&c, Utc::now()).await;
    assert!(
        r.test_connection.message.contains("invalidFilter"),
        "{}",
        r.test_connection.message
    );

    // A conflict without scimType: the 409 a write gets, as Entra sees it.
    sim.clear_faults();
    sim.inject(Fault::ScimConflictWithoutScimType).unwrap();
    let taken = users[0]["userName"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/Users", info.scim_url))
        .bearer_auth(&info.scim_token)
        .header("content-type", "application/scim+json")
        .body(
            serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": taken})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "409");
    assert!(body.get("scimType").is_none(), "{body}");
    sim.shutdown().await;
}
