//! A tenant's apps as the connection list shows them (issue 21, item 1):
//! worst first, each with its state in words (core's `fleet::app_standing`).

use scimwatch_core::fleet::{app_standing, AppFacts};
use scimwatch_core::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::error::EngineError;
use crate::poller::{denied_stream, Stream};
use crate::store::connections as rows;
use crate::store::jobs::{self, GRAPH_REACH_STREAM};
use crate::store::Store;

/// One app of an all-apps tenant.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TenantApp {
    pub connection: Connection,
    /// Lower is worse (the list's order).
    #[ts(type = "number")]
    pub rank: u8,
    /// Its state in words ("quarantined (…)", "no permission to read this
    /// app's provisioning job", "active", "retired: …").
    pub state: String,
}

/// The apps of the all-apps tenant with uuid `tenant` (none for another
/// connection), worst first, then by name.
pub async fn tenant_apps(store: &Store, tenant: &str) -> Result<Vec<TenantApp>, EngineError> {
    let pool = store.pool();
    let mut out = Vec::new();
    let Some(t) = rows::get_by_uuid(pool, tenant)
        .await?
        .filter(|t| t.all_apps)
    else {
        return Ok(out);
    };
    for row in rows::apps_of(pool, t.id).await? {
        let job = jobs::latest_job(pool, row.id).await?;
        let denied = jobs::get_poll_state(pool, row.id, &denied_stream(Stream::GraphJob))
            .await?
            .is_some_and(|d| d.watermark_ms.is_some());
        let blind = jobs::get_poll_state(pool, row.id, GRAPH_REACH_STREAM)
            .await?
            .filter(|r| r.watermark_ms.is_some())
            .map(|r| r.cursor.unwrap_or_default());
        let (rank, state) = app_standing(&AppFacts {
            retired: row.retired_ms.map(|_| {
                row.retired_reason
                    .as_deref()
                    .unwrap_or("no longer in the tenant")
            }),
            denied,
            blind: blind.as_deref(),
            read: job.is_some(),
            status_code: job.as_ref().and_then(|j| j.status_code.as_deref()),
            quarantine_reason: job.as_ref().and_then(|j| j.quarantine_reason.as_deref()),
            last_execution_state: job.as_ref().and_then(|j| j.last_execution_state.as_deref()),
        });
        out.push(TenantApp {
            connection: row.clone().into_connection(),
            rank,
            state,
        });
    }
    out.sort_by(|a, b| {
        a.rank.cmp(&b.rank).then_with(|| {
            a.connection
                .name
                .to_lowercase()
                .cmp(&b.connection.name.to_lowercase())
        })
    });
    Ok(out)
}
