//! The one integration-test binary of this crate (issue 19 item 9): every
//! file beside this one is a module, so the crate's tests link once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and their helpers

mod fleet_small;
mod graph_small;
