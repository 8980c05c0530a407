//! App roles: Entra sends a role on Create User only when the Users
//! mapping maps app roles (SingleAppRoleAssignment,
//! AppRoleAssignmentsComplex…), with `roles[].type`
//! `"WindowsAzureActiveDirectoryRole"` — a value some servers refuse (SCIMMY
//! answers 400, so the user is never created). Whether the mapping maps
//! roles is read from the stored synchronization schema (the Graph side's
//! `config_versions`, [`super::roles_mapping`]); the operation runs only
//! then, is *not applicable* when the mapping maps none, and *not checked*
//! when scimwatch has no mapping to read — never a pass.

use reqwest::Method;
use scimwatch_core::scim::write_probe::{has_role, EntraReaction, StepOutcome};

use super::cleanup;
use super::plan::{self, Op, ROLE_VALUE};
use super::roles_mapping::RolesMapping;
use super::run::{Run, Stop};
use super::verify;

impl Run<'_> {
    /// The clean-up list's run id of the user with a role (one row per
    /// resource and run: the plain user holds the run's own).
    fn role_run_id(&self) -> String {
        format!("{}/role", self.run_id)
    }

    /// Create a second throwaway user the way Entra does when roles are
    /// mapped, read the role back, delete the user.
    pub(super) async fn roles(&mut self) -> Result<(), Stop> {
        let op = Op::CreateUserWithRole;
        let mapped = match self.roles.clone() {
            RolesMapping::Unknown(why) => {
                self.skip(
                    op,
                    StepOutcome::NotChecked,
                    &format!(
                        "not checked: {why}. Entra sends a role on Create User only when the \
                         Users mapping maps app roles (SingleAppRoleAssignment, \
                         AppRoleAssignmentsComplex); if yours does, some servers refuse its \
                         roles[].type \"WindowsAzureActiveDirectoryRole\""
                    ),
                );
                return Ok(());
            }
            RolesMapping::NotMapped => {
                self.skip(
                    op,
                    StepOutcome::NotApplicable,
                    "no roles mapping: the Users mapping maps no app role, so Entra sends \
                     roles: [] (the Create User above)",
                );
                return Ok(());
            }
            RolesMapping::Mapped(lines) => lines,
        };
        if self.user_id.is_none() {
            self.skip(
                op,
                StepOutcome::NotRun,
                "the plain Create User failed, so a create carrying a role could not be judged \
                 apart from it",
            );
            return Ok(());
        }
        let n = self.n.clone();
        let sub = self.role_run_id();
        let listed = cleanup::intend(
            self.pool,
            self.connection_id,
            &sub,
            "Users",
            &n.role_user_name,
            self.now,
        )
        .await;
        self.db(listed)?;
        let body = plan::create_user_with_role(&n);
        let c = self.call(Method::POST, "Users", &[], Some(&body)).await;
        let r = self.answer(op, &c)?;
        let status = r.status;
        let id = match verify::created(r) {
            Ok((id, _)) => id,
            Err((m, reaction)) => {
                let m = format!(
                    "{m}: the SaaS refuses Entra's Create User carrying an app role \
                     (roles[].type \"WindowsAzureActiveDirectoryRole\", value \"{ROLE_VALUE}\"; \
                     your Users mapping maps roles: {mapped}), so a user with a role assigned \
                     is never created"
                );
                return self.judged(op, &c, None, Err((m, reaction)));
            }
        };
        let stored = cleanup::set_id(self.pool, self.connection_id, &sub, "Users", &id).await;
        self.db(stored)?;
        let path = format!("Users/{id}");
        let (rb, v) = self.read(op, &path).await?;
        let verdict = match v {
            Some(u) if has_role(&u, ROLE_VALUE) => Ok(format!(
                "created (HTTP {status}) and the role {ROLE_VALUE} reads back"
            )),
            Some(_) => Err((
                format!(
                    "created (HTTP {status}) but the user reads back without the role \
                     {ROLE_VALUE}: Entra records the role as provisioned"
                ),
                EntraReaction::SilentDrift,
            )),
            None => Err((
                format!(
                    "created (HTTP {status}) but reading the user back answered HTTP {}",
                    rb.exchange.status.unwrap_or_default()
                ),
                EntraReaction::Escrow,
            )),
        };
        // Deleted now; whatever is still listed, the run's clean-up deletes.
        let d = self.call(Method::DELETE, &path, &[], None).await;
        if d.resp.is_some_and(|r| (200..300).contains(&r.status)) {
            let g = self.call(Method::GET, &path, &[], None).await;
            if g.resp.is_some_and(|r| r.status == 404 || r.status == 410) {
                let gone = cleanup::forget(self.pool, self.connection_id, &sub, "Users").await;
                self.db(gone)?;
            }
        }
        self.judged(op, &c, Some(&rb), verdict)
    }
}
