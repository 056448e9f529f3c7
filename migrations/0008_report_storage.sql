-- Intake writes one row per report; every index is work on the hot path. External ids and
-- idempotency keys are optional: index only the rows that have one (ON CONFLICT DO NOTHING in
-- intake_report still sees these partial unique indexes). Nothing queries reports by case yet.
ALTER TABLE reports DROP CONSTRAINT reports_sender_id_external_id_key;
ALTER TABLE reports DROP CONSTRAINT reports_sender_id_idempotency_key_key;
CREATE UNIQUE INDEX reports_sender_external_id ON reports (sender_id, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX reports_sender_idempotency_key ON reports (sender_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
DROP INDEX reports_case;
-- A report row (canonical report + receipt) is ~3-4 KB: past the default 2 KB TOAST threshold, where
-- PostgreSQL compresses it on every insert, which doubled the insert's cost. Keep rows up to a page
-- inline and uncompressed.
ALTER TABLE reports SET (toast_tuple_target = 8160);

