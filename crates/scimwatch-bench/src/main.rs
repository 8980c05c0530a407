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

fn main() -> ExitCode {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "BENCHMARKS.md".into());
    use scimwatch_bench::Size;
    let mut figures = vec![
        scimwatch_bench::tenant_generation(100_000, 2_000),
        scimwatch_bench::snapshot_diff(100_000),
    ];
    figures.extend(scimwatch_bench::graph::figures(Size::Full));
    figures.extend(scimwatch_bench::scim::figures(Size::Full));
    figures.extend(scimwatch_bench::idle::figures(Size::Full));
    let md = scimwatch_bench::report(&figures, &machine());
    print!("{md}");
    if let Err(e) = std::fs::write(&out, &md) {
        eprintln!("cannot write {out}: {e}");
        return ExitCode::from(2);
    }
    if figures.iter().all(|f| f.pass) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
