-- How each incident ended, with its evidence AS OF that moment (never the
-- live evidence): resolved by hand (who, note) or seen to recover. The
-- Incidents screen and its history read it; an incident that re-opens a
-- hand-resolved one links to it (`reopened_from`).
CREATE TABLE incident_resolutions (
    incident_id     INTEGER PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    resolved_ms     INTEGER NOT NULL,
    by_hand         INTEGER NOT NULL CHECK (by_hand IN (0, 1)),
    resolved_by     TEXT,
    note            TEXT,
    -- JSON array of core's Evidence, as of resolved_ms.
    evidence_json   TEXT    NOT NULL,
    action          TEXT    NOT NULL DEFAULT ''
);

-- The hand-resolved incident whose problem was still there at the next diagnosis.
ALTER TABLE incidents ADD COLUMN reopened_from INTEGER REFERENCES incidents(id) ON DELETE SET NULL;

-- The history across every connection, newest first (per connection:
-- incidents_by_time).
CREATE INDEX incidents_by_opened ON incidents(opened_ms DESC);

-- Incidents resolved before this table existed: their stored evidence was
-- never refreshed after resolving, so it is the evidence as of resolution.
INSERT INTO incident_resolutions (incident_id, resolved_ms, by_hand, evidence_json, action)
SELECT id, COALESCE(resolved_ms, updated_ms), 0,
       CASE WHEN json_valid(evidence_json) THEN evidence_json ELSE '[]' END,
       COALESCE(json_extract(state_json, '$.action'), '')
FROM incidents WHERE state = 'resolved';

-- The incident that re-opened a hand-resolved one (the Incidents screen links both ways).
CREATE INDEX incidents_reopened ON incidents(reopened_from) WHERE reopened_from IS NOT NULL;
