use super::*;

fn sample() -> MetricsSnapshot {
    let mut events = BTreeMap::new();
    events.insert(("success".into(), "create".into()), 12);
    events.insert(("failure".into(), "update".into()), 3);
    let mut incidents = BTreeMap::new();
    incidents.insert("critical".to_string(), 1);
    let mut graph_requests = BTreeMap::new();
    graph_requests.insert(
        (
            "Acme \"EU\"\\prod\nx".to_string(),
            "jobs".to_string(),
            "200".to_string(),
        ),
        7,
    );
    MetricsSnapshot {
        version: "1.2.3".into(),
        connections: vec![
            ConnectionMetrics {
                name: "Acme \"EU\"\\prod\nx".into(),
                entra: Some(EntraMetrics {
                    app: Some("Acme SCIM".into()),
                    graph_up: Some(true),
                    quarantined: Some(true),
                    stalled: Some(false),
                    last_cycle_end_ms: Some(1_718_000_000_123),
                    events,
                }),
                scim: Some(ScimMetrics {
                    up: Some(false),
                    last_check_ms: Some(1_718_000_100_000),
                    token_expiry_ms: Some(1_720_000_000_000),
                }),
                incidents_open: incidents,
            },
            // SCIM only, never tested: no samples without evidence.
            ConnectionMetrics {
                name: "Beta".into(),
                entra: None,
                scim: Some(ScimMetrics::default()),
                incidents_open: BTreeMap::new(),
            },
        ],
        graph_requests,
    }
}

/// The exact exposition text of a small snapshot: HELP and TYPE of every
/// family in order, escaped label values, exact seconds.
#[test]
fn renders_the_text_format() {
    let text = render(&sample());
    let conn = r#"connection="Acme \"EU\"\\prod\nx""#;
    for line in [
        "# HELP scimwatch_job_quarantined 1 when the provisioning job is in quarantine, as last read.".to_string(),
        "# TYPE scimwatch_job_quarantined gauge".to_string(),
        format!(r#"scimwatch_job_quarantined{{{conn},app="Acme SCIM"}} 1"#),
        format!(r#"scimwatch_job_stalled{{{conn},app="Acme SCIM"}} 0"#),
        format!(r#"scimwatch_graph_up{{{conn},app="Acme SCIM"}} 1"#),
        format!(
            r#"scimwatch_job_last_cycle_end_timestamp_seconds{{{conn},app="Acme SCIM"}} 1718000000.123"#
        ),
        "# TYPE scimwatch_provisioning_events_total counter".to_string(),
        format!(
            r#"scimwatch_provisioning_events_total{{{conn},app="Acme SCIM",status="failure",action="update"}} 3"#
        ),
        format!(
            r#"scimwatch_provisioning_events_total{{{conn},app="Acme SCIM",status="success",action="create"}} 12"#
        ),
        format!(r#"scimwatch_scim_up{{{conn}}} 0"#),
        format!(r#"scimwatch_scim_last_check_timestamp_seconds{{{conn}}} 1718000100"#),
        format!(r#"scimwatch_scim_token_expiry_timestamp_seconds{{{conn}}} 1720000000"#),
        format!(r#"scimwatch_incidents_open{{{conn},severity="critical"}} 1"#),
        format!(r#"scimwatch_incidents_open{{{conn},severity="warning"}} 0"#),
        r#"scimwatch_incidents_open{connection="Beta",severity="info"} 0"#.to_string(),
        "# TYPE scimwatch_graph_requests_total counter".to_string(),
        format!(r#"scimwatch_graph_requests_total{{{conn},endpoint="jobs",code="200"}} 7"#),
        r#"scimwatch_build_info{version="1.2.3"} 1"#.to_string(),
        "scimwatch_connections 2".to_string(),
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    // Beta was never tested: no scim_up sample for it.
    assert!(!text.contains(r#"scimwatch_scim_up{connection="Beta"}"#));
    // Every family has exactly one HELP and one TYPE, in FAMILIES order,
    // before its samples.
    let mut seen = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            seen.push(rest.split(' ').next().unwrap().to_string());
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(seen.last().map(String::as_str), Some(name), "{line}");
            // name{labels} value — the value parses as a float.
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
    let names: Vec<&str> = FAMILIES.iter().map(|f| f.0).collect();
    assert_eq!(seen, names);
    assert!(text.ends_with('\n'));
}

#[test]
fn escapes_label_values() {
    assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
    assert_eq!(escape_label("a\nb"), "a\\nb");
    assert_eq!(escape_label("Zoë"), "Zoë");
}

#[test]
fn bounds_values_from_graph() {
    assert_eq!(bounded_label("success"), "success");
    assert_eq!(bounded_label("StagedDelete"), "StagedDelete");
    assert_eq!(bounded_label(""), "other");
    assert_eq!(bounded_label("user@example.com"), "other");
    assert_eq!(bounded_label(&"x".repeat(33)), "other");
}

#[test]
fn seconds_are_exact() {
    assert_eq!(seconds(0), "0");
    assert_eq!(seconds(1_500), "1.500");
    assert_eq!(seconds(1_718_000_000_007), "1718000000.007");
    assert_eq!(seconds(-1_500), "-1.500");
}

#[test]
fn endpoint_families_have_no_ids() {
    let sp = "/v1.0/servicePrincipals/5e3ad1c8-0000-4000-8000-000000000001";
    for (path, family) in [
        (
            format!("{sp}/synchronization/jobs/scim.abc/schema"),
            "schema",
        ),
        (format!("{sp}/synchronization/jobs/scim.abc"), "jobs"),
        (format!("{sp}/synchronization/jobs"), "jobs"),
        (format!("{sp}/synchronization/secrets"), "secrets"),
        (format!("{sp}/appRoleAssignedTo"), "assignments"),
        ("/v1.0/groups/abc/members".to_string(), "groups"),
        ("/v1.0/users".to_string(), "users"),
        ("/v1.0/auditLogs/provisioning".to_string(), "logs"),
        ("/beta/auditLogs/provisioning".to_string(), "logs"),
        (sp.to_string(), "servicePrincipals"),
        ("/v1.0/servicePrincipals".to_string(), "servicePrincipals"),
        ("/tenant/oauth2/v2.0/token".to_string(), "token"),
        ("/v1.0/organization".to_string(), "other"),
    ] {
        assert_eq!(endpoint_family(&path), family, "{path}");
    }
}
