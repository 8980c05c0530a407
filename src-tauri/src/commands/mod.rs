//! One module per screen. Each command is a one-line adapter over a plain
//! async function in `scimwatch-engine`, tested there without a GUI.

pub mod connections;
pub mod demo;
pub mod incidents;
pub mod inventory;
pub mod logs;
pub mod mappings;
pub mod overview;
pub mod settings;
pub mod token;
pub mod troubleshooting;
