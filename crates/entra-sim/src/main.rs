//! `entra-sim --demo`: a small simulated Entra tenant on loopback.

use std::io::Write as _;

use anyhow::Context as _;
use clap::Parser;
use entra_sim::{ClockKind, Sim, SimConfig};

/// A simulated Microsoft Entra ID tenant (Graph, sign-in, provisioning, SCIM target) on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "entra-sim", version, about)]
struct Args {
    /// Serve a small demo tenant provisioning into the built-in SCIM target.
    #[arg(long)]
    demo: bool,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Number of users.
    #[arg(long, default_value_t = 25)]
    users: usize,
    /// Number of groups.
    #[arg(long, default_value_t = 4)]
    groups: usize,
    /// Schedule interval (ISO-8601 duration).
    #[arg(long, default_value = "PT1M")]
    interval: String,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run the simulated clock this many times faster than real time.
    #[arg(long)]
    time_scale: Option<f64>,
    /// Let Graph answer without a bearer token.
    #[arg(long)]
    no_auth: bool,
    /// More provisioning apps in the tenant (each with its own job; for
    /// `scimwatch-cli connections add --all-apps`).
    #[arg(long, default_value_t = 0)]
    extra_apps: usize,
    /// Serve this many tenants (the token endpoint's `/{tenant}/` picks one;
    /// `GET /_sim/tenants` lists them).
    #[arg(long, default_value_t = 1)]
    tenants: usize,
    /// Provisioning apps per tenant, the demo app included (each with its
    /// own job); instead of --extra-apps.
    #[arg(long, conflicts_with = "extra_apps")]
    apps_per_tenant: Option<usize>,
    /// Latency added to every Graph request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    graph_latency_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.demo {
        anyhow::bail!("nothing to do: run `entra-sim --demo` (see --help)");
    }
    let interval = entra_sim::clock::parse_iso_duration(&args.interval)
        .and_then(|d| d.to_std().ok())
        .filter(|d| !d.is_zero())
        .with_context(|| {
            format!(
                "--interval {:?} is not an ISO-8601 duration such as PT1M",
                args.interval
            )
        })?;
    let clock = match args.time_scale {
        Some(s) if s.is_finite() && s > 0.0 && s != 1.0 => ClockKind::Scaled(s),
        Some(s) if !(s.is_finite() && s > 0.0) => {
            anyhow::bail!("--time-scale must be a positive number")
        }
        _ => ClockKind::Real,
    };
    if args.tenants == 0 {
        anyhow::bail!("--tenants must be at least 1");
    }
    let extra_apps = match args.apps_per_tenant {
        Some(0) => anyhow::bail!("--apps-per-tenant must be at least 1 (the demo app)"),
        Some(n) => n - 1,
        None => args.extra_apps,
    };
    let config = SimConfig {
        seed: args.seed,
        users: args.users,
        groups: args.groups,
        interval,
        port: args.port,
        clock,
        require_auth: !args.no_auth,
        churn_per_cycle: 2,
        extra_apps,
        tenants: args.tenants,
        graph_latency: std::time::Duration::from_millis(args.graph_latency_ms),
        ..SimConfig::default()
    };
    let sim = Sim::start(config).await.context("starting the simulator")?;
    let line = serde_json::to_string(&sim.info())?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    if sim.tenant_count() > 1 {
        eprintln!(
            "entra-sim: {} tenants; the line above is the first, GET {}/_sim/tenants lists all",
            sim.tenant_count(),
            sim.base_url()
        );
    }
    eprintln!("entra-sim: serving on {} (Ctrl-C to stop)", sim.base_url());
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
