-- Resource versions are appended without a unique key. The old key
-- (connection, type, SCIM id, content hash) took every new version at a random
-- place (SCIM ids are random), so storing a 100k-user inventory spent most of
-- its time writing and checkpointing index pages (≈75k vs ≈200k rows/s
-- measured on the same rows). The crawl already stores a version only when a
-- resource's content hash differs from the base snapshot's, and versions are
-- only ever read by their id; what the key added was reusing an older
-- version when a resource returns to an earlier content (one row saved per
-- such revert).
--
-- A snapshot's change rows are appended too, while the crawl runs (with
-- the versions they point to) instead of all at its end: `inventory_changes`
-- becomes a rowid table read through an index on its snapshot, in place of
-- the clustered (snapshot, type, SCIM id) key into which rows arriving in
-- random id order would have landed at random places. A snapshot still
-- counts only once `complete`; the rows of one that fails or is cancelled
-- are deleted with that state change (trigger below).
--
-- SQLite cannot drop a UNIQUE constraint in place, and the versions table is
-- the parent of `inventory_changes.version_id`: the versions move to a new
-- table (same ids), `inventory_changes` is rebuilt to reference it (same
-- rows, in key order), and the old table, no longer referenced, is dropped.
CREATE TABLE scim_versions (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    resource_type   TEXT    NOT NULL CHECK (resource_type IN ('User', 'Group')),
    scim_id         TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    body_json       TEXT    NOT NULL
);
INSERT INTO scim_versions (id, connection_id, resource_type, scim_id, content_hash, body_json)
    SELECT id, connection_id, resource_type, scim_id, content_hash, body_json
    FROM scim_resource_versions ORDER BY id;

CREATE TABLE inventory_changes_new (
    id              INTEGER PRIMARY KEY,
    snapshot_id     INTEGER NOT NULL REFERENCES inventory_snapshots(id) ON DELETE CASCADE,
    resource_type   TEXT    NOT NULL,
    scim_id         TEXT    NOT NULL,
    version_id      INTEGER REFERENCES scim_versions(id)
);
INSERT INTO inventory_changes_new (snapshot_id, resource_type, scim_id, version_id)
    SELECT snapshot_id, resource_type, scim_id, version_id FROM inventory_changes
    ORDER BY snapshot_id, resource_type, scim_id;
DROP TABLE inventory_changes;
ALTER TABLE inventory_changes_new RENAME TO inventory_changes;
CREATE INDEX inventory_changes_by_snapshot ON inventory_changes(snapshot_id);

DROP TABLE scim_resource_versions;

-- A snapshot that ends without completing leaves no change rows behind.
CREATE TRIGGER inventory_changes_of_abandoned_snapshots
AFTER UPDATE OF state ON inventory_snapshots
WHEN NEW.state IN ('failed', 'cancelled')
BEGIN
    DELETE FROM inventory_changes WHERE snapshot_id = NEW.id;
END;
