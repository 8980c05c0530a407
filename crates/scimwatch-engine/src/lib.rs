//! scimwatch-engine: everything that touches the outside world — the SQLite
//! store, the OS keychain, Graph and SCIM over HTTP, the poller — exposed as
//! plain async functions. The shells (the desktop app and the CLI) call
//! [`api`], one module per screen.

pub mod alerts;
pub mod api;
pub mod checkup;
pub mod connections;
pub mod diagnose;
pub mod engine;
pub mod error;
pub mod event_filter_check;
pub mod export;
pub mod fleet;
pub mod fsperm;
pub mod graph;
pub mod http;
pub mod locks;
pub mod monitor;
pub mod notify;
pub mod paths;
pub mod poll_target;
pub mod poller;
pub mod read_models;
pub mod remediate;
pub mod scim;
pub mod secrets;
pub mod serve;
pub mod settings;
pub mod signin;
pub mod store;

pub use engine::{AppInfo, Engine, SecretsPayload};
pub use error::EngineError;
pub use secrets::{SecretKey, SecretStore};
pub use store::Store;
