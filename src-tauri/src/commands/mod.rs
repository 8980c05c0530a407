//! One module per screen. Each command is a one-line adapter over one
//! function of the engine's API, `scimwatch_engine::api::<screen>::<name>`
//! (same screen, same name), tested there without a GUI.
//!
//! The commands are listed once, in `src-tauri/commands.list`; the build
//! script generates `handler()` (the invoke handler) and `LIST` from it.

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

include!(concat!(env!("OUT_DIR"), "/commands.rs"));
