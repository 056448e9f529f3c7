-- The audit log's Merkle tree (RFC 6962 hashing, tlog stored-hash layout) and its signed checkpoints.
-- Only the sequencer writes here, in one transaction per batch together with audit_entries.log_index,
-- so the tree, the entries and the newest checkpoint always agree, even after a crash mid-batch.

-- Every hash of the tree, in tlog stored-hash index order (Crosby & Wallach), 32 consecutive hashes to
-- a row: stored hash i is bytes 32*(i % 32) .. +32 of strip i / 32. A proof or a tile is one query for a
-- handful of rows whatever the size of the log; a hash's low-level siblings share its strip; and at
-- ~1 KB a row (no TOAST) the table is a third of the size of one row per hash, so it stays in cache.
-- Only the last strip grows (by concatenation); every other one is immutable.
CREATE TABLE audit_log_hashes (
  strip bigint PRIMARY KEY CHECK (strip >= 0),
  hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 1024 AND length(hashes) % 32 = 0)
);

-- The tree as the last batch left it. The origin is fixed here once (default derived from the
-- instance id; AUDIT_LOG_ORIGIN may replace it while the log is still empty): a log that changed its
-- origin would be a different log to every verifier and witness.
CREATE TABLE audit_log_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  origin text NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root_hash bytea NOT NULL CHECK (length(root_hash) = 32)
);
INSERT INTO audit_log_state (origin, tree_size, root_hash)
SELECT 'hotline-gateway/' || instance_id, 0, sha256(''::bytea) FROM gateway_instance;

-- Every checkpoint ever signed, never deleted: auditors and witnesses check new ones against old ones.
CREATE TABLE audit_checkpoints (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
  note text NOT NULL,                   -- the C2SP signed note, signed by the log's key only
  kid text NOT NULL REFERENCES gateway_keys (kid),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Witness cosignatures (C2SP tlog-cosignature), checked before they are stored, served with their checkpoint.
CREATE TABLE audit_cosignatures (
  tree_size bigint NOT NULL REFERENCES audit_checkpoints (tree_size),
  witness text NOT NULL,                -- the witness's verifier key, <name>+<hash>+<key>
  signature text NOT NULL,              -- the note signature line, "— <name> <base64>\n"
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tree_size, witness)
);
CREATE INDEX audit_cosignatures_by_size ON audit_cosignatures (tree_size DESC);

-- The size of the latest checkpoint each configured witness cosigned, as far as the gateway knows
-- (a witness that disagrees says so with 409 and its own size).
CREATE TABLE audit_witness_state (
  witness text PRIMARY KEY,
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
