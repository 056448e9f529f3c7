-- Retention. What a report carries is kept only as long as it is needed; what proves what happened
-- (ids, digests, times, the routing decision and its reasons, the manifests, the audit log) stays.
-- The purge (src/retention/) clears, per kind of data, what is past its configured age and records
-- when; each row keeps its digests, so every audit entry and evidence bundle still verifies.
--   reporter contact  reports.contact_sealed                             -> NULL, contact_purged_at
--   report contents   reports.canonical, retraction_reason, report_keys  -> NULL / deleted, contents_purged_at
--   handoff payloads  handoffs.payload of receipted or closed handoffs  -> NULL, payload_purged_at
--   receipts          the destination's receipt, status and retraction-receipt JWSs -> NULL, receipts_purged_at
ALTER TABLE reports
  ALTER COLUMN canonical DROP NOT NULL,
  ADD COLUMN contact_purged_at timestamptz,
  ADD COLUMN contents_purged_at timestamptz,
  ADD CONSTRAINT reports_contents_kept CHECK ((canonical IS NULL) = (contents_purged_at IS NOT NULL));

ALTER TABLE handoffs
  ADD COLUMN payload_purged_at timestamptz,
  ADD COLUMN receipts_purged_at timestamptz,
  DROP CONSTRAINT handoffs_signed,
  ADD CONSTRAINT handoffs_signed CHECK (state IN ('pending', 'failed', 'withdrawn')
    OR (manifest IS NOT NULL AND (payload IS NOT NULL OR payload_purged_at IS NOT NULL))),
  DROP CONSTRAINT handoffs_receipted,
  -- a receipt means received; received means a receipt, unless purged (a retraction may still come after the purge)
  ADD CONSTRAINT handoffs_receipted
    CHECK ((receipt IS NULL OR state = 'received') AND (state <> 'received' OR receipt IS NOT NULL OR receipts_purged_at IS NOT NULL)),
  DROP CONSTRAINT handoffs_retraction_receipted,
  ADD CONSTRAINT handoffs_retraction_receipted
    CHECK ((retraction_receipt IS NULL OR retraction_state = 'received')
       AND (retraction_state IS DISTINCT FROM 'received' OR retraction_receipt IS NOT NULL OR receipts_purged_at IS NOT NULL));

ALTER TABLE handoff_statuses ALTER COLUMN jws DROP NOT NULL;

-- Ids are UUIDv7 (creation time first), so "older than" is an id range. Only rows still holding
-- something to purge are indexed: reports with contact data, handoffs whose payload is no longer
-- needed for delivery. Nothing is added to intake's path for the reports without contact data.
CREATE INDEX reports_contact_held ON reports (id) WHERE contact_sealed IS NOT NULL;
CREATE INDEX handoffs_payload_held ON handoffs (id) WHERE payload IS NOT NULL AND state IN ('received', 'failed', 'withdrawn');

-- Report contents and receipts are purged in id order behind a watermark (everything at or below
-- `after` is done): no index on every report for it. Report contents wait for the report's handoffs
-- to be signed (the payload is built from them).
CREATE TABLE retention_watermarks (
  kind text PRIMARY KEY CHECK (kind IN ('report_contents', 'receipts')),
  after uuid NOT NULL
);
INSERT INTO retention_watermarks (kind, after) VALUES
  ('report_contents', '00000000-0000-0000-0000-000000000000'),
  ('receipts', '00000000-0000-0000-0000-000000000000');

-- When the purge last ran and whether it found anything: every process runs the purge loop, and this
-- row (read under the advisory lock) keeps it to one run per RETENTION_INTERVAL_MS across all of
-- them, so that the log gets one retention.purged entry per run, not one per process.
CREATE TABLE retention_runs (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  last_run_at timestamptz,
  last_purged integer NOT NULL DEFAULT 0
);
INSERT INTO retention_runs DEFAULT VALUES;
