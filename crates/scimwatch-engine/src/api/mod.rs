//! The one API the shells call, by screen: one file per area, mirroring the
//! desktop app's `src-tauri/src/commands/<area>.rs`. Each function is the
//! whole body of a command (validation, defaults, the clock, the export
//! path); a Tauri command is a one-line adapter over exactly one of them,
//! and the CLI calls the same function where it does the same thing.
//!
//! Only this layer is what the shells call for a screen; it sits on top of
//! the engine (nothing below imports it). The types it returns are what
//! crosses IPC.

pub mod alerts;
pub mod connections;
pub mod demo;
pub mod incidents;
pub mod inventory;
pub mod logs;
pub mod mappings;
pub mod overview;
pub mod probe;
pub mod remediation;
pub mod settings;
pub mod signin;
pub mod token;
pub mod trace;
pub mod troubleshooting;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::connections::{self as rows, ConnectionRow};

/// The stored row of a connection, by uuid or name.
async fn row(engine: &Engine, connection: &str) -> Result<ConnectionRow, EngineError> {
    rows::require(engine.store.pool(), connection).await
}
