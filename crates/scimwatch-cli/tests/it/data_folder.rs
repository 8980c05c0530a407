//! The data folder on a shared host, with real `scimwatch-cli` processes:
//! private permissions, the secret store said truthfully, one `watch` per
//! data folder, one crawl per connection across processes, a read-only
//! folder (a real read-only bind mount in a private mount namespace, when
//! `unshare -m` is allowed, as for root in CI) and a full disk (a tiny tmpfs
//! in the same way). The engine's own tests cover the same read-only and
//! disk-full paths without mounts (`crates/scimwatch-engine/tests/data_folder.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use entra_sim::{ClockKind, Sim, SimConfig, SimHandle};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scimwatch-cli")
}

fn base_command(data: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("RUST_LOG", "warn");
    c
}

fn run(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = base_command(data)
        .args(args)
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

/// Off the async runtime (the simulator serves on it).
async fn cli(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let data = data.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let stdin = stdin.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&data, &args, stdin.as_deref())
    })
    .await
    .unwrap()
}

/// Run a command that must end on its own (a refused second watch or
/// crawl): killed and failed after 60 s instead of hanging the suite.
async fn cli_must_end(data: &Path, args: &[&str]) -> Output {
    let child = base_command(data)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let waiter = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    match tokio::time::timeout(Duration::from_secs(60), waiter).await {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{args:?} was not refused: still running after 60 s");
        }
    }
}

fn spawn(data: &Path, args: &[&str], logs: &Path, name: &str) -> Child {
    std::fs::create_dir_all(logs).unwrap();
    let out = std::fs::File::create(logs.join(format!("{name}.out"))).unwrap();
    let err = std::fs::File::create(logs.join(format!("{name}.err"))).unwrap();
    base_command(data)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Wait until the lock file `name` names `pid` (the holder writes it right
/// after taking the lock).
async fn wait_for_lock(data: &Path, name: &str, pid: u32, child: &mut Child) {
    let path = data.join("locks").join(name);
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if std::fs::read_to_string(&path).is_ok_and(|s| s.trim() == pid.to_string()) {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("process {pid} ended ({st}) before taking {name}");
        }
        assert!(Instant::now() < until, "{name} never held by {pid}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Ctrl-C and wait (SIGKILL after 20 s).
async fn interrupt(child: &mut Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if let Ok(Some(st)) = child.try_wait() {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    child.wait().unwrap()
}

async fn start_sim(users: usize, latency: Duration) -> SimHandle {
    let sim = Sim::start(SimConfig {
        clock: ClockKind::Manual(Some(chrono::Utc::now())),
        users,
        groups: 2,
        scim_latency: latency,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    sim
}

/// A SCIM-only connection named `Sim`, token from stdin.
async fn add_scim_connection(sim: &SimHandle, data: &Path) {
    let info = sim.info();
    let args = entra_sim::testing::cli_connection_args(&info, "Sim", None, true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = cli(data, &args, Some(&format!("{}\n", info.scim_token))).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn fresh_data_folder_is_private_and_info_names_the_file_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = dir.path().join("token");
    std::fs::write(&token, "secret-token-value-123").unwrap();
    let o = run(
        &data,
        &[
            "connections",
            "add",
            "--name",
            "Acme",
            "--scim-url",
            "https://scim.example.com/scim",
            "--scim-token-file",
            token.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("scimwatch.db")), 0o600);
    assert_eq!(mode(&data.join("secrets.json")), 0o600);
    for f in ["scimwatch.db-wal", "scimwatch.db-shm"] {
        if data.join(f).exists() {
            assert_eq!(mode(&data.join(f)), 0o600, "{f}");
        }
    }

    let o = run(&data, &["info"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("secret store  file"), "{out}");
    let secrets = data.join("secrets.json");
    assert!(
        out.contains(&format!("secrets file  {}", secrets.display())),
        "{out}"
    );
    let o = run(&data, &["info", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["secret_store"], "file");
    assert_eq!(v["secret_store_path"], secrets.display().to_string());

    // The list says where the token is: the file, not a keychain.
    let o = run(&data, &["connections", "list"], None);
    let out = text(&o.stdout);
    assert!(out.contains("token in secrets file"), "{out}");
    assert!(!out.contains("keychain"), "{out}");
    assert!(!out.contains("secret-token-value-123"), "{out}");
}

#[test]
fn an_upgraded_world_readable_data_folder_is_tightened_with_a_note_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // As an older version left it: 0755 folder, 0644 files.
    let o = run(&data, &["connections", "list"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::write(data.join("secrets.json"), b"{}").unwrap();
    std::fs::create_dir_all(data.join("exports")).unwrap();
    std::fs::write(data.join("exports/old.csv"), b"a,b\n").unwrap();
    for (p, m) in [
        (data.clone(), 0o755),
        (data.join("exports"), 0o755),
        (data.join("scimwatch.db"), 0o644),
        (data.join("secrets.json"), 0o644),
        (data.join("exports/old.csv"), 0o644),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let o = run(&data, &["connections", "list"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("restricted to you"), "{err}");
    assert!(err.contains("0755") && err.contains("0644"), "{err}");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("exports")), 0o700);
    for f in ["scimwatch.db", "secrets.json", "exports/old.csv"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    // Said once: nothing left to tighten the next time.
    let o = run(&data, &["connections", "list"], None);
    assert!(
        !text(&o.stderr).contains("restricted"),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_watch_on_the_same_data_folder_is_refused_and_the_first_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");
    let mut first = spawn(&data, &["watch"], &logs, "first");
    let pid = first.id();
    wait_for_lock(&data, "watch.lock", pid, &mut first).await;

    let o = cli_must_end(&data, &["watch"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "scimwatch is already watching this data folder (pid {pid})"
        )),
        "{err}"
    );
    let o = cli_must_end(&data, &["watch", "--json"]).await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "conflict", "{v}");
    // Another data folder is another watch.
    let other = dir.path().join("other");
    let mut elsewhere = spawn(&other, &["watch"], &logs, "elsewhere");
    wait_for_lock(&other, "watch.lock", elsewhere.id(), &mut elsewhere).await;
    interrupt(&mut elsewhere).await;

    // The refused ones did not disturb the first.
    assert!(first.try_wait().unwrap().is_none(), "the first watch ended");
    assert_eq!(
        std::fs::read_to_string(data.join("locks/watch.lock"))
            .unwrap()
            .trim(),
        pid.to_string()
    );
    // A crash leaves no stale lock: SIGKILL, and the next watch starts.
    first.kill().unwrap();
    first.wait().unwrap();
    let mut next = spawn(&data, &["watch"], &logs, "next");
    wait_for_lock(&data, "watch.lock", next.id(), &mut next).await;
    let st = interrupt(&mut next).await;
    assert!(st.success(), "{st}");
    assert_eq!(mode(&data.join("locks")), 0o700);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_crawl_of_a_connection_is_refused_without_touching_the_first() {
    let sim = start_sim(20, Duration::from_millis(120)).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");
    add_scim_connection(&sim, &data).await;
    let o = cli(&data, &["connections", "list", "--json"], None).await;
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let uuid = list[0]["id"].as_str().unwrap().to_string();
    let lock = format!("crawl-{uuid}.lock");

    // ~25 requests of 120 ms: a few seconds of crawling.
    let mut first = spawn(
        &data,
        &["crawl", "--sequential", "--page-size", "1", "--json"],
        &logs,
        "crawl1",
    );
    let pid = first.id();
    wait_for_lock(&data, &lock, pid, &mut first).await;

    let o = cli_must_end(&data, &["crawl", "Sim"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("a crawl of Sim is already running (pid {pid})")),
        "{err}"
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first crawl ended before the second was refused; make it slower"
    );
    // `--wait` waits for it instead, then crawls.
    let mut waiter = spawn(
        &data,
        &["crawl", "Sim", "--wait", "--json"],
        &logs,
        "waiter",
    );

    // The first finishes with a complete snapshot; the refused one left no
    // snapshot of its own and did not mark the first's `failed`.
    let st = tokio::task::spawn_blocking(move || first.wait().unwrap())
        .await
        .unwrap();
    assert!(
        st.success(),
        "{}",
        std::fs::read_to_string(logs.join("crawl1.err")).unwrap_or_default()
    );
    let until = Instant::now() + Duration::from_secs(120);
    let st = loop {
        if let Some(st) = waiter.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > until {
            let _ = waiter.kill();
            panic!("crawl --wait never finished");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let waited = std::fs::read_to_string(logs.join("waiter.err")).unwrap();
    assert!(st.success(), "{waited}");
    assert!(
        waited.contains(&format!(
            "waiting: a crawl of Sim is already running (pid {pid})"
        )),
        "{waited}"
    );
    // The first's snapshot and then the waiter's, both complete: the
    // refused crawl began none and marked nothing failed.
    let o = cli(&data, &["snapshots", "--json"], None).await;
    let snaps: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(snaps.len(), 2, "{snaps:?}");
    for s in &snaps {
        assert_eq!(s["state"], "complete", "{snaps:?}");
        assert_eq!(s["user_count"], sim.scim_contents().0.len());
    }
}

/// Whether this host lets a test make a private mount namespace (root in CI).
fn can_unshare() -> bool {
    Command::new("unshare")
        .args(["-m", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Run the CLI in a private mount namespace where `setup` (shell) has run
/// first; `$D` is the data folder.
fn run_mounted(data: &Path, setup: &str, args: &[&str]) -> Output {
    let mut script = format!("set -e; D='{}'; {setup}; exec \"$0\"", data.display());
    for (i, _) in args.iter().enumerate() {
        script.push_str(&format!(" \"${}\"", i + 1));
    }
    // `timeout`: a command that should have been refused never hangs the suite.
    let mut c = Command::new("timeout");
    c.args(["60", "unshare", "-m", "sh", "-c", &script, bin()])
        .args(args);
    c.env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    c.stdin(Stdio::null()).output().unwrap()
}

#[test]
fn a_read_only_data_folder_serves_reads_and_refuses_writes_clearly() {
    if !can_unshare() {
        eprintln!(
            "SKIP: no private mount namespace here (the engine test covers the read-only path)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = dir.path().join("token");
    std::fs::write(&token, "tok-abc").unwrap();
    let o = run(
        &data,
        &[
            "connections",
            "add",
            "--name",
            "Acme",
            "--scim-url",
            "https://scim.example.com/scim",
            "--scim-token-file",
            token.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let ro = "mount --bind \"$D\" \"$D\"; mount -o remount,bind,ro \"$D\"";

    let o = run_mounted(&data, ro, &["connections", "list", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["name"], "Acme");
    let o = run_mounted(&data, ro, &["info"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("read-only"), "{}", text(&o.stdout));

    let o = run_mounted(&data, ro, &["connections", "remove", "Acme"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("the data folder {} is read-only", data.display())),
        "{err}"
    );
    let o = run_mounted(&data, ro, &["watch"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("the data folder {} is read-only", data.display())),
        "{err}"
    );
    // Nothing was lost.
    let o = run(&data, &["connections", "list", "--json"], None);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["name"], "Acme");
}

#[test]
fn a_full_disk_says_disk_full_with_the_folder() {
    if !can_unshare() {
        eprintln!("SKIP: no private mount namespace here (the engine test covers SQLITE_FULL)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t".repeat(8000)).unwrap();
    // A 1 MB tmpfs over the data folder, filled up but for a few KB.
    let full = "mount -t tmpfs -o size=1m tmpfs \"$D\"; \
                dd if=/dev/zero of=\"$D/filler\" bs=4k 2>/dev/null || true; \
                rm -f \"$D/filler\"; dd if=/dev/zero of=\"$D/filler\" bs=1k count=860 2>/dev/null";
    let o = run_mounted(
        &data,
        full,
        &[
            "connections",
            "add",
            "--name",
            "Acme",
            "--scim-url",
            "https://scim.example.com/scim",
            "--scim-token-file",
            token.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success(), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("disk full"), "{err}");
    assert!(err.contains(&data.display().to_string()), "{err}");
    assert!(!err.contains("tttttttt"), "{err}");
}
