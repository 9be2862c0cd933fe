-- The history of a comune's service cards: every save by an administrator
-- keeps the card as it was before, numbered per service from 1, with who
-- saved over it and when. Written in the same transaction as the save.
CREATE TABLE service_versions (
  tenant_id             uuid NOT NULL REFERENCES tenants (id),
  slug                  text NOT NULL,
  version               int NOT NULL CHECK (version > 0),
  card                  jsonb NOT NULL,
  status                text NOT NULL CHECK (status IN ('active', 'suspended')),
  edited_by_name        text NOT NULL CHECK (length(edited_by_name) <= 200),
  edited_by_fiscal_code text NOT NULL CHECK (length(edited_by_fiscal_code) <= 32),
  edited_at             timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, slug, version)
);

ALTER TABLE service_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON service_versions
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT ON service_versions TO civica_tenant;

---- create above / drop below ----

DROP TABLE service_versions;
