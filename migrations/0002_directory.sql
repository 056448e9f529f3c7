-- The participant directory. Every change is a new immutable version; routing decisions and audit
-- entries name the version they used, so old versions stay readable forever.
CREATE TABLE directory_versions (
  version integer PRIMARY KEY CHECK (version > 0),
  digest text NOT NULL,                 -- SHA-256 (hex) of the RFC 8785 canonical document
  document jsonb NOT NULL,
  summary jsonb NOT NULL,               -- { added: [...], removed: [...], changed: [...] } against the previous version
  created_by text NOT NULL,             -- participant id of the administrator, or 'cli'
  created_at timestamptz NOT NULL DEFAULT now()
);
