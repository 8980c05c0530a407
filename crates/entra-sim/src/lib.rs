//! entra-sim (placeholder until issue 3 lands)
