-- Reports of a problem with the comune's services ("segnalazione
-- disservizio"), sent from the portal with or without logging in, and the
-- files attached to them. The files themselves live in the file storage
-- (internal/storage) under storage_key; the rows record what was received,
-- with its SHA-256, so a file can be checked against what the person sent.
CREATE TABLE problem_reports (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  -- shown to people: DS- and 8 characters without 0/O, 1/I/L
  reference   text NOT NULL CHECK (reference ~ '^DS-[2-9A-HJKMNP-Z]{8}$'),
  category    text NOT NULL CHECK (category ~ '^[a-z][a-z-]{1,60}$'),
  place       text NOT NULL DEFAULT '' CHECK (length(place) <= 200),
  subject     text NOT NULL CHECK (length(subject) BETWEEN 5 AND 120),
  description text NOT NULL CHECK (length(description) BETWEEN 20 AND 2000),
  email       text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
  person_id   uuid,
  language    text NOT NULL,
  status      text NOT NULL DEFAULT 'received' CHECK (status IN ('received')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, reference),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX problem_reports_received ON problem_reports (tenant_id, created_at DESC);
CREATE INDEX problem_reports_person ON problem_reports (tenant_id, person_id) WHERE person_id IS NOT NULL;

CREATE TABLE problem_report_files (
  tenant_id    uuid NOT NULL REFERENCES tenants (id),
  report_id    uuid NOT NULL,
  position     int NOT NULL CHECK (position BETWEEN 1 AND 3),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
  size         bigint NOT NULL CHECK (size BETWEEN 1 AND 5242880),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key  text NOT NULL,
  PRIMARY KEY (tenant_id, report_id, position),
  UNIQUE (tenant_id, storage_key),
  FOREIGN KEY (tenant_id, report_id) REFERENCES problem_reports (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE problem_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE problem_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON problem_reports
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE problem_report_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE problem_report_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON problem_report_files
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

GRANT SELECT, INSERT ON problem_reports, problem_report_files TO civica_tenant;

---- create above / drop below ----

DROP TABLE problem_report_files;
DROP TABLE problem_reports;
