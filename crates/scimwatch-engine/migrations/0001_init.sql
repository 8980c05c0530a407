-- scimwatch schema v1. Never edit an applied migration: add a new file.
-- Times are INTEGER milliseconds since the Unix epoch, UTC (`*_ms`).
-- Natural keys (UNIQUE constraints) make every re-ingest idempotent.

-- What is watched. Either side may be absent, never both.
CREATE TABLE connections (
    id                    INTEGER PRIMARY KEY,
    uuid                  TEXT    NOT NULL UNIQUE,
    name                  TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    -- Entra side (all NULL when absent)
    cloud                 TEXT,
    login_url             TEXT,
    graph_url             TEXT,
    tenant_id             TEXT,
    client_id             TEXT,
    auth_mode             TEXT,
    app_query             TEXT,
    service_principal_id  TEXT,
    app_id                TEXT,
    app_display_name      TEXT,
    job_id                TEXT,
    -- SCIM side (NULL when absent). The token itself lives in the OS keychain.
    scim_url              TEXT,
    scim_token_expires_ms INTEGER,
    -- Whether the keychain holds a secret for this connection (never the secret).
    scim_token_set        INTEGER NOT NULL DEFAULT 0,
    client_secret_set     INTEGER NOT NULL DEFAULT 0,
    created_ms            INTEGER NOT NULL,
    updated_ms            INTEGER NOT NULL,
    CHECK (tenant_id IS NOT NULL OR scim_url IS NOT NULL),
    CHECK ((tenant_id IS NULL) = (graph_url IS NULL))
);

-- Provisioning job status: a row when it changes; last_seen_ms is the heartbeat.
CREATE TABLE job_status_snapshots (
    id                    INTEGER PRIMARY KEY,
    connection_id         INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    job_id                TEXT    NOT NULL,
    observed_ms           INTEGER NOT NULL,
    last_seen_ms          INTEGER NOT NULL,
    content_hash          TEXT    NOT NULL,
    status_code           TEXT,
    schedule_state        TEXT,
    schedule_interval     TEXT,
    last_execution_state  TEXT,
    last_execution_began_ms   INTEGER,
    last_execution_ended_ms   INTEGER,
    last_successful_ended_ms  INTEGER,
    quarantine_reason     TEXT,
    raw_json              TEXT    NOT NULL
);
CREATE INDEX job_status_by_time ON job_status_snapshots(connection_id, observed_ms DESC);

-- Versioned configuration read from Entra: object mappings (schema),
-- assignments, secrets-derived settings (BaseAddress, SyncAll). A row per change.
CREATE TABLE config_versions (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('schema', 'assignments', 'settings')),
    observed_ms     INTEGER NOT NULL,
    last_seen_ms    INTEGER NOT NULL,
    content_hash    TEXT    NOT NULL,
    body_json       TEXT    NOT NULL,
    change_summary  TEXT
);
CREATE INDEX config_versions_by_time ON config_versions(connection_id, kind, observed_ms DESC);

-- Provisioning events (Graph provisioningObjectSummary), one per Graph `id`.
CREATE TABLE provisioning_events (
    id                  INTEGER PRIMARY KEY,
    connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    event_id            TEXT    NOT NULL,
    activity_ms         INTEGER NOT NULL,
    job_id              TEXT,
    cycle_id            TEXT,
    change_id           TEXT,
    action              TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    source_id           TEXT,
    source_name         TEXT,
    target_id           TEXT,
    target_name         TEXT,
    identity_type       TEXT,
    error_code          TEXT,
    error_reason        TEXT,
    error_category      TEXT,
    duration_ms         INTEGER,
    raw_json            TEXT    NOT NULL,
    UNIQUE (connection_id, event_id)
);
CREATE INDEX events_by_time        ON provisioning_events(connection_id, activity_ms DESC);
CREATE INDEX events_by_status_time ON provisioning_events(connection_id, status, activity_ms DESC);
CREATE INDEX events_by_action_time ON provisioning_events(connection_id, action, activity_ms DESC);
CREATE INDEX events_by_cycle       ON provisioning_events(connection_id, cycle_id);
CREATE INDEX events_by_error       ON provisioning_events(connection_id, error_code) WHERE error_code IS NOT NULL;

-- Per-cycle rollups, recomputed from events on ingest.
CREATE TABLE cycle_rollups (
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    cycle_id        TEXT    NOT NULL,
    started_ms      INTEGER NOT NULL,
    ended_ms        INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    counts_json     TEXT    NOT NULL,  -- {"create":{"success":3,"failure":1},…}
    top_errors_json TEXT    NOT NULL,  -- [["EntryConflict",4],…]
    PRIMARY KEY (connection_id, cycle_id)
) WITHOUT ROWID;
CREATE INDEX cycles_by_time ON cycle_rollups(connection_id, started_ms DESC);

-- Incremental poll state (log watermark, last poll of each stream).
CREATE TABLE poll_state (
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    stream          TEXT    NOT NULL,
    watermark_ms    INTEGER,
    cursor          TEXT,
    updated_ms      INTEGER NOT NULL,
    PRIMARY KEY (connection_id, stream)
) WITHOUT ROWID;

-- SCIM Test Connection results (scheduled and on demand).
CREATE TABLE scim_checks (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    checked_ms      INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    verdict         TEXT    NOT NULL,
    http_status     INTEGER,
    latency_ms      INTEGER,
    exchange_json   TEXT    NOT NULL   -- request/response shown to the admin, token redacted
);
CREATE INDEX scim_checks_by_time ON scim_checks(connection_id, checked_ms DESC);

-- SCIM inventory, stored as deltas. A resource version is stored once per
-- distinct content; a snapshot records only what changed against its base.
CREATE TABLE scim_resource_versions (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    resource_type   TEXT    NOT NULL CHECK (resource_type IN ('User', 'Group')),
    scim_id         TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    body_json       TEXT    NOT NULL,
    UNIQUE (connection_id, resource_type, scim_id, content_hash)
);

CREATE TABLE inventory_snapshots (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    base_id         INTEGER REFERENCES inventory_snapshots(id),
    started_ms      INTEGER NOT NULL,
    completed_ms    INTEGER,
    state           TEXT    NOT NULL CHECK (state IN ('running', 'complete', 'failed', 'cancelled')),
    user_count      INTEGER,
    group_count     INTEGER,
    error           TEXT
);
CREATE INDEX snapshots_by_time ON inventory_snapshots(connection_id, started_ms DESC);

-- What a snapshot changed against its base: version_id NULL = removed.
CREATE TABLE inventory_changes (
    snapshot_id     INTEGER NOT NULL REFERENCES inventory_snapshots(id) ON DELETE CASCADE,
    resource_type   TEXT    NOT NULL,
    scim_id         TEXT    NOT NULL,
    version_id      INTEGER REFERENCES scim_resource_versions(id),
    PRIMARY KEY (snapshot_id, resource_type, scim_id)
) WITHOUT ROWID;

-- Incidents: one active per connection and kind, so one problem is one notification.
CREATE TABLE incidents (
    id                  INTEGER PRIMARY KEY,
    connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL,
    severity            TEXT    NOT NULL,
    state               TEXT    NOT NULL CHECK (state IN ('open', 'escalated', 'resolved')),
    title               TEXT    NOT NULL,
    evidence_json       TEXT    NOT NULL,
    opened_ms           INTEGER NOT NULL,
    updated_ms          INTEGER NOT NULL,
    resolved_ms         INTEGER,
    last_notified_ms    INTEGER,
    snoozed_until_ms    INTEGER
);
CREATE UNIQUE INDEX incidents_one_active ON incidents(connection_id, kind) WHERE state <> 'resolved';
CREATE INDEX incidents_by_time ON incidents(connection_id, opened_ms DESC);

-- Troubleshooting checklist progress per connection and step.
CREATE TABLE checklist_progress (
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    step_id         TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    evidence_json   TEXT,
    confirmed_ms    INTEGER,
    checked_ms      INTEGER NOT NULL,
    PRIMARY KEY (connection_id, step_id)
) WITHOUT ROWID;

-- Settings: scope 'global' or a connection uuid.
CREATE TABLE settings (
    scope           TEXT NOT NULL,
    key             TEXT NOT NULL,
    value_json      TEXT NOT NULL,
    updated_ms      INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
