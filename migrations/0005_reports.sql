-- Reports, their cases, and the keys that link duplicates into one case.
CREATE TABLE reports (
  id uuid PRIMARY KEY,                          -- UUIDv7, assigned at intake
  sender_id text NOT NULL,                      -- the participant that sent it
  channel text NOT NULL,
  external_id text,                             -- the sender's own reference; unique per sender
  idempotency_key text,                         -- Idempotency-Key header; unique per sender
  payload_digest text NOT NULL,                 -- SHA-256 (hex) of the exact bytes received
  payload_media_type text NOT NULL,
  report_digest text NOT NULL,                  -- SHA-256 (hex) of the RFC 8785 canonical report (what the receipt signs)
  received_at timestamptz NOT NULL,
  case_id uuid NOT NULL,                        -- the case it belongs to (its own id when it opened the case)
  duplicate_of uuid,                            -- the first report of that case, when this one matched it
  canonical jsonb NOT NULL,                     -- the canonical report without reporter contact data
  contact_sealed bytea,                         -- reporter contact data, encrypted (AES-256-GCM, bound to the report id)
  receipt jsonb NOT NULL,                       -- the 202 answer, replayed to idempotent retries
  directory_version integer NOT NULL,
  state text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'routed', 'retracted')),
  retracted_at timestamptz,
  retraction_reason text,
  UNIQUE (sender_id, external_id),
  UNIQUE (sender_id, idempotency_key)
);
CREATE INDEX reports_case ON reports (case_id);

-- One row per normalised URL ('url:…') or hash ('hash:<alg>:<value>') ever reported. The primary key
-- makes de-duplication consistent under concurrent submissions: the second writer of a key waits for
-- the first and then sees its case.
CREATE TABLE report_keys (
  key text PRIMARY KEY,
  case_id uuid NOT NULL,
  report_id uuid NOT NULL
);

-- Stores one report in one round trip (the request path's bottleneck is round trips, see
-- shared notes). Runs as one transaction; each statement sees rows committed before it, which is
-- what the conflict handling below relies on. Returns
--   { status: accepted, case_id, duplicate_of } | { status: replay, receipt, case_id, duplicate_of } |
--   { status: idempotency_conflict } | { status: external_id_conflict, id }
CREATE FUNCTION intake_report(r jsonb, keys text[], entry bytea) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  new_id uuid := (r->>'id')::uuid;
  stored reports%ROWTYPE;
  found_case uuid;
  found_report uuid;
BEGIN
  INSERT INTO reports (id, sender_id, channel, external_id, idempotency_key, payload_digest, payload_media_type,
                       report_digest, received_at, case_id, canonical, contact_sealed, receipt, directory_version)
  VALUES (new_id, r->>'sender_id', r->>'channel', r->>'external_id', r->>'idempotency_key', r->>'payload_digest',
          r->>'payload_media_type', r->>'report_digest', (r->>'received_at')::timestamptz, new_id, r->'canonical',
          decode(r->>'contact_sealed', 'base64'), r->'receipt', (r->>'directory_version')::integer)
  ON CONFLICT DO NOTHING;

  IF NOT FOUND THEN
    -- the same sender already used this Idempotency-Key or external_id
    SELECT * INTO stored FROM reports WHERE sender_id = r->>'sender_id' AND idempotency_key = r->>'idempotency_key';
    IF FOUND THEN
      IF stored.payload_digest = r->>'payload_digest' AND stored.payload_media_type = r->>'payload_media_type' THEN
        RETURN jsonb_build_object('status', 'replay', 'receipt', stored.receipt, 'case_id', stored.case_id, 'duplicate_of', stored.duplicate_of);
      END IF;
      RETURN jsonb_build_object('status', 'idempotency_conflict', 'id', stored.id);
    END IF;
    SELECT * INTO stored FROM reports WHERE sender_id = r->>'sender_id' AND external_id = r->>'external_id';
    IF FOUND THEN
      IF stored.report_digest = r->>'report_digest' THEN
        RETURN jsonb_build_object('status', 'replay', 'receipt', stored.receipt, 'case_id', stored.case_id, 'duplicate_of', stored.duplicate_of);
      END IF;
      RETURN jsonb_build_object('status', 'external_id_conflict', 'id', stored.id);
    END IF;
    RAISE EXCEPTION 'report % conflicts with no known constraint', new_id;
  END IF;

  -- De-duplication: claim every key; a key that exists already names the case we join (the oldest).
  -- ON CONFLICT DO UPDATE returns the latest committed row, even one committed while we waited.
  WITH k AS (
    INSERT INTO report_keys AS rk (key, case_id, report_id)
    SELECT key, new_id, new_id FROM unnest(keys) AS key ORDER BY key
    ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
    RETURNING rk.case_id, rk.report_id, (rk.xmax = 0) AS fresh
  )
  SELECT k.case_id, k.report_id INTO found_case, found_report
  FROM k WHERE NOT k.fresh ORDER BY k.report_id LIMIT 1;

  IF found_case IS NOT NULL THEN
    UPDATE reports SET case_id = found_case, duplicate_of = found_report WHERE id = new_id;
    UPDATE report_keys SET case_id = found_case WHERE report_keys.report_id = new_id AND key = ANY (keys);
  END IF;

  INSERT INTO audit_entries (entry) VALUES (entry);
  RETURN jsonb_build_object('status', 'accepted', 'case_id', coalesce(found_case, new_id), 'duplicate_of', found_report);
END
$$;
