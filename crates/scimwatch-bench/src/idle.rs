//! Process figures (issue 8, figures 5 and 6): idle monitoring CPU and memory,
//! and the desktop app's cold start.
//!
//! These run the real binaries next to the bench executable (`target/release`
//! under `make bench`, `target/debug` in `make test`): `scimwatch-cli watch`
//! against three simulated tenants (in this process, so their work is not
//! counted), and the desktop app on a private Xvfb display whose screen is
//! read back with ImageMagick's `import` until the web view has painted.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entra_sim::{Sim, SimConfig};

use crate::{Figure, Size};

/// Every process figure at `size`.
pub fn figures(size: Size) -> Vec<Figure> {
    let bins = match Binaries::locate() {
        Ok(b) => b,
        Err(e) => return vec![missing("idle monitoring and cold start", &e)],
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return vec![missing("idle monitoring", &e.to_string())],
    };
    let mut out = Vec::new();
    match rt.block_on(Tenants::start(3)) {
        Ok(tenants) => {
            match tenants.data_dir(&bins) {
                Ok(data) => {
                    out.extend(idle_engine(&bins, &data, size));
                    out.extend(desktop(&bins, &data, size));
                }
                Err(e) => out.push(missing("idle monitoring", &e)),
            }
            rt.block_on(tenants.shutdown());
        }
        Err(e) => out.push(missing("idle monitoring", &e)),
    }
    out
}

fn missing(what: &str, why: &str) -> Figure {
    Figure {
        name: format!("{what} (could not run: {why})"),
        value: 0.0,
        unit: "",
        baseline: None,
        target: "runs".into(),
        pass: false,
    }
}

/// The binaries measured, found next to the running bench executable.
pub struct Binaries {
    pub cli: PathBuf,
    pub app: PathBuf,
}

impl Binaries {
    pub fn locate() -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        // target/<profile>/scimwatch-bench or target/<profile>/deps/<test>.
        let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if dir.ends_with("deps") {
            dir.pop();
        }
        let cli = dir.join("scimwatch-cli");
        let app = dir.join("scimwatch");
        for b in [&cli, &app] {
            if !b.exists() {
                return Err(format!(
                    "{} is not built (make bench builds it)",
                    b.display()
                ));
            }
        }
        Ok(Self { cli, app })
    }
}

/// Simulated tenants, each with its built-in SCIM target, on loopback.
struct Tenants {
    sims: Vec<entra_sim::SimHandle>,
    dir: tempfile::TempDir,
}

impl Tenants {
    async fn start(n: usize) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut sims = Vec::new();
        for i in 0..n {
            let sim = Sim::start(SimConfig {
                seed: 100 + i as u64,
                users: 300,
                groups: 12,
                ..SimConfig::default()
            })
            .await
            .map_err(|e| e.to_string())?;
            sim.run_cycle().await;
            sims.push(sim);
        }
        Ok(Self { sims, dir })
    }

    /// A data directory holding one connection per tenant, added with the CLI.
    fn data_dir(&self, bins: &Binaries) -> Result<PathBuf, String> {
        let data = self.dir.path().join("data");
        for (i, sim) in self.sims.iter().enumerate() {
            let info = sim.info();
            let secret = self.dir.path().join(format!("secret-{i}"));
            std::fs::write(&secret, &info.client_secret).map_err(|e| e.to_string())?;
            let name = format!("Tenant {}", i + 1);
            let args = entra_sim::testing::cli_connection_args(
                &info,
                &name,
                Some(entra_sim::testing::CliSignIn {
                    mode: "client-secret",
                    flag: "--client-secret-file",
                    file: secret.to_str().unwrap_or_default(),
                }),
                true,
            );
            let mut child = cli(bins, &data)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?;
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                stdin
                    .write_all(info.scim_token.as_bytes())
                    .map_err(|e| e.to_string())?;
            }
            let o = child.wait_with_output().map_err(|e| e.to_string())?;
            if !o.status.success() {
                return Err(format!(
                    "connections add: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ));
            }
        }
        Ok(data)
    }

    async fn shutdown(self) {
        for s in self.sims {
            s.shutdown().await;
        }
        drop(self.dir);
    }
}

fn cli(bins: &Binaries, data: &Path) -> Command {
    let mut c = Command::new(&bins.cli);
    c.env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    c
}

/// Kills the child when dropped, so a failed figure leaves nothing running.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU time (user + system) of a process, in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A `/proc/<pid>/status` or `smaps_rollup` field in KiB.
fn proc_kib(pid: u32, file: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resident memory of one process, in MiB.
pub fn rss_mib(pid: u32) -> Option<f64> {
    proc_kib(pid, "status", "VmRSS:").map(|k| k as f64 / 1024.0)
}

/// `pid` and all its descendants.
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
                continue;
            };
            let ppid = stat
                .rfind(')')
                .and_then(|i| stat[i + 2..].split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(pp) = ppid {
                parent_of.push((p, pp));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let cur = tree[i];
        tree.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == cur)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

/// Proportional memory (shared pages split between their users) of a tree, MiB.
fn tree_pss_mib(pid: u32) -> f64 {
    process_tree(pid)
        .into_iter()
        .filter_map(|p| proc_kib(p, "smaps_rollup", "Pss:"))
        .sum::<u64>() as f64
        / 1024.0
}

struct Sample {
    cpu_percent: f64,
    max_rss_mib: f64,
}

/// Watch `pids` for `span` after `warmup`: CPU share and peak resident memory.
fn observe(pids: &[u32], warmup: Duration, span: Duration) -> Vec<Option<Sample>> {
    std::thread::sleep(warmup);
    let start = Instant::now();
    let cpu0: Vec<Option<f64>> = pids.iter().map(|p| cpu_seconds(*p)).collect();
    let mut max_rss = vec![0.0f64; pids.len()];
    while start.elapsed() < span {
        for (i, p) in pids.iter().enumerate() {
            if let Some(r) = rss_mib(*p) {
                max_rss[i] = max_rss[i].max(r);
            }
        }
        std::thread::sleep(Duration::from_millis(500).min(span));
    }
    let wall = start.elapsed().as_secs_f64();
    pids.iter()
        .enumerate()
        .map(|(i, p)| {
            let c0 = cpu0[i]?;
            let c1 = cpu_seconds(*p)?;
            Some(Sample {
                cpu_percent: (c1 - c0) / wall * 100.0,
                max_rss_mib: max_rss[i],
            })
        })
        .collect()
}

/// Figure 5: `scimwatch-cli watch` monitoring three connections, against the
/// same binary watching none, side by side over the same span.
fn idle_engine(bins: &Binaries, data: &Path, size: Size) -> Vec<Figure> {
    let (warmup, span) = match size {
        Size::Full => (Duration::from_secs(60), Duration::from_secs(600)),
        Size::Small => (Duration::from_secs(3), Duration::from_secs(4)),
    };
    let empty = data.with_file_name("empty-data");
    let spawn = |dir: &Path| {
        cli(bins, dir)
            .arg("watch")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Reaped)
    };
    let (watching, idle) = match (spawn(data), spawn(&empty)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return vec![missing("idle monitoring", &e.to_string())],
    };
    let samples = observe(&[watching.0.id(), idle.0.id()], warmup, span);
    drop((watching, idle));
    let (Some(w), Some(b)) = (&samples[0], &samples[1]) else {
        return vec![missing("idle monitoring", "a watch process exited early")];
    };
    let mins = span.as_secs_f64() / 60.0;
    vec![
        Figure {
            name: format!(
                "`watch` monitoring 3 connections for {mins:.1} min: engine CPU (after {} s warm-up)",
                warmup.as_secs()
            ),
            value: w.cpu_percent,
            unit: "%",
            baseline: Some(("`watch` with no connections".into(), b.cpu_percent)),
            target: "< 1 %".into(),
            pass: w.cpu_percent < 1.0,
        },
        Figure {
            name: format!("`watch` monitoring 3 connections for {mins:.1} min: peak resident memory"),
            value: w.max_rss_mib,
            unit: "MiB",
            baseline: Some(("`watch` with no connections".into(), b.max_rss_mib)),
            target: "< 60 MB".into(),
            pass: w.max_rss_mib < 60.0 * 1_000_000.0 / 1_048_576.0,
        },
    ]
}

/// A private Xvfb display, stopped when dropped.
struct Display {
    number: u32,
    _server: Reaped,
}

impl Display {
    fn start() -> Result<Self, String> {
        let number = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .ok_or("no free X display number")?;
        let server = Command::new("Xvfb")
            .arg(format!(":{number}"))
            .args(["-screen", "0", "1280x800x24", "-br", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("Xvfb: {e}"))?;
        let server = Reaped(server);
        let socket = format!("/tmp/.X11-unix/X{number}");
        let t = Instant::now();
        while !Path::new(&socket).exists() {
            if t.elapsed() > Duration::from_secs(10) {
                return Err("Xvfb did not start".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self {
            number,
            _server: server,
        })
    }

    fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// Distinct colours on a sample of the screen (a blank screen has one).
    fn colours(&self) -> Option<usize> {
        let o = Command::new("import")
            .args([
                "-display",
                &self.name(),
                "-window",
                "root",
                "-depth",
                "8",
                "rgb:-",
            ])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !o.status.success() || o.stdout.len() < 3 {
            return None;
        }
        Some(distinct_colours(&o.stdout))
    }
}

/// Distinct colours among every 7th pixel of raw RGB bytes.
pub fn distinct_colours(rgb: &[u8]) -> usize {
    rgb.chunks_exact(3)
        .step_by(7)
        .map(|p| (p[0], p[1], p[2]))
        .collect::<HashSet<_>>()
        .len()
}

/// Colours that mean the web view has drawn the app (text and icons are
/// anti-aliased, a bare window is one or two flat colours).
const PAINTED: usize = 24;

struct Launch {
    mapped: f64,
    painted: f64,
}

/// Start the app on `display` and time the first frame with a window and the
/// first frame with the UI painted.
fn launch(bins: &Binaries, data: &Path, display: &Display) -> Result<(Launch, Reaped), String> {
    let log_path = data.with_file_name("app-stderr.log");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let app = Command::new(&bins.app)
        .env("DISPLAY", display.name())
        .env("SCIMWATCH_DATA_DIR", data)
        .env("SCIMWATCH_SECRET_STORE", "file")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", bins.app.display()))?;
    let app = Reaped(app);
    let mut mapped = None;
    let mut last = None;
    loop {
        let elapsed = t.elapsed().as_secs_f64();
        if elapsed > 60.0 {
            let tail: String = std::fs::read_to_string(&log_path)
                .unwrap_or_default()
                .lines()
                .rfind(|l| l.contains("scimwatch") || l.contains("panic") || l.contains("rror"))
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            return Err(format!(
                "no first paint within 60 s (last screen read: {}; app said: {tail})",
                match last {
                    Some(c) => format!("{c} colours"),
                    None => "import failed".into(),
                }
            ));
        }
        let colours = display.colours();
        last = colours.or(last);
        if let Some(c) = colours {
            if c > 1 && mapped.is_none() {
                mapped = Some(elapsed);
            }
            if c >= PAINTED {
                let painted = t.elapsed().as_secs_f64();
                return Ok((
                    Launch {
                        mapped: mapped.unwrap_or(painted),
                        painted,
                    },
                    app,
                ));
            }
        }
    }
}

/// Figure 6 (cold start to first paint) and the desktop app's idle memory.
fn desktop(bins: &Binaries, data: &Path, size: Size) -> Vec<Figure> {
    let (runs, idle) = match size {
        Size::Full => (3, Duration::from_secs(60)),
        Size::Small => (1, Duration::from_secs(2)),
    };
    let display = match Display::start() {
        Ok(d) => d,
        Err(e) => return vec![missing("desktop app cold start", &e)],
    };
    let mut launches = Vec::new();
    let mut memory = None;
    for i in 0..runs {
        match launch(bins, data, &display) {
            Ok((l, app)) => {
                launches.push(l);
                if i + 1 == runs {
                    std::thread::sleep(idle);
                    memory = Some(tree_pss_mib(app.0.id()));
                }
            }
            Err(e) => return vec![missing("desktop app cold start", &e)],
        }
    }
    let median = |f: fn(&Launch) -> f64| {
        let mut v: Vec<f64> = launches.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let painted = median(|l| l.painted);
    let mapped = median(|l| l.mapped);
    let mut out = vec![Figure {
        name: format!("desktop app cold start to first paint under Xvfb (median of {runs})"),
        value: painted,
        unit: "s",
        baseline: Some((
            "until the window is mapped, before the web view draws".into(),
            mapped,
        )),
        target: "< 2 s".into(),
        pass: painted < 2.0,
    }];
    if let Some(pss) = memory {
        out.push(Figure {
            name: format!(
                "desktop app with 3 connections, idle {} s: memory of the app and its web view processes (PSS)",
                idle.as_secs()
            ),
            value: pss,
            unit: "MiB",
            baseline: None,
            target: "reported".into(),
            pass: true,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_counts_distinct_pixels() {
        assert_eq!(distinct_colours(&[0; 300]), 1);
        let mut v = vec![0u8; 3 * 70];
        for (i, px) in v.chunks_exact_mut(3).enumerate() {
            px[0] = i as u8;
        }
        assert_eq!(distinct_colours(&v), 10);
    }

    #[test]
    fn own_process_is_measured() {
        let me = std::process::id();
        assert!(cpu_seconds(me).is_some());
        assert!(rss_mib(me).is_some_and(|m| m > 0.0));
        assert_eq!(process_tree(me)[0], me);
    }
}
