-- The foundation: tenants, their host names, people, staff, the inbox and
-- the session store. Tenant transactions run as civica_tenant (SET LOCAL ROLE),
-- a role that owns nothing and cannot bypass row-level security.

DO $$
BEGIN
  CREATE ROLE civica_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN
  NULL; -- roles are cluster-wide: another Civica database may have made it
END
$$;

-- The connecting (owner) role must be able to SET ROLE to it.
DO $$
BEGIN
  EXECUTE format('GRANT civica_tenant TO %I', current_user);
EXCEPTION WHEN duplicate_object OR invalid_grant_operation THEN
  NULL;
END
$$;

-- app_tenant_id() is the tenant of the current transaction, or NULL when none
-- is set (then every policy below matches nothing).
CREATE FUNCTION app_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

GRANT EXECUTE ON FUNCTION app_tenant_id() TO civica_tenant;

-- Platform-level tables: not tenant-owned, read by host resolution.
CREATE TABLE tenants (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9-]{1,40}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
  istat_code   text NOT NULL UNIQUE CHECK (istat_code ~ '^[0-9]{6}$'),
  ipa_code     text NOT NULL UNIQUE CHECK (ipa_code ~ '^[a-z0-9_]{2,20}$'),
  fiscal_code  text NOT NULL CHECK (fiscal_code ~ '^[0-9]{11}$'),
  status       text NOT NULL DEFAULT 'trial' CHECK (status IN ('trial', 'active', 'suspended')),
  languages    text[] NOT NULL DEFAULT '{it,en}',
  primary_color text NOT NULL CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
  logo         bytea NOT NULL,
  logo_type    text NOT NULL,
  contacts     jsonb NOT NULL DEFAULT '{}',
  patron_saint_day text CHECK (patron_saint_day ~ '^[0-9]{2}-[0-9]{2}$'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Custom domains (servizi.comune.esempio.it); <slug>.<platform host> needs no row.
CREATE TABLE tenant_hosts (
  host      text PRIMARY KEY CHECK (host = lower(host)),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX tenant_hosts_tenant ON tenant_hosts (tenant_id);

-- Tenant-owned tables.

-- A person known to a comune: created at first login from the identity's
-- attributes, one row per fiscal code per comune.
CREATE TABLE people (
  tenant_id     uuid NOT NULL REFERENCES tenants (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  fiscal_code   text NOT NULL CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
  given_name    text NOT NULL,
  family_name   text NOT NULL,
  email         text NOT NULL DEFAULT '',
  language      text NOT NULL DEFAULT 'it',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, fiscal_code)
);

-- Staff of a comune, keyed by fiscal code (staff log in with their own SPID/CIE
-- or the comune's issuer; the role comes from here, never from the provider).
CREATE TABLE staff_members (
  tenant_id    uuid NOT NULL REFERENCES tenants (id),
  fiscal_code  text NOT NULL CHECK (fiscal_code ~ '^[A-Z0-9]{16}$'),
  display_name text NOT NULL,
  role         text NOT NULL CHECK (role IN ('admin', 'office_manager', 'clerk')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, fiscal_code)
);

-- The in-app inbox. dedup_key makes writers idempotent: a job that runs twice
-- writes one message.
CREATE TABLE inbox_messages (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  id         uuid NOT NULL DEFAULT gen_random_uuid(),
  person_id  uuid NOT NULL,
  dedup_key  text NOT NULL,
  subject    text NOT NULL,
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, person_id, dedup_key),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX inbox_messages_person ON inbox_messages (tenant_id, person_id, created_at DESC);

-- Row-level security on every tenant-owned table.
ALTER TABLE people ENABLE ROW LEVEL SECURITY;
ALTER TABLE people FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON people
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE staff_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_members
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE inbox_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbox_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbox_messages
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON people, staff_members, inbox_messages TO civica_tenant;
GRANT SELECT ON tenants TO civica_tenant;

-- scs session store (github.com/alexedwards/scs/pgxstore). Sessions are per
-- host cookie; the tenant a session belongs to is stored inside it and checked.
CREATE TABLE sessions (
  token  text PRIMARY KEY,
  data   bytea NOT NULL,
  expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

---- create above / drop below ----

DROP TABLE sessions;
DROP TABLE inbox_messages;
DROP TABLE staff_members;
DROP TABLE people;
DROP TABLE tenant_hosts;
DROP TABLE tenants;
DROP FUNCTION app_tenant_id();
