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
