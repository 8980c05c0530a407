//! The clean-up list (`scim_probe_objects`, migration 0012): every
//! throwaway object is listed BEFORE the request that creates it, gets its
//! id when the SaaS answers, and its new name before a rename. Whatever a
//! run could not delete — or a run that crashed never got to — is deleted
//! at the next probe or by [`cleanup`]; what cannot be is reported with its
//! id.

use chrono::{DateTime, Utc};
use reqwest::Method;
use scimwatch_core::scim::write_probe::str_at;
use scimwatch_core::scim::{parse_list_response_for, ListRequest};
use sqlx::SqlitePool;

use super::super::client::ScimClient;
use super::super::error::ScimError;
use super::super::test_connection::{check_client_config, connection_client};
use super::plan::eq_filter;
use super::verify::is_probe_name;
use super::Leftover;
use crate::engine::Engine;
use crate::store::Q;

/// One listed object.
#[derive(Debug, Clone)]
struct Row {
    run_id: String,
    resource: String,
    names: Vec<String>,
    object_id: Option<String>,
    /// Why the last clean-up could not delete it (migration 0016).
    cleanup_error: Option<String>,
}

/// Which listed objects a clean-up deletes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope<'a> {
    /// Every listed object of the connection.
    All,
    /// One run's (with its sub-runs, `<run>/role`).
    Run(&'a str),
    /// Those listed before this time (ms since the epoch): what runs that
    /// ended before a start left, never a run still in progress.
    ListedBefore(i64),
}

impl Scope<'_> {
    fn takes(&self, run_id: &str, created_ms: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Run(r) => {
                run_id == *r
                    || run_id
                        .strip_prefix(*r)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
            Scope::ListedBefore(t) => created_ms < *t,
        }
    }
}

/// List an object about to be created.
pub(super) async fn intend(
    pool: &SqlitePool,
    connection_id: i64,
    run_id: &str,
    resource: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let names = serde_json::json!([name]).to_string();
    sqlx::query(
        "INSERT INTO scim_probe_objects (connection_id, run_id, resource, names_json, created_ms) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(connection_id)
    .bind(run_id)
    .bind(resource)
    .bind(names)
    .bind(now.timestamp_millis())
    .execute(pool)
    .await?;
    Ok(())
}

/// Its id, once the SaaS answered.
pub(super) async fn set_id(
    pool: &SqlitePool,
    connection_id: i64,
    run_id: &str,
    resource: &str,
    id: &str,
) -> Result<(), sqlx::Error> {
    let q = sqlx::query(
        "UPDATE scim_probe_objects SET object_id = ? \
         WHERE connection_id = ? AND run_id = ? AND resource = ?",
    )
    .bind(id);
    on_object(pool, q, connection_id, run_id, resource).await
}

/// A name it is about to be given.
pub(super) async fn add_name(
    pool: &SqlitePool,
    connection_id: i64,
    run_id: &str,
    resource: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    let q = sqlx::query(
        "UPDATE scim_probe_objects SET names_json = json_insert(names_json, '$[#]', ?) \
         WHERE connection_id = ? AND run_id = ? AND resource = ?",
    )
    .bind(name);
    on_object(pool, q, connection_id, run_id, resource).await
}

/// Gone from the SaaS: off the list.
pub(super) async fn forget(
    pool: &SqlitePool,
    connection_id: i64,
    run_id: &str,
    resource: &str,
) -> Result<(), sqlx::Error> {
    let q = sqlx::query(
        "DELETE FROM scim_probe_objects WHERE connection_id = ? AND run_id = ? AND resource = ?",
    );
    on_object(pool, q, connection_id, run_id, resource).await
}

/// Run `q` on one listed object: its last three parameters, the object's
/// key (`connection_id = ? AND run_id = ? AND resource = ?`), bound here.
async fn on_object<'q>(
    pool: &SqlitePool,
    q: Q<'q>,
    connection_id: i64,
    run_id: &'q str,
    resource: &'q str,
) -> Result<(), sqlx::Error> {
    q.bind(connection_id)
        .bind(run_id)
        .bind(resource)
        .execute(pool)
        .await?;
    Ok(())
}

async fn rows(
    pool: &SqlitePool,
    connection_id: i64,
    scope: Scope<'_>,
) -> Result<Vec<Row>, sqlx::Error> {
    // Groups first: a group holding a probe user goes before the user.
    type Listed = (String, String, String, Option<String>, i64, Option<String>);
    let all: Vec<Listed> = sqlx::query_as(
        "SELECT run_id, resource, names_json, object_id, created_ms, cleanup_error \
         FROM scim_probe_objects \
         WHERE connection_id = ? ORDER BY created_ms, run_id, resource = 'Users'",
    )
    .bind(connection_id)
    .fetch_all(pool)
    .await?;
    Ok(all
        .into_iter()
        .filter(|(r, _, _, _, ms, _)| scope.takes(r, *ms))
        .map(
            |(run_id, resource, names, object_id, _, cleanup_error)| Row {
                run_id,
                resource,
                names: serde_json::from_str(&names).unwrap_or_default(),
                object_id,
                cleanup_error,
            },
        )
        .collect())
}

/// Record why a listed object could not be deleted.
async fn note_failure(
    pool: &SqlitePool,
    connection_id: i64,
    run_id: &str,
    resource: &str,
    reason: &str,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let q = sqlx::query(
        "UPDATE scim_probe_objects SET cleanup_error = ?, cleanup_ms = ? \
         WHERE connection_id = ? AND run_id = ? AND resource = ?",
    )
    .bind(reason)
    .bind(now_ms);
    on_object(pool, q, connection_id, run_id, resource).await
}

/// The listed objects, as leftovers not (yet) deleted.
pub async fn pending(pool: &SqlitePool, connection_id: i64) -> Result<Vec<Leftover>, sqlx::Error> {
    Ok(rows(pool, connection_id, Scope::All)
        .await?
        .into_iter()
        .map(|r| Leftover {
            resource: r.resource,
            id: r.object_id,
            names: r.names,
            reason: match r.cleanup_error {
                Some(e) => format!(
                    "left by an interrupted probe, and the last clean-up could not delete it: \
                     {e}; delete it by hand, or run the clean-up again"
                ),
                None => "left by an interrupted probe; run the write probe again or \
                         `scimwatch-cli probe-cleanup` to delete it"
                    .into(),
            },
        })
        .collect())
}

/// What a clean-up did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// `Users/<id> (name)` deleted.
    pub removed: Vec<String>,
    pub leftovers: Vec<Leftover>,
}

/// Delete every listed object of `run_id` (all runs when `None`) in the
/// SaaS; what cannot be is returned with its id and why.
pub(super) async fn clean(
    client: &ScimClient,
    pool: &SqlitePool,
    connection_id: i64,
    run_id: Option<&str>,
) -> Result<Cleaned, ScimError> {
    let scope = run_id.map_or(Scope::All, Scope::Run);
    clean_scoped(client, pool, connection_id, scope).await
}

/// Delete the listed objects in `scope`; what cannot be is returned with
/// its id and why (and the why recorded on its row).
pub(super) async fn clean_scoped(
    client: &ScimClient,
    pool: &SqlitePool,
    connection_id: i64,
    scope: Scope<'_>,
) -> Result<Cleaned, ScimError> {
    let mut out = Cleaned::default();
    for row in rows(pool, connection_id, scope).await? {
        let name_attr = if row.resource == "Users" {
            "userName"
        } else {
            "displayName"
        };
        let mut ids: Vec<(String, String)> = Vec::new();
        let mut problem = None;
        match &row.object_id {
            Some(id) => ids.push((id.clone(), row.names.last().cloned().unwrap_or_default())),
            None => {
                // Created or not? Look every name up (the create may have
                // gone through without its answer reaching us).
                for name in &row.names {
                    let url =
                        client.url_for(&row.resource, &[("filter", &eq_filter(name_attr, name))]);
                    match client.get_url(&url).await {
                        Ok(r) if r.status == 200 => {
                            let list = parse_list_response_for(&r.body, ListRequest::default());
                            for v in list.map(|l| l.resources).unwrap_or_default() {
                                let n = str_at(&v, name_attr).unwrap_or_default();
                                if let (Some(id), true) = (str_at(&v, "id"), is_probe_name(n)) {
                                    if n.eq_ignore_ascii_case(name)
                                        && !ids.iter().any(|(i, _)| i == id)
                                    {
                                        ids.push((id.to_string(), n.to_string()));
                                    }
                                }
                            }
                        }
                        Ok(r) => {
                            problem = Some(format!("looking it up answered HTTP {}", r.status))
                        }
                        Err(e) => problem = Some(client.scrub(e.message())),
                    }
                }
            }
        }
        for (id, name) in &ids {
            let url = client.url_for(&format!("{}/{id}", row.resource), &[]);
            match client.send(Method::DELETE, &url, None).await {
                Ok(r) if (200..300).contains(&r.status) || r.status == 404 => {
                    // Gone only when a GET says so (a DELETE may answer 2xx
                    // and keep the object).
                    match client.get_url(&url).await {
                        Ok(g) if g.status == 404 || g.status == 410 => {
                            out.removed.push(format!("{}/{id} ({name})", row.resource));
                        }
                        Ok(g) => {
                            problem = Some(format!(
                                "DELETE {url} answered HTTP {}, but the object is still there \
                                 (GET answers {})",
                                r.status, g.status
                            ))
                        }
                        Err(e) => problem = Some(client.scrub(e.message())),
                    }
                }
                Ok(r) => problem = Some(format!("DELETE {url} answered HTTP {}", r.status)),
                Err(e) => problem = Some(format!("DELETE {url}: {}", client.scrub(e.message()))),
            }
        }
        match problem {
            None => forget(pool, connection_id, &row.run_id, &row.resource).await?,
            Some(reason) => {
                let now_ms = chrono::Utc::now().timestamp_millis();
                note_failure(
                    pool,
                    connection_id,
                    &row.run_id,
                    &row.resource,
                    &reason,
                    now_ms,
                )
                .await?;
                out.leftovers.push(Leftover {
                    resource: row.resource.clone(),
                    id: row
                        .object_id
                        .clone()
                        .or_else(|| ids.first().map(|(i, _)| i.clone())),
                    names: row.names.clone(),
                    reason,
                })
            }
        }
    }
    Ok(out)
}

/// Delete the leftovers of interrupted probes of a saved connection.
pub async fn cleanup(engine: &Engine, connection: &str) -> Result<Cleaned, ScimError> {
    let (row, client) = connection_client(engine, connection, check_client_config()).await?;
    clean(&client, engine.store.pool(), row.id, None).await
}
