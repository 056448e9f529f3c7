-- Routing: versioned rule sets, the decision recorded with each report, and handoffs: one per
-- destination per case, enforced by the database (a duplicate report adds to the case, it does not
-- re-send). Handoffs are the outbox of later delivery: state 'pending' until signed and sent.
CREATE TABLE routing_rulesets (
  version integer PRIMARY KEY CHECK (version > 0),
  digest text NOT NULL,
  document jsonb NOT NULL,
  summary jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE routing_decisions (
  report_id uuid PRIMARY KEY REFERENCES reports (id),
  decision jsonb NOT NULL,                      -- as the engine made it (src/routing/decision.ts)
  already_handed jsonb NOT NULL,                -- destinations that already had this case: [{ participant_id, handoff_id }]
  directory_version integer NOT NULL,
  ruleset_version integer NOT NULL,
  decided_at timestamptz NOT NULL
);

CREATE TABLE handoffs (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL,
  participant_id text NOT NULL,
  report_id uuid NOT NULL REFERENCES reports (id),
  urgent boolean NOT NULL,
  rules jsonb NOT NULL,                         -- [{ rule_id, reason }]
  items jsonb NOT NULL,                         -- item indexes of the report this destination is sent
  format text NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, participant_id)
);
ALTER TABLE handoffs SET (toast_tuple_target = 8160);

-- intake_report, second version: also records the routing decision and creates the handoffs.
-- r carries, besides the report row: decision, destinations [{ id, participant_id, urgent, rules,
-- items, format }], ruleset_version, decided_at. entries: the audit entries to append.
DROP FUNCTION intake_report(jsonb, text[], bytea);
CREATE FUNCTION intake_report(r jsonb, keys text[], entries bytea[]) RETURNS jsonb
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
    INSERT INTO handoffs (id, case_id, participant_id, report_id, urgent, rules, items, format)
    SELECT (d->>'id')::uuid, the_case, d->>'participant_id', new_id, (d->>'urgent')::boolean, d->'rules', d->'items', d->>'format'
    FROM jsonb_array_elements(r->'destinations') AS d ORDER BY d->>'participant_id'
    ON CONFLICT (case_id, participant_id) DO NOTHING
    RETURNING participant_id
  )
  SELECT coalesce(array_agg(participant_id), '{}') INTO created_for FROM created;

  SELECT coalesce(jsonb_agg(jsonb_build_object('participant_id', h.participant_id, 'handoff_id', h.id) ORDER BY h.participant_id), '[]'::jsonb)
  INTO handed
  FROM handoffs h
  WHERE h.case_id = the_case
    AND h.participant_id IN (SELECT d->>'participant_id' FROM jsonb_array_elements(r->'destinations') AS d)
    AND NOT h.participant_id = ANY (created_for);

  INSERT INTO routing_decisions (report_id, decision, already_handed, directory_version, ruleset_version, decided_at)
  VALUES (new_id, r->'decision', handed, (r->>'directory_version')::integer, (r->>'ruleset_version')::integer, (r->>'decided_at')::timestamptz);

  INSERT INTO audit_entries (entry) SELECT unnest(entries);
  RETURN jsonb_build_object('status', 'accepted', 'case_id', the_case, 'duplicate_of', found_report, 'already_handed', handed);
END
$$;

-- Several reports in one call and one commit: under load, intake groups the submissions that
-- arrive together (round trips and commits are the bottleneck). Each report keeps its own outcome.
CREATE FUNCTION intake_reports(rs jsonb, keys jsonb, entries jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  results jsonb := '[]'::jsonb;
  i integer;
BEGIN
  FOR i IN 0 .. jsonb_array_length(rs) - 1 LOOP
    results := results || jsonb_build_array(intake_report(
      rs->i,
      ARRAY(SELECT jsonb_array_elements_text(keys->i)),
      ARRAY(SELECT decode(e, 'base64') FROM jsonb_array_elements_text(entries->i) AS e)
    ));
  END LOOP;
  RETURN results;
END
$$;
