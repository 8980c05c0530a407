//! scimwatch-core: the pure heart of scimwatch.
//!
//! Invariants: no IO, no async, no clock. Every function that depends on the
//! current time takes `now` as a parameter. Types that cross the IPC boundary
//! derive `ts_rs::TS` and are exported to `ui/src/bindings/` by the
//! engine's `bindings` test (`crates/scimwatch-engine/tests/it/bindings.rs`),
//! which also fails when the committed files are stale.

pub mod checklist;
pub mod connection;
pub mod error;
pub mod fleet;
pub mod graph;
pub mod health;
pub mod incident;
pub mod logfilter;
pub mod scim;
pub mod sensitive;
pub mod settings;
pub mod text;
pub mod trace;
pub mod transport;
pub mod validate;

pub use connection::{AuthMode, Cloud, Connection, ConnectionInput, EntraSide, ScimSide};
pub use error::{CommandError, ErrorKind, FieldError, ValidationError};
pub use sensitive::Sensitive;
