-- Operator console sessions (src/console/console-sessions.ts). The cookie carries a random id; only its
-- SHA-256 is stored, so a read of this table cannot be replayed as a cookie. Any gateway process reads
-- them; logout deletes the row, so a copied cookie dies with it.
CREATE TABLE console_sessions (
  id_hash bytea PRIMARY KEY,
  participant_id text NOT NULL,
  client_id text NOT NULL,
  subject text NOT NULL,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- The console lists a sender's latest reports, and the dead letters waiting for an operator.
CREATE INDEX reports_by_sender ON reports (sender_id, received_at DESC);
CREATE INDEX handoffs_dead_letters ON handoffs (created_at) WHERE state = 'dead_letter';
