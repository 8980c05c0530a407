-- The stored-events counter (0005) is raised by the ingest instead of a
-- row trigger: `store::events` is the only writer of provisioning events,
-- and it adds the number of rows a page actually inserted (duplicates
-- ignored by ON CONFLICT are not counted) in the same transaction. The
-- per-row trigger ran a nested upsert, a foreign-key check and a statement
-- journal for every stored event: dropping it made a 300k-event bulk insert
-- ≈ 20 % faster (4.4 vs 5.5 CPU-s). Deletes are rare (retention, removing a
-- connection) and keep their trigger.
DROP TRIGGER IF EXISTS event_counts_insert;
