-- Keys the platform draws once and keeps, so that every instance and every
-- restart signs alike (booking's manage links, video room names) without
-- one more secret to configure. Platform-level: no tenant, no row-level
-- security, and not granted to civica_tenant, so no tenant transaction can
-- read them.

CREATE TABLE platform_secrets (
  name       text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,40}$'),
  value      bytea NOT NULL CHECK (length(value) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

---- create above / drop below ----

DROP TABLE platform_secrets;
