-- The full incident state (core's IncidentState as JSON: action, evidence,
-- pending notification, threshold) next to the columns queries use.
ALTER TABLE incidents ADD COLUMN state_json TEXT NOT NULL DEFAULT '{}';
