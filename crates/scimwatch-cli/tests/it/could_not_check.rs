//! No verdict without evidence, per command (issue 17): when the thing a
//! command examines cannot be reached or refuses scimwatch, the command
//! says it could not check and exits 2 — never "compliant", "None found",
//! "healthy" or a snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::process::Output;

use common::cli;
use entra_sim::{ClockKind, Fault, GraphFamily, Sim, SimConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A SCIM endpoint on loopback that answers every request with `status`
/// (a SCIM error body), or — `None` — a port nothing listens on.
async fn scim_endpoint(status: Option<u16>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let Some(status) = status else {
        drop(listener);
        return format!("http://{addr}/scim/v2");
    };
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let body = format!(
                    "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\
                     \"status\":\"{status}\",\"detail\":\"refused\"}}"
                );
                let head = format!(
                    "HTTP/1.1 {status} Refused\r\nContent-Type: application/scim+json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/scim/v2")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Words that would be a verdict about something not examined.
fn assert_no_all_clear(what: &str, t: &str) {
    for word in ["None found", "compliant", "healthy", "Snapshot "] {
        assert!(
            !t.contains(word) || t.contains("not compliant"),
            "{what}: says {word:?}: {t}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_and_crawl_could_not_check_an_endpoint_that_is_down_or_refuses() {
    for (name, status) in [
        ("unreachable", None),
        ("401", Some(401)),
        ("403", Some(403)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let url = scim_endpoint(status).await;
        let o = cli(
            &data,
            &[
                "connections",
                "add",
                "--name",
                "Acme",
                "--scim-url",
                &url,
                "--scim-token-file",
                "-",
            ],
            Some("tok-123\n".into()),
        )
        .await;
        assert!(o.status.success(), "{}", text(&o));

        let o = cli(&data, &["discover"], None).await;
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: discover: {t}");
        assert!(t.contains("Could not examine"), "{name}: {t}");
        assert_no_all_clear(name, &t);

        let o = cli(&data, &["crawl"], None).await;
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: crawl: {t}");
        assert!(t.contains("could not check"), "{name}: {t}");
        assert_no_all_clear(name, &t);
        assert!(!t.contains("tok-123"), "{name}: the token leaked: {t}");
        let o = cli(&data, &["snapshots"], None).await;
        assert!(!text(&o).contains("complete "), "{name}: {}", text(&o));
    }
}

/// `check` on an Entra connection whose Graph side cannot be read: Graph
/// down (5xx), throttled, sign-in refused, the tenant gone — "could not
/// check", exit 2, and never "healthy".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_could_not_check_when_graph_cannot_be_read() {
    let all = GraphFamily::default;
    let cases: Vec<(&str, Option<Fault>)> = vec![
        (
            "graph 503",
            Some(Fault::GraphServerError {
                family: all(),
                status: 503,
                count: None,
            }),
        ),
        (
            "graph 429",
            Some(Fault::GraphThrottling {
                family: all(),
                retry_after_secs: 0.2,
                count: None,
            }),
        ),
        ("unreachable", None),
    ];
    for (name, fault) in cases {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let secret = dir.path().join("secret.txt");
        let sim = Sim::start(SimConfig {
            clock: ClockKind::Manual(Some(chrono::Utc::now())),
            require_auth: true,
            ..SimConfig::for_tests()
        })
        .await
        .unwrap();
        sim.run_cycle().await;
        let info = sim.info();
        std::fs::write(&secret, &info.client_secret).unwrap();
        let args = entra_sim::testing::cli_connection_args(
            &info,
            "Sim",
            Some(entra_sim::testing::CliSignIn {
                mode: "client-secret",
                flag: "--client-secret-file",
                file: secret.to_str().unwrap(),
            }),
            false,
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = cli(&data, &args, None).await;
        assert!(o.status.success(), "{}", text(&o));
        match fault {
            Some(f) => sim.inject(f).unwrap(),
            None => sim.shutdown().await,
        }
        let o = cli(&data, &["check", "--json"], None).await;
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {t}");
        let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(out["healthy"], false, "{name}");
        assert!(
            !out["could_not_check"].as_array().unwrap().is_empty(),
            "{name}: {out:#}"
        );
        let o = cli(&data, &["check"], None).await;
        let t = text(&o);
        assert!(t.contains("could not check"), "{name}: {t}");
        assert!(!t.contains(&info.client_secret), "{name}: secret leaked");
    }
}
