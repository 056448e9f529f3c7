-- A destination's inbox without a cursor is served urgent first, then oldest. The index now has that
-- order, so a page is read off its front; before, every such request sorted the destination's whole
-- open set (all of a 25,000 backlog for each page of 100, and on every poll of a partner that never
-- passes a cursor). Lookups by destination alone use it as before.
DROP INDEX handoffs_inbox;
CREATE INDEX handoffs_inbox ON handoffs (participant_id, urgent DESC, created_at) WHERE state IN ('ready', 'sent', 'dead_letter');
