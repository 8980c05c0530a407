//! One round across many connections at once (issue 21, item 4).
//!
//! A round's connections are cut into [`Unit`]s: an all-apps tenant with
//! its apps (one token, one Graph budget, one log stream: polled in order
//! by one task, keeping the tenant's pace), or one other connection. Units
//! are independent, so up to `FleetConfig::concurrency` of them run at
//! once (a `JoinSet`; the rest wait for a free place).
//!
//! A round has two phases, each across every unit: first what the status
//! needs ([`Phase::Jobs`]: a tenant's discovery, every job, the tenant's
//! log stream), then the rest ([`Phase::Rest`]: configurations — schema,
//! secrets, assignments — and a one-app connection's logs). So a job's
//! state never waits behind other apps' configuration reads.
//!
//! Each task gets the scheduling state ([`ConnState`]) of its unit's
//! connections moved out of the worker and gives it back when done.

use std::collections::{BTreeMap, HashMap};

use tokio::task::JoinSet;

use super::{ConnState, Worker};
use crate::poll_target::PollTarget;
use crate::store::connections::ConnectionRow;

/// Which reads a phase of a round makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Discovery, jobs, a tenant's log stream.
    Jobs,
    /// Configurations, a one-app connection's logs.
    Rest,
}

/// What one task of a round polls.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    /// The all-apps tenant (`None`: one connection on its own, or apps
    /// whose tenant row is not an all-apps tenant any more).
    pub tenant: Option<ConnectionRow>,
    /// Its apps (not retired), or the one connection.
    pub conns: Vec<ConnectionRow>,
}

impl Unit {
    fn uuids(&self) -> impl Iterator<Item = &String> {
        self.tenant.iter().chain(self.conns.iter()).map(|r| &r.uuid)
    }
}

/// Cut a round's rows into units (pure): each all-apps tenant with its
/// apps that are not retired, then every other connection with an Entra
/// side on its own. Apps of a tenant that is not listed as all-apps stay
/// together (they share a sign-in).
pub(super) fn units(list: Vec<ConnectionRow>) -> Vec<Unit> {
    let mut tenants: BTreeMap<String, Unit> = BTreeMap::new();
    let mut orphans: BTreeMap<String, Vec<ConnectionRow>> = BTreeMap::new();
    let mut alone = Vec::new();
    let (heads, rest): (Vec<_>, Vec<_>) = list
        .into_iter()
        .filter(|r| r.tenant_id.is_some())
        .partition(|r| r.all_apps);
    for t in heads {
        tenants.insert(
            t.uuid.clone(),
            Unit {
                tenant: Some(t),
                conns: Vec::new(),
            },
        );
    }
    for r in rest.into_iter().filter(|r| r.retired_ms.is_none()) {
        match r.tenant_uuid.clone() {
            Some(t) => match tenants.get_mut(&t) {
                Some(u) => u.conns.push(r),
                None => orphans.entry(t).or_default().push(r),
            },
            None => alone.push(Unit {
                tenant: None,
                conns: vec![r],
            }),
        }
    }
    tenants
        .into_values()
        .chain(orphans.into_values().map(|conns| Unit {
            tenant: None,
            conns,
        }))
        .chain(alone)
        .collect()
}

impl Worker {
    /// A worker for one unit: the unit's scheduling state moves to it.
    fn detach(&mut self, unit: &Unit) -> Worker {
        let conns: HashMap<String, ConnState> = unit
            .uuids()
            .filter_map(|u| self.conns.remove_entry(u))
            .collect();
        Worker {
            engine: self.engine.clone(),
            cfg: self.cfg.clone(),
            events: self.events.clone(),
            conns,
        }
    }

    /// Run `phase` of every unit, at most `FleetConfig::concurrency` at
    /// once; returns the units (a tenant's apps as its discovery left
    /// them) for the next phase.
    pub(super) async fn fan_out(
        &mut self,
        units: Vec<Unit>,
        force: Option<&PollTarget>,
        phase: Phase,
    ) -> Vec<Unit> {
        let limit = self.cfg.fleet.concurrency.max(1);
        let force: Option<PollTarget> = force.cloned();
        let mut set: JoinSet<(HashMap<String, ConnState>, Unit)> = JoinSet::new();
        let mut out = Vec::with_capacity(units.len());
        let now = tokio::time::Instant::now();
        for unit in units {
            // Nothing due: not started (the tick runs every 5 s).
            if !self.has_work(&unit, force.as_ref(), phase, now) {
                out.push(unit);
                continue;
            }
            while set.len() >= limit {
                match set.join_next().await {
                    Some(done) => self.absorb(done, &mut out),
                    None => break,
                }
            }
            let mut sub = self.detach(&unit);
            let force = force.clone();
            set.spawn(async move {
                let unit = sub.poll_unit(unit, force.as_ref(), phase).await;
                (sub.conns, unit)
            });
        }
        while let Some(done) = set.join_next().await {
            self.absorb(done, &mut out);
        }
        out
    }

    fn absorb(
        &mut self,
        done: Result<(HashMap<String, ConnState>, Unit), tokio::task::JoinError>,
        out: &mut Vec<Unit>,
    ) {
        match done {
            Ok((conns, unit)) => {
                self.conns.extend(conns);
                out.push(unit);
            }
            // Its connections start afresh next round (their state is lost).
            Err(e) => tracing::warn!(error = %e, "poller: a connection's task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uuid: &str, tenant: Option<&str>, all_apps: bool) -> ConnectionRow {
        ConnectionRow {
            uuid: uuid.into(),
            name: uuid.into(),
            tenant_id: Some("t".into()),
            all_apps,
            tenant_uuid: tenant.map(Into::into),
            ..ConnectionRow::default()
        }
    }

    #[test]
    fn a_tenant_and_its_apps_are_one_unit_others_alone() {
        let mut retired = row("a3", Some("T1"), false);
        retired.retired_ms = Some(1);
        let mut scim_only = row("s", None, false);
        scim_only.tenant_id = None;
        let list = vec![
            row("a1", Some("T1"), false),
            row("T1", None, true),
            row("b1", Some("T2"), false),
            row("T2", None, true),
            row("one", None, false),
            row("a2", Some("T1"), false),
            retired,
            row("o1", Some("gone"), false),
            scim_only,
        ];
        let u = units(list);
        let shape: Vec<(Option<&str>, Vec<&str>)> = u
            .iter()
            .map(|u| {
                (
                    u.tenant.as_ref().map(|t| t.uuid.as_str()),
                    u.conns.iter().map(|c| c.uuid.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some("T1"), vec!["a1", "a2"]),
                (Some("T2"), vec!["b1"]),
                (None, vec!["o1"]),
                (None, vec!["one"]),
            ]
        );
    }
}
