//! The built-in demo tenant: `entra-sim` in-process, clearly labelled, with
//! switches that inject its faults so a newcomer sees detection,
//! notifications and the checklist at work within a minute. The running
//! tenant lives behind the cargo feature `demo` (the desktop app enables
//! it); its state, [`DemoStatus`], is always there for the bindings.

#[cfg(feature = "demo")]
mod persist;
#[cfg(feature = "demo")]
mod tenant;
#[cfg(feature = "demo")]
pub use tenant::{demo_status, restore, set_demo_fault, start_demo, DemoSlot, DEMO_NAME};

/// One switch of the built-in demo tenant.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct DemoFault {
    pub kind: String,
    pub description: String,
    pub active: bool,
}

/// The built-in demo tenant's state.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct DemoStatus {
    pub running: bool,
    pub connection_id: Option<String>,
    pub faults: Vec<DemoFault>,
}
