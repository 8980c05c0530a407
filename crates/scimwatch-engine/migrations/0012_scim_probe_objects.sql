-- The write probe's clean-up list: every throwaway object it is about to
-- create (`scimwatch-probe-…`), written BEFORE the request that creates it,
-- with the SCIM id once the SaaS answers and every name it is renamed to.
-- A run deletes its rows as it deletes the objects; rows left by a run that
-- crashed or was killed are deleted in the SaaS at the next probe (or
-- `probe-cleanup`), and the ones that cannot be are reported with their ids.
-- Never holds a token.
CREATE TABLE scim_probe_objects (
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    run_id         TEXT    NOT NULL,
    resource       TEXT    NOT NULL CHECK (resource IN ('Users', 'Groups')),
    -- JSON array of every name (userName / displayName) the object had.
    names_json     TEXT    NOT NULL,
    -- The SCIM id, once known.
    object_id      TEXT,
    created_ms     INTEGER NOT NULL,
    PRIMARY KEY (connection_id, run_id, resource)
) WITHOUT ROWID;
