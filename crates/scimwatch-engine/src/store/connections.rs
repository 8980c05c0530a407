//! Connection rows. Secrets are never columns here; only whether one is set.

use chrono::{DateTime, TimeZone, Utc};
use scimwatch_core::connection::ValidConnection;
use scimwatch_core::{AuthMode, Cloud, Connection, EntraSide, ScimSide};
use sqlx::{FromRow, SqliteExecutor};

use crate::error::EngineError;

#[derive(Debug, Clone, FromRow)]
pub struct ConnectionRow {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub cloud: Option<String>,
    pub login_url: Option<String>,
    pub graph_url: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub auth_mode: Option<String>,
    pub app_query: Option<String>,
    pub service_principal_id: Option<String>,
    pub app_id: Option<String>,
    pub app_display_name: Option<String>,
    pub job_id: Option<String>,
    pub scim_url: Option<String>,
    pub scim_token_expires_ms: Option<i64>,
    pub scim_token_set: bool,
    pub client_secret_set: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

pub fn ms_to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl ConnectionRow {
    pub fn into_connection(self) -> Connection {
        let entra = match (self.tenant_id, self.graph_url, self.login_url) {
            (Some(tenant_id), Some(graph_url), Some(login_url)) => Some(EntraSide {
                cloud: self
                    .cloud
                    .as_deref()
                    .and_then(Cloud::parse)
                    .unwrap_or_default(),
                login_url,
                graph_url,
                tenant_id,
                client_id: self.client_id.unwrap_or_default(),
                auth_mode: self
                    .auth_mode
                    .as_deref()
                    .and_then(AuthMode::parse)
                    .unwrap_or_default(),
                app: self.app_query,
                service_principal_id: self.service_principal_id,
                app_id: self.app_id,
                app_display_name: self.app_display_name,
                job_id: self.job_id,
            }),
            _ => None,
        };
        let scim = self.scim_url.map(|url| ScimSide {
            url,
            token_expires_at: self.scim_token_expires_ms.map(ms_to_time),
        });
        Connection {
            id: self.uuid,
            name: self.name,
            entra,
            scim,
            has_scim_token: self.scim_token_set,
            has_client_secret: self.client_secret_set,
            created_at: ms_to_time(self.created_ms),
            updated_at: ms_to_time(self.updated_ms),
        }
    }
}

const COLUMNS: &str =
    "id, uuid, name, cloud, login_url, graph_url, tenant_id, client_id, auth_mode, \
    app_query, service_principal_id, app_id, app_display_name, job_id, scim_url, \
    scim_token_expires_ms, scim_token_set, client_secret_set, created_ms, updated_ms";

fn map_unique(e: sqlx::Error, name: &str) -> EngineError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return EngineError::Conflict(format!(
                "a connection named \u{201c}{name}\u{201d} already exists"
            ));
        }
    }
    EngineError::Storage(e)
}

pub async fn list(ex: impl SqliteExecutor<'_>) -> Result<Vec<ConnectionRow>, EngineError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections ORDER BY name COLLATE NOCASE"
    ))
    .fetch_all(ex)
    .await?)
}

pub async fn get_by_uuid(
    ex: impl SqliteExecutor<'_>,
    uuid: &str,
) -> Result<Option<ConnectionRow>, EngineError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM connections WHERE uuid = ?"))
            .bind(uuid)
            .fetch_optional(ex)
            .await?,
    )
}

/// Find by uuid, or by name (case-insensitive) — what a CLI user types.
pub async fn find(
    ex: impl SqliteExecutor<'_>,
    id_or_name: &str,
) -> Result<Option<ConnectionRow>, EngineError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections WHERE uuid = ?1 OR name = ?1 COLLATE NOCASE LIMIT 1"
    ))
    .bind(id_or_name)
    .fetch_optional(ex)
    .await?)
}

/// Flags recorded alongside a connection about its secrets.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecretFlags {
    pub scim_token_set: bool,
    pub client_secret_set: bool,
}

pub async fn insert(
    ex: impl SqliteExecutor<'_>,
    uuid: &str,
    v: &ValidConnection,
    flags: SecretFlags,
    now_ms: i64,
) -> Result<i64, EngineError> {
    let e = v.entra.as_ref();
    let s = v.scim.as_ref();
    let r = sqlx::query(
        "INSERT INTO connections (uuid, name, cloud, login_url, graph_url, tenant_id, client_id, \
         auth_mode, app_query, scim_url, scim_token_expires_ms, scim_token_set, client_secret_set, \
         created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    )
    .bind(uuid)
    .bind(&v.name)
    .bind(e.map(|e| e.cloud.as_str()))
    .bind(e.map(|e| e.login_url.as_str()))
    .bind(e.map(|e| e.graph_url.as_str()))
    .bind(e.map(|e| e.tenant_id.as_str()))
    .bind(e.map(|e| e.client_id.as_str()))
    .bind(e.map(|e| e.auth_mode.as_str()))
    .bind(e.and_then(|e| e.app.as_deref()))
    .bind(s.map(|s| s.url.as_str()))
    .bind(
        s.and_then(|s| s.token_expires_at)
            .map(|t| t.timestamp_millis()),
    )
    .bind(flags.scim_token_set)
    .bind(flags.client_secret_set)
    .bind(now_ms)
    .bind(now_ms)
    .execute(ex)
    .await
    .map_err(|err| map_unique(err, &v.name))?;
    Ok(r.last_insert_rowid())
}

/// Replace the admin-entered fields. Discovery results are kept when the
/// tenant and app are unchanged, and cleared when they change.
pub async fn update(
    ex: impl SqliteExecutor<'_>,
    uuid: &str,
    v: &ValidConnection,
    flags: SecretFlags,
    now_ms: i64,
) -> Result<(), EngineError> {
    let e = v.entra.as_ref();
    let s = v.scim.as_ref();
    let r = sqlx::query(
        "UPDATE connections SET name = ?2, cloud = ?3, login_url = ?4, graph_url = ?5, \
         service_principal_id = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN service_principal_id END, \
         app_id = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN app_id END, \
         app_display_name = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN app_display_name END, \
         job_id = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN job_id END, \
         tenant_id = ?6, client_id = ?7, auth_mode = ?8, app_query = ?9, scim_url = ?10, \
         scim_token_expires_ms = ?11, scim_token_set = ?12, client_secret_set = ?13, updated_ms = ?14 \
         WHERE uuid = ?1",
    )
    .bind(uuid)
    .bind(&v.name)
    .bind(e.map(|e| e.cloud.as_str()))
    .bind(e.map(|e| e.login_url.as_str()))
    .bind(e.map(|e| e.graph_url.as_str()))
    .bind(e.map(|e| e.tenant_id.as_str()))
    .bind(e.map(|e| e.client_id.as_str()))
    .bind(e.map(|e| e.auth_mode.as_str()))
    .bind(e.and_then(|e| e.app.as_deref()))
    .bind(s.map(|s| s.url.as_str()))
    .bind(s.and_then(|s| s.token_expires_at).map(|t| t.timestamp_millis()))
    .bind(flags.scim_token_set)
    .bind(flags.client_secret_set)
    .bind(now_ms)
    .execute(ex)
    .await
    .map_err(|err| map_unique(err, &v.name))?;
    if r.rows_affected() == 0 {
        return Err(EngineError::NotFound(format!(
            "no connection with id {uuid}"
        )));
    }
    Ok(())
}

/// Record what app discovery found.
pub async fn set_discovery(
    ex: impl SqliteExecutor<'_>,
    uuid: &str,
    service_principal_id: &str,
    app_id: Option<&str>,
    app_display_name: Option<&str>,
    job_id: Option<&str>,
    now_ms: i64,
) -> Result<(), EngineError> {
    sqlx::query(
        "UPDATE connections SET service_principal_id = ?, app_id = ?, app_display_name = ?, \
         job_id = ?, updated_ms = ? WHERE uuid = ?",
    )
    .bind(service_principal_id)
    .bind(app_id)
    .bind(app_display_name)
    .bind(job_id)
    .bind(now_ms)
    .bind(uuid)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn delete(ex: impl SqliteExecutor<'_>, uuid: &str) -> Result<bool, EngineError> {
    let r = sqlx::query("DELETE FROM connections WHERE uuid = ?")
        .bind(uuid)
        .execute(ex)
        .await?;
    Ok(r.rows_affected() > 0)
}
