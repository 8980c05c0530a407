//! The group operations: query, create, get, the displayName lookup,
//! rename, and adding and removing a member. Not applicable when the SaaS
//! has no /Groups.

use reqwest::Method;
use scimwatch_core::scim::write_probe::{has_member, str_at, EntraReaction, StepOutcome};

use super::cleanup;
use super::plan::{self, eq_filter, Op};
use super::run::{step, Run, Stop};
use super::verify;

impl Run<'_> {
    pub(super) async fn groups(&mut self) -> Result<(), Stop> {
        let n = self.n.clone();
        let f = eq_filter("displayName", &n.group_name);
        let q = [("excludedAttributes", "members"), ("filter", f.as_str())];
        let c = self.call(Method::GET, "Groups", &q, None).await;
        let r = self.answer(Op::QueryGroupBeforeCreate, &c)?;
        if matches!(r.status, 404 | 405 | 501) {
            // No filter support, or no /Groups at all?
            let plain = self
                .call(Method::GET, "Groups", &[("count", "1")], None)
                .await;
            let status = plain.resp.as_ref().map(|r| r.status);
            if matches!(status, Some(404 | 405 | 501)) {
                let why = format!(
                    "the SaaS has no /Groups endpoint (GET /Groups answered HTTP {}): Entra provisions \
                     groups only when they are supported, so keep the groups mapping off",
                    status.unwrap_or_default()
                );
                for op in Op::ALL.iter().filter(|o| o.is_group()) {
                    self.skip(*op, StepOutcome::NotApplicable, &why);
                }
                return Ok(());
            }
        }
        let v = verify::empty_list(r, "displayName")
            .map(|()| "200 with an empty ListResponse".to_string());
        self.judged(Op::QueryGroupBeforeCreate, &c, None, v)?;

        let listed = cleanup::intend(
            self.pool,
            self.connection_id,
            &self.run_id,
            "Groups",
            &n.group_name,
            self.now,
        )
        .await;
        self.db(listed)?;
        let c = self
            .call(Method::POST, "Groups", &[], Some(&plan::create_group(&n)))
            .await;
        let r = self.answer(Op::CreateGroup, &c)?;
        let gid = match verify::created(r) {
            Ok((id, note)) => {
                let stored =
                    cleanup::set_id(self.pool, self.connection_id, &self.run_id, "Groups", &id)
                        .await;
                self.db(stored)?;
                self.judged(
                    Op::CreateGroup,
                    &c,
                    None,
                    Ok(note.unwrap_or_else(|| format!("201 Created, id {id}"))),
                )?;
                id
            }
            Err(f) => {
                self.judged(Op::CreateGroup, &c, None, Err(f))?;
                return Ok(());
            }
        };
        self.group_id = Some(gid.clone());
        let path = format!("Groups/{gid}");

        let c = self
            .call(
                Method::GET,
                &path,
                &[("excludedAttributes", "members")],
                None,
            )
            .await;
        let r = self.answer(Op::GetGroup, &c)?;
        let v = verify::got(r, &gid).and_then(|g| match str_at(&g, "displayName") {
            Some(x) if x == n.group_name => Ok("200 with the group".to_string()),
            other => Err((
                format!("the group reads back with displayName {other:?}"),
                EntraReaction::Escrow,
            )),
        });
        self.judged(Op::GetGroup, &c, None, v)?;

        let c = self.call(Method::GET, "Groups", &q, None).await;
        let r = self.answer(Op::QueryGroupByDisplayName, &c)?;
        let v = verify::found_only(r, &gid, "displayName")
            .map(|()| "found exactly the group".to_string());
        self.judged(Op::QueryGroupByDisplayName, &c, None, v)?;

        let renamed = cleanup::add_name(
            self.pool,
            self.connection_id,
            &self.run_id,
            "Groups",
            &n.group_name_renamed,
        )
        .await;
        self.db(renamed)?;
        let want = n.group_name_renamed.clone();
        self.patch_and_check(
            Op::RenameGroup,
            &path,
            plan::rename_group(&n),
            |g| match str_at(g, "displayName") {
                Some(x) if x == want => Ok("the new displayName reads back".into()),
                other => Err((
                    format!("the group reads back with displayName {other:?}"),
                    EntraReaction::SilentDrift,
                )),
            },
        )
        .await?;

        let Some(uid) = self.user_id.clone() else {
            for op in [Op::AddMember, Op::RemoveMember] {
                self.skip(
                    op,
                    StepOutcome::NotRun,
                    "no probe user to add: creating it failed",
                );
            }
            return Ok(());
        };
        self.member(Op::AddMember, &path, "Add", &uid, true).await?;
        let added = self
            .steps
            .last()
            .is_some_and(|s| s.outcome == StepOutcome::Pass);
        if added {
            self.member(Op::RemoveMember, &path, "Remove", &uid, false)
                .await?;
        } else {
            // A member that was never there reads back "removed" whatever
            // the PATCH did: no evidence either way.
            self.skip(
                Op::RemoveMember,
                StepOutcome::NotRun,
                "the member was not seen added, so its removal could not be judged",
            );
        }
        Ok(())
    }

    async fn member(
        &mut self,
        op: Op,
        path: &str,
        verb: &str,
        uid: &str,
        want: bool,
    ) -> Result<(), Stop> {
        let c = self
            .call(Method::PATCH, path, &[], Some(&plan::members(verb, uid)))
            .await;
        let r = self.answer(op, &c)?;
        if let Err(f) = verify::accepted(r, "the PATCH") {
            return self.judged(op, &c, None, Err(f));
        }
        let status = r.status;
        let (rb, v) = self.read(op, path).await?;
        let has = v.as_ref().and_then(|g| has_member(g, uid));
        let verdict = match has {
            Some(h) if h == want => Ok(format!(
                "the member reads back {}",
                if want { "added" } else { "removed" }
            )),
            // The removal runs only after the added member was read back,
            // so this server lists members when there are any: none listed
            // is an empty group (RFC 7643 §2.5 omits empty attributes).
            None if !want => Ok(
                "the group reads back without members (it listed the member before): removed"
                    .to_string(),
            ),
            Some(_) => Err((
                format!(
                    "accepted (HTTP {status}) but the member reads back {}",
                    if want { "missing" } else { "still there" }
                ),
                EntraReaction::SilentDrift,
            )),
            None => {
                let mut s = step(op, StepOutcome::Unverified, format!(
                    "accepted (HTTP {status}), but the group reads back without members, so the change cannot be confirmed"
                ));
                s.request = Some(c.sent.clone());
                s.response = Some(c.exchange.clone());
                s.read_back = Some(rb.exchange.clone());
                self.push(s);
                return self.checkpoint();
            }
        };
        self.judged(op, &c, Some(&rb), verdict)
    }
}
