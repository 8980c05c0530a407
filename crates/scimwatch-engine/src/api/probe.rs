//! Inventory → Compliance: "Test with Entra's requests" (issue 20). The
//! plan first, the run (the write probe only with the plan's token and the
//! host typed back — refused otherwise), progress, cancel (the run still
//! cleans up), clean-up of leftovers, the stored report and its export.

use chrono::Utc;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::export::ExportResult;
use crate::scim::probe::{self, Consent, ProbeExportFormat, ProbePlan, ProbeStep, StoredProbe};
use crate::scim::ScimError;

pub async fn probe_plan(engine: &Engine, id: &str) -> Result<ProbePlan, ScimError> {
    probe::probe_plan(engine, id).await
}

/// Run the probe; a write probe needs the plan's `token` and the `host`
/// typed back. `on_step` hears each operation as it ends.
pub async fn run_probe(
    engine: &Engine,
    id: &str,
    write: bool,
    token: Option<String>,
    host: Option<String>,
    on_step: Option<&(dyn Fn(&ProbeStep) + Send + Sync)>,
) -> Result<StoredProbe, ScimError> {
    let consent = match (token, host) {
        (Some(token), Some(host)) => Some(Consent { token, host }),
        _ => None,
    };
    probe::run_probe(engine, id, write, consent, on_step, Utc::now()).await
}

pub async fn cancel_probe(engine: &Engine, id: &str) -> Result<bool, ScimError> {
    probe::cancel_probe(engine, id).await
}

pub async fn probe_cleanup(engine: &Engine, id: &str) -> Result<StoredProbe, ScimError> {
    probe::cleanup_now(engine, id).await
}

pub async fn stored_probe(engine: &Engine, id: &str) -> Result<StoredProbe, EngineError> {
    probe::stored_probe(engine, id).await
}

pub async fn export_probe(
    engine: &Engine,
    id: &str,
    format: ProbeExportFormat,
    path: &str,
) -> Result<ExportResult, EngineError> {
    probe::export_probe(engine, id, format, path).await
}
