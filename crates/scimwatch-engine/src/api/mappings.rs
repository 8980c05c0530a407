//! Mappings & assignments screen.

use crate::engine::Engine;
use crate::error::EngineError;
use crate::read_models::{self, compliance, MappingsView};

/// The Mappings screen's view: the latest schema, assignments and settings
/// read from Entra, the targets compared with the `/Schemas` the latest
/// recorded discovery read, and the stored compliance (the same the
/// Inventory shows). Nothing is asked of the SaaS: "Re-examine" runs
/// `scim_compliance` with `reexamine`.
pub async fn mappings_view(engine: &Engine, id: &str) -> Result<MappingsView, EngineError> {
    let mut view = read_models::mappings(engine, id).await?;
    view.compliance = Some(compliance::with_stored(engine, id, &mut view).await?);
    Ok(view)
}
