//! SCIM-side figures (issue 8, figures 2 and 3): inventory crawl overhead,
//! adaptive concurrency against a slow server and against scim2-server, and
//! delta storage of snapshots.
//!
//! - 2a: crawl `n` users from the simulator's built-in SCIM target into a
//!   real SQLite file; the value is end-to-end throughput (server time
//!   included, so it understates the client's own overhead). Baseline: the
//!   same pages fetched one after the other with plain reqwest, body
//!   discarded.
//! - 2b: the same target answering every request after 100 ms; adaptive
//!   concurrency vs the same crawl one page at a time.
//! - 2c: `scim2-server` (one request at a time): adaptive vs one at a time
//!   over pairs of interleaved series, with an A/A baseline (see `serial`).
//! - 3b: bytes a 1 %-changed crawl adds to the SQLite file vs the first, full
//!   one (allocated pages after a WAL checkpoint, free pages excluded).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use entra_sim::{Sim, SimConfig, SimHandle};
use scimwatch_core::{ConnectionInput, Sensitive};
use scimwatch_engine::connections::{self, SecretsInput};
use scimwatch_engine::scim::crawl::{crawl_to_memory, MemoryInventory};
use scimwatch_engine::scim::{run_inventory, CancelFlag, CrawlConfig, CrawlMode, ScimClient};
use scimwatch_engine::secrets::MemoryStore;
use scimwatch_engine::{Engine, Store};
use serde_json::{json, Value};

use crate::{Figure, Size};

/// How big each figure runs.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    /// 2a / 3b: users in the simulator's target.
    crawl_users: usize,
    /// 2b: users behind the slow target.
    slow_users: usize,
    /// 2b: latency of every request.
    slow_latency: Duration,
    /// 2c: users seeded into scim2-server.
    s2s_users: usize,
    /// 2c: page size against scim2-server.
    s2s_page: u32,
    /// 2c: pairs (the target applies to the worst).
    s2s_runs: usize,
    /// 2c: crawls per series inside one pair, interleaved; the pair
    /// compares each series' mean of its fastest third (noise only ever
    /// adds time).
    s2s_reps: usize,
}

impl Sizes {
    fn of(size: Size) -> Self {
        match size {
            Size::Full => Self {
                crawl_users: 100_000,
                slow_users: 20_000,
                slow_latency: Duration::from_millis(100),
                s2s_users: 2_000,
                s2s_page: 100,
                // 3 × 24 × 3 = 216 crawls, as 6 × 12 × 3 before: fewer,
                // longer pairs, each resolving well under the 5 % margin.
                s2s_runs: 3,
                s2s_reps: 24,
            },
            Size::Small => Self {
                crawl_users: 2_000,
                slow_users: 500,
                slow_latency: Duration::from_millis(100),
                s2s_users: 120,
                s2s_page: 25,
                s2s_runs: 1,
                s2s_reps: 1,
            },
        }
    }
}

/// Page size of figures 2a/2b (the crawl's default).
const PAGE: u32 = 100;

/// Every SCIM-side figure at `size`. A figure that cannot be measured is
/// reported as a failed figure naming the error.
pub fn figures(size: Size) -> Vec<Figure> {
    run(size)
        .into_iter()
        .map(|r| r.unwrap_or_else(|(name, e)| failed(name, e)))
        .collect()
}

/// Every SCIM-side figure at `size`, or for each one why it could not be
/// measured (a correctness check failed, a server did not start…).
pub fn run(size: Size) -> Vec<Result<Figure, (String, String)>> {
    let sizes = Sizes::of(size);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return vec![Err(("SCIM figures".into(), e.to_string()))],
    };
    rt.block_on(async {
        let mut out = Vec::new();
        match crawl_and_delta(sizes.crawl_users).await {
            Ok([a, b]) => {
                out.push(Ok(a));
                out.push(Ok(b));
            }
            Err(e) => out.push(Err(("2a/3b: inventory crawl and delta storage".into(), e))),
        }
        out.push(
            slow_server(sizes.slow_users, sizes.slow_latency)
                .await
                .map_err(|e| ("2b: adaptive concurrency on a slow server".into(), e)),
        );
        out.push(serial(&sizes).await);
        out
    })
}

async fn serial(sizes: &Sizes) -> Result<Figure, (String, String)> {
    crate::serial::figure(
        sizes.s2s_users,
        sizes.s2s_page,
        sizes.s2s_runs,
        sizes.s2s_reps,
    )
    .await
    .map_err(|e| ("2c: adaptive concurrency against scim2-server".into(), e))
}

/// Figure 2c alone (`--only scim-serial`): the figure issue 22 asks to be
/// run five times.
pub fn serial_figure(size: Size) -> Figure {
    let sizes = Sizes::of(size);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ("SCIM figures".to_string(), e.to_string()))
        .and_then(|rt| rt.block_on(serial(&sizes)));
    result.unwrap_or_else(|(name, e)| failed(name, e))
}

fn failed(name: String, error: String) -> Figure {
    Figure {
        name: format!("{name} — not measured: {error}"),
        value: f64::NAN,
        unit: "",
        baseline: None,
        target: "measured".into(),
        pass: false,
    }
}

pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A realistic Entra-provisioned user (about 700 bytes of JSON once stamped).
pub(crate) fn bench_user(i: usize, title: &str) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": format!("{:08x}-5c1a-4d2b-9e0f-{i:012}", i),
        "userName": format!("user{i}@contoso.example"),
        "active": true,
        "displayName": format!("User {i}"),
        "title": title,
        "name": {"givenName": "User", "familyName": format!("{i}"), "formatted": format!("User {i}")},
        "emails": [{"value": format!("user{i}@contoso.example"), "type": "work", "primary": true}],
        "addresses": [{"type": "work", "country": "NL", "locality": "Amsterdam"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": format!("Department {}", i % 40),
            "employeeNumber": format!("{i}")
        }
    })
}

/// A simulator whose built-in target holds `users` users (seeded directly).
async fn seeded_sim(users: usize, latency: Duration) -> Result<SimHandle, String> {
    let sim = Sim::start(SimConfig {
        users: 2,
        groups: 1,
        start_job: false,
        scim_latency: latency,
        ..SimConfig::for_tests()
    })
    .await
    .map_err(err)?;
    let n = sim.modify_scim(|s, now, base| {
        s.insert_users((0..users).map(|i| bench_user(i, "Engineer")), now, base)
    });
    if n != users {
        return Err(format!("seeded {n} users, wanted {users}"));
    }
    Ok(sim)
}

async fn engine_in(dir: &std::path::Path) -> Result<Engine, String> {
    let store = Store::open_in(dir).await.map_err(err)?;
    Ok(Engine::from_parts(
        store,
        std::sync::Arc::new(MemoryStore::new()),
        dir.to_path_buf(),
    ))
}

async fn add_connection(engine: &Engine, url: &str, token: &str) -> Result<String, String> {
    let input = ConnectionInput {
        name: "Bench".into(),
        scim_url: Some(url.into()),
        ..ConnectionInput::default()
    };
    let secrets = SecretsInput {
        scim_token: Some(Sensitive::new(token.into())),
        client_secret: None,
        client_certificate: None,
    };
    Ok(connections::add(
        &engine.store,
        engine.secrets.as_ref(),
        &input,
        &secrets,
        Utc::now(),
    )
    .await
    .map_err(err)?
    .connection
    .id)
}

/// Raw sequential GETs of the pages a crawl reads, body read and discarded.
async fn raw_pages(url: &str, token: &str, total: usize, page: u32) -> Result<Duration, String> {
    let http = reqwest::Client::new();
    let t = Instant::now();
    let mut start = 1usize;
    let mut bytes = 0usize;
    while start <= total {
        let r = http
            .get(format!("{url}/Users?startIndex={start}&count={page}"))
            .bearer_auth(token)
            .header("accept", "application/scim+json, application/json")
            .send()
            .await
            .map_err(err)?;
        if !r.status().is_success() {
            return Err(format!("raw GET answered {}", r.status()));
        }
        bytes += r.bytes().await.map_err(err)?.len();
        start += page as usize;
    }
    let took = t.elapsed();
    if bytes == 0 {
        return Err("raw GETs read nothing".into());
    }
    Ok(took)
}

/// Bytes the database occupies: allocated pages (free pages excluded) after
/// moving the WAL into the main file.
async fn db_bytes(engine: &Engine) -> Result<u64, String> {
    let pool = engine.store.pool();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
        .map_err(err)?;
    let pragma = |name: &'static str| async move {
        let (v,): (i64,) = sqlx::query_as(&format!("PRAGMA {name}"))
            .fetch_one(pool)
            .await
            .map_err(err)?;
        Ok::<u64, String>(u64::try_from(v).unwrap_or(0))
    };
    let pages = pragma("page_count").await?;
    let free = pragma("freelist_count").await?;
    let size = pragma("page_size").await?;
    Ok(pages.saturating_sub(free) * size)
}

async fn versions_stored(engine: &Engine) -> Result<(u64, u64), String> {
    let (rows, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT scim_id) FROM scim_versions")
            .fetch_one(engine.store.pool())
            .await
            .map_err(err)?;
    Ok((
        u64::try_from(rows).unwrap_or(0),
        u64::try_from(distinct).unwrap_or(0),
    ))
}

const MB: f64 = 1024.0 * 1024.0;

/// 2a and 3b: crawl `n` users into SQLite, then again with 1 % changed.
async fn crawl_and_delta(n: usize) -> Result<[Figure; 2], String> {
    let sim = seeded_sim(n, Duration::ZERO).await?;
    let info = sim.info();
    let dir = tempfile::tempdir().map_err(err)?;
    let engine = engine_in(dir.path()).await?;
    let conn = add_connection(&engine, &info.scim_url, &info.scim_token).await?;
    let cfg = CrawlConfig {
        page_size: PAGE,
        ..CrawlConfig::default()
    };

    // Warm both sides up (connections, allocator), then the baseline.
    raw_pages(&info.scim_url, &info.scim_token, 1000.min(n), PAGE).await?;
    let raw = raw_pages(&info.scim_url, &info.scim_token, n, PAGE).await?;

    let before = db_bytes(&engine).await?;
    let t = Instant::now();
    let first = run_inventory(&engine, &conn, &cfg, None, &CancelFlag::new(), Utc::now())
        .await
        .map_err(err)?;
    let took = t.elapsed();
    let after_full = db_bytes(&engine).await?;
    let users = first.stats.first();
    if first.users as usize != n
        || !first.full
        || first.versions_written as usize != n
        || users.is_none_or(|s| s.received as usize != n || s.duplicates != 0)
        || versions_stored(&engine).await? != (n as u64, n as u64)
    {
        return Err(format!(
            "first crawl did not store each of the {n} users exactly once: {first:?}"
        ));
    }

    // 3b: 1 % changed.
    let changed = sim.modify_scim(|s, now, base| {
        s.modify_users(
            |i, u| {
                if i % 100 == 0 {
                    u["title"] = json!("Manager");
                    true
                } else {
                    false
                }
            },
            now,
            base,
        )
    });
    let second = run_inventory(&engine, &conn, &cfg, None, &CancelFlag::new(), Utc::now())
        .await
        .map_err(err)?;
    let after_delta = db_bytes(&engine).await?;
    if second.full
        || second.users as usize != n
        || second.changes as usize != changed
        || second.versions_written as usize != changed
    {
        return Err(format!(
            "second crawl is not a {changed}-change delta: {second:?}"
        ));
    }
    sim.shutdown().await;

    let rate = n as f64 / took.as_secs_f64();
    let raw_rate = n as f64 / raw.as_secs_f64();
    let crawl = Figure {
        name: format!(
            "2a: SCIM inventory crawl of {n} users from entra-sim into SQLite (page {PAGE}, \
             adaptive, max {} in flight) — end-to-end throughput, server time included",
            cfg.max_in_flight
        ),
        value: rate,
        unit: "users/s",
        baseline: Some((
            "raw sequential GETs of the same pages with reqwest, body discarded".into(),
            raw_rate,
        )),
        target: "≥ 50000 users/s".into(),
        pass: rate >= 50_000.0,
    };
    let full_bytes = after_full.saturating_sub(before) as f64;
    let delta_bytes = after_delta.saturating_sub(after_full) as f64;
    let delta = Figure {
        name: format!(
            "3b: bytes a crawl of {n} users with 1 % changed adds to the SQLite file \
             (allocated pages after a WAL checkpoint)"
        ),
        value: delta_bytes / MB,
        unit: "MB",
        baseline: Some(("bytes the first, full crawl added".into(), full_bytes / MB)),
        target: "< 10 % of the full snapshot".into(),
        pass: full_bytes > 0.0 && delta_bytes < full_bytes * 0.10,
    };
    Ok([crawl, delta])
}

fn unique(inv: &MemoryInventory) -> usize {
    inv.users
        .iter()
        .map(|u| &u.id)
        .collect::<HashSet<_>>()
        .len()
}

/// One in-memory crawl of users only; checks each of `n` users came once.
pub(crate) async fn timed_crawl(
    client: &ScimClient,
    cfg: &CrawlConfig,
    n: usize,
) -> Result<(Duration, u32), String> {
    let t = Instant::now();
    let (inv, run) = crawl_to_memory(client, cfg, None, &CancelFlag::new())
        .await
        .map_err(err)?;
    let took = t.elapsed();
    if inv.users.len() != n || unique(&inv) != n {
        return Err(format!(
            "{:?} crawl read {} users ({} distinct), wanted each of {n} once",
            cfg.mode,
            inv.users.len(),
            unique(&inv)
        ));
    }
    let max_in_flight = run.stats.first().map_or(0, |s| s.max_in_flight);
    Ok((took, max_in_flight))
}

pub(crate) fn users_only(page: u32, mode: CrawlMode) -> CrawlConfig {
    let d = CrawlConfig::default();
    CrawlConfig {
        page_size: page,
        include_groups: false,
        mode,
        max_in_flight: if mode == CrawlMode::Sequential {
            1
        } else {
            d.max_in_flight
        },
        ..d
    }
}

/// 2b: adaptive vs one page at a time against a target that answers every
/// request after `latency`.
async fn slow_server(n: usize, latency: Duration) -> Result<Figure, String> {
    let sim = seeded_sim(n, latency).await?;
    let info = sim.info();
    let client = ScimClient::new(
        &info.scim_url,
        &Sensitive::new(info.scim_token.clone()),
        Default::default(),
    )
    .map_err(err)?;
    let (seq, _) = timed_crawl(&client, &users_only(PAGE, CrawlMode::Sequential), n).await?;
    let adaptive_cfg = users_only(PAGE, CrawlMode::Adaptive);
    let (par, reached) = timed_crawl(&client, &adaptive_cfg, n).await?;
    sim.shutdown().await;
    let rate = n as f64 / par.as_secs_f64();
    let base = n as f64 / seq.as_secs_f64();
    Ok(Figure {
        name: format!(
            "2b: crawl of {n} users (page {PAGE}) from entra-sim answering each request after \
             {} ms — adaptive (max {}, reached {reached} in flight)",
            latency.as_millis(),
            adaptive_cfg.max_in_flight
        ),
        value: rate,
        unit: "users/s",
        baseline: Some(("the same crawl with concurrency 1".into(), base)),
        target: "≥ 6× sequential".into(),
        pass: rate >= 6.0 * base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Small sizes: correctness of each figure (every user crawled exactly
    // once, the delta is a delta), never its numbers.
    #[test]
    fn scim_figures_run_small() {
        let results = run(Size::Small);
        assert_eq!(results.len(), 4);
        for r in &results {
            match r {
                Ok(f) => assert!(f.value.is_finite() && f.value >= 0.0, "{f:?}"),
                Err((name, e)) => panic!("{name}: {e}"),
            }
        }
        let md = crate::report(&figures_of(results), "test");
        assert!(md.contains("| 2a: SCIM inventory crawl of 2000 users"));
    }

    fn figures_of(r: Vec<Result<Figure, (String, String)>>) -> Vec<Figure> {
        r.into_iter().filter_map(Result::ok).collect()
    }
}
