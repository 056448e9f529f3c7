-- A circuit breaker per endpoint, not per participant: a participant's urgent endpoint and its normal
-- endpoint fail and recover independently (a police contact's urgent line stays open while its bulk
-- endpoint is down). Rows are keyed by the participant and the endpoint URL the push went to.
-- A breaker row is transient state (a missing row is a closed breaker, probed by the next push), so
-- the rows of the old shape, which do not say which endpoint failed, are dropped rather than guessed.
DELETE FROM delivery_endpoints;
ALTER TABLE delivery_endpoints
  ADD COLUMN endpoint text NOT NULL,
  DROP CONSTRAINT delivery_endpoints_pkey,
  ADD PRIMARY KEY (participant_id, endpoint);
