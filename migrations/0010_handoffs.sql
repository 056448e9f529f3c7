-- Handoffs, signed and delivered. The delivery worker claims 'pending' rows (FOR UPDATE SKIP LOCKED)
-- and signs each once: payload, its SHA-256 and the manifest JWS are written with state 'ready' and
-- never change after; any re-send sends the same bytes under the same id. States:
--   pending -> ready (signed) -> sent (fetched or pushed) -> received (the destination's signed receipt)
--   pending -> failed (the report cannot be said in the destination's format; last_error says why)
--   pending -> withdrawn (its report was retracted before the handoff was signed: nothing is sent)
ALTER TABLE handoffs
  ADD COLUMN payload text,                      -- the destination's projection, in its format (JSON or XML text)
  ADD COLUMN payload_media_type text,
  ADD COLUMN payload_sha256 text,               -- hex SHA-256 of the payload's UTF-8 bytes
  ADD COLUMN manifest text,                     -- compact JWS signed with the gateway's published JWS key
  ADD COLUMN manifest_sha256 text,              -- hex SHA-256 of the manifest JWS as sent
  ADD COLUMN signed_at timestamptz,
  ADD COLUMN sent_at timestamptz,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0, -- push deliveries tried
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN last_error text,
  ADD COLUMN receipt text,                      -- the destination's compact JWS receipt
  ADD COLUMN receipt_sha256 text,
  ADD COLUMN receipt_kid text,
  ADD COLUMN receipt_jwk jsonb,                 -- the public key it verified under, as it was then
  ADD COLUMN received_at timestamptz,
  ADD CONSTRAINT handoffs_state CHECK (state IN ('pending', 'ready', 'sent', 'received', 'failed', 'withdrawn')),
  ADD CONSTRAINT handoffs_signed CHECK (state IN ('pending', 'failed', 'withdrawn') OR (manifest IS NOT NULL AND payload IS NOT NULL)),
  ADD CONSTRAINT handoffs_receipted CHECK ((state = 'received') = (receipt IS NOT NULL));

CREATE INDEX handoffs_pending ON handoffs (created_at) WHERE state = 'pending';
CREATE INDEX handoffs_inbox ON handoffs (participant_id, created_at) WHERE state IN ('ready', 'sent');

-- Status messages from the destination, signed, in the order they arrived.
CREATE TABLE handoff_statuses (
  handoff_id uuid NOT NULL REFERENCES handoffs (id),
  seq integer NOT NULL CHECK (seq > 0),
  status text NOT NULL,
  reason_code text,
  jws text NOT NULL,
  jws_sha256 text NOT NULL,
  kid text NOT NULL,
  jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (handoff_id, seq),
  UNIQUE (handoff_id, jws_sha256)
);

-- Which audit entries record a handoff's events, so that its evidence finds their log indexes.
CREATE TABLE handoff_audit (
  audit_entry_id bigint PRIMARY KEY REFERENCES audit_entries (id),
  handoff_id uuid NOT NULL REFERENCES handoffs (id)
);
CREATE INDEX handoff_audit_by_handoff ON handoff_audit (handoff_id);

-- The audit entry that published each gateway key (evidence shows the manifest's key was logged).
ALTER TABLE gateway_keys ADD COLUMN published_entry_id bigint REFERENCES audit_entries (id);
UPDATE gateway_keys k SET published_entry_id = (
  SELECT e.id FROM audit_entries e
   WHERE convert_from(e.entry, 'UTF8')::jsonb @> jsonb_build_object('type', 'gateway_key.published', 'kid', k.kid)
   ORDER BY e.id LIMIT 1);
