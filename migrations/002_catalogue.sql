-- A comune's catalogue: topics, offices and service cards. The card is kept
-- whole as a document (its sections in every language); the columns beside
-- it are what queries filter, join and search on.

CREATE TABLE topics (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  slug        text NOT NULL,
  name        jsonb NOT NULL,
  description jsonb NOT NULL DEFAULT '{}',
  position    int NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, slug)
);

CREATE TABLE offices (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  slug      text NOT NULL,
  office    jsonb NOT NULL,
  PRIMARY KEY (tenant_id, slug)
);

CREATE TABLE services (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  slug        text NOT NULL,
  category    text NOT NULL,
  office_slug text NOT NULL,
  topics      text[] NOT NULL DEFAULT '{}',
  status      text NOT NULL CHECK (status IN ('active', 'suspended')),
  card        jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, slug),
  FOREIGN KEY (tenant_id, office_slug) REFERENCES offices (tenant_id, slug)
);
CREATE INDEX services_category ON services (tenant_id, category, slug);

ALTER TABLE topics ENABLE ROW LEVEL SECURITY;
ALTER TABLE topics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON topics
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE offices ENABLE ROW LEVEL SECURITY;
ALTER TABLE offices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON offices
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE services ENABLE ROW LEVEL SECURITY;
ALTER TABLE services FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON services
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON topics, offices, services TO civica_tenant;

---- create above / drop below ----

DROP TABLE services;
DROP TABLE offices;
DROP TABLE topics;
