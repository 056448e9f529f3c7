-- Notice and takedown, tracked to the end (issue #11). Each status message now records what an
-- assessment found (outcome) and when the status happened by the destination's word (occurred_at,
-- bounded by the gateway: not in the future, not before the handoff), beside when the gateway stored
-- it (created_at). Statuses are stored in the vocabulary of src/handoffs/takedown-status.ts; values of
-- the first vocabulary are stored as what they map to (their signed JWS keeps the word sent).
ALTER TABLE handoff_statuses
  ADD COLUMN outcome text CHECK (outcome IN ('illegal', 'not_illegal', 'nationally_illegal')),
  ADD COLUMN occurred_at timestamptz;

UPDATE handoff_statuses SET occurred_at = created_at,
       status = CASE status WHEN 'in_review' THEN 'assessing'
                            WHEN 'action_taken' THEN 'hosting_provider_notified'
                            WHEN 'forwarded_to_law_enforcement' THEN 'referred_to_law_enforcement'
                            ELSE status END;

ALTER TABLE handoff_statuses
  ALTER COLUMN occurred_at SET NOT NULL,
  ADD CONSTRAINT handoff_statuses_vocabulary CHECK (status IN ('received', 'assessing', 'assessed', 'referred_to_law_enforcement',
    'hosting_provider_notified', 'content_removed', 'content_unavailable', 'content_moved', 'rejected', 'closed')),
  ADD CONSTRAINT handoff_statuses_outcome CHECK ((status = 'assessed') = (outcome IS NOT NULL));

