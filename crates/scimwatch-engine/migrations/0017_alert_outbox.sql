-- Alert channels beyond the desktop (Teams, Slack, a signed webhook,
-- e-mail) and the persistent outbox their alerts go through. A channel's
-- webhook URL, signing secret and SMTP password live in the secret store
-- (keychain or the 0600 file), never here: `target` is what may be shown
-- (scheme and host of the URL, or the SMTP server and recipients).
CREATE TABLE alert_channels (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    kind             TEXT    NOT NULL CHECK (kind IN ('teams', 'slack', 'webhook', 'email')),
    target           TEXT    NOT NULL,
    -- Non-secret settings (e-mail: server, port, user name, from, to).
    config_json      TEXT    NOT NULL DEFAULT '{}',
    -- Routing: incidents at or above this severity ...
    min_severity     TEXT    NOT NULL DEFAULT 'warning',
    -- ... of these connections (uuids; an empty array: every connection).
    connections_json TEXT    NOT NULL DEFAULT '[]',
    created_ms       INTEGER NOT NULL
);

-- One row per alert and channel. At least once: a row is `pending` until
-- the receiver accepted it (`delivered`) or it was given up (`dead`, shown
-- in Settings with its last error, retried by hand). The idempotency key
-- (incident id + transition) is unique per channel: enqueueing twice is a
-- no-op, and receivers see the same key on every retry.
CREATE TABLE alert_outbox (
    id               INTEGER PRIMARY KEY,
    channel_id       INTEGER NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
    idempotency_key  TEXT    NOT NULL,
    event_json       TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_ms       INTEGER NOT NULL,
    next_attempt_ms  INTEGER NOT NULL,
    last_attempt_ms  INTEGER,
    last_error       TEXT,
    delivered_ms     INTEGER,
    UNIQUE (channel_id, idempotency_key)
);

-- The deliverer's question: each channel's oldest pending alert.
CREATE INDEX alert_outbox_pending ON alert_outbox (channel_id, id) WHERE state = 'pending';
