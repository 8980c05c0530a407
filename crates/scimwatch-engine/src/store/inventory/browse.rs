//! Reading one snapshot without loading it: a page of its users or groups
//! (searched, sorted, counted in SQL), the resources behind some ids, and
//! every stored state of one resource across the snapshots.
//!
//! A snapshot's resources are its chain folded in SQL: per resource, the
//! change row of the newest snapshot in the chain wins (a child snapshot
//! always has a larger id than its base), and a removal row (`version_id`
//! NULL) drops it. The search matches `userName`, `displayName`,
//! `externalId` and the id with `LIKE` (`%`, `_` and `\` in the text are
//! escaped, so they match themselves), case-insensitively for ASCII.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::{chain, ResourceType};
use crate::error::EngineError;

/// One resource of a page, with the attributes listed and searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseRow {
    pub scim_id: String,
    pub version_id: i64,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub external_id: Option<String>,
    pub active: Option<bool>,
    /// A group's number of members.
    pub members: Option<u32>,
}

/// A page and the number of resources matching in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowsePage {
    pub total: u32,
    pub rows: Vec<BrowseRow>,
}

/// `text` as a `LIKE … ESCAPE '\'` pattern matching it anywhere.
pub fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// `?first, ?first+1, …` (`n` of them).
fn numbered(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `cur(resource_type, scim_id, version_id)`: the resources of the snapshot
/// whose chain is `ids` snapshots, bound as `?first…` (removals included,
/// as NULL versions), restricted by `filter` (SQL over `c`).
fn current_cte(first: usize, ids: usize, filter: &str) -> String {
    if ids == 1 {
        // A full snapshot: one row per resource already.
        format!(
            "cur AS (SELECT c.resource_type, c.scim_id, c.version_id FROM inventory_changes c \
             WHERE c.snapshot_id = ?{first} AND {filter})"
        )
    } else {
        // The newest row wins: SQLite takes the bare columns from the row of MAX().
        format!(
            "cur AS (SELECT c.resource_type, c.scim_id, c.version_id, MAX(c.snapshot_id) AS sid \
             FROM inventory_changes c WHERE c.snapshot_id IN ({}) AND {filter} \
             GROUP BY c.resource_type, c.scim_id)",
            numbered(first, ids)
        )
    }
}

/// `cur(scim_id, version_id)`: the users or groups (type bound as `?rt`)
/// of the snapshot whose chain is `ids`, bound from `?first` on (removal
/// rows included, with a NULL version). The full snapshot's rows not
/// touched by a delta, then each touched resource's newest delta row: no
/// sort over the whole snapshot.
fn fold_cte(first: usize, ids: usize, rt: usize) -> String {
    if ids == 1 {
        return format!(
            "cur AS (SELECT scim_id, version_id FROM inventory_changes \
             WHERE snapshot_id = ?{first} AND resource_type = ?{rt})"
        );
    }
    let deltas = numbered(first + 1, ids - 1);
    format!(
        "cur AS ( \
           SELECT c.scim_id, c.version_id FROM inventory_changes c \
           WHERE c.snapshot_id = ?{first} AND c.resource_type = ?{rt} AND c.scim_id NOT IN ( \
             SELECT scim_id FROM inventory_changes \
             WHERE snapshot_id IN ({deltas}) AND resource_type = ?{rt}) \
           UNION ALL \
           SELECT scim_id, version_id FROM ( \
             SELECT scim_id, version_id, MAX(snapshot_id) FROM inventory_changes \
             WHERE snapshot_id IN ({deltas}) AND resource_type = ?{rt} GROUP BY scim_id))"
    )
}

type Row = (
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// A page of a snapshot's users or groups, sorted by `userName` (groups:
/// `displayName`) then id, optionally searched.
///
/// Without a search, the count reads only change rows and the sort reads
/// one attribute per resource (SQLite keeps just the page's rows while
/// sorting); the attributes shown are read for the page's rows only. With
/// a search, the four searched attributes are read once per resource and
/// the matches counted in the same pass.
pub async fn page(
    conn: &mut SqliteConnection,
    snapshot_id: i64,
    rt: ResourceType,
    search: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<BrowsePage, EngineError> {
    let ids = chain(&mut *conn, snapshot_id).await?;
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    let group = rt == ResourceType::Group;
    let sort = if group {
        "COALESCE(json_extract(v.body_json, '$.displayName'), cur.scim_id)"
    } else {
        "COALESCE(json_extract(v.body_json, '$.userName'), \
         json_extract(v.body_json, '$.displayName'), cur.scim_id)"
    };
    // ?1 type, ?2 limit, ?3 offset, ?4 search, then the chain from ?5.
    let cte = fold_cte(5, ids.len(), 1);
    let (picked, total): (Vec<(String, i64)>, i64) = match search {
        None => {
            let sql = format!(
                "WITH {cte} SELECT cur.scim_id, v.id FROM cur JOIN scim_versions v ON v.id = cur.version_id \
                 WHERE ?4 IS NULL ORDER BY {sort} COLLATE NOCASE, cur.scim_id LIMIT ?2 OFFSET ?3"
            );
            let picked = bind_all(sqlx::query_as(&sql), rt, limit, offset, None, &ids)
                .fetch_all(&mut *conn)
                .await?;
            let sql = format!(
                "WITH {cte} SELECT count(*) FROM cur WHERE version_id IS NOT NULL \
                 AND ?2 IS NOT NULL AND ?3 IS NOT NULL AND ?4 IS NULL"
            );
            let (total,): (i64,) = bind_all(sqlx::query_as(&sql), rt, limit, offset, None, &ids)
                .fetch_one(&mut *conn)
                .await?;
            (picked, total)
        }
        Some(text) => {
            let fields = if group {
                "display_name LIKE ?4 ESCAPE '\\' OR external_id LIKE ?4 ESCAPE '\\' \
                 OR scim_id LIKE ?4 ESCAPE '\\'"
            } else {
                "user_name LIKE ?4 ESCAPE '\\' OR display_name LIKE ?4 ESCAPE '\\' \
                 OR external_id LIKE ?4 ESCAPE '\\' OR scim_id LIKE ?4 ESCAPE '\\'"
            };
            let sql = format!(
                "WITH {cte}, t AS ( \
                   SELECT cur.scim_id AS scim_id, v.id AS version_id, {sort} AS sort_key, \
                     json_extract(v.body_json, '$.userName') AS user_name, \
                     json_extract(v.body_json, '$.displayName') AS display_name, \
                     json_extract(v.body_json, '$.externalId') AS external_id \
                   FROM cur JOIN scim_versions v ON v.id = cur.version_id) \
                 SELECT scim_id, version_id, count(*) OVER () FROM t WHERE {fields} \
                 ORDER BY sort_key COLLATE NOCASE, scim_id LIMIT ?2 OFFSET ?3"
            );
            let rows: Vec<(String, i64, i64)> =
                bind_all(sqlx::query_as(&sql), rt, limit, offset, Some(text), &ids)
                    .fetch_all(&mut *conn)
                    .await?;
            let total = match rows.first() {
                Some(r) => r.2,
                // Past the last match: count them.
                None if offset > 0 => {
                    let sql = format!(
                        "WITH {cte}, t AS ( \
                           SELECT cur.scim_id AS scim_id, \
                             json_extract(v.body_json, '$.userName') AS user_name, \
                             json_extract(v.body_json, '$.displayName') AS display_name, \
                             json_extract(v.body_json, '$.externalId') AS external_id \
                           FROM cur JOIN scim_versions v ON v.id = cur.version_id) \
                         SELECT count(*) FROM t WHERE ({fields}) AND ?2 IS NOT NULL AND ?3 IS NOT NULL"
                    );
                    bind_all(
                        sqlx::query_as::<_, (i64,)>(&sql),
                        rt,
                        limit,
                        offset,
                        Some(text),
                        &ids,
                    )
                    .fetch_one(&mut *conn)
                    .await?
                    .0
                }
                None => 0,
            };
            (rows.into_iter().map(|r| (r.0, r.1)).collect(), total)
        }
    };
    let rows = page_rows(&mut *conn, &picked, group).await?;
    Ok(BrowsePage {
        total: u32::try_from(total.max(0)).unwrap_or(u32::MAX),
        rows,
    })
}

/// Binds `?1` type, `?2` limit, `?3` offset, `?4` the search pattern, then the chain.
fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    rt: ResourceType,
    limit: u32,
    offset: u32,
    search: Option<&str>,
    ids: &[i64],
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    q = q
        .bind(rt.as_str())
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .bind(search.map(like_pattern));
    for id in ids {
        q = q.bind(*id);
    }
    q
}

/// The attributes shown for the picked (scim id, version) rows, in their order.
async fn page_rows(
    conn: &mut SqliteConnection,
    picked: &[(String, i64)],
    group: bool,
) -> Result<Vec<BrowseRow>, EngineError> {
    if picked.is_empty() {
        return Ok(Vec::new());
    }
    let members = if group {
        "json_array_length(body_json, '$.members')"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT scim_id, id, json_extract(body_json, '$.userName'), \
           json_extract(body_json, '$.displayName'), json_extract(body_json, '$.externalId'), \
           json_extract(body_json, '$.active'), {members} \
         FROM scim_versions WHERE id IN ({})",
        placeholders(picked.len())
    );
    let mut q = sqlx::query_as::<_, Row>(&sql);
    for (_, id) in picked {
        q = q.bind(*id);
    }
    let mut by_id: HashMap<i64, Row> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.1, r))
        .collect();
    let to_u32 = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    Ok(picked
        .iter()
        .filter_map(|(scim_id, id)| {
            let r = by_id.remove(id)?;
            Some(BrowseRow {
                scim_id: scim_id.clone(),
                version_id: r.1,
                user_name: r.2,
                display_name: r.3,
                external_id: r.4,
                active: r.5.map(|a| a != 0),
                members: r.6.map(to_u32),
            })
        })
        .collect())
}

/// A resource as held by a snapshot: its version and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub resource_type: ResourceType,
    pub scim_id: String,
    pub version_id: i64,
    pub body_json: String,
}

/// The resources with these ids (users or groups) that the snapshot holds.
pub async fn held(
    conn: &mut SqliteConnection,
    snapshot_id: i64,
    scim_ids: &[String],
) -> Result<HashMap<(ResourceType, String), Held>, EngineError> {
    let ids = chain(&mut *conn, snapshot_id).await?;
    let mut out = HashMap::new();
    for batch in scim_ids.chunks(400) {
        let filter = format!("c.scim_id IN ({})", numbered(ids.len() + 1, batch.len()));
        let sql = format!(
            "WITH {cte} SELECT cur.resource_type, cur.scim_id, v.id, v.body_json \
             FROM cur JOIN scim_versions v ON v.id = cur.version_id",
            cte = current_cte(1, ids.len(), &filter),
        );
        // The chain as ?1…, then the ids.
        let mut q = sqlx::query_as::<_, (String, String, i64, String)>(&sql);
        for id in &ids {
            q = q.bind(id);
        }
        for s in batch {
            q = q.bind(s.as_str());
        }
        for (rt, scim_id, version_id, body_json) in q.fetch_all(&mut *conn).await? {
            let Some(rt) = ResourceType::parse(&rt) else {
                continue;
            };
            out.insert(
                (rt, scim_id.clone()),
                Held {
                    resource_type: rt,
                    scim_id,
                    version_id,
                    body_json,
                },
            );
        }
    }
    Ok(out)
}

/// A complete snapshot of the connection, oldest first, for a resource's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub snapshot_id: i64,
    pub base_id: Option<i64>,
    pub completed_ms: i64,
    /// Stored complete but not the server's whole inventory.
    pub incomplete: bool,
}

/// The connection's complete snapshots (incomplete ones included, flagged),
/// oldest first, and the change rows of one resource in them:
/// `snapshot → Some((version_id, content_hash))`, or `None` for a removal.
#[allow(clippy::type_complexity)]
pub async fn history_rows(
    conn: &mut SqliteConnection,
    connection_id: i64,
    rt: ResourceType,
    scim_id: &str,
) -> Result<(Vec<Stored>, HashMap<i64, Option<(i64, String)>>), EngineError> {
    let snaps: Vec<(i64, Option<i64>, Option<i64>, i64, bool)> = sqlx::query_as(
        "SELECT id, base_id, completed_ms, started_ms, error IS NOT NULL FROM inventory_snapshots \
         WHERE connection_id = ? AND state = 'complete' ORDER BY id",
    )
    .bind(connection_id)
    .fetch_all(&mut *conn)
    .await?;
    let rows: Vec<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT c.snapshot_id, c.version_id, v.content_hash FROM inventory_changes c \
         LEFT JOIN scim_versions v ON v.id = c.version_id \
         WHERE c.snapshot_id IN (SELECT id FROM inventory_snapshots \
           WHERE connection_id = ?1 AND state = 'complete') \
         AND c.resource_type = ?2 AND c.scim_id = ?3",
    )
    .bind(connection_id)
    .bind(rt.as_str())
    .bind(scim_id)
    .fetch_all(&mut *conn)
    .await?;
    let stored = snaps
        .into_iter()
        .map(|(id, base, done, started, incomplete)| Stored {
            snapshot_id: id,
            base_id: base,
            completed_ms: done.unwrap_or(started),
            incomplete,
        })
        .collect();
    let changes = rows
        .into_iter()
        .map(|(sid, vid, hash)| (sid, vid.zip(hash)))
        .collect();
    Ok((stored, changes))
}

/// Bodies of versions by id.
pub async fn version_bodies(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<HashMap<i64, String>, EngineError> {
    let mut out = HashMap::with_capacity(ids.len());
    for batch in ids.chunks(400) {
        let sql = format!(
            "SELECT id, body_json FROM scim_versions WHERE id IN ({})",
            placeholders(batch.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for id in batch {
            q = q.bind(id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("ada"), "%ada%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
