//! Inventory crawl: paging correctness with concurrency, misbehaving paging,
//! cancellation, delta snapshots, diff, drift; interop with scim2-server and
//! the simulator's built-in target. One file a subject; here the client and
//! crawl settings they share.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop;
mod paging;
mod snapshots;

use std::collections::HashSet;

use scimwatch_core::Sensitive;
use scimwatch_engine::scim::crawl::MemoryInventory;
use scimwatch_engine::scim::{CrawlConfig, CrawlMode, ScimClient};

fn client(url: &str, token: &str) -> ScimClient {
    ScimClient::new(url, &Sensitive::new(token.into()), Default::default()).unwrap()
}

fn cfg(page: u32, mode: CrawlMode, max_in_flight: usize) -> CrawlConfig {
    CrawlConfig {
        page_size: page,
        group_page_size: page,
        mode,
        max_in_flight,
        ..CrawlConfig::default()
    }
}

fn unique(inv: &MemoryInventory) -> usize {
    inv.users
        .iter()
        .map(|u| &u.id)
        .collect::<HashSet<_>>()
        .len()
}
