-- Urgent means urgent. An urgent handoff (a child may be in imminent danger) that its destination has
-- not receipted within URGENT_ACK_MS of routing is escalated once: escalated_at is set (by exactly one
-- process), a push is tried again at once, a `handoff.escalated` entry is logged, and it is listed for
-- the gateway's operators (GET /v1/escalations) with the destination's urgent contact, for a phone call.
ALTER TABLE handoffs ADD COLUMN escalated_at timestamptz;

CREATE INDEX handoffs_urgent_open ON handoffs (created_at)
  WHERE urgent AND escalated_at IS NULL AND state IN ('pending', 'ready', 'sent', 'dead_letter');
CREATE INDEX handoffs_escalated ON handoffs (escalated_at) WHERE escalated_at IS NOT NULL;
