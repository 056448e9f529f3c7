-- intake_report: the main write. One report, its de-duplication keys, its routing decision, its
-- handoffs (one per destination per case) and its audit entries, in one statement and one commit.
-- This file is the live version: the migrator re-applies it whenever its text changes (after the
-- numbered migrations, under their lock; the ledger is schema_functions). Earlier versions in
-- migrations 0005, 0009, 0011 and 0012 are history. A change of arguments or result type needs a
-- numbered migration that drops the old signature first.
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
