//! The CLI against hostile or odd input: flag values that once panicked or
//! wrapped, a reader that goes away, a token file that is far too big, and a
//! server that puts terminal escape sequences in its answers. The real
//! binary, a real data directory, the file secret store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cmd(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"));
    c.args(args)
        .env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn cli(data: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = cmd(data, args).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        // The CLI may stop reading early (a too-big secret): a broken pipe here is fine.
        let _ = input.write_all(s);
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn assert_no_panic(o: &Output) {
    let err = text(&o.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

fn add_scim(data: &Path, name: &str, url: &str) {
    let o = cli(
        data,
        &[
            "connections",
            "add",
            "--name",
            name,
            "--scim-url",
            url,
            "--scim-token-file",
            "-",
        ],
        Some(b"tok-hardening-1\n"),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn odd_since_values_are_specific_errors_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("--since=5é", "--since", "`é` is no unit"),
        ("--since=é", "--since", "is not a time"),
        (
            "--since=99999999999999999d",
            "--since",
            "reaches back before any date",
        ),
        (
            "--since=-9223372036854775808s",
            "--since",
            "cannot be negative",
        ),
        ("--until=5é", "--until", "`é` is no unit"),
    ];
    for (arg, flag, want) in cases {
        let o = cli(dir.path(), &["logs", arg], None);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{arg}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(want) && err.contains(flag), "{arg}: {err}");

        let o = cli(dir.path(), &["logs", arg, "--json"], None);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{arg}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["error"]["kind"], "validation", "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], flag, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(want),
            "{v}"
        );
    }
}

/// Run `args` with stdout's read end closed before the CLI writes a byte.
fn closed_stdout(data: &Path, args: &[&str]) -> Output {
    let mut child = cmd(data, args).spawn().unwrap();
    drop(child.stdin.take());
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: Vec::new(),
        stderr: stderr.into_bytes(),
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_cli_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..5 {
        add_scim(
            &data,
            &format!("Conn {i}"),
            &format!("https://saas{i}.example.com/scim/v2"),
        );
    }
    for args in [
        &["snapshots", "Conn 1"][..],
        &["connections", "list"][..],
        &["connections", "list", "--json"][..],
        &["logs", "--since=é", "--json"][..],
    ] {
        let o = closed_stdout(&data, args);
        assert_no_panic(&o);
        let err = text(&o.stderr);
        assert!(
            !err.contains("Broken pipe") && !err.contains("failed printing"),
            "{args:?}: {err}"
        );
        assert_eq!(o.status.code(), Some(141), "{args:?}");
    }
    // `| head`: the reader takes one line and leaves.
    let mut child = cmd(&data, &["connections", "list"]).spawn().unwrap();
    drop(child.stdin.take());
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_no_panic(&o);
    assert!(matches!(o.status.code(), Some(0) | Some(141)), "{o:?}");
}

#[test]
fn a_huge_token_file_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let big = dir.path().join("token.txt");
    std::fs::write(&big, "a".repeat(1024 * 1024)).unwrap();
    let args = [
        "connections",
        "add",
        "--name",
        "Big",
        "--scim-url",
        "https://saas.example.com/scim/v2",
        "--scim-token-file",
        big.to_str().unwrap(),
    ];
    let o = cli(&data, &args, None);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("--scim-token-file") && err.contains("more than 16 KB"),
        "{err}"
    );
    assert!(!err.contains("aaaa"), "{err}");

    // From stdin, with --json.
    let mut args = args.to_vec();
    args[7] = "-";
    args.push("--json");
    let o = cli(&data, &args, Some("a".repeat(1024 * 1024).as_bytes()));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "--scim-token-file");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("more than 16 KB"));

    // Nothing was saved.
    let o = cli(&data, &["connections", "list", "--json"], None);
    assert_eq!(text(&o.stdout).trim(), "[]");
}

#[test]
fn a_token_that_is_only_bearer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(
        dir.path(),
        &[
            "connections",
            "add",
            "--name",
            "B",
            "--scim-url",
            "https://saas.example.com/scim/v2",
            "--scim-token-file",
            "-",
            "--json",
        ],
        Some(b"Bearer   \n"),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "scim_token", "{v}");
    assert!(v["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("only the word `Bearer`"));
}

/// A SCIM server on loopback that answers every request with 401 and a
/// SCIM error whose `detail` tries to retitle and clear the terminal.
fn hostile_scim_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "401",
                    "detail": "bad token\u{1b}]0;pwned\u{07}\u{1b}[2J\u{9b}31m\rFORGED",
                })
                .to_string();
                let resp = format!(
                    "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes());
            });
        }
    });
    format!("http://127.0.0.1:{port}/scim/v2")
}

#[test]
fn server_text_reaches_the_terminal_without_escape_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_scim(&data, "Hostile", &hostile_scim_server());
    let o = cli(&data, &["test-connection", "Hostile"], None);
    assert_no_panic(&o);
    let out = text(&o.stdout);
    // The server's words are shown …
    assert!(out.contains("bad token"), "{out}");
    assert!(out.contains("FORGED"), "{out}");
    // … but none of its controls.
    for bad in ['\u{1b}', '\u{07}', '\u{9b}', '\r'] {
        assert!(!out.contains(bad), "{bad:?} in {out:?}");
        assert!(!text(&o.stderr).contains(bad), "{bad:?} in stderr");
    }
    assert!(!out.contains("pwned"), "{out}");

    // --json keeps the text, escaped by serde: no raw ESC either.
    let o = cli(&data, &["test-connection", "Hostile", "--json"], None);
    let raw = text(&o.stdout);
    assert!(!raw.contains('\u{1b}'), "{raw}");
    let first_doc = raw.split("\n{\"error\"").next().unwrap();
    let v: serde_json::Value = serde_json::from_str(first_doc).unwrap();
    assert!(v["message"].as_str().unwrap().contains("\u{1b}]0;pwned"));
}

#[test]
fn moving_the_tenant_url_keeps_the_token_only_with_keep_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_scim(&data, "Acme", "https://acme.example.com/scim/v2");
    let secrets = || std::fs::read_to_string(data.join("secrets.json")).unwrap();
    let url = |data: &Path| {
        let o = cli(data, &["connections", "list", "--json"], None);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v[0]["scim"]["url"].as_str().unwrap().to_string()
    };

    // Refused: the stored token would go to the new host.
    let moved = [
        "connections",
        "update",
        "Acme",
        "--scim-url",
        "https://other.example.net/scim/v2",
    ];
    let o = cli(&data, &moved, None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("scim_token"), "{err}");
    assert!(err.contains("https://other.example.net/scim/v2"), "{err}");
    assert!(err.contains("--keep-secret"), "{err}");
    assert!(!err.contains("tok-hardening-1"), "{err}");
    assert_eq!(url(&data), "https://acme.example.com/scim/v2");

    // Kept when the admin confirms.
    let mut keep = moved.to_vec();
    keep.push("--keep-secret");
    let o = cli(&data, &keep, None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("Updated Acme"));
    assert_eq!(url(&data), "https://other.example.net/scim/v2");
    assert!(secrets().contains("tok-hardening-1"));

    // Replaced when a new token comes with the move.
    let o = cli(
        &data,
        &[
            "connections",
            "update",
            "Acme",
            "--scim-url",
            "https://third.example.org/scim/v2",
            "--scim-token-file",
            "-",
            "--json",
        ],
        Some(b"tok-hardening-2\n"),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(url(&data), "https://third.example.org/scim/v2");
    assert!(secrets().contains("tok-hardening-2") && !secrets().contains("tok-hardening-1"));

    // A change that moves nothing needs no confirmation.
    let o = cli(
        &data,
        &["connections", "update", "Acme", "--name", "Acme 2"],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(secrets().contains("tok-hardening-2"));
}
