//! Discovery and the compliance report: one misbehaving fixture per deviation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scim_fixture;

use chrono::Utc;
use scim_fixture::{with_users, Behaviour, Fixture, TOKEN};
use scimwatch_core::scim::Severity;
use scimwatch_core::Sensitive;
use scimwatch_engine::scim::discover::discover_client;
use scimwatch_engine::scim::{ComplianceReport, ScimClient};

async fn report(b: Behaviour) -> ComplianceReport {
    let fx = Fixture::start(b).await;
    let c = ScimClient::new(&fx.url, &Sensitive::new(TOKEN.into()), Default::default()).unwrap();
    discover_client(&c, Utc::now()).await
}

fn codes(r: &ComplianceReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

#[tokio::test]
async fn a_clean_server_is_compliant() {
    let r = report(with_users(10)).await;
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.compliant());
    assert!(r.test_connection.ok);
    assert_eq!(r.discovery.len(), 3);
    assert!(r.discovery.iter().all(|d| d.ok), "{:?}", r.discovery);
    assert!(r.features.contains(&"patch".to_string()));
    assert!(r.to_markdown().contains("None found"));
}

#[tokio::test]
async fn each_deviation_is_reported_with_evidence() {
    let cases: Vec<(&str, Behaviour)> = vec![
        (
            "zero_based_paging",
            Behaviour {
                zero_based: true,
                ..with_users(10)
            },
        ),
        (
            "ignores_start_index",
            Behaviour {
                ignore_start_index: true,
                ..with_users(10)
            },
        ),
        // Ignores count too: page 1 holds 20 users where 2 were asked for
        // (issue 17, defect 11: the probe ran only on a page of exactly 2).
        (
            "ignores_start_index",
            Behaviour {
                ignore_start_index: true,
                ignore_count: true,
                max_page: 20,
                ..with_users(150)
            },
        ),
        (
            "items_per_page_mismatch",
            Behaviour {
                items_per_page_wrong: true,
                ..with_users(10)
            },
        ),
        (
            "duplicate_ids",
            Behaviour {
                duplicate_ids: true,
                ..with_users(10)
            },
        ),
        (
            "not_found_for_empty_filter",
            Behaviour {
                not_found_for_empty_filter: true,
                ..with_users(10)
            },
        ),
        (
            "content_type_json",
            Behaviour {
                json_content_type: true,
                ..with_users(10)
            },
        ),
        (
            "non_scim_error_body",
            Behaviour {
                non_scim_errors: true,
                ..with_users(10)
            },
        ),
        (
            "filter_not_honoured",
            Behaviour {
                ignore_filter: true,
                ..with_users(10)
            },
        ),
        (
            "total_results_missing",
            Behaviour {
                no_total_results: true,
                ..with_users(10)
            },
        ),
        (
            "active_as_string",
            Behaviour {
                active_as_string: true,
                ..with_users(10)
            },
        ),
    ];
    for (code, b) in cases {
        let r = report(b).await;
        let f = r
            .findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("{code} not found in {:?}", codes(&r)));
        let ev = f
            .evidence
            .as_ref()
            .unwrap_or_else(|| panic!("{code}: no evidence"));
        assert!(
            ev.request.starts_with("GET http://127.0.0.1:"),
            "{code}: {}",
            ev.request
        );
        assert!(!ev.request.contains(TOKEN));
        if f.severity != Severity::Info {
            assert!(!r.compliant(), "{code}");
        }
        let md = r.to_markdown();
        assert!(md.contains(code), "{code}");
        assert!(!md.contains(TOKEN));
        assert!(!r.observations().iter().all(|o| o.code != code), "{code}");
    }
}

#[tokio::test]
async fn sim_target_and_scim2_server_reports() {
    let sim = entra_sim::Sim::start(entra_sim::SimConfig::for_tests())
        .await
        .unwrap();
    sim.run_cycle().await;
    let info = sim.info();
    let c = ScimClient::new(
        &info.scim_url,
        &Sensitive::new(info.scim_token.clone()),
        Default::default(),
    )
    .unwrap();
    let r = discover_client(&c, Utc::now()).await;
    assert!(r.test_connection.ok);
    assert!(r.discovery.iter().all(|d| d.ok), "{:?}", r.discovery);
    assert!(r.compliant(), "{:?}", r.findings);
    sim.inject(entra_sim::Fault::ScimIgnoresStartIndex).unwrap();
    let r = discover_client(&c, Utc::now()).await;
    assert!(
        codes(&r).contains(&"ignores_start_index"),
        "{:?}",
        codes(&r)
    );
    sim.shutdown().await;

    let server = entra_sim::testing::Scim2Server::start().await.unwrap();
    let c = ScimClient::new(
        &server.base_url,
        &Sensitive::new(server.token.clone()),
        Default::default(),
    )
    .unwrap();
    let r = discover_client(&c, Utc::now()).await;
    assert!(r.test_connection.ok, "{}", r.test_connection.message);
    assert!(r
        .discovery
        .iter()
        .any(|d| d.path == "/ServiceProviderConfig" && d.ok));
}

/// Nothing examined is never reported compliant: an endpoint that does not
/// answer, a refused token, a Users list that is not there (issue 17,
/// defect 12). `discover` exits 2 for each.
#[tokio::test]
async fn what_could_not_be_examined_is_never_compliant() {
    // Unreachable: a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = ScimClient::new(
        &format!("http://127.0.0.1:{port}/scim"),
        &Sensitive::new(TOKEN.into()),
        Default::default(),
    )
    .unwrap();
    let r = discover_client(&c, Utc::now()).await;
    let why = r.could_not_examine.as_deref().expect("could not examine");
    assert!(why.contains("could not be reached"), "{why}");
    assert!(!r.compliant());
    assert_eq!(r.exit_code(), 2);
    let md = r.to_markdown();
    assert!(
        md.contains("Could not examine") && !md.contains("None found"),
        "{md}"
    );

    // A wrong token: the refusal is the finding, not the discovery
    // endpoints' 401 bodies ("does not answer with JSON").
    let fx = Fixture::start(with_users(10)).await;
    let c = ScimClient::new(
        &fx.url,
        &Sensitive::new("not-the-token".into()),
        Default::default(),
    )
    .unwrap();
    let r = discover_client(&c, Utc::now()).await;
    let why = r.could_not_examine.as_deref().expect("could not examine");
    assert!(why.contains("401"), "{why}");
    assert!(r.findings.is_empty(), "{:?}", codes(&r));
    assert_eq!(r.exit_code(), 2);

    // The Users list itself answers 404 (a wrong Tenant URL path).
    let r = report(Behaviour {
        status: Some(404),
        ..with_users(10)
    })
    .await;
    assert!(r.could_not_examine.is_some(), "{:?}", r.test_connection);
    assert_eq!(r.exit_code(), 2);

    // A clean server: examined and compliant; a deviation: exit 1.
    let r = report(with_users(10)).await;
    assert_eq!((r.could_not_examine.as_deref(), r.exit_code()), (None, 0));
    let r = report(Behaviour {
        ignore_filter: true,
        ..with_users(10)
    })
    .await;
    assert_eq!(r.exit_code(), 1);
}

/// discover: a filter answered 400 is a refused filter, not "found nobody"
/// (issue 17, defect 13).
#[tokio::test]
async fn a_refused_filter_is_not_found_nobody() {
    let r = report(Behaviour {
        filter_invalid: true,
        ..with_users(10)
    })
    .await;
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "filter_refused")
        .unwrap_or_else(|| panic!("{:?}", codes(&r)));
    assert!(
        f.message.contains("HTTP 400 (invalidFilter)"),
        "{}",
        f.message
    );
    assert!(
        !codes(&r).contains(&"filter_not_honoured"),
        "{:?}",
        codes(&r)
    );
}
