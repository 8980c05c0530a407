//! Inventory crawl: every user and group (with members), stored as a delta
//! snapshot.
//!
//! Paging advances `startIndex` by the number of resources actually returned
//! (servers may return fewer than `count`), de-duplicates by `id`, caps the
//! number of pages, and stops on a server that ignores `startIndex` (the same
//! page twice) instead of looping. Once `totalResults` is known, further
//! pages are fetched with an adaptive limit (core's `scim::aimd`): it first
//! compares requests sent alone with pairs sent together and stays at two
//! or fewer until a pair is answered clearly faster than two alone (a
//! server that serves one request at a time is then crawled one at a time);
//! after that AIMD up to [`CrawlConfig::max_in_flight`], halved on 429/5xx
//! or when latency grows, back to one at the first sign of queueing. What a
//! crawl learnt about the server carries over to its next crawl
//! ([`super::server_memory`]).
//! [`CrawlMode::Sequential`] pages one
//! request at a time (for comparison). Progress goes out on a `watch`
//! channel; a [`CancelFlag`] stops the crawl, leaving no complete snapshot.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use scimwatch_core::scim::{parse_list_page, parse_scim_error, Deviation, ListRequest};
use tokio::sync::{mpsc, watch};

use super::client::{ScimClient, TransportError};
use super::discover::{ComplianceFinding, Evidence};
use super::error::ScimError;
use crate::store::inventory::ResourceType;

mod parallel;
mod registry;
mod signals;
mod snapshot;
mod types;

pub use registry::{CrawlOrigin, CrawlProgressEvent, CrawlRegistry};
pub use signals::{CancelFlag, CrawlProgress};
pub use snapshot::{cancel, run_inventory, run_inventory_as, run_inventory_reporting};
pub use types::{Batch, CrawlConfig, CrawlMode, CrawlOutcome, CrawlRun, CrawlStats, Item};

struct Page {
    start: u64,
    /// Resources on the page (with or without an id).
    returned: u64,
    items: Vec<Item>,
    total: Option<u64>,
    deviations: Vec<Deviation>,
    latency: Duration,
    throttled: u32,
    url: String,
    excerpt: String,
}

impl Page {
    /// The page's request and answer, as a finding shows them.
    fn evidence(&self) -> Evidence {
        Evidence {
            request: format!("GET {}", self.url),
            status: Some(200),
            response_excerpt: self.excerpt.clone(),
        }
    }
}

enum PageError {
    /// Worth retrying (5xx, 429 after retries, timeout).
    Retryable(String),
    Fatal(ScimError),
}

fn endpoint(rt: ResourceType) -> &'static str {
    match rt {
        ResourceType::User => "Users",
        ResourceType::Group => "Groups",
    }
}

async fn fetch_page(
    client: &ScimClient,
    rt: ResourceType,
    start: u64,
    count: u64,
) -> Result<Page, PageError> {
    let s = start.to_string();
    let c = count.to_string();
    let url = client.url_for(endpoint(rt), &[("startIndex", &s), ("count", &c)]);
    let resp = match client.get_url(&url).await {
        Ok(r) => r,
        Err(TransportError::Timeout(m)) => return Err(PageError::Retryable(m)),
        Err(e) => return Err(PageError::Fatal(e.into())),
    };
    let status = resp.status;
    if status == 429 || status >= 500 {
        return Err(PageError::Retryable(format!("HTTP {status} for {url}")));
    }
    if status != 200 {
        let (verdict, msg) = super::test_connection::judge(&resp, false);
        let detail = parse_scim_error(&resp.body).and_then(|e| e.detail);
        let msg = format!(
            "{msg} (while listing {} at startIndex {start}{})",
            endpoint(rt),
            detail.map(|d| format!(": {d}")).unwrap_or_default()
        );
        let msg = client.scrub(&msg);
        return Err(PageError::Fatal(if verdict.blames_token() {
            ScimError::Auth(msg)
        } else {
            ScimError::Protocol(msg)
        }));
    }
    let body = resp.body;
    let content_type = resp.content_type.clone();
    let latency = resp.latency;
    let throttled = resp.throttled;
    // Each resource's text as sent, id and content hash, read from the body
    // without building a JSON tree per resource.
    let parsed = parse_list_page(
        &body,
        ListRequest {
            start_index: Some(start),
            count: Some(count),
        },
    );
    let list = match parsed {
        Ok(l) => l,
        Err(_) => {
            let kind = scimwatch_core::scim::classify_body(content_type.as_deref(), &body);
            let what = match kind.deviation() {
                Some(d) => d.describe(),
                None => "JSON that is not a SCIM ListResponse".to_string(),
            };
            return Err(PageError::Fatal(ScimError::Protocol(format!(
                "listing {} at startIndex {start} returned {what}",
                endpoint(rt)
            ))));
        }
    };
    // Advance by distinct resources: a duplicated entry must not push the
    // window past a resource never seen (advancing too little only re-reads).
    let returned = {
        let mut distinct: HashSet<&str> = HashSet::with_capacity(list.resources.len());
        let mut without_id = 0u64;
        for r in &list.resources {
            match r.id.as_deref() {
                Some(id) => {
                    distinct.insert(id);
                }
                None => without_id += 1,
            }
        }
        distinct.len() as u64 + without_id
    };
    let items: Vec<Item> = list
        .resources
        .into_iter()
        .filter_map(|r| {
            Some(Item {
                id: r.id?,
                hash: r.hash,
                body: r.text.to_string(),
            })
        })
        .collect();
    let (excerpt, _) = client.excerpt(&body[..body.len().min(600)]);
    Ok(Page {
        start,
        returned,
        items,
        total: list.total_results,
        deviations: list.deviations,
        latency,
        throttled,
        url,
        excerpt,
    })
}

struct TypeCrawl<'a> {
    client: &'a ScimClient,
    rt: ResourceType,
    cfg: &'a CrawlConfig,
    progress: Option<&'a watch::Sender<CrawlProgress>>,
    cancel: &'a CancelFlag,
    sink: &'a mpsc::Sender<Batch>,
    seen: HashSet<String>,
    first_ids: Vec<String>,
    stats: CrawlStats,
    findings: Vec<ComplianceFinding>,
    deviations: Vec<(Deviation, Evidence)>,
    stop: bool,
}

impl TypeCrawl<'_> {
    fn phase(&self) -> &'static str {
        match self.rt {
            ResourceType::User => "users",
            ResourceType::Group => "groups",
        }
    }

    fn report(&self, in_flight: usize) {
        if let Some(p) = self.progress {
            p.send_replace(CrawlProgress {
                phase: self.phase().into(),
                done: self.stats.received,
                total: self.stats.total_results,
                in_flight: u32::try_from(in_flight).unwrap_or(u32::MAX),
            });
        }
    }

    fn note_deviations(&mut self, page: &Page) {
        for d in &page.deviations {
            // Mismatches of startIndex are judged by the crawl itself.
            if matches!(d, Deviation::StartIndexMismatch { .. }) && self.deviations.len() > 20 {
                continue;
            }
            let known = self
                .deviations
                .iter()
                .any(|(x, _)| std::mem::discriminant(x) == std::mem::discriminant(d));
            if !known {
                self.deviations.push((d.clone(), page.evidence()));
            }
        }
    }

    /// The server pages wrong (`message` says how, `page` shows it): stop.
    fn ignores_start_index(&mut self, message: String, page: &Page) {
        self.stop = true;
        self.findings.push(ComplianceFinding::engine(
            "ignores_start_index",
            scimwatch_core::scim::Severity::Error,
            message,
            Some(page.evidence()),
        ));
    }

    /// Take a page in: de-duplicate, detect a repeated page. Returns the
    /// number of new resources.
    async fn accept(&mut self, page: Page) -> Result<usize, ScimError> {
        self.stats.pages += 1;
        self.stats.throttled += page.throttled;
        if let Some(t) = page.total {
            self.stats.total_results = Some(u32::try_from(t).unwrap_or(u32::MAX));
        }
        self.note_deviations(&page);
        let repeated_first_page = page.start > 1
            && !page.items.is_empty()
            && !self.first_ids.is_empty()
            && page.items.first().map(|i| &i.id) == self.first_ids.first()
            && page.items.iter().all(|i| self.seen.contains(&i.id));
        if repeated_first_page {
            let message = format!(
                "the server ignores startIndex: asking for startIndex {} returned the first \
                 page again, so only {} {} could be read. Entra pages the same way and will \
                 not see the rest.",
                page.start,
                self.seen.len(),
                endpoint(self.rt)
            );
            self.ignores_start_index(message, &page);
            return Ok(0);
        }
        if self.first_ids.is_empty() && page.start <= 1 {
            self.first_ids = page.items.iter().map(|i| i.id.clone()).collect();
        }
        let mut fresh = Vec::with_capacity(page.items.len());
        for item in page.items {
            if self.seen.insert(item.id.clone()) {
                fresh.push(item);
            } else {
                self.stats.duplicates += 1;
            }
        }
        let n = fresh.len();
        self.stats.received += u32::try_from(n).unwrap_or(u32::MAX);
        if n > 0 {
            self.sink
                .send(Batch {
                    resource_type: self.rt,
                    items: fresh,
                })
                .await
                .map_err(|_| ScimError::Cancelled)?;
        }
        Ok(n)
    }

    async fn fetch_with_retries(&mut self, start: u64, count: u64) -> Result<Page, ScimError> {
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(ScimError::Cancelled);
            }
            match fetch_page(self.client, self.rt, start, count).await {
                Ok(p) => return Ok(p),
                Err(PageError::Fatal(e)) => return Err(e),
                Err(PageError::Retryable(m)) => {
                    attempt += 1;
                    self.stats.retries += 1;
                    if attempt > self.cfg.page_retries {
                        return Err(ScimError::Network(self.client.scrub(&m)));
                    }
                    tokio::time::sleep(Duration::from_millis(200 * (1 << attempt.min(5)))).await;
                }
            }
        }
    }

    fn page_size(&self) -> u64 {
        u64::from(match self.rt {
            ResourceType::User => self.cfg.page_size,
            ResourceType::Group => self.cfg.group_page_size,
        })
        .max(1)
    }

    fn cap_reached(&mut self, in_flight: usize) -> bool {
        let pages = u64::from(self.stats.pages) + in_flight as u64;
        if pages >= u64::from(self.cfg.max_pages) {
            if !self.findings.iter().any(|f| f.code == "page_cap_reached") {
                self.findings.push(ComplianceFinding::engine(
                    "page_cap_reached",
                    scimwatch_core::scim::Severity::Warning,
                    format!(
                        "stopped after {} pages of {}: the inventory is incomplete",
                        self.stats.pages,
                        endpoint(self.rt)
                    ),
                    None,
                ));
            }
            true
        } else {
            false
        }
    }

    async fn run(&mut self) -> Result<(), ScimError> {
        let started = Instant::now();
        self.report(1);
        let size = self.page_size();
        let first = self.fetch_with_retries(1, size).await?;
        let n1 = first.returned;
        let total = first.total;
        let first_latency = (first.throttled == 0).then_some(first.latency);
        self.accept(first).await?;
        self.report(0);
        if n1 > 0 {
            match (self.cfg.mode, total) {
                (CrawlMode::Adaptive, Some(t)) if t > n1 && self.cfg.max_in_flight > 1 => {
                    self.parallel(1 + n1, n1, t, first_latency).await?
                }
                _ => self.sequential(1 + n1, size).await?,
            }
        }
        // A 0-based server skips its first resource when asked for startIndex 1.
        if !self.stop
            && !self.cancel.is_cancelled()
            && total.is_some_and(|t| (self.seen.len() as u64) < t)
        {
            if let Ok(p) = fetch_page(self.client, self.rt, 0, size).await {
                let evidence = p.evidence();
                let before = self.seen.len();
                let dup_before = self.stats.duplicates;
                self.accept(p).await?;
                self.stats.duplicates = dup_before;
                let recovered = self.seen.len() - before;
                if recovered > 0 {
                    self.findings.push(ComplianceFinding::engine(
                        "zero_based_paging",
                        scimwatch_core::scim::Severity::Warning,
                        format!(
                            "paging is 0-based: startIndex 0 returned {recovered} {} that \
                             startIndex 1 skipped (SCIM indexes start at 1). Entra misses them.",
                            endpoint(self.rt)
                        ),
                        Some(evidence),
                    ));
                }
            }
        }
        if self.stats.duplicates > 0 {
            self.findings.push(ComplianceFinding::engine(
                "duplicate_ids_across_pages",
                scimwatch_core::scim::Severity::Warning,
                format!(
                    "{} {} came back more than once while paging (same id on several pages)",
                    self.stats.duplicates,
                    endpoint(self.rt)
                ),
                None,
            ));
        }
        self.stats.incomplete = self.incompleteness();
        self.stats.elapsed_ms = super::client::millis(started.elapsed());
        self.report(0);
        Ok(())
    }

    /// Why what was read is not the whole list, from the paging findings
    /// and the server's own `totalResults`.
    fn incompleteness(&self) -> Option<String> {
        let what = endpoint(self.rt);
        let read = self.seen.len() as u64;
        let paging = self
            .findings
            .iter()
            .find(|f| f.code == "ignores_start_index" || f.code == "page_cap_reached");
        let total = self.stats.total_results.map(u64::from);
        let cause = paging.map(|f| match f.code.as_str() {
            "ignores_start_index" => {
                "the server ignores startIndex (a later page repeats the first)"
            }
            _ => "the page cap was reached",
        });
        match (cause, total) {
            (Some(c), Some(t)) => Some(format!(
                "{what}: read {read} of the {t} the server announced: {c}"
            )),
            (Some(c), None) => Some(format!("{what}: read {read}: {c}")),
            (None, Some(t)) if t != read => Some(format!(
                "{what}: read {read} distinct resources but the server's totalResults says {t}"
            )),
            _ => None,
        }
    }

    async fn sequential(&mut self, mut start: u64, size: u64) -> Result<(), ScimError> {
        let mut prev: Vec<String> = self.first_ids.clone();
        let mut barren = 0;
        self.stats.max_in_flight = 1;
        loop {
            if self.stop || self.cap_reached(0) {
                return Ok(());
            }
            if let Some(t) = self.stats.total_results {
                if start > u64::from(t) {
                    return Ok(());
                }
            }
            let page = self.fetch_with_retries(start, size).await?;
            let n = page.returned;
            if n == 0 {
                return Ok(());
            }
            let ids: Vec<String> = page.items.iter().map(|i| i.id.clone()).collect();
            let same_as_prev = ids == prev;
            if same_as_prev {
                let message = format!(
                    "the server ignores startIndex: startIndex {start} returned the same page \
                     as the previous request; paging stopped after {} {}",
                    self.seen.len(),
                    endpoint(self.rt)
                );
                self.ignores_start_index(message, &page);
                return Ok(());
            }
            let fresh = self.accept(page).await?;
            self.report(1);
            if fresh == 0 {
                barren += 1;
                if barren >= 3 {
                    self.stop = true;
                    return Ok(());
                }
            } else {
                barren = 0;
            }
            prev = ids;
            start += n;
        }
    }
}

/// Crawl users (and groups) into `sink`. No storage.
pub async fn crawl(
    client: &ScimClient,
    cfg: &CrawlConfig,
    progress: Option<&watch::Sender<CrawlProgress>>,
    cancel: &CancelFlag,
    sink: &mpsc::Sender<Batch>,
) -> Result<CrawlRun, ScimError> {
    let mut types = vec![ResourceType::User];
    if cfg.include_groups {
        types.push(ResourceType::Group);
    }
    let mut out = CrawlRun {
        stats: Vec::new(),
        findings: Vec::new(),
    };
    for rt in types {
        let mut t = TypeCrawl {
            client,
            rt,
            cfg,
            progress,
            cancel,
            sink,
            seen: HashSet::new(),
            first_ids: Vec::new(),
            stats: CrawlStats {
                resource_type: rt.as_str().to_string(),
                ..CrawlStats::default()
            },
            findings: Vec::new(),
            deviations: Vec::new(),
            stop: false,
        };
        let r = t.run().await;
        if matches!(&r, Err(ScimError::Protocol(_))) && rt == ResourceType::Group {
            // No /Groups endpoint is a finding, not a failed inventory.
            if let Err(e) = r {
                out.findings.push(ComplianceFinding::engine(
                    "groups_unavailable",
                    scimwatch_core::scim::Severity::Info,
                    format!("groups could not be listed: {e}"),
                    None,
                ));
            }
        } else {
            r?;
        }
        for (d, ev) in t.deviations {
            out.findings
                .push(ComplianceFinding::from_deviation(&d, Some(ev)));
        }
        out.findings.extend(t.findings);
        out.stats.push(t.stats);
    }
    Ok(out)
}

/// Resources crawled into memory (tests, benchmarks, discovery).
#[derive(Debug, Default)]
pub struct MemoryInventory {
    pub users: Vec<Item>,
    pub groups: Vec<Item>,
}

/// Crawl into memory.
pub async fn crawl_to_memory(
    client: &ScimClient,
    cfg: &CrawlConfig,
    progress: Option<&watch::Sender<CrawlProgress>>,
    cancel: &CancelFlag,
) -> Result<(MemoryInventory, CrawlRun), ScimError> {
    let (tx, mut rx) = mpsc::channel::<Batch>(64);
    let collector = tokio::spawn(async move {
        let mut inv = MemoryInventory::default();
        while let Some(b) = rx.recv().await {
            match b.resource_type {
                ResourceType::User => inv.users.extend(b.items),
                ResourceType::Group => inv.groups.extend(b.items),
            }
        }
        inv
    });
    let run = crawl(client, cfg, progress, cancel, &tx).await;
    drop(tx);
    let inv = collector
        .await
        .map_err(|e| ScimError::Protocol(format!("collector failed: {e}")))?;
    Ok((inv, run?))
}

/// Per-connection crawl summaries for the CLI (uses [`HashMap`] of types).
pub fn stats_by_type(stats: &[CrawlStats]) -> HashMap<&str, &CrawlStats> {
    stats
        .iter()
        .map(|s| (s.resource_type.as_str(), s))
        .collect()
}
