-- Status notifications (issue #11): a sender whose directory entry names delivery.notify_endpoint is
-- sent each status change of its reports' handoffs. A transactional outbox: the row is written in the
-- transaction that stores the status, with the exact body (made once, under its own id, so a retry
-- sends the same bytes under the same id); a loop POSTs it, RFC 9421-signed like every push, and
-- retries with backoff until a 2xx. One notification per status (the unique key): never two ids for one.
CREATE TABLE status_notifications (
  id uuid PRIMARY KEY,
  handoff_id uuid NOT NULL REFERENCES handoffs (id),
  seq integer NOT NULL,
  sender_id text NOT NULL,
  endpoint text NOT NULL,
  body text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (handoff_id, seq)
);
CREATE INDEX status_notifications_due ON status_notifications (next_attempt_at) WHERE delivered_at IS NULL;
