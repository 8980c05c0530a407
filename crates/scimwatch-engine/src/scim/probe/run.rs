//! Sending Entra's operations in order and judging each by reading its
//! effect back. Every created object is on the clean-up list before the
//! request that creates it; whatever happens (a failure, a cancel, the
//! endpoint gone), the run ends by deleting what is still listed.

use std::time::Instant;

use chrono::{DateTime, Utc};
use reqwest::Method;
use scimwatch_core::scim::write_probe::{EntraReaction, StepOutcome};
use serde_json::Value;
use sqlx::SqlitePool;

use super::super::client::{Exchange, ScimClient, ScimResponse};
use super::plan::{Names, Op};
use super::roles_mapping::{stored_roles_mapping, RolesMapping};
use super::verify::{self, Failure};
use super::{cleanup, Leftover, ProbeStep, RunOptions, SentRequest};

/// What a write run produced.
pub(super) struct WriteRun {
    pub steps: Vec<ProbeStep>,
    pub cleaned_up: Vec<String>,
    pub leftovers: Vec<Leftover>,
    /// Why the run stopped before the end (cancelled, endpoint gone, the
    /// clean-up list unwritable).
    pub stopped: Option<String>,
}

/// Every operation *not run*, for `why`.
pub(super) fn not_run_all(why: &str) -> Vec<ProbeStep> {
    Op::ALL
        .iter()
        .map(|op| step(*op, StepOutcome::NotRun, why.into()))
        .collect()
}

pub(super) fn step(op: Op, outcome: StepOutcome, message: String) -> ProbeStep {
    ProbeStep {
        code: op.code().into(),
        title: op.title().into(),
        outcome,
        message,
        entra_reaction: None,
        entra_would: None,
        request: None,
        response: None,
        read_back: None,
    }
}

/// One request and its answer.
pub(super) struct Call {
    pub(super) sent: SentRequest,
    pub(super) resp: Option<ScimResponse>,
    pub(super) exchange: Exchange,
}

/// Why the sequence stopped.
pub(super) struct Stop(pub(super) String);

pub(super) struct Run<'a> {
    pub(super) client: &'a ScimClient,
    pub(super) pool: &'a SqlitePool,
    pub(super) connection_id: i64,
    pub(super) run_id: String,
    pub(super) opts: &'a RunOptions<'a>,
    pub(super) now: DateTime<Utc>,
    pub(super) n: Names,
    pub(super) steps: Vec<ProbeStep>,
    pub(super) user_id: Option<String>,
    pub(super) group_id: Option<String>,
    /// Whether the Users mapping maps app roles (the stored schema).
    pub(super) roles: RolesMapping,
}

impl Run<'_> {
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Call {
        let url = self.client.url_for(path, query);
        let text = body.map(Value::to_string);
        let started = Instant::now();
        let r = self
            .client
            .send(method.clone(), &url, text.as_deref().map(str::as_bytes))
            .await;
        let sent = SentRequest {
            method: method.to_string(),
            url: url.clone(),
            body: text.map(|t| self.client.scrub(&t)),
        };
        match r {
            Ok(resp) => Call {
                exchange: self.client.exchange_for(method.as_str(), &url, &resp),
                sent,
                resp: Some(resp),
            },
            Err(e) => Call {
                exchange: self.client.failed_exchange_for(
                    method.as_str(),
                    &url,
                    &e,
                    started.elapsed(),
                ),
                sent,
                resp: None,
            },
        }
    }

    /// The answer, or stop: no answer means nothing can be concluded.
    pub(super) fn answer<'c>(&mut self, op: Op, c: &'c Call) -> Result<&'c ScimResponse, Stop> {
        match &c.resp {
            Some(r) => Ok(r),
            None => {
                let why = format!(
                    "the endpoint stopped answering: {}",
                    c.exchange.error.clone().unwrap_or_default()
                );
                let mut s = step(op, StepOutcome::NotRun, why.clone());
                s.request = Some(c.sent.clone());
                s.response = Some(c.exchange.clone());
                self.push(s);
                Err(Stop(why))
            }
        }
    }

    pub(super) fn push(&mut self, s: ProbeStep) {
        if let Some(f) = self.opts.on_step {
            f(&s);
        }
        self.steps.push(s);
    }

    /// Record a judged step; stop after a refused token (every later
    /// request would be refused too) or when cancelled.
    pub(super) fn judged(
        &mut self,
        op: Op,
        c: &Call,
        read_back: Option<&Call>,
        verdict: Result<String, Failure>,
    ) -> Result<(), Stop> {
        let (outcome, message, reaction) = match verdict {
            Ok(m) => (StepOutcome::Pass, m, None),
            Err((m, r)) => (StepOutcome::Fail, m, Some(r)),
        };
        let mut s = step(op, outcome, message);
        s.entra_reaction = reaction;
        s.entra_would = reaction.map(|r| r.describe().to_string());
        s.request = Some(c.sent.clone());
        s.response = Some(c.exchange.clone());
        s.read_back = read_back.map(|r| r.exchange.clone());
        self.push(s);
        if reaction == Some(EntraReaction::Quarantine) {
            return Err(Stop(
                "the token was refused for a write (HTTP 401/403)".into(),
            ));
        }
        self.checkpoint()
    }

    pub(super) fn checkpoint(&self) -> Result<(), Stop> {
        if self.opts.cancel.is_cancelled() {
            Err(Stop("cancelled".into()))
        } else {
            Ok(())
        }
    }

    pub(super) fn skip(&mut self, op: Op, outcome: StepOutcome, why: &str) {
        self.push(step(op, outcome, why.to_string()));
    }

    pub(super) fn db<T>(&self, r: Result<T, sqlx::Error>) -> Result<T, Stop> {
        r.map_err(|e| {
            Stop(format!(
                "cannot write the clean-up list, so nothing more is written: {e}"
            ))
        })
    }

    /// GET the object back.
    pub(super) async fn read(&mut self, op: Op, path: &str) -> Result<(Call, Option<Value>), Stop> {
        let c = self.call(Method::GET, path, &[], None).await;
        let r = self.answer(op, &c)?;
        let v = (r.status == 200).then(|| verify::json(r)).flatten();
        Ok((c, v))
    }

    /// A PATCH, then a read-back judged by `check`.
    pub(super) async fn patch_and_check(
        &mut self,
        op: Op,
        path: &str,
        body: Value,
        check: impl Fn(&Value) -> Result<String, Failure>,
    ) -> Result<bool, Stop> {
        let c = self.call(Method::PATCH, path, &[], Some(&body)).await;
        let r = self.answer(op, &c)?;
        if let Err(f) = verify::accepted(r, "the PATCH") {
            self.judged(op, &c, None, Err(f))?;
            return Ok(false);
        }
        let status = r.status;
        let (rb, v) = self.read(op, path).await?;
        let verdict = match v {
            Some(v) => check(&v).map_err(|(m, r)| (format!("accepted (HTTP {status}) but {m}"), r)),
            None => Err((
                format!(
                    "accepted (HTTP {status}) but reading the object back answered HTTP {}",
                    rb.exchange.status.unwrap_or_default()
                ),
                EntraReaction::Escrow,
            )),
        };
        let ok = verdict.is_ok();
        self.judged(op, &c, Some(&rb), verdict)?;
        Ok(ok)
    }

    async fn delete(&mut self, op: Op, resource: &str, id: &str) -> Result<(), Stop> {
        let path = format!("{resource}/{id}");
        let c = self.call(Method::DELETE, &path, &[], None).await;
        let r = self.answer(op, &c)?;
        if let Err(f) = verify::accepted(r, "the DELETE") {
            return self.judged(op, &c, None, Err(f));
        }
        let status = r.status;
        let (rb, _) = self.read(op, &path).await?;
        let after = rb.exchange.status.unwrap_or_default();
        let verdict = if after == 404 || after == 410 {
            let gone = cleanup::forget(self.pool, self.connection_id, &self.run_id, resource).await;
            self.db(gone)?;
            Ok(format!(
                "HTTP {status}, and the object is gone (GET answers {after})"
            ))
        } else {
            Err((
                format!(
                    "accepted (HTTP {status}) but the object is still there (GET answers {after})"
                ),
                EntraReaction::SilentDrift,
            ))
        };
        self.judged(op, &c, Some(&rb), verdict)
    }

    async fn sequence(&mut self) -> Result<(), Stop> {
        self.checkpoint()?;
        self.users().await?;
        self.roles().await?;
        self.groups().await?;
        if let Some(g) = self.group_id.clone() {
            self.delete(Op::DeleteGroup, "Groups", &g).await?;
        }
        if let Some(u) = self.user_id.clone() {
            self.delete(Op::DeleteUser, "Users", &u).await?;
        }
        Ok(())
    }
}

fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// Clean up earlier runs' leftovers, run the sequence, clean up this run.
pub(super) async fn write_probe(
    client: &ScimClient,
    pool: &SqlitePool,
    connection_id: i64,
    opts: &RunOptions<'_>,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> WriteRun {
    let mut out = WriteRun {
        steps: Vec::new(),
        cleaned_up: Vec::new(),
        leftovers: Vec::new(),
        stopped: None,
    };
    match cleanup::clean(client, pool, connection_id, None).await {
        Ok(c) => {
            out.cleaned_up = c.removed;
            out.leftovers = c.leftovers;
        }
        Err(e) => {
            out.stopped = Some(format!(
                "cannot read the clean-up list, so nothing is written: {e}"
            ));
            out.steps = not_run_all("the clean-up list could not be read");
            return out;
        }
    }
    let roles = stored_roles_mapping(pool, connection_id).await;
    let mut run = Run {
        client,
        pool,
        connection_id,
        run_id: uuid::Uuid::new_v4().to_string(),
        opts,
        now,
        n: Names::new(&token.map_or_else(random_token, str::to_string)),
        steps: Vec::new(),
        user_id: None,
        group_id: None,
        roles,
    };
    let stopped = run.sequence().await.err().map(|Stop(why)| why);
    // Every operation not reached is "not run", with the reason.
    let reason = stopped
        .clone()
        .unwrap_or_else(|| "an operation it depends on failed".into());
    for op in Op::ALL {
        if !run.steps.iter().any(|s| s.code == op.code()) {
            run.steps
                .push(step(op, StepOutcome::NotRun, format!("not sent: {reason}")));
        }
    }
    let order = |s: &ProbeStep| Op::ALL.iter().position(|o| o.code() == s.code);
    run.steps.sort_by_key(order);
    out.steps = std::mem::take(&mut run.steps);
    out.stopped = stopped;
    // Always clean up: whatever of this run is still listed.
    match cleanup::clean(client, pool, connection_id, Some(&run.run_id)).await {
        Ok(c) => {
            out.cleaned_up.extend(c.removed);
            out.leftovers.extend(c.leftovers);
        }
        Err(e) => out.leftovers.push(Leftover {
            resource: "Users".into(),
            id: run.user_id.clone(),
            names: std::iter::once(run.n.user_name.clone())
                .chain(run.roles.is_mapped().then(|| run.n.role_user_name.clone()))
                .chain(std::iter::once(run.n.group_name.clone()))
                .collect(),
            reason: format!("the clean-up list could not be read: {e}"),
        }),
    }
    out
}
