//! Shared by `serve.rs` and `prometheus_e2e.rs`: a simulated tenant with a
//! connection added through the real CLI, `scimwatch-cli serve` as a child
//! process, a minimal HTTP/1.1 client and an exposition-format reader.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use entra_sim::{ClockKind, Sim, SimConfig, SimHandle};

pub const BIN: &str = env!("CARGO_BIN_EXE_scimwatch-cli");

/// The families the issue asks for (each with a `connection` label).
pub const REQUIRED: &[(&str, &str)] = &[
    ("scimwatch_job_quarantined", "gauge"),
    ("scimwatch_job_stalled", "gauge"),
    ("scimwatch_job_last_cycle_end_timestamp_seconds", "gauge"),
    ("scimwatch_provisioning_events_total", "counter"),
    ("scimwatch_scim_up", "gauge"),
    ("scimwatch_scim_token_expiry_timestamp_seconds", "gauge"),
    ("scimwatch_incidents_open", "gauge"),
    ("scimwatch_graph_requests_total", "counter"),
];

/// `scimwatch-cli args` on `data` with the file secret store, `stdin` piped in.
pub fn cli(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("SCIMWATCH_DATA_DIR", data)
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
}

/// A simulated tenant (both sides) and a data folder with a connection
/// "Sim" to it, added by `scimwatch-cli connections add`.
pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub sim: Option<SimHandle>,
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt
            .block_on(Sim::start(SimConfig {
                clock: ClockKind::Manual(Some(chrono::Utc::now())),
                require_auth: true,
                ..SimConfig::for_tests()
            }))
            .unwrap();
        rt.block_on(sim.run_cycle());
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let info = sim.info();
        let secret_file = dir.path().join("client-secret");
        std::fs::write(&secret_file, &info.client_secret).unwrap();
        let mut args = entra_sim::testing::cli_connection_args(
            &info,
            "Sim",
            Some(entra_sim::testing::CliSignIn {
                mode: "client-secret",
                flag: "--client-secret-file",
                file: secret_file.to_str().unwrap(),
            }),
            true,
        );
        args.extend(["--token-expires".into(), "2099-12-31".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = cli(&data, &args, Some(&format!("{}\n", info.scim_token)));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Env {
            rt,
            sim: Some(sim),
            dir,
            data,
        }
    }

    pub fn sim(&self) -> &SimHandle {
        self.sim.as_ref().unwrap()
    }

    /// A quarantine: the SCIM token expired and a new hire gives the cycle work.
    pub fn quarantine(&self) {
        self.sim()
            .inject(entra_sim::Fault::ScimTokenExpired)
            .unwrap();
        self.sim().modify_tenant(|t, now| {
            t.add_user("New", "Hire", true, now);
        });
        self.rt.block_on(self.sim().run_cycle());
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

/// A running `scimwatch-cli serve`.
pub struct Served {
    pub child: Child,
    pub addr: String,
    stderr: mpsc::Receiver<String>,
}

/// Start `serve` with `args` (after `serve`) and wait for its address.
pub fn serve(data: &Path, args: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split([' ', '/']).next().unwrap().to_string();
                    return Served {
                        child,
                        addr,
                        stderr: rx,
                    };
                }
                seen.push(line);
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve printed no address: {seen:?}");
            }
        }
    }
}

impl Served {
    /// SIGTERM (systemd's stop) and the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("serve did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What serve wrote to stderr so far.
    pub fn stderr_so_far(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    pub fn get(&self, path: &str, bearer: Option<&str>) -> (u16, String) {
        request(&self.addr, "GET", path, bearer)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request (`Connection: close`): status and body.
pub fn request(addr: &str, method: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    (status, body.to_string())
}

/// Poll `f` every 200 ms until it returns `Some`, for at most `secs`.
pub fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// One sample of the exposition text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The exposition text read strictly: `# TYPE` per family, samples with
/// escaped label values. Panics on anything else.
pub fn parse_exposition(text: &str) -> (BTreeMap<String, String>, Vec<Sample>) {
    let mut types = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "{line}"
            );
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment: {line}");
        let name_end = line.find(['{', ' ']).unwrap();
        let name = &line[..name_end];
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(r) = rest.strip_prefix('{') {
            let mut chars = r.char_indices();
            let mut key = String::new();
            loop {
                let (i, c) = chars.next().unwrap();
                match c {
                    '}' => {
                        rest = &r[i + 1..];
                        break;
                    }
                    ',' => {}
                    '=' => {
                        assert_eq!(chars.next().unwrap().1, '"', "{line}");
                        let mut v = String::new();
                        loop {
                            match chars.next().unwrap().1 {
                                '\\' => match chars.next().unwrap().1 {
                                    'n' => v.push('\n'),
                                    c @ ('\\' | '"') => v.push(c),
                                    c => panic!("bad escape \\{c} in {line}"),
                                },
                                '"' => break,
                                c => v.push(c),
                            }
                        }
                        labels.insert(std::mem::take(&mut key), v);
                    }
                    c => key.push(c),
                }
            }
        }
        let value: f64 = rest.trim().parse().unwrap_or_else(|_| panic!("{line}"));
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    (types, samples)
}

/// `promtool check metrics` over `text` when promtool is installed; `None`
/// when it is not (allowed outside CI only).
pub fn promtool_check_metrics(text: &str) -> Option<Output> {
    if Command::new("promtool").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "promtool is missing in CI: scripts/install-deps.sh installs the Debian package prometheus"
        );
        eprintln!("\n!!! promtool not found: `promtool check metrics` SKIPPED (scripts/install-deps.sh test installs it) !!!\n");
        return None;
    }
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap())
}

/// Every `scimwatch_…` name in `text`.
pub fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("scimwatch_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        // Not part of a longer word (`my_scimwatch_x`).
        let before = rest[..i].chars().last();
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.insert(tail[..end].to_string());
        }
        rest = &tail[end.max(1)..];
    }
    out
}
