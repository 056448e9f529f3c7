-- The gateway's own identity: one row, created once, so that every process behind the same
-- database agrees on it (the audit log's origin line and key names derive from it).
CREATE TABLE gateway_instance (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  instance_id uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO gateway_instance DEFAULT VALUES;
