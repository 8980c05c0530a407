//! The user operations: query, create, get, the lookups Entra matches with
//! (userName in its case and in another, externalId), the updates and the
//! three disable forms.

use reqwest::Method;
use scimwatch_core::scim::write_probe::{
    active_of, email_of, judge_disabled, str_at, ActiveRead, EntraReaction, StepOutcome,
};
use serde_json::Value;

use super::cleanup;
use super::plan::{self, eq_filter, Op};
use super::run::{Run, Stop};
use super::verify;

impl Run<'_> {
    pub(super) async fn users(&mut self) -> Result<(), Stop> {
        let n = self.n.clone();
        let f = eq_filter("userName", &n.user_name);
        let c = self
            .call(Method::GET, "Users", &[("filter", &f)], None)
            .await;
        let r = self.answer(Op::QueryUserBeforeCreate, &c)?;
        let v = verify::empty_list(r, "userName")
            .map(|()| "200 with an empty ListResponse".to_string());
        self.judged(Op::QueryUserBeforeCreate, &c, None, v)?;

        let listed = cleanup::intend(
            self.pool,
            self.connection_id,
            &self.run_id,
            "Users",
            &n.user_name,
            self.now,
        )
        .await;
        self.db(listed)?;
        let c = self
            .call(Method::POST, "Users", &[], Some(&plan::create_user(&n)))
            .await;
        let r = self.answer(Op::CreateUser, &c)?;
        match verify::created(r) {
            Ok((id, note)) => {
                let stored =
                    cleanup::set_id(self.pool, self.connection_id, &self.run_id, "Users", &id)
                        .await;
                self.db(stored)?;
                self.user_id = Some(id.clone());
                let msg = note.unwrap_or_else(|| format!("201 Created, id {id}"));
                self.judged(Op::CreateUser, &c, None, Ok(msg))?;
            }
            Err(f) => {
                self.judged(Op::CreateUser, &c, None, Err(f))?;
                return Ok(());
            }
        }
        let id = self.user_id.clone().unwrap_or_default();
        let path = format!("Users/{id}");

        let c = self.call(Method::GET, &path, &[], None).await;
        let r = self.answer(Op::GetUser, &c)?;
        let v = verify::got(r, &id).and_then(|u| match str_at(&u, "userName") {
            Some(x) if x.eq_ignore_ascii_case(&n.user_name) => Ok("200 with the user".to_string()),
            other => Err((
                format!("the user reads back with userName {other:?}"),
                EntraReaction::Escrow,
            )),
        });
        self.judged(Op::GetUser, &c, None, v)?;

        for (op, attr, value) in [
            (Op::QueryUserByUserName, "userName", n.user_name.clone()),
            (
                Op::QueryUserByUserNameOtherCase,
                "userName",
                n.user_name_other_case.clone(),
            ),
            (
                Op::QueryUserByExternalId,
                "externalId",
                n.external_id.clone(),
            ),
        ] {
            let f = eq_filter(attr, &value);
            let c = self
                .call(Method::GET, "Users", &[("filter", &f)], None)
                .await;
            let r = self.answer(op, &c)?;
            let v = verify::found_only(r, &id, "userName")
                .map(|()| "found exactly the user".to_string())
                .map_err(|(m, reaction)| {
                    // Only "found nothing" says the comparison is
                    // case-sensitive; a refusal or a stranger says itself.
                    if op == Op::QueryUserByUserNameOtherCase && m == verify::FOUND_NOTHING {
                        (
                            format!(
                                "{m} — `userName eq \"{value}\"` for the user `{}`: the SaaS \
                                 compares userName case-sensitively (RFC 7643 §4.1.1 makes it \
                                 case-insensitive); Entra matches case-insensitively, so a user \
                                 whose UPN differs in case from the SaaS's userName is not found",
                                n.user_name
                            ),
                            reaction,
                        )
                    } else {
                        (m, reaction)
                    }
                });
            self.judged(op, &c, None, v)?;
        }

        let (email, family) = (n.email_updated.clone(), n.family_name_updated.clone());
        self.patch_and_check(
            Op::UpdateUserMultiValued,
            &path,
            plan::update_user_multi_valued(&n),
            |u| {
                let (e, f) = (email_of(u, "work"), str_at(u, "name.familyName"));
                if e == Some(email.as_str()) && f == Some(family.as_str()) {
                    Ok("the work email and the family name read back changed".into())
                } else {
                    Err((
                        format!("the user reads back with work email {e:?} and familyName {f:?}"),
                        EntraReaction::SilentDrift,
                    ))
                }
            },
        )
        .await?;

        let renamed = cleanup::add_name(
            self.pool,
            self.connection_id,
            &self.run_id,
            "Users",
            &n.user_name_renamed,
        )
        .await;
        self.db(renamed)?;
        let want = n.user_name_renamed.clone();
        self.patch_and_check(
            Op::UpdateUserName,
            &path,
            plan::update_user_name(&n),
            |u| match str_at(u, "userName") {
                Some(x) if x.eq_ignore_ascii_case(&want) => {
                    Ok("the new userName reads back".into())
                }
                other => Err((
                    format!("the user reads back with userName {other:?}"),
                    EntraReaction::SilentDrift,
                )),
            },
        )
        .await?;

        let disabled = |u: &Value| {
            judge_disabled(u)
                .map(|()| "active reads back false".to_string())
                .map_err(|m| (m, EntraReaction::SilentDrift))
        };
        let forms = [
            (Op::DisableUser, plan::set_active(false)),
            (Op::DisableUserLowerCaseOp, plan::disable_lower_case()),
            (Op::DisableUserString, plan::disable_string()),
        ];
        let mut enabled = true;
        for (i, (op, body)) in forms.into_iter().enumerate() {
            if i > 0 {
                enabled = self.re_enable(&path).await?;
            }
            if !enabled {
                self.skip(op, StepOutcome::NotRun, "re-enabling the user after the previous disable failed, so this form could not be tried");
                continue;
            }
            self.patch_and_check(op, &path, body, disabled).await?;
        }
        Ok(())
    }

    /// `Replace active: true` between the disable forms; whether it took.
    async fn re_enable(&mut self, path: &str) -> Result<bool, Stop> {
        let c = self
            .call(Method::PATCH, path, &[], Some(&plan::set_active(true)))
            .await;
        let ok = c
            .resp
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status));
        if !ok {
            return Ok(false);
        }
        let (_, v) = self.read(Op::DisableUser, path).await?;
        Ok(v.is_some_and(|u| active_of(&u) == ActiveRead::Bool(true)))
    }
}
