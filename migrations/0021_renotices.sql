-- Re-notices (issue #11). A notice to a platform that has no content_removed / content_unavailable
-- status RENOTICE_AFTER_MS after it was sent (or after the last re-notice) is sent again: a re-notice,
-- a JWS of its own from the gateway (typ hotline-gateway-handoff-renotice+jws) naming the first
-- handoff and its manifest, delivered like a retraction (pushed, or listed in the inbox). Only the
-- latest re-notice is kept here; each one is an audit entry with its SHA-256. After RENOTICE_MAX
-- re-notices the handoff is flagged for the operators (GET /v1/escalations) instead.
-- notice_settled_at: the destination removed it, made it unavailable, rejected or closed the handoff.
ALTER TABLE handoffs
  ADD COLUMN notice_settled_at timestamptz,
  ADD COLUMN renotices integer NOT NULL DEFAULT 0,
  ADD COLUMN renotice text,
  ADD COLUMN renotice_sha256 text,
  ADD COLUMN renotice_state text CHECK (renotice_state IN ('ready', 'sent')),
  ADD COLUMN renotice_seq bigint,
  ADD COLUMN renotice_signed_at timestamptz,
  ADD COLUMN renotice_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN renotice_next_attempt_at timestamptz,
  ADD COLUMN renotice_sent_at timestamptz,
  ADD COLUMN renotice_flagged_at timestamptz,
  ADD CONSTRAINT handoffs_renotice_signed CHECK ((renotice_state IS NULL) = (renotice IS NULL));

UPDATE handoffs h SET notice_settled_at = s.created_at
  FROM handoff_statuses s
 WHERE s.handoff_id = h.id AND s.status IN ('content_removed', 'content_unavailable', 'rejected', 'closed');

-- What the re-notice loop looks at: delivered notices to platforms, still open, by when the last notice went.
CREATE INDEX handoffs_renotice_due ON handoffs ((coalesce(renotice_signed_at, sent_at)))
  WHERE kind = 'platform' AND state IN ('sent', 'received') AND notice_settled_at IS NULL AND renotice_flagged_at IS NULL
    AND retraction IS NULL;
CREATE INDEX handoffs_renotices_open ON handoffs (participant_id, renotice_seq) WHERE renotice_state = 'ready';
CREATE INDEX handoffs_renotice_flagged ON handoffs (renotice_flagged_at) WHERE renotice_flagged_at IS NOT NULL;
