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

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use scimwatch_core::scim::aimd::Aimd;
use scimwatch_core::scim::{
    parse_list_page, parse_scim_error, ContentHash, Deviation, ListRequest,
};
use serde::Serialize;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinSet;
use ts_rs::TS;

use super::check::connection_client;
use super::client::{ClientConfig, ScimClient, TransportError};
use super::discover::{ComplianceFinding, Evidence};
use super::error::ScimError;
use crate::app::Engine;
use crate::error::EngineError;
use crate::store::connections::ConnectionRow;
use crate::store::inventory::{self, CompleteStats, Entry, Key, NewVersion, ResourceType, State};

/// How pages are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CrawlMode {
    /// One request at a time.
    Sequential,
    /// Parallel pages once `totalResults` is known, AIMD-limited.
    #[default]
    Adaptive,
}

/// Crawl settings.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// `count` asked for Users.
    pub page_size: u32,
    /// `count` asked for Groups (they carry members, so smaller pages).
    pub group_page_size: u32,
    pub mode: CrawlMode,
    /// Most requests in flight in adaptive mode.
    pub max_in_flight: usize,
    /// Most pages per resource type.
    pub max_pages: u32,
    /// Crawl Groups (with members) too.
    pub include_groups: bool,
    /// Retries of one page after a 5xx or a timeout.
    pub page_retries: u32,
    pub client: ClientConfig,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            page_size: 100,
            group_page_size: 50,
            mode: CrawlMode::Adaptive,
            max_in_flight: 8,
            max_pages: 10_000,
            include_groups: true,
            page_retries: 3,
            client: ClientConfig::default(),
        }
    }
}

/// Progress for a progress bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CrawlProgress {
    /// `users`, `groups`, `storing`, `done`.
    pub phase: String,
    /// Resources received so far in this phase.
    pub done: u32,
    /// `totalResults`, when the server sent it.
    pub total: Option<u32>,
    /// Requests in flight.
    pub in_flight: u32,
}

/// A cancellation flag shared with a running crawl.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    flag: AtomicBool,
    notify: Notify,
}

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.flag.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.flag.load(Ordering::SeqCst)
    }
    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let n = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            n.await;
        }
    }
}

/// Figures about one resource type's crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CrawlStats {
    pub resource_type: String,
    pub total_results: Option<u32>,
    /// Distinct resources received.
    pub received: u32,
    /// Resources seen again (same id) and dropped.
    pub duplicates: u32,
    pub pages: u32,
    /// Highest concurrency reached.
    pub max_in_flight: u32,
    pub throttled: u32,
    pub retries: u32,
    pub elapsed_ms: u32,
    /// Why the resources read are not the server's whole list (paging
    /// ignored, the page cap, fewer or more distinct resources than
    /// `totalResults`); `None` when they are, or when the server gave no
    /// total to compare with.
    pub incomplete: Option<String>,
}

impl CrawlStats {
    /// Every type's reason the crawl is incomplete, joined; `None` if none.
    pub fn incompleteness(stats: &[CrawlStats]) -> Option<String> {
        let reasons: Vec<&str> = stats
            .iter()
            .filter_map(|s| s.incomplete.as_deref())
            .collect();
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }
}

/// What a stored crawl did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CrawlOutcome {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub users: u32,
    pub groups: u32,
    /// Whether the snapshot was written in full (else as a delta).
    pub full: bool,
    /// Rows written to `inventory_changes`.
    pub changes: u32,
    /// New resource versions stored.
    pub versions_written: u32,
    pub stats: Vec<CrawlStats>,
    /// Deviations seen while paging (for the compliance report).
    pub findings: Vec<ComplianceFinding>,
    pub elapsed_ms: u32,
    /// Why the snapshot does not hold the server's whole inventory; such a
    /// snapshot is stored as `incomplete`: listed, never a base or a diff.
    pub incomplete: Option<String>,
}

/// One resource as received.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub hash: ContentHash,
    /// The resource's JSON as received.
    pub body: String,
}

/// A batch of resources for the sink.
#[derive(Debug)]
pub struct Batch {
    pub resource_type: ResourceType,
    pub items: Vec<Item>,
}

/// The crawl of every resource type, without storage: resources go to `sink`.
pub struct CrawlRun {
    pub stats: Vec<CrawlStats>,
    pub findings: Vec<ComplianceFinding>,
}

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
        let (verdict, msg) = super::check::judge(&resp, false);
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
                self.deviations.push((
                    d.clone(),
                    Evidence {
                        request: format!("GET {}", page.url),
                        status: Some(200),
                        response_excerpt: page.excerpt.clone(),
                    },
                ));
            }
        }
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
            self.stop = true;
            self.findings.push(ComplianceFinding::engine(
                "ignores_start_index",
                scimwatch_core::scim::Severity::Error,
                format!(
                    "the server ignores startIndex: asking for startIndex {} returned the first \
                     page again, so only {} {} could be read. Entra pages the same way and will \
                     not see the rest.",
                    page.start,
                    self.seen.len(),
                    endpoint(self.rt)
                ),
                Some(Evidence {
                    request: format!("GET {}", page.url),
                    status: Some(200),
                    response_excerpt: page.excerpt.clone(),
                }),
            ));
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
                let url = p.url.clone();
                let excerpt = p.excerpt.clone();
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
                        Some(Evidence {
                            request: format!("GET {url}"),
                            status: Some(200),
                            response_excerpt: excerpt,
                        }),
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
                self.stop = true;
                self.findings.push(ComplianceFinding::engine(
                    "ignores_start_index",
                    scimwatch_core::scim::Severity::Error,
                    format!(
                        "the server ignores startIndex: startIndex {start} returned the same page \
                         as the previous request; paging stopped after {} {}",
                        self.seen.len(),
                        endpoint(self.rt)
                    ),
                    Some(Evidence {
                        request: format!("GET {}", page.url),
                        status: Some(200),
                        response_excerpt: page.excerpt.clone(),
                    }),
                ));
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

    async fn parallel(
        &mut self,
        from: u64,
        step: u64,
        total: u64,
        first_latency: Option<Duration>,
    ) -> Result<(), ScimError> {
        let mut queue: VecDeque<(u64, u64, u32)> = VecDeque::new();
        let mut s = from;
        while s <= total {
            queue.push_back((s, step.min(total - s + 1), 0));
            s += step;
        }
        // Start from what the last crawl of this server learnt (a serial
        // server is crawled one at a time at once), and leave what this one
        // learns for the next.
        let server = self.client.base_url().to_string();
        let mut aimd = Aimd::resume(
            self.cfg.max_in_flight,
            first_latency,
            super::server_memory::get(&server),
        );
        type Done = (u64, u64, u32, usize, Instant, Result<Page, PageError>);
        let mut set: JoinSet<Done> = JoinSet::new();
        let mut pause_until: Option<tokio::time::Instant> = None;
        let result = loop {
            if self.cancel.is_cancelled() {
                break Err(ScimError::Cancelled);
            }
            if self.stop {
                break Ok(());
            }
            let now = tokio::time::Instant::now();
            let paused = pause_until.is_some_and(|p| p > now);
            while !paused && set.len() < aimd.current() && !self.cap_reached(set.len()) {
                let Some((start, count, attempt)) = queue.pop_front() else {
                    break;
                };
                let client = self.client.clone();
                let rt = self.rt;
                let in_flight = set.len() + 1;
                set.spawn(async move {
                    let sent_at = Instant::now();
                    let r = fetch_page(&client, rt, start, count).await;
                    (start, count, attempt, in_flight, sent_at, r)
                });
            }
            self.stats.max_in_flight = self
                .stats
                .max_in_flight
                .max(u32::try_from(set.len()).unwrap_or(u32::MAX));
            self.report(set.len());
            if set.is_empty() {
                if queue.is_empty() || self.stats.pages >= self.cfg.max_pages {
                    break Ok(());
                }
                if let Some(p) = pause_until {
                    tokio::time::sleep_until(p).await;
                }
                pause_until = None;
                continue;
            }
            let joined = tokio::select! {
                j = set.join_next() => j,
                _ = self.cancel.cancelled() => break Err(ScimError::Cancelled),
            };
            let Some(joined) = joined else { continue };
            let (start, count, attempt, in_flight, sent_at, r) = match joined {
                Ok(x) => x,
                Err(e) => break Err(ScimError::Protocol(format!("a page request failed: {e}"))),
            };
            match r {
                Ok(page) => {
                    aimd.on_success(
                        page.latency,
                        page.throttled > 0,
                        in_flight,
                        sent_at,
                        Instant::now(),
                    );
                    let n = page.returned;
                    if let Err(e) = self.accept(page).await {
                        break Err(e);
                    }
                    // A short page leaves a gap: fetch the rest of its range.
                    if n > 0 && n < count && !self.stop {
                        queue.push_front((start + n, count - n, 0));
                    }
                }
                Err(PageError::Fatal(e)) => break Err(e),
                Err(PageError::Retryable(m)) => {
                    aimd.decrease(sent_at, Instant::now());
                    self.stats.retries += 1;
                    if attempt + 1 > self.cfg.page_retries {
                        break Err(ScimError::Network(self.client.scrub(&m)));
                    }
                    queue.push_front((start, count, attempt + 1));
                    pause_until = Some(
                        tokio::time::Instant::now()
                            + Duration::from_millis(200 * (1 << (attempt + 1).min(5))),
                    );
                }
            }
        };
        set.abort_all();
        super::server_memory::put(&server, aimd.learnt());
        result
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

/// A running crawl: which database (the pool's shared connect options, the
/// same for every clone of the pool) and which connection in it. Keyed by
/// database too, so two stores in one process (tests) never collide.
type RunKey = (usize, i64);

fn running() -> &'static Mutex<HashSet<RunKey>> {
    static RUNNING: std::sync::OnceLock<Mutex<HashSet<RunKey>>> = std::sync::OnceLock::new();
    RUNNING.get_or_init(|| Mutex::new(HashSet::new()))
}

/// One crawl per connection: in this process (the set above, which also
/// covers in-memory databases) and across processes (a lock file beside
/// the database, `locks/crawl-<uuid>.lock`, shared by the CLI and the app).
/// A second crawl is refused before it touches the first one's snapshot.
struct RunGuard(RunKey, Option<crate::locks::ProcessLock>);

impl RunGuard {
    fn acquire(engine: &Engine, row: &ConnectionRow) -> Result<Self, ScimError> {
        let id = row.id;
        let db = Arc::as_ptr(&engine.store.pool().connect_options()) as usize;
        let held = |pid| ScimError::AlreadyRunning {
            name: row.name.clone(),
            pid,
        };
        {
            let mut set = running().lock().unwrap_or_else(|p| p.into_inner());
            if !set.insert((db, id)) {
                return Err(held(Some(std::process::id())));
            }
        }
        let mut guard = Self((db, id), None);
        if let Some(dir) = engine.locks_dir() {
            let name = crate::locks::crawl_lock_name(&row.uuid);
            match crate::locks::ProcessLock::try_acquire(&dir, &name) {
                Ok(l) => guard.1 = Some(l),
                // `guard` drops here and leaves the in-process set.
                Err(crate::locks::LockError::Held { pid }) => return Err(held(pid)),
                Err(crate::locks::LockError::Io(m)) => {
                    return Err(ScimError::Engine(EngineError::Io(m)))
                }
            }
        }
        Ok(guard)
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        running()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.0);
    }
}

/// What the writer stores for the snapshot being crawled.
struct SnapshotWriter {
    engine: Engine,
    connection_id: i64,
    snapshot_id: i64,
    /// A full snapshot lists unchanged resources too.
    full: bool,
    /// New content to store (a new or changed resource).
    versions: Vec<NewVersion>,
    /// Unchanged resources to list (full snapshots only).
    unchanged: Vec<(Key, i64)>,
    current: State,
    versions_written: u32,
    changes_written: u32,
}

impl SnapshotWriter {
    fn pending(&self) -> usize {
        self.versions.len() + self.unchanged.len()
    }

    /// Store the pending versions and the snapshot's rows for them (and for
    /// unchanged resources of a full snapshot) in one transaction.
    async fn flush(&mut self) -> Result<(), ScimError> {
        if self.pending() == 0 {
            return Ok(());
        }
        let versions = std::mem::take(&mut self.versions);
        let unchanged = std::mem::take(&mut self.unchanged);
        let mut tx = crate::store::begin_write(self.engine.store.pool()).await?;
        let ids = inventory::insert_versions(&mut tx, self.connection_id, &versions).await?;
        let rows: Vec<inventory::ChangeRow<'_>> = versions
            .iter()
            .zip(&ids)
            .map(|(v, id)| (v.resource_type, v.scim_id.as_str(), Some(*id)))
            .chain(
                unchanged
                    .iter()
                    .map(|((rt, sid), id)| (*rt, sid.as_str(), Some(*id))),
            )
            .collect();
        inventory::insert_changes(&mut tx, self.snapshot_id, &rows).await?;
        tx.commit().await?;
        self.changes_written = self
            .changes_written
            .saturating_add(u32::try_from(rows.len()).unwrap_or(u32::MAX));
        self.versions_written = self
            .versions_written
            .saturating_add(u32::try_from(versions.len()).unwrap_or(u32::MAX));
        for (v, id) in versions.into_iter().zip(ids) {
            self.current.insert(
                (v.resource_type, v.scim_id),
                Entry {
                    version_id: id,
                    hash: v.hash,
                },
            );
        }
        Ok(())
    }
}

/// Resources stored per transaction. Many rows per commit keep the WAL's
/// per-commit work small; 10,000 versions ≈ 12 MB of bodies held at most.
const FLUSH_VERSIONS: usize = 10_000;

/// The writer: as batches arrive, stores new versions and the snapshot's
/// change rows (so the crawl's end only writes removals); returns the
/// crawl's state, versions and change rows written.
async fn write_snapshot(
    mut w: SnapshotWriter,
    base: Arc<State>,
    mut rx: mpsc::Receiver<Batch>,
) -> Result<(State, u32, u32), ScimError> {
    while let Some(b) = rx.recv().await {
        for item in b.items {
            let key = (b.resource_type, item.id);
            match base.get(&key) {
                Some(e) if e.hash == item.hash => {
                    if w.full {
                        w.unchanged.push((key.clone(), e.version_id));
                    }
                    w.current.insert(key, e.clone());
                }
                _ => w.versions.push(NewVersion {
                    resource_type: key.0,
                    scim_id: key.1,
                    hash: item.hash,
                    body_json: item.body,
                }),
            }
        }
        if w.pending() >= FLUSH_VERSIONS {
            w.flush().await?;
        }
    }
    w.flush().await?;
    Ok((w.current, w.versions_written, w.changes_written))
}

/// Crawl a connection's SCIM inventory and store it as a snapshot (delta
/// against the last complete one). Scheduled by the monitor every
/// `Settings::crawl_hours` (`monitor::crawl_due`) and run on demand. On error or cancellation
/// the snapshot is left `failed`/`cancelled`, never `complete`.
pub async fn run_inventory(
    engine: &Engine,
    connection: &str,
    cfg: &CrawlConfig,
    progress: Option<&watch::Sender<CrawlProgress>>,
    cancel: &CancelFlag,
    now: DateTime<Utc>,
) -> Result<CrawlOutcome, ScimError> {
    let started = Instant::now();
    let (row, client) = connection_client(engine, connection, cfg.client.clone()).await?;
    let _guard = RunGuard::acquire(engine, &row)?;
    let pool = engine.store.pool();
    inventory::fail_stale_running(pool, Some(row.id), now.timestamp_millis()).await?;
    let base_id = inventory::latest_complete(pool, row.id).await?;
    let snapshot_id = inventory::begin(pool, row.id, now.timestamp_millis()).await?;
    let (base, full) = {
        let mut conn = pool.acquire().await?;
        let base = match base_id {
            Some(b) => inventory::state_of(&mut conn, b).await?,
            None => State::new(),
        };
        (base, inventory::full_due(&mut conn, base_id).await?)
    };
    let base = Arc::new(base);
    let (tx, rx) = mpsc::channel::<Batch>(128);
    let w = SnapshotWriter {
        engine: engine.clone(),
        connection_id: row.id,
        snapshot_id,
        full,
        versions: Vec::new(),
        unchanged: Vec::new(),
        current: State::with_capacity(base.len()),
        versions_written: 0,
        changes_written: 0,
    };
    let writer = tokio::spawn(write_snapshot(w, base.clone(), rx));
    let run = crawl(&client, cfg, progress, cancel, &tx).await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| ScimError::Protocol(format!("the storage task failed: {e}")));
    let end_ms =
        |s: Instant| now.timestamp_millis() + i64::try_from(s.elapsed().as_millis()).unwrap_or(0);
    let (run, (current, versions_written, changes_written)) = match (run, written) {
        (Ok(run), Ok(Ok(w))) => (run, w),
        (Err(e), _) | (_, Err(e)) | (_, Ok(Err(e))) => {
            let state = if matches!(e, ScimError::Cancelled) {
                "cancelled"
            } else {
                "failed"
            };
            inventory::abandon(pool, snapshot_id, state, &e.to_string(), end_ms(started)).await?;
            return Err(e);
        }
    };
    if cancel.is_cancelled() {
        inventory::abandon(pool, snapshot_id, "cancelled", "cancelled", end_ms(started)).await?;
        return Err(ScimError::Cancelled);
    }
    if let Some(p) = progress {
        p.send_replace(CrawlProgress {
            phase: "storing".into(),
            done: u32::try_from(current.len()).unwrap_or(u32::MAX),
            total: None,
            in_flight: 0,
        });
    }
    let incomplete = CrawlStats::incompleteness(&run.stats);
    let mut conn = pool.acquire().await?;
    let stats: CompleteStats = match inventory::complete(
        &mut conn,
        snapshot_id,
        base_id.map(|b| (b, base.as_ref())),
        full,
        &current,
        inventory::CrawlEnd {
            written: changes_written,
            incomplete: incomplete.as_deref(),
            now_ms: end_ms(started),
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            drop(conn);
            inventory::abandon(pool, snapshot_id, "failed", &e.to_string(), end_ms(started))
                .await?;
            return Err(e.into());
        }
    };
    drop(conn);
    // What paging showed about the server (the whole list read, or not).
    inventory_compliance(engine, row.id, now, &run.findings).await?;
    if let Some(p) = progress {
        p.send_replace(CrawlProgress {
            phase: "done".into(),
            done: stats.users + stats.groups,
            total: Some(stats.users + stats.groups),
            in_flight: 0,
        });
    }
    Ok(CrawlOutcome {
        snapshot_id,
        users: stats.users,
        groups: stats.groups,
        full: stats.full,
        changes: stats.changes,
        versions_written,
        stats: run.stats,
        findings: run.findings,
        elapsed_ms: super::client::millis(started.elapsed()),
        incomplete,
    })
}

/// Record the crawl's paging deviations as the connection's `crawl`
/// compliance verdict (it examined the server's paging, filtering aside).
async fn inventory_compliance(
    engine: &Engine,
    connection_id: i64,
    now: DateTime<Utc>,
    findings: &[ComplianceFinding],
) -> Result<(), ScimError> {
    crate::store::compliance::record(
        engine.store.pool(),
        connection_id,
        crate::store::compliance::Source::Crawl,
        now,
        None,
        &super::discover::deviations(findings),
    )
    .await?;
    Ok(())
}

/// Per-connection crawl summaries for the CLI (uses [`HashMap`] of types).
pub fn stats_by_type(stats: &[CrawlStats]) -> HashMap<&str, &CrawlStats> {
    stats
        .iter()
        .map(|s| (s.resource_type.as_str(), s))
        .collect()
}
