-- Rate-limit counters shared by every gateway process: one row per key and fixed window. UNLOGGED:
-- counters need not survive a crash, and skipping the WAL keeps them cheap.
CREATE UNLOGGED TABLE rate_limits (
  key text NOT NULL,
  window_start bigint NOT NULL,          -- Unix milliseconds, aligned to the window length
  hits integer NOT NULL,
  granted integer NOT NULL,              -- what the last claim obtained (SET sees the old row, RETURNING the new)
  PRIMARY KEY (key, window_start)
);
