-- Opt-in remediation actions (issue 18): scimwatch is read-only unless an
-- admin switches these on for a connection. The switch is kept with the
-- connection (deleted with it) together with the evidence that the sign-in
-- may act (Synchronization.ReadWrite.All), and every action taken — provision
-- on demand, restart, switching on or off — is an audit row: who, when, the
-- exact Graph request (method, URL, body; never a token), Graph's status and
-- the result. Times are INTEGER ms UTC.
CREATE TABLE remediation_switch (
    connection_id INTEGER PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    enabled       INTEGER NOT NULL DEFAULT 0,
    changed_ms    INTEGER NOT NULL,
    changed_by    TEXT    NOT NULL,
    -- How the permission was verified (or why the switch went off).
    evidence      TEXT    NOT NULL
);

CREATE TABLE remediation_audit (
    id            INTEGER PRIMARY KEY,
    connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    -- The client-request-id sent to Graph (natural key; one row per request).
    request_id    TEXT    NOT NULL UNIQUE,
    at_ms         INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    -- enable | disable | provision_on_demand | restart
    action        TEXT    NOT NULL,
    method        TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    request_body  TEXT,
    -- Graph's HTTP status; NULL when no answer came.
    http_status   INTEGER,
    -- success | skipped | failure | refused | error
    outcome       TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    result_json   TEXT
);

-- The connection's "Actions taken", newest first.
CREATE INDEX remediation_audit_by_connection
    ON remediation_audit (connection_id, at_ms DESC, id DESC);
