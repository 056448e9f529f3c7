-- The gateway's own signing keys: one active key per purpose, older ones kept (retired) so that
-- everything they signed stays verifiable. Private keys are sealed with a key from configuration.
CREATE TABLE gateway_keys (
  kid text PRIMARY KEY,                 -- RFC 7638 JWK thumbprint
  purpose text NOT NULL CHECK (purpose IN ('receipt', 'checkpoint')),
  public_jwk jsonb NOT NULL,
  private_sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE UNIQUE INDEX gateway_keys_one_active ON gateway_keys (purpose) WHERE retired_at IS NULL;
