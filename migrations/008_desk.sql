-- The digital desk (scrivania digitale): which offices each member of staff
-- works for, what the queue searches, the clerks' saved filters, and the
-- append-only audit log of everything staff see and do.

-- A clerk or an office manager works on the services of the offices listed
-- here; a comune admin sees every office whatever is listed.
CREATE TABLE staff_offices (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  fiscal_code text NOT NULL,
  office_slug text NOT NULL,
  PRIMARY KEY (tenant_id, fiscal_code, office_slug),
  FOREIGN KEY (tenant_id, fiscal_code) REFERENCES staff_members (tenant_id, fiscal_code) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, office_slug) REFERENCES offices (tenant_id, slug) ON DELETE CASCADE
);
CREATE INDEX staff_offices_office ON staff_offices (tenant_id, office_slug);

-- Each comune may have its own OpenID Connect issuer for staff (its
-- Active Directory, its Keycloak); null means the platform's provider.
ALTER TABLE tenants ADD COLUMN staff_oidc_issuer text;
ALTER TABLE tenants ADD COLUMN staff_oidc_client_id text;

-- What the queue finds an application by, besides its reference and
-- protocol number: the applicant as they were when they submitted.
ALTER TABLE applications ADD COLUMN applicant_name text NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN applicant_fiscal_code text NOT NULL DEFAULT '';

-- Who did what, when and from where: one row per view of an application's
-- personal data by staff and per action. civica_tenant may only read and
-- add rows: nobody at a comune can rewrite what happened.
CREATE TABLE audit_log (
  tenant_id      uuid NOT NULL REFERENCES tenants (id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  at             timestamptz NOT NULL DEFAULT now(),
  actor_kind     text NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system')),
  actor_id       text NOT NULL,
  actor_name     text NOT NULL DEFAULT '',
  -- view, take_in_charge, assign, request_integration, accepted, …
  action         text NOT NULL CHECK (action ~ '^[a-z_]{2,40}$'),
  application_id uuid,
  reference      text NOT NULL DEFAULT '',
  remote_addr    text NOT NULL DEFAULT '',
  detail         text NOT NULL DEFAULT '' CHECK (length(detail) <= 2000),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_recent ON audit_log (tenant_id, at DESC);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, at DESC);
CREATE INDEX audit_log_reference ON audit_log (tenant_id, reference, at DESC) WHERE reference <> '';

-- A clerk's saved queue filters: a name and the query string of the queue.
CREATE TABLE saved_filters (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  fiscal_code text NOT NULL,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  query       text NOT NULL CHECK (length(query) <= 2000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, fiscal_code, name),
  FOREIGN KEY (tenant_id, fiscal_code) REFERENCES staff_members (tenant_id, fiscal_code) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['staff_offices', 'audit_log', 'saved_filters'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON staff_offices, saved_filters TO civica_tenant;
GRANT SELECT, INSERT ON audit_log TO civica_tenant;

---- create above / drop below ----

DROP TABLE saved_filters;
DROP TABLE audit_log;
ALTER TABLE applications DROP COLUMN applicant_fiscal_code;
ALTER TABLE applications DROP COLUMN applicant_name;
ALTER TABLE tenants DROP COLUMN staff_oidc_client_id;
ALTER TABLE tenants DROP COLUMN staff_oidc_issuer;
DROP TABLE staff_offices;
