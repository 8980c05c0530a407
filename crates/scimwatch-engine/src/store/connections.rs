//! Connection rows. Secrets are never columns here; only whether one is set.

use chrono::{DateTime, TimeZone, Utc};
use scimwatch_core::connection::ValidConnection;
use scimwatch_core::connection::{AppGroup, GroupRole};
use scimwatch_core::{AuthMode, Cloud, Connection, EntraSide, ScimSide};
use sqlx::{FromRow, SqliteExecutor};

use super::Q;
use crate::error::EngineError;

#[derive(Debug, Clone, Default, FromRow)]
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
    /// Watches every provisioning app of the tenant (a tenant connection).
    pub all_apps: bool,
    /// An app connection of an all-apps tenant: the tenant's row id, uuid
    /// (whose sign-in and secrets it uses) and name.
    pub tenant_connection_id: Option<i64>,
    pub tenant_uuid: Option<String>,
    pub tenant_name: Option<String>,
    /// A retired app connection: since when, and why.
    pub retired_ms: Option<i64>,
    pub retired_reason: Option<String>,
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
        let group = if self.all_apps {
            Some(AppGroup {
                role: GroupRole::Tenant,
                tenant_id: self.uuid.clone(),
                tenant_name: self.name.clone(),
                retired: None,
                retired_at: None,
            })
        } else {
            match (self.tenant_uuid, self.tenant_name) {
                (Some(tenant_id), Some(tenant_name)) => Some(AppGroup {
                    role: GroupRole::App,
                    tenant_id,
                    tenant_name,
                    retired: self
                        .retired_ms
                        .map(|_| self.retired_reason.clone().unwrap_or_default()),
                    retired_at: self.retired_ms.map(ms_to_time),
                }),
                _ => None,
            }
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
            group,
        }
    }
}

const COLUMNS: &str =
    "id, uuid, name, cloud, login_url, graph_url, tenant_id, client_id, auth_mode, \
    app_query, service_principal_id, app_id, app_display_name, job_id, scim_url, \
    scim_token_expires_ms, scim_token_set, client_secret_set, created_ms, updated_ms, \
    all_apps, tenant_connection_id, \
    (SELECT t.uuid FROM connections t WHERE t.id = connections.tenant_connection_id) AS tenant_uuid, \
    (SELECT t.name FROM connections t WHERE t.id = connections.tenant_connection_id) AS tenant_name, \
    retired_ms, retired_reason";

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

/// The connection with this uuid or name, or the one "not found" error
/// every command gives for a name that matches nothing.
pub async fn require(
    ex: impl SqliteExecutor<'_>,
    id_or_name: &str,
) -> Result<ConnectionRow, EngineError> {
    find(ex, id_or_name)
        .await?
        .ok_or_else(|| not_found(id_or_name))
}

/// "No connection named or with id “…”".
pub fn not_found(id_or_name: &str) -> EngineError {
    EngineError::NotFound(format!(
        "no connection named or with id \u{201c}{id_or_name}\u{201d}"
    ))
}

/// Flags recorded alongside a connection about its secrets.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecretFlags {
    pub scim_token_set: bool,
    pub client_secret_set: bool,
}

/// Bind the admin-entered fields, `name` to `client_secret_set`, in the
/// column order [`insert`] and [`update`] share.
fn bind_admin_fields<'q>(q: Q<'q>, v: &'q ValidConnection, flags: SecretFlags) -> Q<'q> {
    let e = v.entra.as_ref();
    let s = v.scim.as_ref();
    q.bind(&v.name)
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
}

pub async fn insert(
    ex: impl SqliteExecutor<'_>,
    uuid: &str,
    v: &ValidConnection,
    flags: SecretFlags,
    now_ms: i64,
) -> Result<i64, EngineError> {
    let q = sqlx::query(
        "INSERT INTO connections (uuid, name, cloud, login_url, graph_url, tenant_id, client_id, \
         auth_mode, app_query, scim_url, scim_token_expires_ms, scim_token_set, client_secret_set, \
         created_ms, updated_ms, all_apps) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    )
    .bind(uuid);
    let r = bind_admin_fields(q, v, flags)
        .bind(now_ms)
        .bind(now_ms)
        .bind(v.all_apps)
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
    let q = sqlx::query(
        "UPDATE connections SET name = ?2, cloud = ?3, login_url = ?4, graph_url = ?5, \
         service_principal_id = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN service_principal_id END, \
         app_id = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN app_id END, \
         app_display_name = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN app_display_name END, \
         job_id = CASE WHEN tenant_id IS ?6 AND app_query IS ?9 AND graph_url IS ?5 THEN job_id END, \
         tenant_id = ?6, client_id = ?7, auth_mode = ?8, app_query = ?9, scim_url = ?10, \
         scim_token_expires_ms = ?11, scim_token_set = ?12, client_secret_set = ?13, updated_ms = ?14 \
         WHERE uuid = ?1",
    )
    .bind(uuid);
    let r = bind_admin_fields(q, v, flags)
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

/// The app connections of an all-apps tenant (retired ones too).
pub async fn apps_of(
    ex: impl SqliteExecutor<'_>,
    tenant_id: i64,
) -> Result<Vec<ConnectionRow>, EngineError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections WHERE tenant_connection_id = ? \
         ORDER BY name COLLATE NOCASE"
    ))
    .bind(tenant_id)
    .fetch_all(ex)
    .await?)
}

/// What an app connection is created with (discovery's findings).
#[derive(Debug, Clone)]
pub struct NewApp<'a> {
    pub uuid: &'a str,
    pub name: &'a str,
    pub service_principal_id: &'a str,
    pub app_id: Option<&'a str>,
    pub app_display_name: Option<&'a str>,
    /// `None` when Graph refused to list the app's jobs.
    pub job_id: Option<&'a str>,
}

/// Add an app connection under `tenant`: its Entra side is the tenant's
/// (no secret is copied — the app signs in with the tenant's), its app is
/// the service principal found (`app_query` its appId, else its id).
pub async fn insert_app(
    ex: impl SqliteExecutor<'_>,
    tenant: &ConnectionRow,
    app: &NewApp<'_>,
    now_ms: i64,
) -> Result<i64, EngineError> {
    let r = sqlx::query(
        "INSERT INTO connections (uuid, name, cloud, login_url, graph_url, tenant_id, client_id, \
         auth_mode, app_query, service_principal_id, app_id, app_display_name, job_id, \
         scim_token_set, client_secret_set, created_ms, updated_ms, tenant_connection_id) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?)",
    )
    .bind(app.uuid)
    .bind(app.name)
    .bind(&tenant.cloud)
    .bind(&tenant.login_url)
    .bind(&tenant.graph_url)
    .bind(&tenant.tenant_id)
    .bind(&tenant.client_id)
    .bind(&tenant.auth_mode)
    .bind(app.app_id.unwrap_or(app.service_principal_id))
    .bind(app.service_principal_id)
    .bind(app.app_id)
    .bind(app.app_display_name)
    .bind(app.job_id)
    .bind(tenant.client_secret_set)
    .bind(now_ms)
    .bind(now_ms)
    .bind(tenant.id)
    .execute(ex)
    .await
    .map_err(|err| map_unique(err, app.name))?;
    Ok(r.last_insert_rowid())
}

/// Retire an app connection (`reason` shown with it) or, with `None`, bring
/// it back.
pub async fn set_retired(
    ex: impl SqliteExecutor<'_>,
    uuid: &str,
    retired: Option<(i64, &str)>,
    now_ms: i64,
) -> Result<(), EngineError> {
    sqlx::query(
        "UPDATE connections SET retired_ms = ?, retired_reason = ?, updated_ms = ? WHERE uuid = ?",
    )
    .bind(retired.map(|r| r.0))
    .bind(retired.map(|r| r.1))
    .bind(now_ms)
    .bind(uuid)
    .execute(ex)
    .await?;
    Ok(())
}

/// Copy the tenant's sign-in fields (never secrets: there are none here)
/// to its app connections after the tenant was edited.
pub async fn follow_tenant(
    ex: impl SqliteExecutor<'_>,
    tenant_id: i64,
    now_ms: i64,
) -> Result<(), EngineError> {
    sqlx::query(
        "UPDATE connections SET \
         (cloud, login_url, graph_url, tenant_id, client_id, auth_mode, client_secret_set) = \
         (SELECT t.cloud, t.login_url, t.graph_url, t.tenant_id, t.client_id, t.auth_mode, \
                 t.client_secret_set FROM connections t WHERE t.id = ?1), updated_ms = ?2 \
         WHERE tenant_connection_id = ?1",
    )
    .bind(tenant_id)
    .bind(now_ms)
    .execute(ex)
    .await?;
    Ok(())
}
