//! `scimwatch-cli serve` (issue 21, item 2): the real binary against a
//! simulated tenant — `/metrics` in the Prometheus text format (checked by
//! a strict reader and by `promtool check metrics`), a quarantine seen after
//! the next poll, `/readyz`, `/api/v1/status`, GET only, the bearer token
//! outside loopback, and the deploy files naming only exported metrics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::serve_support;

use std::path::PathBuf;
use std::process::Command;

use scimwatch_engine::serve::metrics::FAMILIES;
use serve_support::*;

fn sample<'a>(samples: &'a [Sample], name: &str, conn: &str) -> Option<&'a Sample> {
    samples
        .iter()
        .find(|s| s.name == name && s.labels.get("connection").map(String::as_str) == Some(conn))
}

#[test]
fn serve_exports_metrics_status_and_a_quarantine() {
    let env = Env::new();
    let served = serve(
        &env.data,
        &["--listen", "127.0.0.1:0", "--poll-interval", "1s"],
    );
    assert!(served.addr.starts_with("127.0.0.1:"), "{}", served.addr);
    assert_eq!(served.get("/healthz", None).0, 200);
    wait_for(60, || (served.get("/readyz", None).0 == 200).then_some(()))
        .expect("/readyz never 200");

    // The first poll and SCIM check are in: the job was read, SCIM is up.
    let text = wait_for(90, || {
        let (code, body) = served.get("/metrics", None);
        assert_eq!(code, 200, "{body}");
        let (_, samples) = parse_exposition(&body);
        let ready = sample(&samples, "scimwatch_job_quarantined", "Sim").is_some()
            && sample(&samples, "scimwatch_scim_up", "Sim").is_some()
            && sample(&samples, "scimwatch_graph_requests_total", "Sim").is_some()
            && sample(&samples, "scimwatch_provisioning_events_total", "Sim").is_some();
        ready.then_some(body)
    })
    .unwrap_or_else(|| panic!("metrics never complete: {:?}", served.stderr_so_far()));

    let (types, samples) = parse_exposition(&text);
    for (name, kind) in REQUIRED {
        assert_eq!(types.get(*name).map(String::as_str), Some(*kind), "{name}");
        let s =
            sample(&samples, name, "Sim").unwrap_or_else(|| panic!("no {name} for Sim\n{text}"));
        assert!(s.value.is_finite());
    }
    for (name, kind, _) in FAMILIES {
        assert_eq!(types.get(*name).map(String::as_str), Some(*kind), "{name}");
    }
    // Every sample belongs to a declared family; counters end in _total.
    for s in &samples {
        assert!(types.contains_key(&s.name), "{s:?}");
        if types[&s.name] == "counter" {
            assert!(s.name.ends_with("_total"), "{s:?}");
        }
    }
    let quarantined = sample(&samples, "scimwatch_job_quarantined", "Sim").unwrap();
    assert_eq!(quarantined.value, 0.0);
    assert_eq!(
        quarantined.labels.get("app").map(String::as_str),
        Some(env.sim().info().app_display_name.as_str())
    );
    assert_eq!(
        sample(&samples, "scimwatch_scim_up", "Sim").unwrap().value,
        1.0
    );
    let expiry = sample(
        &samples,
        "scimwatch_scim_token_expiry_timestamp_seconds",
        "Sim",
    )
    .unwrap();
    assert_eq!(
        expiry.value, 4_102_444_799.0,
        "a date expires at its end: 2099-12-31T23:59:59Z"
    );
    let jobs = samples.iter().find(|s| {
        s.name == "scimwatch_graph_requests_total"
            && s.labels.get("endpoint").map(String::as_str) == Some("jobs")
            && s.labels.get("code").map(String::as_str) == Some("200")
    });
    assert!(jobs.is_some_and(|s| s.value >= 1.0), "{text}");
    // Low cardinality: no label value carries an id, a URL or an address.
    for s in &samples {
        for v in s.labels.values() {
            assert!(
                !v.contains("://") && !v.contains('@') && v.len() < 64,
                "{s:?}"
            );
        }
    }
    if let Some(out) = promtool_check_metrics(&text) {
        assert!(
            out.status.success(),
            "promtool check metrics: {}{}\n{text}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // /api/v1/status: job state, last cycle, incidents.
    let (code, body) = served.get("/api/v1/status", None);
    assert_eq!(code, 200);
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    let conn = &status["connections"][0];
    assert_eq!(conn["name"], "Sim");
    assert_eq!(conn["entra"]["status_code"], "Active", "{conn:#}");
    assert!(conn["entra"]["last_cycle"].is_object(), "{conn:#}");
    assert!(conn["incidents"].is_array());
    assert_eq!(conn["scim"]["last_check"]["ok"], true, "{conn:#}");
    // No secret anywhere.
    let info = env.sim().info();
    for secret in [&info.scim_token, &info.client_secret] {
        assert!(!text.contains(secret.as_str()) && !body.contains(secret.as_str()));
    }

    // Read-only: other methods 405, unknown paths 404.
    for m in ["POST", "PUT", "DELETE"] {
        assert_eq!(request(&served.addr, m, "/metrics", None).0, 405, "{m}");
    }
    assert_eq!(served.get("/nope", None).0, 404);

    // A quarantine shows after the next poll.
    env.quarantine();
    let q = wait_for(60, || {
        let (_, body) = served.get("/metrics", None);
        let (_, samples) = parse_exposition(&body);
        sample(&samples, "scimwatch_job_quarantined", "Sim")
            .filter(|s| s.value == 1.0)
            .cloned()
    });
    assert!(
        q.is_some(),
        "quarantine never exported: {:?}",
        served.stderr_so_far()
    );
    let stderr = served.stderr_so_far().join("\n");
    let status = served.stop();
    assert!(status.success(), "serve on SIGTERM: {status:?}");
    assert!(!stderr.contains(info.scim_token.as_str()));
}

#[test]
fn serve_refuses_bad_listen_and_requires_the_bearer_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let o = cli(&data, &["serve", "--listen", "nonsense"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--listen") && err.contains("IP:PORT"), "{err}");

    let o = cli(&data, &["serve", "--listen", "0.0.0.0:0"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--token-file"), "{err}");
    assert!(!data.exists(), "refused before the data folder is touched");

    let empty = dir.path().join("empty-token");
    std::fs::write(&empty, "\n").unwrap();
    let o = cli(
        &data,
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--token-file",
            empty.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty"));

    let token = "tok-3f1b9c0e-serve-test";
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let served = serve(
        &data,
        &[
            "--listen",
            "0.0.0.0:0",
            "--token-file",
            token_file.to_str().unwrap(),
        ],
    );
    let port = served.addr.rsplit(':').next().unwrap().to_string();
    let local = format!("127.0.0.1:{port}");
    wait_for(30, || {
        (request(&local, "GET", "/readyz", Some(token)).0 == 200).then_some(())
    })
    .expect("never ready");
    for path in ["/metrics", "/readyz", "/api/v1/status", "/nope"] {
        let (code, body) = request(&local, "GET", path, None);
        assert_eq!((code, body.as_str()), (401, ""), "{path} without a token");
        let (code, body) = request(&local, "GET", path, Some("tok-3f1b9c0e-serve-tesT"));
        assert_eq!(
            (code, body.as_str()),
            (401, ""),
            "{path} with a wrong token"
        );
    }
    assert_eq!(request(&local, "POST", "/metrics", None).0, 401);
    let (code, body) = request(&local, "GET", "/metrics", Some(token));
    assert_eq!(code, 200);
    assert!(body.contains("# TYPE scimwatch_job_quarantined gauge"));
    assert_eq!(request(&local, "GET", "/api/v1/status", Some(token)).0, 200);
    assert_eq!(request(&local, "GET", "/healthz", None).0, 200);
    let stderr = served.stderr_so_far().join("\n");
    assert!(!stderr.contains(token), "{stderr}");
    assert!(served.stop().success());
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every metric the alert rules, their unit tests and the Grafana dashboard
/// name is one `/metrics` exports.
#[test]
fn deploy_files_use_only_exported_metrics() {
    let exported: std::collections::BTreeSet<String> =
        FAMILIES.iter().map(|f| f.0.to_string()).collect();
    let deploy = repo().join("deploy");
    let rules = std::fs::read_to_string(deploy.join("prometheus/scimwatch-rules.yml")).unwrap();
    let tests =
        std::fs::read_to_string(deploy.join("prometheus/scimwatch-rules.test.yml")).unwrap();
    let dash = std::fs::read_to_string(deploy.join("grafana/scimwatch-dashboard.json")).unwrap();

    // The dashboard's expressions, read from the JSON.
    let dash_json: serde_json::Value = serde_json::from_str(&dash).unwrap();
    let mut exprs = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("expr" | "query", serde_json::Value::String(s)) => out.push(s.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&dash_json, &mut exprs);
    assert!(exprs.len() >= 6, "{exprs:?}");
    // The rules' expressions: every `expr:` line.
    let rule_exprs: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("expr:"))
        .collect();
    assert!(rule_exprs.len() >= 5, "{rules}");

    for (what, text) in [
        ("rules", rules.clone()),
        ("rule tests", tests),
        ("dashboard", exprs.join("\n")),
        ("rule expressions", rule_exprs.join("\n")),
    ] {
        let used = metric_names(&text);
        assert!(!used.is_empty(), "{what}");
        let unknown: Vec<_> = used.difference(&exported).collect();
        assert!(
            unknown.is_empty(),
            "{what} uses metrics /metrics does not export: {unknown:?}"
        );
    }
    for m in [
        "scimwatch_job_quarantined",
        "scimwatch_job_stalled",
        "scimwatch_scim_up",
        "scimwatch_scim_token_expiry_timestamp_seconds",
        "scimwatch_provisioning_events_total{status=\"failure\"}[1h]",
    ] {
        assert!(rules.contains(m), "the rules miss {m}");
    }
}

/// `promtool check rules` and `promtool test rules` (also run by
/// scripts/test.sh); skipped loudly without promtool outside CI.
#[test]
fn prometheus_rules_pass_promtool() {
    if Command::new("promtool").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "promtool is missing in CI"
        );
        eprintln!("\n!!! promtool not found: rule tests SKIPPED (scripts/install-deps.sh test installs it) !!!\n");
        return;
    }
    let dir = repo().join("deploy/prometheus");
    for args in [
        vec!["check", "rules", "scimwatch-rules.yml"],
        vec!["test", "rules", "scimwatch-rules.test.yml"],
    ] {
        let o = Command::new("promtool")
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The systemd unit passes `systemd-analyze verify` (skipped where
/// systemd-analyze is absent). The unit names /usr/bin/scimwatch-cli, so it
/// is checked with ExecStart pointing at the binary just built.
#[test]
fn systemd_unit_verifies() {
    let unit = std::fs::read_to_string(repo().join("deploy/systemd/scimwatch.service")).unwrap();
    for must in [
        "DynamicUser=yes",
        "StateDirectory=scimwatch",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "LoadCredential=",
        "SCIMWATCH_SECRET_STORE=file",
        "ExecStart=/usr/bin/scimwatch-cli --data-dir ${STATE_DIRECTORY} serve",
    ] {
        assert!(unit.contains(must), "the unit misses {must}");
    }
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("\n!!! systemd-analyze not found: unit verification SKIPPED !!!\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scimwatch.service");
    std::fs::write(&path, unit.replace("/usr/bin/scimwatch-cli", BIN)).unwrap();
    let o = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    // Only messages about this unit count (the host's own units may warn).
    let ours: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("scimwatch.service"))
        .collect();
    assert!(
        o.status.success() && ours.is_empty(),
        "systemd-analyze verify: {err}"
    );
}
