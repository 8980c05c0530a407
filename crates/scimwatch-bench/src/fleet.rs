//! Fleet figure (issue 21, item 4): one `scimwatch-cli serve` watching many
//! simulated tenants, each with many provisioning apps (`--all-apps`, one
//! connection per tenant), against one entra-sim process hosting them all
//! (in this process, so its work is not counted).
//!
//! Measured, in this order:
//! 1. the first full status: from starting `serve` until `/api/v1/status`
//!    shows a job state for every app (polled every second);
//! 2. over a steady window after that (`SCIMWATCH_BENCH_FLEET_SECS`): the
//!    serve's CPU share (`/proc/<pid>/stat`) and Graph requests per
//!    tenant-hour by endpoint, counted by entra-sim per tenant and endpoint;
//! 3. a quarantine injected in one tenant's job (the SCIM token expired and
//!    a cycle with work runs) until the webhook receiver gets the
//!    `incident.opened` alert;
//! 4. the serve's peak resident memory over the whole run (`VmHWM`);
//! 5. after the window, how long one `/api/v1/status` of every connection takes.
//!
//! The steady window starts once the first pass is over: every job has a
//! state and every app's configuration was read once (a schema read per
//! job counted by entra-sim). `report.rs` turns the measures into figures.
//!
//! The engine runs on wall-clock time, so the window is real time, not
//! simulated hours: the figure says how long it was.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entra_sim::{Fault, Sim, SimConfig, SimHandle};
use serde_json::Value;

use crate::idle::cpu_seconds;
use crate::{Figure, Size};

mod hook;
mod report;
use hook::Receiver;
use report::Measured;

/// The shape of a run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub tenants: usize,
    pub apps_per_tenant: usize,
    /// Latency entra-sim adds to every Graph request.
    pub graph_latency: Duration,
    /// The steady window (CPU, requests).
    pub window: Duration,
    /// `serve --poll-interval` (`None`: the settings' defaults).
    pub poll_interval: Option<Duration>,
    /// Longest wait for the first full status.
    pub first_status_limit: Duration,
}

impl Plan {
    pub fn for_size(size: Size) -> Self {
        match size {
            Size::Full => {
                let secs = std::env::var("SCIMWATCH_BENCH_FLEET_SECS")
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                    // 40 min: the window holds the configuration re-reads
                    // (every 30 min) as well as the jobs' and logs' (a
                    // 21-min window held none, so its CPU said too little).
                    .unwrap_or(2400);
                Self {
                    tenants: 100,
                    apps_per_tenant: 10,
                    graph_latency: Duration::from_millis(150),
                    window: Duration::from_secs(secs),
                    poll_interval: None,
                    first_status_limit: Duration::from_secs(600),
                }
            }
            Size::Small => Self {
                tenants: 3,
                apps_per_tenant: 2,
                graph_latency: Duration::from_millis(20),
                // Longer than the log interval: every endpoint kind shows.
                window: Duration::from_secs(60),
                // Shorter intervals do not make a steady job read sooner:
                // the tenant's budget stretches them (configurations cost
                // three requests an app each time).
                poll_interval: Some(Duration::from_secs(20)),
                first_status_limit: Duration::from_secs(120),
            },
        }
    }

    pub(crate) fn jobs(&self) -> usize {
        self.tenants * self.apps_per_tenant
    }

    /// How often the engine reads a steady job of this fleet: what a
    /// quarantine may wait before it is seen. The engine's own planner
    /// (core `fleet::plan_polls` within `FleetConfig`'s budget) on the
    /// settings' intervals (or `--poll-interval`).
    pub fn job_interval(&self) -> Duration {
        let cfg =
            scimwatch_engine::settings::poll_config(&scimwatch_core::settings::Settings::default());
        let (job, config, logs) = match self.poll_interval {
            Some(p) => (p, p, p),
            None => (cfg.job_every, cfg.config_every, cfg.logs_every),
        };
        let budget = cfg.fleet.budget(job, config, logs);
        scimwatch_core::fleet::plan_polls(&budget, self.apps_per_tenant, 0).steady_every
    }
}

/// Every fleet figure at `size`.
pub fn figures(size: Size) -> Vec<Figure> {
    run(&Plan::for_size(size))
}

fn missing(why: &str) -> Vec<Figure> {
    vec![Figure {
        name: format!("fleet (could not run: {why})"),
        value: 0.0,
        unit: "",
        baseline: None,
        target: "runs".into(),
        pass: false,
    }]
}

/// `scimwatch-cli` next to the running executable.
fn locate_cli() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let cli = dir.join("scimwatch-cli");
    if cli.exists() {
        Ok(cli)
    } else {
        Err(format!(
            "{} is not built (cargo build -p scimwatch-cli)",
            cli.display()
        ))
    }
}

/// Run the figure with `plan`.
pub fn run(plan: &Plan) -> Vec<Figure> {
    let cli = match locate_cli() {
        Ok(c) => c,
        Err(e) => return missing(&e),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return missing(&e.to_string()),
    };
    let sim = match rt.block_on(start_sim(plan)) {
        Ok(s) => s,
        Err(e) => return missing(&e),
    };
    let out = match tempfile::tempdir() {
        Ok(dir) => measure(plan, &cli, &rt, &sim, dir.path()).unwrap_or_else(|e| missing(&e)),
        Err(e) => missing(&e.to_string()),
    };
    rt.block_on(sim.shutdown());
    out
}

async fn start_sim(plan: &Plan) -> Result<SimHandle, String> {
    let sim = Sim::start(SimConfig {
        tenants: plan.tenants,
        extra_apps: plan.apps_per_tenant.saturating_sub(1),
        // A few users per app: the fleet's memory is the jobs', not the directory's.
        users: 3,
        groups: 1,
        graph_latency: plan.graph_latency,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    for i in 0..sim.tenant_count() {
        if let Some(t) = sim.tenant(i) {
            t.run_cycle().await;
        }
    }
    Ok(sim)
}

fn cli_cmd(cli: &Path, data: &Path) -> Command {
    let mut c = Command::new(cli);
    c.env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    c
}

fn run_cli(cli: &Path, data: &Path, args: &[&str], stdin: Option<&str>) -> Result<(), String> {
    let mut child = cli_cmd(cli, data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", cli.display()))?;
    if let Some(mut i) = child.stdin.take() {
        if let Some(s) = stdin {
            i.write_all(s.as_bytes()).map_err(|e| e.to_string())?;
        }
    }
    let o = child.wait_with_output().map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "scimwatch-cli {}: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

fn tenant_name(i: usize) -> String {
    format!("Tenant {:03}", i + 1)
}

/// One `--all-apps` connection per tenant, and the webhook channel.
fn prepare(cli: &Path, sim: &SimHandle, dir: &Path, hook: &str) -> Result<PathBuf, String> {
    let data = dir.join("data");
    for i in 0..sim.tenant_count() {
        let info = sim.tenant(i).ok_or("tenant vanished")?.info();
        let secret = dir.join(format!("secret-{i}"));
        std::fs::write(&secret, &info.client_secret).map_err(|e| e.to_string())?;
        let name = tenant_name(i);
        let args = [
            "connections",
            "add",
            "--name",
            &name,
            "--cloud",
            "custom",
            "--login-url",
            &info.login_url,
            "--graph-url",
            &info.graph_url,
            "--tenant",
            &info.tenant_id,
            "--client-id",
            &info.client_id,
            "--auth-mode",
            "client-secret",
            "--client-secret-file",
            secret.to_str().unwrap_or_default(),
            "--all-apps",
        ];
        run_cli(cli, &data, &args, None)?;
    }
    // Webhooks are signed (the receiver here does not check it).
    let signing = dir.join("signing-secret");
    std::fs::write(&signing, "bench-signing-secret-0123456789").map_err(|e| e.to_string())?;
    run_cli(
        cli,
        &data,
        &[
            "alerts",
            "add",
            "--name",
            "bench",
            "--kind",
            "webhook",
            "--url-file",
            "-",
            "--signing-secret-file",
            signing.to_str().unwrap_or_default(),
        ],
        Some(&format!("{hook}\n")),
    )?;
    Ok(data)
}

/// Kills the child when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_serve(cli: &Path, data: &Path, plan: &Plan) -> Result<(Reaped, String), String> {
    let mut c = cli_cmd(cli, data);
    c.args(["serve", "--listen", "127.0.0.1:0"]);
    if let Some(p) = plan.poll_interval {
        c.args(["--poll-interval", &format!("{}ms", p.as_millis())]);
    }
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let err = child.stderr.take().ok_or("no stderr")?;
    let child = Reaped(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if !sent {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split([' ', '/']).next().unwrap_or_default();
                    sent = tx.send(addr.to_string()).is_ok();
                }
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "serve printed no address within 60 s".to_string())?;
    Ok((child, addr))
}

/// GET `path` from serve (HTTP/1.1, `Connection: close`): the JSON body.
fn get_json(addr: &str, path: &str) -> Option<Value> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    serde_json::from_str(body).ok()
}

/// App connections (`<tenant> / <app>`) with a job state in the status.
fn apps_with_state(status: &Value) -> usize {
    status["connections"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| c["name"].as_str().is_some_and(|n| n.contains(" / ")))
                .filter(|c| c["entra"]["status_code"].is_string())
                .count()
        })
        .unwrap_or(0)
}

fn totals(sim: &SimHandle) -> BTreeMap<String, u64> {
    sim.graph_requests_totals()
}

/// Wait until the first pass's configuration reads are done (a schema
/// read counted for every job), at most `limit`: the steady window starts
/// after them. `None`: not within `limit`.
fn settle(
    sim: &SimHandle,
    before: &BTreeMap<String, u64>,
    jobs: usize,
    limit: Duration,
) -> Option<Duration> {
    let t0 = Instant::now();
    loop {
        let schemas: u64 = totals(sim)
            .iter()
            .filter(|(ep, _)| ep.ends_with("/schema"))
            .map(|(ep, n)| n.saturating_sub(before.get(ep).copied().unwrap_or(0)))
            .sum();
        if schemas >= jobs as u64 {
            return Some(t0.elapsed());
        }
        if t0.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn measure(
    plan: &Plan,
    cli: &Path,
    rt: &tokio::runtime::Runtime,
    sim: &SimHandle,
    dir: &Path,
) -> Result<Vec<Figure>, String> {
    let rx = Receiver::start()?;
    let data = prepare(cli, sim, dir, &rx.url)?;
    let jobs = plan.jobs();
    let at_start = totals(sim);
    let started = Instant::now();
    let (serve, addr) = start_serve(cli, &data, plan)?;
    let pid = serve.0.id();
    let mut m = Measured::default();

    // 1. The first full status.
    m.first_full = loop {
        if let Some(st) = get_json(&addr, "/api/v1/status") {
            m.seen = apps_with_state(&st);
            if m.seen >= jobs {
                break Some(started.elapsed());
            }
        }
        if started.elapsed() > plan.first_status_limit {
            break None;
        }
        std::thread::sleep(Duration::from_secs(1));
    };

    // 2. The steady window (once the first pass is done): CPU and Graph
    // requests by endpoint.
    m.settled = settle(sim, &at_start, jobs, plan.first_status_limit);
    let before = totals(sim);
    let cpu0 = cpu_seconds(pid).ok_or("serve exited")?;
    let t0 = Instant::now();
    while t0.elapsed() < plan.window {
        std::thread::sleep(Duration::from_millis(500).min(plan.window));
    }
    m.window = t0.elapsed();
    let wall = m.window.as_secs_f64();
    let cpu1 = cpu_seconds(pid).ok_or("serve exited during the window")?;
    let after = totals(sim);
    m.cpu_percent = (cpu1 - cpu0) / wall * 100.0;
    let tenant_hours = plan.tenants as f64 * wall / 3600.0;
    m.per_endpoint = after
        .iter()
        .map(|(ep, n)| {
            let d = n.saturating_sub(before.get(ep).copied().unwrap_or(0));
            (ep.clone(), d as f64 / tenant_hours)
        })
        .filter(|(_, r)| *r > 0.0)
        .collect();
    m.per_endpoint.sort_by(|a, b| b.1.total_cmp(&a.1));

    // The status of every connection, read a few times.
    m.status_read = (0..3)
        .map(|_| {
            let t = Instant::now();
            get_json(&addr, "/api/v1/status").map(|_| t.elapsed())
        })
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max());

    // 3. A quarantine injected → the alert received.
    let victim = plan.tenants / 2;
    m.victim = tenant_name(victim);
    let t = sim.tenant(victim).ok_or("no victim tenant")?;
    let already = rx.received().len();
    t.inject(Fault::ScimTokenExpired)
        .map_err(|e| e.to_string())?;
    // A new hire gives the cycle work, so it meets the expired token.
    t.modify_tenant(|t, now| {
        t.add_user("New", "Hire", true, now);
    });
    let injected = Instant::now();
    rt.block_on(t.run_cycle());
    m.quarantined = t.job_json()["status"]["code"] == "Quarantine";
    m.job_interval = plan.job_interval();
    m.alert_wait = m.job_interval + Duration::from_secs(130);
    let vname = m.victim.clone();
    m.alert = loop {
        let got = rx.received();
        let hit = got.iter().skip(already).find(|(_, v)| {
            v["type"] == "incident.opened" && v.to_string().contains(vname.as_str())
        });
        if let Some((at, _)) = hit {
            break Some(at.duration_since(injected));
        }
        if injected.elapsed() > m.alert_wait {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if m.alert.is_none() {
        m.received_meanwhile = rx
            .received()
            .iter()
            .skip(already)
            .map(|(_, v)| format!("{} {}", v["type"], v["incident"]["kind"]))
            .collect();
    }

    // 4. Peak resident memory over the whole run.
    m.peak_mib = proc_kib(pid, "VmHWM:").ok_or("serve exited")? as f64 / 1024.0;
    m.run = started.elapsed();
    drop(serve);
    Ok(report::figures(plan, &m))
}

fn proc_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
