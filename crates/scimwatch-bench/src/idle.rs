//! Process figures (issue 8, figures 5 and 6): idle monitoring CPU and memory,
//! and the desktop app's cold start.

use crate::{Figure, Size};

/// Every process figure at `size`.
pub fn figures(_size: Size) -> Vec<Figure> {
    Vec::new()
}
