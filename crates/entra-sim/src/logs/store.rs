//! The store's methods: recording events and cycles, querying a page.

use super::*;

impl LogStore {
    /// An empty store whose ids derive from `salt`.
    pub fn new(salt: u64) -> Self {
        Self {
            salt,
            ..Self::default()
        }
    }

    /// Number of stored events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The stored event at `pos`.
    pub fn get(&self, pos: usize) -> Option<&EventRecord> {
        self.events.get(pos)
    }

    /// Failures pushed from now on report their codes with this app prefix.
    pub fn set_code_prefix(&mut self, prefix: Option<String>) {
        self.code_prefix = prefix.filter(|p| !p.is_empty());
    }

    /// Begin a cycle; returns its index and id.
    pub fn begin_cycle(&mut self, id: Uuid) -> u32 {
        let idx = self.cycles.len() as u32;
        let n = self.events.len();
        self.cycles.push(CycleMeta {
            id,
            first: n,
            end: n,
        });
        self.cycle_index.insert(id.to_string(), idx);
        idx
    }

    /// The id of cycle `idx`.
    pub fn cycle_id(&self, idx: u32) -> Uuid {
        self.cycles
            .get(idx as usize)
            .map(|c| c.id)
            .unwrap_or_default()
    }

    /// Append an event of cycle `cycle` (the last begun cycle). Events must
    /// come in time order; an earlier time is clamped to the last one.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        cycle: u32,
        at: DateTime<Utc>,
        object: Principal,
        action: Action,
        outcome: Outcome,
        error: Option<ErrorKind>,
        duration_ms: u32,
        detail: Option<EventDetail>,
    ) {
        let at = whole_second(at);
        let at = match self.events.last() {
            Some(last) if last.at > at => last.at,
            _ => at,
        };
        let (retried, escrowed_at) = if outcome == Outcome::Failure {
            let e = self.escrows.entry(object).or_insert((0, at));
            let before = *e;
            e.0 = e.0.saturating_add(1);
            (before.0, (before.0 > 0).then_some(before.1))
        } else {
            self.escrows.remove(&object);
            (0, None)
        };
        let detail = match (&self.code_prefix, outcome) {
            (Some(p), Outcome::Failure) => Some(EventDetail {
                code_prefix: Some(p.clone()),
                ..detail.unwrap_or_default()
            }),
            _ => detail,
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.events.push(EventRecord {
            at,
            seq,
            cycle,
            object,
            action,
            outcome,
            error,
            duration_ms,
            detail: detail.map(Box::new),
            retried,
            escrowed_at,
            app: 0,
        });
        if let Some(c) = self.cycles.get_mut(cycle as usize) {
            c.end = self.events.len();
        }
    }

    /// Append a synthetic event (no error, no details) of extra app `app`
    /// (`crate::apps`) to cycle `cycle`.
    #[allow(clippy::too_many_arguments)]
    pub fn push_app(
        &mut self,
        app: u16,
        cycle: u32,
        at: DateTime<Utc>,
        object: Principal,
        action: Action,
        outcome: Outcome,
        duration_ms: u32,
    ) {
        self.push(cycle, at, object, action, outcome, None, duration_ms, None);
        if let Some(e) = self.events.last_mut() {
            e.app = app;
        }
    }

    /// Generate `n` synthetic historical events deterministically, spread over
    /// the 28 days before the earliest stored event (or `now`), in cycles 40
    /// minutes apart. They are placed before every existing event.
    pub fn seed(&mut self, n: usize, now: DateTime<Utc>, tenant: &Tenant, seed: u64) {
        if n == 0 {
            return;
        }
        let end = self.events.first().map(|e| e.at).unwrap_or(now).min(now);
        let span = Duration::days(28);
        let start = end - span;
        let cycle_len = Duration::minutes(40);
        let n_cycles = ((span.num_seconds() / cycle_len.num_seconds()) as usize).clamp(1, n);
        let per_cycle = n.div_ceil(n_cycles);
        let mut rng = SimRng::new(seed ^ 0xC0FF_EE00);
        let mut events = Vec::with_capacity(n + self.events.len());
        let mut cycles = Vec::with_capacity(n_cycles + self.cycles.len());
        let users = tenant.users.len() as u64;
        let groups = tenant.groups.len() as u64;
        let mut made = 0usize;
        let mut seq = self.next_seq;
        for c in 0..n_cycles {
            if made >= n {
                break;
            }
            let began = start + cycle_len * c as i32;
            let count = per_cycle.min(n - made);
            let first = events.len();
            let step_ms = (cycle_len.num_milliseconds() / 2) / (count as i64 + 1);
            for k in 0..count {
                let r = rng.next_u64();
                let object = if groups > 0 && r.is_multiple_of(20) {
                    Principal::Group((r >> 8) as u32 % groups as u32)
                } else if users > 0 {
                    Principal::User(((r >> 8) % users) as u32)
                } else if groups > 0 {
                    Principal::Group(0)
                } else {
                    continue;
                };
                let roll = (r >> 40) % 100;
                let (action, outcome, error) = match roll {
                    0..=59 => (Action::Update, Outcome::Success, None),
                    60..=79 => (Action::Create, Outcome::Success, None),
                    80..=84 => (Action::Disable, Outcome::Success, None),
                    85..=93 => (
                        Action::Other,
                        Outcome::Skipped,
                        Some(ErrorKind::NotEffectivelyEntitled),
                    ),
                    94..=96 => (
                        Action::Create,
                        Outcome::Failure,
                        Some(ErrorKind::EntryConflict),
                    ),
                    97..=98 => (
                        Action::Update,
                        Outcome::Failure,
                        Some(ErrorKind::InternalServerError),
                    ),
                    _ => (Action::Update, Outcome::Failure, Some(ErrorKind::Timeout)),
                };
                events.push(EventRecord {
                    at: whole_second(began + Duration::milliseconds(step_ms * (k as i64 + 1))),
                    seq,
                    cycle: c as u32,
                    object,
                    action,
                    outcome,
                    error,
                    duration_ms: 200 + (r >> 50) as u32 % 3000,
                    detail: None,
                    retried: 0,
                    escrowed_at: None,
                    app: 0,
                });
                seq += 1;
                made += 1;
            }
            cycles.push(CycleMeta {
                id: rng.uuid(),
                first,
                end: events.len(),
            });
        }
        let offset = events.len();
        let cycle_offset = cycles.len() as u32;
        for mut e in self.events.drain(..) {
            e.cycle += cycle_offset;
            events.push(e);
        }
        for mut c in self.cycles.drain(..) {
            c.first += offset;
            c.end += offset;
            cycles.push(c);
        }
        self.events = events;
        self.cycles = cycles;
        self.stored.clear();
        self.cycle_index = self
            .cycles
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.to_string(), i as u32))
            .collect();
        self.next_seq = seq;
    }

    /// Run a query: `clauses` (already parsed), order, page size, cursor,
    /// the oldest time still retained, and the tenant's apps by log app
    /// number as `(jobId, servicePrincipal id)` (index 0: the main app).
    #[allow(clippy::too_many_arguments)]
    pub fn query(
        &self,
        clauses: &[Clause],
        desc: bool,
        top: usize,
        cursor: Option<usize>,
        retained_from: DateTime<Utc>,
        apps: &[(String, String)],
    ) -> Page {
        let empty = Page {
            items: vec![],
            next: None,
        };
        // `jobId` / `servicePrincipal/id` name one app: its events only.
        let mut app: Option<u16> = None;
        let mut lo = self.events.partition_point(|e| e.at < retained_from);
        let mut hi = self.events.len();
        let mut eqs: Vec<(&str, &str)> = Vec::new();
        for c in clauses {
            match c {
                Clause::Time(op, t) => match op {
                    CmpOp::Gt => lo = lo.max(self.events.partition_point(|e| e.at <= *t)),
                    CmpOp::Ge => lo = lo.max(self.events.partition_point(|e| e.at < *t)),
                    CmpOp::Lt => hi = hi.min(self.events.partition_point(|e| e.at < *t)),
                    CmpOp::Le => hi = hi.min(self.events.partition_point(|e| e.at <= *t)),
                },
                Clause::Eq(f, v) => match f.as_str() {
                    "jobId" | "servicePrincipal/id" => {
                        let by_job = f == "jobId";
                        let pos = apps
                            .iter()
                            .position(|(job, sp)| if by_job { job == v } else { sp == v });
                        let Some(n) = pos.and_then(|p| u16::try_from(p).ok()) else {
                            return empty;
                        };
                        if app.is_some_and(|a| a != n) {
                            return empty;
                        }
                        app = Some(n);
                    }
                    "cycleId" => match self
                        .cycle_index
                        .get(v)
                        .and_then(|i| self.cycles.get(*i as usize))
                    {
                        Some(c) => {
                            lo = lo.max(c.first);
                            hi = hi.min(c.end);
                        }
                        None => {
                            return Page {
                                items: vec![],
                                next: None,
                            }
                        }
                    },
                    _ => eqs.push((f.as_str(), v.as_str())),
                },
            }
        }
        let top = top.max(1);
        let mut items = Vec::with_capacity(top.min(1000));
        if lo >= hi {
            return Page { items, next: None };
        }
        if !desc {
            let mut i = cursor.map_or(lo, |c| c.max(lo));
            while i < hi && items.len() < top {
                if self.matches(i, &eqs, app) {
                    items.push(i);
                }
                i += 1;
            }
            Page {
                items,
                next: (i < hi).then_some(i),
            }
        } else {
            let mut i = cursor.map_or(hi, |c| c.min(hi));
            while i > lo && items.len() < top {
                i -= 1;
                if self.matches(i, &eqs, app) {
                    items.push(i);
                }
            }
            Page {
                items,
                next: (i > lo).then_some(i),
            }
        }
    }

    pub(crate) fn matches(&self, pos: usize, eqs: &[(&str, &str)], app: Option<u16>) -> bool {
        let Some(e) = self.events.get(pos) else {
            return false;
        };
        if app.is_some_and(|a| a != e.app) {
            return false;
        }
        eqs.iter().all(|(f, v)| match *f {
            "provisioningStatusInfo/status" => e.outcome.as_str() == *v,
            "provisioningAction" => e.action.as_str() == *v,
            "id" => self.event_id(e).to_string() == *v,
            "changeId" => self.change_id(e).to_string() == *v,
            _ => false,
        })
    }

    pub(crate) fn event_id(&self, e: &EventRecord) -> Uuid {
        uuid_from_bits(
            mix64(self.salt ^ e.seq),
            mix64(e.seq.wrapping_add(0x1234_5678) ^ self.salt.rotate_left(17)),
        )
    }

    pub(crate) fn change_id(&self, e: &EventRecord) -> Uuid {
        uuid_from_bits(
            mix64(self.salt.rotate_left(7) ^ e.seq ^ 0xABCD),
            mix64(e.seq ^ 0x5555),
        )
    }

    /// The event at `pos` as Graph's `provisioningObjectSummary`, ready to serialise.
    pub(crate) fn view<'a>(&'a self, pos: usize, ctx: &RenderCtx<'a>) -> Option<EventView<'a>> {
        let e = self.events.get(pos)?;
        let ids = EventIds {
            id: self.event_id(e),
            cycle: self.cycle_id(e.cycle),
            change: self.change_id(e),
            target: uuid_from_bits(mix64(e.seq ^ 0x7777), mix64(self.salt ^ e.seq)),
        };
        let mut view = EventView::new(e, ids, ctx.tenant);
        if let Some(p) = e.detail.as_deref().and_then(|d| d.code_prefix.as_deref()) {
            super::real::prefix_codes(&mut view, p);
        }
        Some(view)
    }

    /// Render the event at `pos` as Graph's `provisioningObjectSummary`
    /// (`null` if there is none). Pages are written with [`LogStore::events_json`].
    pub fn render(&self, pos: usize, ctx: &RenderCtx<'_>) -> Value {
        serde_json::to_value(self.view(pos, ctx)).unwrap_or(Value::Null)
    }

    /// Write the JSON of every event not written yet and keep it: later
    /// pages serve the kept text. Returns how many events are kept.
    pub fn store_json(&mut self, ctx: &RenderCtx<'_>) -> Result<usize, serde_json::Error> {
        for pos in self.stored.len()..self.events.len() {
            let text = serde_json::to_string(&self.view(pos, ctx))?;
            self.stored.push(RawValue::from_string(text)?);
        }
        Ok(self.stored.len())
    }

    /// The events at `items` as a JSON array, serialised without building
    /// `serde_json::Value`s (e.g. with `serde_json::to_writer`).
    pub fn events_json<'a>(&'a self, items: &'a [usize], ctx: &RenderCtx<'a>) -> EventsJson<'a> {
        EventsJson {
            store: self,
            items,
            ctx: ctx.clone(),
            shape: LogShape::V1,
        }
    }
}
