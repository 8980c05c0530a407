-- `events_by_time (connection_id, activity_ms DESC)` repeats the prefix of
-- the events' unique key `(connection_id, activity_ms, event_id)` (0007):
-- every query it served reads that key instead, and each stored event no
-- longer maintains a fifth index (≈13 % faster inserts at 500k events). The
-- unfiltered Logs page, newest first with ties by rowid, now sorts the rows
-- of one millisecond at a time (`TEMP B-TREE FOR RIGHT PART OF ORDER BY`).
DROP INDEX IF EXISTS events_by_time;
