-- What scimwatch last found about each connection's SCIM server, per
-- source: `discover` (the compliance report) and `crawl` (deviations seen
-- while paging). The checklist's "SCIM compliance" step, `check` and the
-- health rules judge on these rows; a connection without an examined row
-- is "not examined yet", never compliant.
CREATE TABLE scim_compliance (
    connection_id      INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    source             TEXT    NOT NULL CHECK (source IN ('discover', 'crawl')),
    checked_ms         INTEGER NOT NULL,
    -- Why nothing could be examined (unreachable, token refused): NULL when examined.
    could_not_examine  TEXT,
    -- [{"code", "message"}] of the deviations at warning level or above.
    deviations_json    TEXT    NOT NULL,
    PRIMARY KEY (connection_id, source)
) WITHOUT ROWID;
