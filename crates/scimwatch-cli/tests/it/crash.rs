//! Crash safety: the real `scimwatch-cli` killed with SIGKILL at random
//! points, restarted, and the database checked.
//!
//! - `watch_survives_kill_9_during_log_backfill`: `watch` against a simulated
//!   tenant with many provisioning events, killed during the backfill N times,
//!   then left to finish. Integrity check ok; every event the simulator holds
//!   is stored exactly once (rows = distinct ids = the simulator's count).
//! - `crawl_survives_kill_9`: `crawl` of the simulator's SCIM target, killed
//!   at random points (from start-up to the final commit) N times. Integrity
//!   check ok; the last complete snapshot is intact (a diff against it gives
//!   exactly the changes made in the target); no partial snapshot is ever
//!   listed as `complete`.
//!
//! Sizes (`make test` defaults; `make soak` raises them):
//! `SCIMWATCH_CRASH_EVENTS` (20000), `SCIMWATCH_CRASH_KILLS` (3),
//! `SCIMWATCH_CRASH_USERS` (3000), `SCIMWATCH_CRASH_SEED` (random, printed).
//! Each test prints one machine-readable `CRASH …` line for the soak report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use entra_sim::{ClockKind, Sim, SimConfig, SimHandle};
use serde_json::Value;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::common::{add_sim_connection, Sides};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: enough randomness for kill points, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn from_env() -> Self {
        let seed = std::env::var("SCIMWATCH_CRASH_SEED")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            })
            .max(1);
        eprintln!("crash: SCIMWATCH_CRASH_SEED={seed}");
        Rng(seed)
    }
    fn seed(&self) -> u64 {
        self.0
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

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

/// Run the CLI to completion (off the async runtime: the simulator serves on it).
async fn cli(data: &Path, args: &[&str], stdin: Option<String>) -> Output {
    let data = data.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = base_command(&data)
            .args(&args)
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

/// Start the CLI in the background, output to files in `logs`.
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

/// SIGKILL (std's `Child::kill` on Unix) and reap.
fn kill9(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Ctrl-C, then SIGKILL if it has not stopped within `grace`.
async fn interrupt(child: &mut Child, grace: Duration) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill9(child);
}

async fn db(data: &Path) -> SqliteConnection {
    SqliteConnectOptions::new()
        .filename(data.join("scimwatch.db"))
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10))
        .disable_statement_logging()
        .connect()
        .await
        .unwrap()
}

/// Rows and distinct event ids stored (0, 0 before the database exists).
async fn event_counts(data: &Path) -> (i64, i64) {
    if !data.join("scimwatch.db").exists() {
        return (0, 0);
    }
    let mut c = db(data).await;
    let r: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT connection_id || '/' || event_id) FROM provisioning_events",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    r
}

/// `PRAGMA integrity_check` and `foreign_key_check`, with no process writing.
async fn assert_integrity(data: &Path, when: &str) {
    let mut c = db(data).await;
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![("ok".to_string(),)],
        "integrity_check {when}: {rows:?}"
    );
    let fk: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert!(fk.is_empty(), "foreign_key_check {when}: {fk:?}");
    c.close().await.unwrap();
}

async fn start_sim(users: usize) -> SimHandle {
    let sim = Sim::start(SimConfig {
        clock: ClockKind::Manual(Some(chrono::Utc::now())),
        require_auth: true,
        users,
        groups: 8,
        ..SimConfig::for_tests()
    })
    .await
    .unwrap();
    sim.run_cycle().await;
    sim
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(2000);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_survives_kill_9_during_log_backfill() {
    let events = env_num("SCIMWATCH_CRASH_EVENTS", 20_000) as usize;
    let kills = env_num("SCIMWATCH_CRASH_KILLS", 3);
    let mut rng = Rng::from_env();
    let seed = rng.seed();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");

    let sim = start_sim(20).await;
    sim.seed_events(events);
    let served = sim.event_count() as i64;
    assert!(served >= events as i64);
    add_sim_connection(&sim.info(), &data, dir.path(), Sides::Both).await;

    // Kill points: sorted random fractions of the backfill, each followed by
    // a random delay so the kill lands anywhere in fetch / parse / insert /
    // commit of the next page (or in start-up, migrations, discovery).
    let mut targets: Vec<i64> = (0..kills)
        .map(|_| (rng.below(1_000) as i64) * served / 1_000)
        .collect();
    targets.sort_unstable();
    let mut survived = 0u64;
    let mut kill_log = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let (before, _) = event_counts(&data).await;
        let mut child = spawn(&data, &["watch", "--json"], &logs, &format!("watch-{i}"));
        let started = Instant::now();
        loop {
            let (rows, _) = event_counts(&data).await;
            if rows >= *target || rows >= served {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "watch {i} exited by itself ({status}):\n{}",
                    tail(&logs.join(format!("watch-{i}.err")))
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "watch {i} made no progress to {target} (at {rows}):\n{}",
                tail(&logs.join(format!("watch-{i}.err")))
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.below(2_500))).await;
        kill9(&mut child);
        survived += 1;
        let (rows, distinct) = event_counts(&data).await;
        assert_eq!(rows, distinct, "duplicates after kill {i}");
        assert!(
            rows >= before,
            "events lost after kill {i}: {before} → {rows}"
        );
        assert!(rows <= served);
        assert_integrity(&data, &format!("after kill {i}")).await;
        kill_log.push(format!("{rows}"));
        eprintln!(
            "crash: kill {i} at {rows}/{served} events after {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    // Let it finish.
    let mut child = spawn(&data, &["watch", "--json"], &logs, "watch-final");
    let started = Instant::now();
    let mut last_change = (0, Instant::now());
    loop {
        let (rows, _) = event_counts(&data).await;
        if rows != last_change.0 {
            last_change = (rows, Instant::now());
        }
        if rows >= served {
            break;
        }
        assert!(
            last_change.1.elapsed() < Duration::from_secs(120),
            "the final watch stalled at {rows}/{served} events:\n{}",
            tail(&logs.join("watch-final.err"))
        );
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the final watch exited ({status}):\n{}",
                tail(&logs.join("watch-final.err"))
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One more poll round after the backfill re-reads the overlap window: still no duplicates.
    tokio::time::sleep(Duration::from_secs(3)).await;
    interrupt(&mut child, Duration::from_secs(20)).await;
    let secs = started.elapsed().as_secs_f64();
    sim.shutdown().await;

    assert_integrity(&data, "at the end").await;
    let (rows, distinct) = event_counts(&data).await;
    let lost = served - distinct;
    let duplicates = rows - distinct;
    assert_eq!(duplicates, 0, "duplicate events stored");
    assert_eq!(lost, 0, "events lost: {distinct} of {served} stored");
    // Every stored id is one the simulator served (no phantom rows).
    assert_eq!(rows, served);
    println!(
        "CRASH test=watch_logs kills={survived} events_served={served} rows={rows} distinct={distinct} \
         lost={lost} duplicates={duplicates} integrity=ok seed={seed} final_run_s={secs:.1} kill_points={}",
        kill_log.join(",")
    );
}

#[derive(Debug)]
enum KillAt {
    After(Duration),
    Done(u64),
    Phase(&'static str),
}

/// The crawl's last progress line on stderr (`\rusers    120/926 (in flight 2)`).
fn progress(path: &Path) -> (String, u64) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let last = text
        .rsplit(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut parts = last.split_whitespace();
    let phase = parts.next().unwrap_or_default().to_string();
    let done = parts
        .next()
        .and_then(|d| d.split('/').next())
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    (phase, done)
}

/// `snapshots --json`, oldest first.
async fn snapshots(data: &Path) -> Vec<Value> {
    let o = cli(data, &["snapshots", "--json"], None).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut list: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    list.reverse();
    list
}

async fn diff(data: &Path, a: i64, b: i64) -> Value {
    let o = cli(
        data,
        &["diff", &a.to_string(), &b.to_string(), "--json"],
        None,
    )
    .await;
    assert!(
        o.status.success(),
        "diff {a} {b}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Content hash by id of each resource in the simulator's SCIM target.
fn target_state(sim: &SimHandle) -> (HashMap<String, String>, HashMap<String, String>) {
    let (users, groups) = sim.scim_contents();
    let by_id = |list: Vec<Value>| {
        list.into_iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    scimwatch_core::scim::content_hash_hex(&r),
                )
            })
            .collect::<HashMap<_, _>>()
    };
    (by_id(users), by_id(groups))
}

fn changed(a: &HashMap<String, String>, b: &HashMap<String, String>) -> u64 {
    a.iter().filter(|(k, v)| b.get(*k) != Some(*v)).count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_survives_kill_9() {
    let users = env_num("SCIMWATCH_CRASH_USERS", 3_000) as usize;
    let kills = env_num("SCIMWATCH_CRASH_KILLS", 3);
    let mut rng = Rng::from_env();
    let seed = rng.seed();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");
    let sim = start_sim(users).await;
    add_sim_connection(&sim.info(), &data, dir.path(), Sides::ScimOnly).await;
    let (users0, groups0) = target_state(&sim);
    assert!(
        users0.len() > users / 2,
        "the cycle provisioned {}",
        users0.len()
    );

    // A first, complete snapshot.
    let crawl_args = ["crawl", "--json", "--sequential", "--page-size", "10"];
    let started = Instant::now();
    let o = cli(&data, &crawl_args, None).await;
    let full_crawl = started.elapsed();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = snapshots(&data).await;
    assert_eq!(list.len(), 1);
    let first = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["state"], "complete");
    assert_eq!(list[0]["user_count"], users0.len());
    assert_eq!(list[0]["group_count"], groups0.len());

    // Change the target, so killed crawls leave new versions behind.
    sim.modify_tenant(|t, _| {
        for i in (0..users as u32).step_by(7) {
            t.update_user(i, |u| {
                u.display_name = format!("{} (renamed)", u.display_name)
            });
        }
    });
    sim.run_cycle().await;
    let (users1, groups1) = target_state(&sim);
    let users_changed = changed(&users1, &users0);
    let groups_changed = changed(&groups1, &groups0);
    assert!(users_changed > 0);
    assert_eq!(users1.len(), users0.len());

    let check_listing = |list: &[Value], when: &str| {
        for s in list {
            let id = s["id"].as_i64().unwrap();
            match s["state"].as_str().unwrap() {
                "complete" => {
                    assert_eq!(s["user_count"], users1.len(), "snapshot {id} {when}: {s}");
                    assert_eq!(s["group_count"], groups1.len(), "snapshot {id} {when}: {s}");
                }
                "running" | "failed" => {
                    assert!(s["completed_at"].is_null() || s["state"] == "failed");
                }
                other => panic!("snapshot {id} {when}: unexpected state {other}"),
            }
        }
    };

    let mut survived = 0u64;
    let mut completed_before_kill = 0u64;
    let total = (users1.len() + groups1.len()) as u64;
    for i in 0..kills {
        let mut args = vec!["crawl", "--json", "--page-size", "10"];
        if rng.below(2) == 0 {
            args.push("--sequential");
        }
        let name = format!("crawl-{i}");
        let mut child = spawn(&data, &args, &logs, &name);
        // Where to kill: in start-up (a random delay), at a random point of
        // the crawl (its own progress line), or while it stores the snapshot.
        let started = Instant::now();
        let point = match rng.below(4) {
            0 => KillAt::After(Duration::from_millis(rng.below(300))),
            3 => KillAt::Phase("storing"),
            _ => KillAt::Done(rng.below(total)),
        };
        loop {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            let (phase, done) = progress(&logs.join(format!("{name}.err")));
            let now = match &point {
                KillAt::After(d) => started.elapsed() >= *d,
                KillAt::Done(n) => done >= *n || phase == "storing" || phase == "done",
                KillAt::Phase(p) => phase == *p || phase == "done",
            };
            if now {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "crawl {i} made no progress:\n{}",
                tail(&logs.join(format!("{name}.err")))
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.below(20))).await;
        let at = started.elapsed();
        let finished = matches!(child.try_wait(), Ok(Some(_)));
        kill9(&mut child);
        survived += 1;
        if finished {
            completed_before_kill += 1;
        }
        assert_integrity(&data, &format!("after crawl kill {i}")).await;
        let list = snapshots(&data).await;
        assert_eq!(list[0]["id"].as_i64(), Some(first));
        assert_eq!(
            list[0]["state"], "complete",
            "the first snapshot: {}",
            list[0]
        );
        assert_eq!(list[0]["user_count"], users0.len());
        // Earlier complete snapshots had the same counts (renames only).
        let rest: Vec<Value> = list[1..].to_vec();
        check_listing(&rest, &format!("after kill {i}"));
        eprintln!(
            "crash: crawl kill {i} ({point:?}) after {} ms ({} snapshots, finished: {finished})",
            at.as_millis(),
            list.len()
        );
    }

    // The first snapshot still reads back whole: a diff against itself is empty.
    let d = diff(&data, first, first).await;
    assert_eq!(d["counts"]["users_changed"], 0);

    // A last, uninterrupted crawl.
    let o = cli(&data, &crawl_args, None).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    sim.shutdown().await;
    assert_integrity(&data, "at the end").await;
    let list = snapshots(&data).await;
    let last = list.last().unwrap();
    let last_id = last["id"].as_i64().unwrap();
    assert_eq!(last["state"], "complete", "{last}");
    check_listing(&list[1..], "at the end");
    // Killed crawls are marked failed at the next start, never left running.
    for s in &list[1..list.len() - 1] {
        assert_ne!(s["state"], "running", "{s}");
    }
    // Every complete snapshot after the first holds exactly the renamed target.
    let mut complete = 0u64;
    for s in &list {
        if s["state"] != "complete" {
            continue;
        }
        complete += 1;
        let id = s["id"].as_i64().unwrap();
        let d = diff(&data, first, id).await;
        let c = &d["counts"];
        if id == first {
            continue;
        }
        assert_eq!(c["users_changed"], users_changed, "diff {first} {id}: {c}");
        assert_eq!(c["users_added"], 0, "diff {first} {id}: {c}");
        assert_eq!(c["users_removed"], 0, "diff {first} {id}: {c}");
        assert_eq!(
            c["groups_changed"], groups_changed,
            "diff {first} {id}: {c}"
        );
        assert_eq!(c["groups_added"], 0, "diff {first} {id}: {c}");
        assert_eq!(c["groups_removed"], 0, "diff {first} {id}: {c}");
    }
    let d = diff(&data, last_id, last_id).await;
    assert_eq!(d["counts"]["users_changed"], 0);
    let failed = list.iter().filter(|s| s["state"] == "failed").count();
    println!(
        "CRASH test=crawl kills={survived} users={} groups={} snapshots={} complete={complete} \
         failed={failed} completed_before_kill={completed_before_kill} partial_listed_complete=0 \
         integrity=ok seed={seed} full_crawl_ms={}",
        users1.len(),
        groups1.len(),
        list.len(),
        full_crawl.as_millis()
    );
}
