-- Audit entries are written in the same transaction as the event they record. The sequencer gives
-- them their place in the log (log_index) later, in batches; until then log_index is NULL.
CREATE TABLE audit_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry bytea NOT NULL,                 -- RFC 8785 canonical JSON, stored exactly as it is hashed
  created_at timestamptz NOT NULL DEFAULT now(),
  log_index bigint UNIQUE
);
CREATE INDEX audit_entries_unsequenced ON audit_entries (id) WHERE log_index IS NULL;
