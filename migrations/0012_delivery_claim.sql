-- Delivery that keeps up with intake. The signing worker used to sort every pending handoff joined to
-- its report and dig the destination kind out of the routing decision's JSON (318 ms for 20 rows at
-- 56k pending). Now everything the worker needs is on the handoff row, written at routing time, and
-- the claim walks an index in urgency-then-age order: a batch costs the same at 10 or 100,000 pending.
ALTER TABLE handoffs ADD COLUMN kind text;   -- the destination's participant kind when routing chose it

UPDATE handoffs h SET kind = (
  SELECT d->>'kind' FROM routing_decisions rd, jsonb_array_elements(rd.decision->'destinations') AS d
   WHERE rd.report_id = h.report_id AND d->>'participant_id' = h.participant_id LIMIT 1);

DROP INDEX handoffs_pending;
CREATE INDEX handoffs_pending ON handoffs (urgent DESC, created_at) WHERE state = 'pending';
-- push delivery leases one destination's ready handoffs, urgent first, then oldest
CREATE INDEX handoffs_push ON handoffs (participant_id, urgent DESC, created_at) WHERE state = 'ready';

-- One row per push endpoint, shared by every gateway process: a circuit breaker. After a failed
-- attempt the endpoint is left alone until open_until (exponential with jitter in `failures`), then
-- one handoff probes it; a success closes it. A slow or dead endpoint never holds up another's.
-- Rows exist only for endpoints that failed once: a healthy exchange never writes here.
CREATE TABLE delivery_endpoints (
  participant_id text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,        -- consecutive failed attempts; 0: closed
  open_until timestamptz,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- intake_report, fourth version: the same as 0011's, and it records each handoff's destination kind.
CREATE OR REPLACE FUNCTION intake_report(r jsonb, keys text[], entries bytea[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  new_id uuid := (r->>'id')::uuid;
  stored reports%ROWTYPE;
  found_case uuid;
  found_report uuid;
  the_case uuid;
  handed jsonb;
  created_for text[];
BEGIN
  INSERT INTO reports (id, sender_id, channel, external_id, idempotency_key, payload_digest, payload_media_type,
                       report_digest, received_at, case_id, canonical, contact_sealed, receipt, directory_version, state)
  VALUES (new_id, r->>'sender_id', r->>'channel', r->>'external_id', r->>'idempotency_key', r->>'payload_digest',
          r->>'payload_media_type', r->>'report_digest', (r->>'received_at')::timestamptz, new_id, r->'canonical',
          decode(r->>'contact_sealed', 'base64'), r->'receipt', (r->>'directory_version')::integer, 'routed')
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
  the_case := coalesce(found_case, new_id);

  -- One handoff per destination per case: a destination that already has the case is not sent again.
  -- Two statements on purpose: the second sees handoffs committed while the first waited on them.
  WITH created AS (
    INSERT INTO handoffs (id, case_id, participant_id, report_id, urgent, rules, items, format, kind)
    SELECT (r->'handoff_ids'->>(n - 1)::integer)::uuid, the_case, d->>'participant_id', new_id, (d->>'urgent')::boolean,
           d->'rules', d->'items', d->>'format', d->>'kind'
    FROM jsonb_array_elements(r->'decision'->'destinations') WITH ORDINALITY AS x (d, n) ORDER BY d->>'participant_id'
    ON CONFLICT (case_id, participant_id) DO NOTHING
    RETURNING participant_id
  )
  SELECT coalesce(array_agg(participant_id), '{}') INTO created_for FROM created;

  SELECT coalesce(jsonb_agg(jsonb_build_object('participant_id', h.participant_id, 'handoff_id', h.id) ORDER BY h.participant_id), '[]'::jsonb)
  INTO handed
  FROM handoffs h
  WHERE h.case_id = the_case
    AND h.participant_id IN (SELECT d->>'participant_id' FROM jsonb_array_elements(r->'decision'->'destinations') AS d)
    AND NOT h.participant_id = ANY (created_for);

  INSERT INTO routing_decisions (report_id, decision, already_handed, directory_version, ruleset_version, decided_at)
  VALUES (new_id, r->'decision', handed, (r->>'directory_version')::integer, (r->>'ruleset_version')::integer, (r->>'decided_at')::timestamptz);

  INSERT INTO audit_entries (entry) SELECT unnest(entries);
  RETURN jsonb_build_object('status', 'accepted', 'case_id', the_case, 'duplicate_of', found_report, 'already_handed', handed);
END
$$;
