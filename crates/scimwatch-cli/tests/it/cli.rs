//! The CLI as a user runs it: the real binary against a real data directory,
//! with the explicit file-based secret store (no keychain on CI runners).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn cli(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"))
        .args(args)
        .env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn add_list_remove_with_token_from_stdin_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let o = cli(&data, &["connections", "list", "--json"], None);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        serde_json::json!([])
    );

    let o = cli(
        &data,
        &[
            "connections",
            "add",
            "--name",
            "Acme",
            "--scim-url",
            "https://acme.example.com/scim/v2/",
            "--token-expires",
            "2027-06-30",
            "--scim-token-file",
            "-",
            "--json",
        ],
        Some("tok-FROM-STDIN-123\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let saved: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        saved["connection"]["scim"]["url"],
        "https://acme.example.com/scim/v2"
    );
    assert_eq!(saved["connection"]["has_scim_token"], true);
    assert!(!stdout(&o).contains("tok-FROM-STDIN"));

    let token_file = dir.path().join("secret.txt");
    std::fs::write(&token_file, "client-secret-value").unwrap();
    let o = cli(
        &data,
        &[
            "connections",
            "add",
            "--name",
            "Contoso",
            "--cloud",
            "usgov",
            "--tenant",
            "contoso.onmicrosoft.us",
            "--client-id",
            "11111111-2222-3333-4444-555555555555",
            "--auth-mode",
            "client-secret",
            "--client-secret-file",
            token_file.to_str().unwrap(),
            "--app",
            "Fabrikam SCIM",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("Added Contoso"));

    let o = cli(&data, &["connections", "list", "--json"], None);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["entra"]["graph_url"], "https://graph.microsoft.us");

    // Secrets are in the 0600 file store, not in the database.
    let db = std::fs::read(data.join("scimwatch.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("tok-FROM-STDIN"));
    let secrets = std::fs::read_to_string(data.join("secrets.json")).unwrap();
    assert!(secrets.contains("tok-FROM-STDIN-123"));

    let o = cli(&data, &["connections", "remove", "acme"], None);
    assert!(o.status.success());
    let o = cli(&data, &["connections", "list"], None);
    assert!(stdout(&o).contains("Contoso") && !stdout(&o).contains("Acme"));
    let secrets = std::fs::read_to_string(data.join("secrets.json")).unwrap();
    assert!(!secrets.contains("tok-FROM-STDIN-123"));
}

#[test]
fn validation_errors_are_specific_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(
        dir.path(),
        &[
            "connections",
            "add",
            "--name",
            "Bad",
            "--scim-url",
            "http://saas.example.com/scim",
            "--json",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "validation");
    let fields: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["scim_url", "scim_token"]);

    let o = cli(dir.path(), &["connections", "remove", "nope"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no connection named"));
}

#[test]
fn secrets_are_never_flags() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(
        dir.path(),
        &["connections", "add", "--name", "x", "--scim-token", "abc"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unexpected argument"));
}

#[test]
fn unknown_secret_store_is_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"))
        .args(["connections", "list"])
        .env("SCIMWATCH_DATA_DIR", dir.path())
        .env("SCIMWATCH_SECRET_STORE", "plaintext")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("use `keychain` or `file`"));
}
