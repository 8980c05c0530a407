-- The raw Graph JSON of provisioning events, compressed a page at a time.
-- One event's JSON is ~2.7 KB, mostly ids and text its neighbours repeat:
-- alone it compresses ~2×, the events of a Graph page together ~9× (LZ4).
-- An ingest stores the JSON of a page's new events as one block here, and
-- each event row points into the decompressed text. Rows stored before this
-- migration keep their JSON in `raw_json`; new rows store '' there.
CREATE TABLE event_raw_pages (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    -- Newest event in the block: retention deletes a block once every
    -- event in it is older than the cut-off.
    last_ms         INTEGER NOT NULL,
    codec           TEXT    NOT NULL CHECK (codec IN ('lz4')),
    body            BLOB    NOT NULL
);
CREATE INDEX event_raw_pages_by_time ON event_raw_pages(connection_id, last_ms);

-- No REFERENCES on raw_page: deleting a block would then scan every event
-- for children. Blocks are deleted only when all their events are (above).
ALTER TABLE provisioning_events ADD COLUMN raw_page INTEGER;
ALTER TABLE provisioning_events ADD COLUMN raw_offset INTEGER;
ALTER TABLE provisioning_events ADD COLUMN raw_len INTEGER;
