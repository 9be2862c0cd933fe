-- Online applications (pratiche): the published versions of each service's
-- form, the applications filled with them, their timeline, their files, the
-- comune's protocol register and what each citizen has told the comune
-- before (once-only).

-- A published form is immutable: civica_tenant may read and add versions,
-- never change or remove one, because applications pin the version they
-- were filled with.
CREATE TABLE form_versions (
  tenant_id    uuid NOT NULL REFERENCES tenants (id),
  service_slug text NOT NULL,
  version      int NOT NULL CHECK (version > 0),
  definition   jsonb NOT NULL,
  digest       text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, service_slug, version),
  UNIQUE (tenant_id, service_slug, digest)
);

-- The version a service's "apply online" uses now; null when the service
-- has no online form.
ALTER TABLE services ADD COLUMN form_version int;
ALTER TABLE services ADD FOREIGN KEY (tenant_id, slug, form_version) REFERENCES form_versions (tenant_id, service_slug, version);

CREATE TABLE applications (
  tenant_id       uuid NOT NULL REFERENCES tenants (id),
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  -- shown to people: PR- and 8 characters without 0/O, 1/I/L
  reference       text NOT NULL CHECK (reference ~ '^PR-[2-9A-HJKMNP-Z]{8}$'),
  service_slug    text NOT NULL,
  form_version    int NOT NULL,
  -- the applicant; null only for a report sent without logging in, who
  -- is reached at contact_email
  person_id       uuid,
  contact_email   text NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
  status          text NOT NULL CHECK (status IN ('draft', 'submitted', 'registered', 'in_progress',
                    'awaiting_integration', 'accepted', 'rejected', 'withdrawn', 'cancelled')),
  answers         jsonb NOT NULL DEFAULT '{}',
  office_slug     text NOT NULL,
  language        text NOT NULL DEFAULT 'it',
  -- bumped by every change: the desk's optimistic locking
  revision        int NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  -- a draft nobody touched is removed after this
  expires_at      timestamptz,
  submitted_at    timestamptz,
  protocol_number text,
  protocol_at     timestamptz,
  taken_at        timestamptz,
  assignee        text,
  -- the legal deadline, a civil date in Europe/Rome; moved when an
  -- integration request suspended the clock
  days_kind       text NOT NULL DEFAULT 'calendar' CHECK (days_kind IN ('calendar', 'working')),
  due_on          date,
  suspended_at    timestamptz,
  decided_at      timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, reference),
  UNIQUE (tenant_id, protocol_number),
  FOREIGN KEY (tenant_id, service_slug, form_version) REFERENCES form_versions (tenant_id, service_slug, version),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
  CHECK (person_id IS NOT NULL OR contact_email <> ''),
  CHECK (status = 'draft' OR submitted_at IS NOT NULL),
  CHECK (status <> 'draft' OR person_id IS NOT NULL)
);
CREATE INDEX applications_person ON applications (tenant_id, person_id, updated_at DESC);
CREATE INDEX applications_status ON applications (tenant_id, status, submitted_at DESC);
CREATE INDEX applications_drafts_expiry ON applications (expires_at) WHERE status = 'draft';

-- The timeline: one event per transition, message or note, numbered per
-- application from 1. Append-only for civica_tenant.
CREATE TABLE application_events (
  tenant_id      uuid NOT NULL REFERENCES tenants (id),
  application_id uuid NOT NULL,
  seq            int NOT NULL CHECK (seq > 0),
  kind           text NOT NULL CHECK (kind ~ '^[a-z_]{2,40}$'),
  from_status    text,
  to_status      text,
  actor_kind     text NOT NULL CHECK (actor_kind IN ('citizen', 'staff', 'system')),
  actor_name     text NOT NULL DEFAULT '',
  actor_id       text NOT NULL DEFAULT '',
  -- message is for the citizen; note is internal to the office
  message        text NOT NULL DEFAULT '' CHECK (length(message) <= 4000),
  note           text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
  reply_by       date,
  at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, application_id, seq),
  FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);

-- Files: what the citizen attached to a field, an integration or a message;
-- what the office attached; the receipt.
CREATE TABLE application_files (
  tenant_id      uuid NOT NULL REFERENCES tenants (id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  application_id uuid NOT NULL,
  owner          text NOT NULL CHECK (owner IN ('citizen', 'office', 'receipt')),
  -- the form field it answers ("household.0.id_card"), or '' when it
  -- came with a message or an integration (event_seq)
  field_key      text NOT NULL DEFAULT '',
  event_seq      int,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  content_type   text NOT NULL,
  size           bigint NOT NULL CHECK (size > 0),
  sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key    text NOT NULL,
  -- a receipt: the application's revision it shows
  revision       int NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, storage_key),
  FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX application_files_application ON application_files (tenant_id, application_id, created_at);
CREATE UNIQUE INDEX application_files_receipt ON application_files (tenant_id, application_id) WHERE owner = 'receipt';

-- The built-in protocol register: each comune's entries numbered from 1
-- every year. The counter row is locked by the registering transaction
-- and the entry is written in the same transaction, so numbers have no
-- gaps and no repeats whatever runs concurrently or rolls back.
CREATE TABLE protocol_counters (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  year      int NOT NULL,
  last      int NOT NULL,
  PRIMARY KEY (tenant_id, year)
);
CREATE TABLE protocol_entries (
  tenant_id     uuid NOT NULL REFERENCES tenants (id),
  year          int NOT NULL,
  number        int NOT NULL CHECK (number > 0),
  registered_at timestamptz NOT NULL DEFAULT now(),
  direction     text NOT NULL CHECK (direction IN ('in', 'out')),
  subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  correspondent text NOT NULL CHECK (length(correspondent) <= 300),
  reference     text NOT NULL,
  PRIMARY KEY (tenant_id, year, number),
  UNIQUE (tenant_id, reference, direction)
);

-- Once-only: the last answer a person gave to each remembered question.
CREATE TABLE citizen_profile (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  person_id  uuid NOT NULL,
  key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_.]{0,80}$'),
  value      text[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, person_id, key),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);

-- The inbox knows what a message is about.
ALTER TABLE inbox_messages ADD COLUMN application_id uuid;
CREATE INDEX inbox_messages_application ON inbox_messages (tenant_id, application_id) WHERE application_id IS NOT NULL;

-- Email to people: one row per message, sent by a job (or, with no SMTP
-- server configured, kept for the development outbox page).
CREATE TABLE email_messages (
  tenant_id      uuid NOT NULL REFERENCES tenants (id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  dedup_key      text NOT NULL,
  person_id      uuid,
  application_id uuid,
  to_address     text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 254),
  subject        text NOT NULL,
  body           text NOT NULL,
  status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'outbox', 'failed')),
  attempts       int NOT NULL DEFAULT 0,
  last_error     text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, dedup_key)
);
CREATE INDEX email_messages_application ON email_messages (tenant_id, application_id) WHERE application_id IS NOT NULL;
CREATE INDEX email_messages_recent ON email_messages (tenant_id, created_at DESC);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['form_versions', 'applications', 'application_events', 'application_files',
                           'protocol_counters', 'protocol_entries', 'citizen_profile', 'email_messages'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT ON form_versions, application_events, protocol_entries TO civica_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON applications, application_files, citizen_profile TO civica_tenant;
GRANT SELECT, INSERT, UPDATE ON protocol_counters, email_messages TO civica_tenant;

---- create above / drop below ----

DROP TABLE email_messages;
DROP INDEX inbox_messages_application;
ALTER TABLE inbox_messages DROP COLUMN application_id;
DROP TABLE citizen_profile;
DROP TABLE protocol_entries;
DROP TABLE protocol_counters;
DROP TABLE application_files;
DROP TABLE application_events;
DROP TABLE applications;
ALTER TABLE services DROP COLUMN form_version;
DROP TABLE form_versions;
