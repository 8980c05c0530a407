//! Shared by the CLI tests that drive a simulated tenant: the real binary,
//! a data folder of the test's, the file secret store, no D-Bus session.

#![allow(clippy::unwrap_used)]

use std::process::Output;

/// Run `scimwatch-cli args` (with `stdin` piped in) off the async runtime.
pub async fn cli(data: &std::path::Path, args: &[&str], stdin: Option<String>) -> Output {
    let data = data.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_scimwatch-cli"))
            .args(&args)
            .env("SCIMWATCH_DATA_DIR", &data)
            .env("SCIMWATCH_SECRET_STORE", "file")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
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
    })
    .await
    .unwrap()
}

/// Which sides of the simulated tenant a test's connection watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    /// The SCIM endpoint only (token from stdin).
    ScimOnly,
    /// Both: the Entra side signs in with the client secret (from a file
    /// in `dir`), and the SCIM endpoint.
    Both,
}

/// `scimwatch-cli connections add` of a connection named "Sim" for the
/// simulated tenant `info`; fails the test with the CLI's stderr when it
/// is refused.
pub async fn add_sim_connection(
    info: &entra_sim::DemoInfo,
    data: &std::path::Path,
    dir: &std::path::Path,
    sides: Sides,
) {
    let secret_file = dir.join("client-secret");
    if sides == Sides::Both {
        std::fs::write(&secret_file, &info.client_secret).unwrap();
    }
    let sign_in = (sides == Sides::Both).then(|| entra_sim::testing::CliSignIn {
        mode: "client-secret",
        flag: "--client-secret-file",
        file: secret_file.to_str().unwrap(),
    });
    let args = entra_sim::testing::cli_connection_args(info, "Sim", sign_in, true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = cli(data, &args, Some(format!("{}\n", info.scim_token))).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
