-- Pull that feels like push. Each handoff gets a place in one sequence when it is signed (becomes
-- available): a destination's cursor is the last place it has seen, and GET /v1/inbox?cursor= returns
-- only what became available after it. The signing worker assigns places under a transaction-scoped
-- advisory lock, so places are handed out in commit order and a cursor never skips a handoff that a
-- slower transaction commits later. Every batch NOTIFYs channel hg_inbox once per destination, which
-- wakes long-polling inbox requests in every gateway process.
CREATE SEQUENCE handoffs_available_seq;
ALTER TABLE handoffs ADD COLUMN available_seq bigint;

UPDATE handoffs h SET available_seq = s.seq
  FROM (SELECT id, nextval('handoffs_available_seq') AS seq
          FROM (SELECT id FROM handoffs WHERE signed_at IS NOT NULL ORDER BY signed_at, id) AS ordered) AS s
 WHERE h.id = s.id;

CREATE INDEX handoffs_available ON handoffs (participant_id, available_seq) WHERE state IN ('ready', 'sent', 'dead_letter');
