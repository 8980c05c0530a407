-- The latest report of "Test with Entra's requests" per connection, one for
-- the write probe and one for the read-only probe (a later read-only probe
-- does not hide the last write probe): the Inventory's Compliance tab shows
-- it, the checklist step "The SaaS handles Entra's updates" judges on it.
-- `report_json` is the whole report (requests and responses with the token
-- redacted); never holds a token. scim_compliance cannot hold it: its
-- source is CHECKed to 'discover' or 'crawl'.
CREATE TABLE scim_probe_reports (
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('write', 'read_only')),
    checked_ms     INTEGER NOT NULL,
    -- 'ready_for_entra' | 'problems' | 'could_not_probe'
    verdict        TEXT    NOT NULL,
    report_json    TEXT    NOT NULL,
    PRIMARY KEY (connection_id, kind)
) WITHOUT ROWID;

-- Why the last clean-up (at start, or by hand) could not delete a listed
-- throwaway object, and when: shown with its id on the Compliance tab.
ALTER TABLE scim_probe_objects ADD COLUMN cleanup_error TEXT;
ALTER TABLE scim_probe_objects ADD COLUMN cleanup_ms INTEGER;
