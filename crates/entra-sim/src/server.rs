//! The one axum router: Graph, sign-in, the SCIM target and `/_sim/`.

use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use crate::scim::misbehave;
use crate::state::SimState;
use crate::{auth, control, graph};

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/v1.0/servicePrincipals", get(graph::service_principals))
        .route(
            "/v1.0/servicePrincipals/{id}",
            get(graph::service_principal),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/appRoleAssignedTo",
            get(graph::app_role_assigned_to),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/synchronization/jobs",
            get(graph::jobs),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/synchronization/jobs/{job}",
            get(graph::job),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/synchronization/jobs/{job}/schema",
            get(graph::schema),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/synchronization/jobs/{job}/provisionOnDemand",
            post(graph::provision_on_demand),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/synchronization/jobs/{job}/{action}",
            post(graph::job_action),
        )
        .route(
            "/v1.0/servicePrincipals/{id}/synchronization/secrets",
            get(graph::secrets).put(graph::put_secrets),
        )
        .route("/v1.0/groups/{id}/members", get(graph::group_members))
        .route("/v1.0/users", get(graph::users))
        .route(
            "/v1.0/auditLogs/provisioning",
            get(graph::provisioning_logs),
        )
        .route("/v1.0/{*rest}", any(graph::not_found))
        .route("/{tenant}/oauth2/v2.0/authorize", get(auth::authorize))
        .route(
            "/{tenant}/oauth2/v2.0/authorize/consent",
            get(auth::consent),
        )
        .route(
            "/{tenant}/adminconsent",
            get(auth::admin_consent::admin_consent),
        )
        .route(
            "/{tenant}/adminconsent/decide",
            get(auth::admin_consent::decide),
        )
        .route("/{tenant}/oauth2/v2.0/token", post(auth::token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(auth::devicecode))
        .route("/devicelogin", get(auth::devicelogin))
        .route("/scim/v2/{*rest}", any(misbehave::dispatch))
        .route(
            "/_sim/faults",
            get(control::list_faults)
                .post(control::inject)
                .delete(control::clear),
        )
        .route("/_sim/cycle", post(control::cycle))
        .route("/_sim/advance", post(control::advance))
        .route("/_sim/state", get(control::summary))
        .route("/_sim/events", post(control::seed_events))
        .route(
            "/_sim/devicecode/{code}/{decision}",
            post(control::device_decision),
        )
        .with_state(state)
}
