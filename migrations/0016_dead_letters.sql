-- Dead letters. A push that keeps failing past DELIVERY_MAX_AGE_MS (counted from signing) stops being
-- retried: state 'dead_letter', with its last error. It stays in the destination's inbox (a pull
-- still fetches it, and that counts as sent), and an operator re-queues it once the partner has
-- mended its endpoint (POST /v1/handoffs/{id}/redeliver): the same signed bytes, under the same id.
ALTER TABLE handoffs
  DROP CONSTRAINT handoffs_state,
  ADD CONSTRAINT handoffs_state CHECK (state IN ('pending', 'ready', 'sent', 'received', 'failed', 'withdrawn', 'dead_letter'));

DROP INDEX handoffs_inbox;
CREATE INDEX handoffs_inbox ON handoffs (participant_id, created_at) WHERE state IN ('ready', 'sent', 'dead_letter');
