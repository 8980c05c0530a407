//! Reading snapshots back: a snapshot's resources (folded from its chain),
//! the diff of two snapshots, and the bytes the inventory takes.

use super::*;

/// Bodies of versions by id.
async fn bodies(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<HashMap<i64, serde_json::Value>, EngineError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders = vec!["?"; chunk.len()].join(",");
        let sql = format!("SELECT id, body_json FROM scim_versions WHERE id IN ({placeholders})");
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for (id, body) in q.fetch_all(&mut *conn).await? {
            let v = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
            out.insert(id, v);
        }
    }
    Ok(out)
}

async fn ensure_complete(
    conn: &mut SqliteConnection,
    connection_id: i64,
    snapshot_id: i64,
) -> Result<(), EngineError> {
    match get(&mut *conn, connection_id, snapshot_id).await? {
        Some(s) if s.state == "complete" => Ok(()),
        Some(s) if s.state == "incomplete" => Err(EngineError::Conflict(format!(
            "snapshot {snapshot_id} is incomplete ({}): comparing it would show resources it \
             never read as added or removed",
            s.error.as_deref().unwrap_or("not every resource was read")
        ))),
        Some(s) => Err(EngineError::Conflict(format!(
            "snapshot {snapshot_id} is {}, not complete",
            s.state
        ))),
        None => Err(EngineError::NotFound(format!(
            "no snapshot {snapshot_id} for this connection"
        ))),
    }
}

/// A complete snapshot with every resource's body.
pub async fn load(
    conn: &mut SqliteConnection,
    connection_id: i64,
    snapshot_id: i64,
) -> Result<Snapshot, EngineError> {
    ensure_complete(&mut *conn, connection_id, snapshot_id).await?;
    let state = state_of(&mut *conn, snapshot_id).await?;
    let ids: Vec<i64> = state.values().map(|e| e.version_id).collect();
    let mut b = bodies(&mut *conn, &ids).await?;
    let mut snap = Snapshot::default();
    for ((rt, id), e) in state {
        let value = b.remove(&e.version_id).unwrap_or(serde_json::Value::Null);
        let r = HashedResource::with_hash(value, e.hash);
        match rt {
            ResourceType::User => snap.users.insert(id, r),
            ResourceType::Group => snap.groups.insert(id, r),
        };
    }
    Ok(snap)
}

/// The users of a complete snapshot, as JSON.
pub async fn load_users(
    conn: &mut SqliteConnection,
    connection_id: i64,
    snapshot_id: i64,
) -> Result<Vec<serde_json::Value>, EngineError> {
    ensure_complete(&mut *conn, connection_id, snapshot_id).await?;
    let state = state_of(&mut *conn, snapshot_id).await?;
    let ids: Vec<i64> = state
        .iter()
        .filter(|(k, _)| k.0 == ResourceType::User)
        .map(|(_, e)| e.version_id)
        .collect();
    let b = bodies(&mut *conn, &ids).await?;
    Ok(ids.iter().filter_map(|id| b.get(id).cloned()).collect())
}

/// Most members (added to or removed from a group) a diff names.
pub const MEMBER_LABELS: usize = 5000;

/// The member ids of a group's body.
fn member_ids(v: Option<&serde_json::Value>) -> std::collections::BTreeSet<String> {
    v.and_then(|v| v.get("members"))
        .and_then(serde_json::Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(|x| x.get("value"))
                .filter_map(|x| match x {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Core's diff between two complete snapshots `a` (older) and `b`. Only the
/// bodies of resources that differ are loaded.
pub async fn diff(
    conn: &mut SqliteConnection,
    connection_id: i64,
    a: i64,
    b: i64,
) -> Result<SnapshotDiff, EngineError> {
    ensure_complete(&mut *conn, connection_id, a).await?;
    ensure_complete(&mut *conn, connection_id, b).await?;
    let sa = state_of(&mut *conn, a).await?;
    let sb = state_of(&mut *conn, b).await?;
    let mut need: Vec<i64> = Vec::new();
    for (k, e) in &sa {
        if sb.get(k).map(|x| x.version_id) != Some(e.version_id) {
            need.push(e.version_id);
        }
    }
    for (k, e) in &sb {
        if sa.get(k).map(|x| x.version_id) != Some(e.version_id) {
            need.push(e.version_id);
        }
    }
    need.sort_unstable();
    need.dedup();
    let mut loaded = bodies(&mut *conn, &need).await?;
    // The members added to or removed from a changed group, to name them:
    // their bodies too (at most MEMBER_LABELS of them).
    let mut members: Vec<i64> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for ((rt, id), e) in &sb {
        let Some(old) = sa.get(&(*rt, id.clone())) else {
            continue;
        };
        if *rt != ResourceType::Group || old.version_id == e.version_id {
            continue;
        }
        let ids = |v: Option<&serde_json::Value>| member_ids(v);
        let (before, after) = (
            ids(loaded.get(&old.version_id)),
            ids(loaded.get(&e.version_id)),
        );
        for m in before.symmetric_difference(&after) {
            if seen.len() >= MEMBER_LABELS || !seen.insert(m.clone()) {
                continue;
            }
            for t in [ResourceType::User, ResourceType::Group] {
                let k = (t, m.clone());
                if let Some(x) = sb.get(&k).or_else(|| sa.get(&k)) {
                    if !loaded.contains_key(&x.version_id) {
                        members.push(x.version_id);
                    }
                    break;
                }
            }
        }
    }
    members.sort_unstable();
    members.dedup();
    loaded.extend(bodies(&mut *conn, &members).await?);
    let to_snapshot = |state: &State, other: &State| {
        let mut snap = Snapshot::default();
        for ((rt, id), e) in state {
            let same = other.get(&(*rt, id.clone())).map(|x| x.version_id) == Some(e.version_id);
            // Unchanged resources only need their hash for the diff (and
            // their body when they name a member).
            let value = match loaded.get(&e.version_id) {
                Some(v) if !same || members.binary_search(&e.version_id).is_ok() => v.clone(),
                _ => serde_json::Value::Null,
            };
            let r = HashedResource::with_hash(value, e.hash);
            match rt {
                ResourceType::User => snap.users.insert(id.clone(), r),
                ResourceType::Group => snap.groups.insert(id.clone(), r),
            };
        }
        snap
    };
    let old = to_snapshot(&sa, &sb);
    let new = to_snapshot(&sb, &sa);
    Ok(diff_snapshots(&old, &new))
}

/// Bytes stored for a snapshot: its change rows and the versions first
/// introduced by it (an estimate, used by tests).
pub async fn stored_bytes(
    ex: impl SqliteExecutor<'_>,
    snapshot_id: i64,
) -> Result<u64, EngineError> {
    // A version is introduced by the first snapshot that refers to it: one
    // pass over the change rows for the snapshot's versions (no index on
    // `version_id`; a per-row NOT EXISTS would scan them once per row).
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(SUM(length(c.scim_id) + 24 + \
           CASE WHEN v.id IS NOT NULL AND f.first = c.snapshot_id \
           THEN length(v.body_json) + 64 ELSE 0 END), 0) \
         FROM inventory_changes c \
         LEFT JOIN scim_versions v ON v.id = c.version_id \
         LEFT JOIN ( \
           SELECT version_id, MIN(snapshot_id) AS first FROM inventory_changes \
           WHERE version_id IN (SELECT version_id FROM inventory_changes WHERE snapshot_id = ?1) \
           GROUP BY version_id) f ON f.version_id = c.version_id \
         WHERE c.snapshot_id = ?1",
    )
    .bind(snapshot_id)
    .fetch_one(ex)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The connection a snapshot belongs to.
pub async fn connection_of(
    ex: impl SqliteExecutor<'_>,
    snapshot_id: i64,
) -> Result<Option<i64>, EngineError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT connection_id FROM inventory_snapshots WHERE id = ?")
            .bind(snapshot_id)
            .fetch_optional(ex)
            .await?;
    Ok(row.map(|r| r.0))
}
