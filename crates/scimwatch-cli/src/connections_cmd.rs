//! `connections list|add|update|remove`: the arguments and how they become
//! a connection's input and secrets.

use super::*;

#[derive(Subcommand, Debug)]
pub(crate) enum ConnectionsCommand {
    /// List connections.
    List,
    /// Add a connection. Secrets only from a file or stdin (`-`).
    Add(Box<AddArgs>),
    /// Change a connection: only the flags given change; stored secrets are
    /// kept unless a new one is given. Moving the Tenant URL, the login or the
    /// Graph URL while keeping a stored secret needs `--keep-secret`.
    Update(Box<UpdateArgs>),
    /// Remove a connection (by name or id) with everything stored for it.
    Remove {
        /// Name or id.
        connection: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum CloudArg {
    Global,
    Usgov,
    China,
    Custom,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum AuthArg {
    Delegated,
    ClientSecret,
    Certificate,
}

/// Where a connection signs in: a custom cloud's hosts and the tenant (the
/// same flags in `add` and `update`).
#[derive(Args, Debug)]
pub(crate) struct EntraTarget {
    /// Login host for `--cloud custom`.
    #[arg(long)]
    pub(crate) login_url: Option<String>,
    /// Graph host for `--cloud custom`.
    #[arg(long)]
    pub(crate) graph_url: Option<String>,
    /// Entra tenant ID or domain.
    #[arg(long)]
    pub(crate) tenant: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    #[arg(long)]
    pub(crate) name: String,
    #[arg(long, value_enum, default_value = "global")]
    pub(crate) cloud: CloudArg,
    #[command(flatten)]
    pub(crate) entra: EntraTarget,
    /// App registration client ID (optional for delegated sign-in).
    #[arg(long)]
    pub(crate) client_id: Option<String>,
    #[arg(long, value_enum, default_value = "delegated")]
    pub(crate) auth_mode: AuthArg,
    /// Enterprise app display name or appId.
    #[arg(long, conflicts_with = "all_apps")]
    pub(crate) app: Option<String>,
    /// Watch every enterprise app of the tenant that has a provisioning job
    /// (one connection per app, found and retired automatically; one
    /// provisioning-log stream for the whole tenant).
    #[arg(long)]
    pub(crate) all_apps: bool,
    /// The SaaS's SCIM Tenant URL.
    #[arg(long)]
    pub(crate) scim_url: Option<String>,
    /// SCIM token expiry (YYYY-MM-DD or RFC 3339), if known.
    #[arg(long)]
    pub(crate) token_expires: Option<String>,
    /// File holding the SCIM Secret Token, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub(crate) scim_token_file: Option<String>,
    /// File holding the client secret, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub(crate) client_secret_file: Option<String>,
    /// PEM file holding the app registration's certificate and its private
    /// key (`--auth-mode certificate`), or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub(crate) client_certificate_file: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct UpdateArgs {
    /// Name or id of the connection to change.
    pub(crate) connection: String,
    /// A new name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    #[arg(long, value_enum)]
    pub(crate) cloud: Option<CloudArg>,
    #[command(flatten)]
    pub(crate) entra: EntraTarget,
    /// App registration client ID.
    #[arg(long)]
    pub(crate) client_id: Option<String>,
    #[arg(long, value_enum)]
    pub(crate) auth_mode: Option<AuthArg>,
    /// Enterprise app display name or appId.
    #[arg(long)]
    pub(crate) app: Option<String>,
    /// The SaaS's SCIM Tenant URL.
    #[arg(long)]
    pub(crate) scim_url: Option<String>,
    /// SCIM token expiry (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub(crate) token_expires: Option<String>,
    /// File holding a new SCIM Secret Token, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub(crate) scim_token_file: Option<String>,
    /// File holding a new client secret, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub(crate) client_secret_file: Option<String>,
    /// PEM file holding a new certificate and its private key, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub(crate) client_certificate_file: Option<String>,
    /// The stored token, client secret or certificate belongs to the Tenant
    /// URL, login or Graph URL as changed here: keep it. Without this flag
    /// such a change needs the new secret, so that a stored secret is never
    /// sent to an endpoint it was not made for.
    #[arg(long)]
    pub(crate) keep_secret: bool,
}

pub(crate) fn cloud_of(c: CloudArg) -> Cloud {
    match c {
        CloudArg::Global => Cloud::Global,
        CloudArg::Usgov => Cloud::Usgov,
        CloudArg::China => Cloud::China,
        CloudArg::Custom => Cloud::Custom,
    }
}

pub(crate) fn auth_mode_of(a: AuthArg) -> AuthMode {
    match a {
        AuthArg::Delegated => AuthMode::Delegated,
        AuthArg::ClientSecret => AuthMode::ClientSecret,
        AuthArg::Certificate => AuthMode::Certificate,
    }
}

/// Secrets given as files or stdin (at most one from stdin).
pub(crate) fn secrets_from(
    scim_token: Option<&str>,
    client_secret: Option<&str>,
    client_certificate: Option<&str>,
) -> Result<SecretsInput, CommandError> {
    let given = [scim_token, client_secret, client_certificate];
    if given.iter().filter(|f| **f == Some("-")).count() > 1 {
        return Err(CommandError {
            kind: scimwatch_core::ErrorKind::Validation,
            message: "only one secret can come from stdin; put the other in a file".into(),
            fields: Vec::new(),
        });
    }
    Ok(SecretsInput {
        scim_token: scim_token
            .map(|s| read_secret(s, "SCIM token", "--scim-token-file"))
            .transpose()?,
        client_secret: client_secret
            .map(|s| read_secret(s, "client secret", "--client-secret-file"))
            .transpose()?,
        client_certificate: client_certificate
            .map(|s| read_secret(s, "certificate", "--client-certificate-file"))
            .transpose()?,
    })
}

/// The connection the flags describe.
pub(crate) fn added_input(a: AddArgs) -> ConnectionInput {
    ConnectionInput {
        name: a.name,
        cloud: cloud_of(a.cloud),
        login_url: a.entra.login_url,
        graph_url: a.entra.graph_url,
        tenant_id: a.entra.tenant,
        client_id: a.client_id,
        auth_mode: auth_mode_of(a.auth_mode),
        app: a.app,
        all_apps: a.all_apps.then_some(true),
        scim_url: a.scim_url,
        scim_token_expires: a.token_expires,
        keep_secrets_for_new_endpoint: false,
    }
}

/// The connection as stored, with the flags given laid over it.
pub(crate) fn updated_input(c: &Connection, a: &UpdateArgs) -> ConnectionInput {
    let e = c.entra.as_ref();
    let cloud = a
        .cloud
        .map(cloud_of)
        .or(e.map(|e| e.cloud))
        .unwrap_or_default();
    let was_custom = e.is_some_and(|e| e.cloud == Cloud::Custom);
    let custom_host = |given: &Option<String>, stored: Option<&String>| {
        given.clone().or_else(|| {
            (cloud == Cloud::Custom && was_custom)
                .then(|| stored.cloned())
                .flatten()
        })
    };
    let auth_mode = a
        .auth_mode
        .map(auth_mode_of)
        .or(e.map(|e| e.auth_mode))
        .unwrap_or_default();
    // The default public client is what an empty client ID means: keep it
    // implicit, so that switching to an unattended mode asks for a real one.
    let stored_client = e
        .filter(|e| {
            !(e.auth_mode == AuthMode::Delegated
                && e.client_id == scimwatch_core::connection::DEFAULT_PUBLIC_CLIENT_ID)
        })
        .map(|e| e.client_id.clone());
    ConnectionInput {
        name: a.name.clone().unwrap_or_else(|| c.name.clone()),
        cloud,
        login_url: custom_host(&a.entra.login_url, e.map(|e| &e.login_url)),
        graph_url: custom_host(&a.entra.graph_url, e.map(|e| &e.graph_url)),
        tenant_id: a.entra.tenant.clone().or(e.map(|e| e.tenant_id.clone())),
        client_id: a.client_id.clone().or(stored_client),
        auth_mode,
        app: a.app.clone().or(e.and_then(|e| e.app.clone())),
        scim_url: a
            .scim_url
            .clone()
            .or(c.scim.as_ref().map(|s| s.url.clone())),
        scim_token_expires: a.token_expires.clone().or(c
            .scim
            .as_ref()
            .and_then(|s| s.token_expires_at)
            .map(|t| t.to_rfc3339())),
        keep_secrets_for_new_endpoint: a.keep_secret,
        all_apps: None,
    }
}

pub(crate) fn print_connections(
    list: &[Connection],
    apps: &fleet_list::TenantsApps,
    store: SecretStoreKind,
) {
    if list.is_empty() {
        println!("No connections yet. Add one with `scimwatch-cli connections add --name … --scim-url … --scim-token-file …`.");
        return;
    }
    // An all-apps tenant's apps are listed under it (worst first).
    for c in list.iter().filter(|c| !fleet_list::is_app(c)) {
        println!("{}  ({})", c.name, c.id);
        if let Some(tenant_apps) = apps.get(&c.id) {
            fleet_list::print_tenant(c, tenant_apps);
            continue;
        }
        match &c.entra {
            Some(e) => println!(
                "  Entra:  tenant {} · {} cloud · {}{}",
                e.tenant_id,
                e.cloud.as_str(),
                e.app.as_deref().unwrap_or("app not chosen yet"),
                e.job_id
                    .as_deref()
                    .map(|j| format!(" · job {j}"))
                    .unwrap_or_default()
            ),
            None => println!("  Entra:  not watched"),
        }
        match &c.scim {
            Some(s) => println!(
                "  SCIM:   {} · token {}{}",
                s.url,
                if c.has_scim_token {
                    store.phrase()
                } else {
                    "missing"
                },
                s.token_expires_at
                    .map(|t| format!(" · expires {}", t.format("%Y-%m-%d")))
                    .unwrap_or_default()
            ),
            None => println!("  SCIM:   not watched"),
        }
    }
}
