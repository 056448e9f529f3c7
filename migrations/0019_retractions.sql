-- Retractions reach everyone who has the report. When a sender retracts a report, each of its handoffs
-- gets what its state calls for: one still pending is withdrawn by the signing worker (0010); one signed
-- but never offered (ready, no push attempt) or a dead letter is withdrawn at once; one the destination
-- may hold (sent, received, or ready with a push attempt made) gets a retraction: a JWS signed by the
-- gateway (typ hotline-gateway-handoff-retraction+jws), delivered through the destination's mode,
-- receipted by it (typ hotline-gateway-retraction-receipt+jws), with a place in the inbox sequence.
ALTER TABLE handoffs
  ADD COLUMN retraction text,
  ADD COLUMN retraction_sha256 text,
  ADD COLUMN retraction_state text CHECK (retraction_state IN ('ready', 'sent', 'received')),
  ADD COLUMN retraction_seq bigint,
  ADD COLUMN retraction_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN retraction_next_attempt_at timestamptz,
  ADD COLUMN retraction_sent_at timestamptz,
  ADD COLUMN retraction_receipt text,
  ADD COLUMN retraction_receipt_sha256 text,
  ADD COLUMN retraction_received_at timestamptz,
  ADD CONSTRAINT handoffs_retraction_signed CHECK ((retraction_state IS NULL) = (retraction IS NULL)),
  ADD CONSTRAINT handoffs_retraction_receipted CHECK ((retraction_state = 'received') = (retraction_receipt IS NOT NULL));

CREATE INDEX handoffs_retractions_open ON handoffs (participant_id, retraction_seq) WHERE retraction_state IN ('ready', 'sent');
