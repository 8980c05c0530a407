-- The full incident state (core's IncidentState as JSON: action, evidence,
-- pending notification, threshold) next to the columns queries use.
ALTER TABLE incidents ADD COLUMN state_json TEXT NOT NULL DEFAULT '{}';

-- Incidents stored before this column existed get their state from the columns.
UPDATE incidents SET state_json = json_object(
    'kind', kind,
    'severity', severity,
    'state', state,
    'title', title,
    'action', '',
    'evidence', json(CASE WHEN json_valid(evidence_json) THEN evidence_json ELSE '[]' END),
    'threshold_days', NULL,
    'opened_at', strftime('%Y-%m-%dT%H:%M:%fZ', opened_ms / 1000.0, 'unixepoch'),
    'updated_at', strftime('%Y-%m-%dT%H:%M:%fZ', updated_ms / 1000.0, 'unixepoch'),
    'last_notified_at', CASE WHEN last_notified_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', last_notified_ms / 1000.0, 'unixepoch') END,
    'snoozed_until', CASE WHEN snoozed_until_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', snoozed_until_ms / 1000.0, 'unixepoch') END,
    'pending_notification', NULL,
    'resolved_at', CASE WHEN resolved_ms IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', resolved_ms / 1000.0, 'unixepoch') END
);
