-- Delivery of notifications (issue 6): a comune's own message templates,
-- and one row per message and channel with its status and attempts.

-- A comune's own wording of a message; without a row the built-in
-- default (internal/notify/templates) is used.
CREATE TABLE message_templates (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  event      text NOT NULL CHECK (event ~ '^[a-z_]+\.[a-z_]+$'),
  channel    text NOT NULL CHECK (channel IN ('inbox', 'email', 'sms', 'io')),
  language   text NOT NULL CHECK (language IN ('it', 'en')),
  subject    text NOT NULL DEFAULT '' CHECK (length(subject) <= 300),
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, event, channel, language)
);

-- One message on one channel. message_key names the message (the same on
-- every channel it is tried on); idempotency_key = message_key:channel is
-- unique, so a message is queued at most once per channel, and the send
-- job never sends a row that is no longer queued or failed_temporary.
-- 'outbox': kept unsent because the channel has no provider configured
-- (development).
CREATE TABLE deliveries (
  tenant_id         uuid NOT NULL REFERENCES tenants (id),
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  message_key       text NOT NULL CHECK (length(message_key) BETWEEN 1 AND 300),
  channel           text NOT NULL CHECK (channel IN ('email', 'sms', 'io')),
  idempotency_key   text GENERATED ALWAYS AS (message_key || ':' || channel) STORED,
  person_id         uuid,
  address           text NOT NULL CHECK (length(address) BETWEEN 3 AND 254),
  event             text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('applications', 'appointments', 'payments', 'news', 'direct')),
  language          text NOT NULL DEFAULT 'it',
  application_id    uuid,
  campaign_id       uuid,
  -- the variables the templates were rendered with, for a fallback
  -- rendered on another channel
  vars              jsonb NOT NULL DEFAULT '{}',
  subject           text NOT NULL DEFAULT '',
  body              text NOT NULL,
  -- non-transactional messages carry an unsubscribe link
  unsubscribe_token text NOT NULL DEFAULT '',
  status            text NOT NULL DEFAULT 'queued' CHECK (status IN
                      ('queued', 'sending', 'sent', 'delivered', 'failed_temporary', 'failed_permanent', 'outbox')),
  attempts          int NOT NULL DEFAULT 0,
  last_error        text NOT NULL DEFAULT '',
  provider_id       text NOT NULL DEFAULT '',
  -- the delivery on another channel whose permanent failure led here
  fallback_of       uuid,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  sent_at           timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX deliveries_application ON deliveries (tenant_id, application_id, created_at) WHERE application_id IS NOT NULL;
CREATE INDEX deliveries_campaign ON deliveries (tenant_id, campaign_id, status) WHERE campaign_id IS NOT NULL;
CREATE INDEX deliveries_recent ON deliveries (tenant_id, created_at DESC);

-- Email queued before deliveries existed becomes deliveries on the email
-- channel (same ids), and email_messages a read-only view for the code and
-- tests that still read it.
INSERT INTO deliveries (tenant_id, id, message_key, channel, person_id, address, event, kind, application_id,
                        subject, body, status, attempts, last_error, created_at, updated_at, sent_at)
SELECT tenant_id, id, dedup_key, 'email', person_id, to_address, 'direct', 'direct', application_id,
       subject, body, CASE status WHEN 'failed' THEN 'failed_permanent' ELSE status END, attempts, last_error,
       created_at, coalesce(sent_at, created_at), sent_at
FROM email_messages;
DROP TABLE email_messages;
CREATE VIEW email_messages WITH (security_invoker = true) AS
  SELECT tenant_id, id, message_key AS dedup_key, person_id, application_id, address AS to_address, subject, body,
         status, attempts, last_error, created_at, sent_at
  FROM deliveries WHERE channel = 'email';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['message_templates', 'deliveries'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON message_templates TO civica_tenant;
GRANT SELECT, INSERT, UPDATE ON deliveries TO civica_tenant;
GRANT SELECT ON email_messages TO civica_tenant;

---- create above / drop below ----

DROP VIEW email_messages;
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
ALTER TABLE email_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON email_messages USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE ON email_messages TO civica_tenant;
DROP TABLE deliveries;
DROP TABLE message_templates;
