//! The crawl's settings, statistics and outcome, and what it hands its
//! sink (its progress and cancel flag are in `signals.rs`).

use scimwatch_core::scim::ContentHash;
use serde::Serialize;
use ts_rs::TS;

use super::super::client::ClientConfig;
use crate::scim::discover::ComplianceFinding;
use crate::store::inventory::ResourceType;

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
