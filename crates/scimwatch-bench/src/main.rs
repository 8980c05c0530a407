//! `make bench`: run every benchmark at full size and write BENCHMARKS.md.

use std::process::ExitCode;

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    format!("{cores} cores, {mem} memory, {}", std::env::consts::ARCH)
}

const USAGE: &str =
    "usage: scimwatch-bench [--small] [--only core|graph|scim|scim-serial|process|fleet] [OUT.md]";

fn main() -> ExitCode {
    use scimwatch_bench::Size;
    let mut size = Size::Full;
    let mut only: Option<String> = None;
    let mut out = "BENCHMARKS.md".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--small" => size = Size::Small,
            "--only" => only = args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            s if s.starts_with('-') => {
                eprintln!("unknown option {s}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => out = a,
        }
    }
    let want = |group: &str| only.as_deref().is_none_or(|o| o == group);
    let small = size == Size::Small;
    let mut figures = Vec::new();
    if want("core") {
        figures.push(scimwatch_bench::tenant_generation(
            if small { 2_000 } else { 100_000 },
            if small { 50 } else { 2_000 },
        ));
        figures.push(scimwatch_bench::snapshot_diff(if small {
            2_000
        } else {
            100_000
        }));
    }
    if want("graph") {
        figures.extend(scimwatch_bench::graph::figures(size));
    }
    if want("scim") {
        figures.extend(scimwatch_bench::scim::figures(size));
    }
    if only.as_deref() == Some("scim-serial") {
        figures.push(scimwatch_bench::scim::serial_figure(size));
    }
    if want("process") {
        figures.extend(scimwatch_bench::idle::figures(size));
    }
    if want("fleet") {
        figures.extend(scimwatch_bench::fleet::figures(size));
    }
    let md = scimwatch_bench::report(&figures, &machine());
    print!("{md}");
    if let Err(e) = std::fs::write(&out, &md) {
        eprintln!("cannot write {out}: {e}");
        return ExitCode::from(2);
    }
    if small {
        // A correctness run: every figure must run; its numbers are not judged.
        return if figures.iter().any(|f| f.could_not_run()) {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    if figures.iter().all(|f| f.pass) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
