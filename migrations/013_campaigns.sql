-- Campaigns (issue 6): a message a comune's admins write to a segment of
-- people, sent in batches by jobs. campaign_recipients is the snapshot of
-- the segment taken when the campaign starts; a recipient is marked sent
-- in the same transaction that notifies them, so each is notified once
-- however often, and however many at once, the batch jobs run.

CREATE TABLE campaigns (
  tenant_id     uuid NOT NULL REFERENCES tenants (id),
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  -- the message, in Italian and optionally in English (for people who
  -- chose English; the Italian text otherwise)
  subject_it    text NOT NULL CHECK (length(subject_it) <= 300),
  body_it       text NOT NULL CHECK (length(body_it) <= 10000),
  subject_en    text NOT NULL DEFAULT '' CHECK (length(subject_en) <= 300),
  body_en       text NOT NULL DEFAULT '' CHECK (length(body_en) <= 10000),
  -- who: topic (segment_param: a topic's slug), all, service (a
  -- service's slug: its applicants), appointments (a date: not available
  -- until booking exists)
  segment_kind  text NOT NULL CHECK (segment_kind IN ('topic', 'all', 'service', 'appointments')),
  segment_param text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'done', 'cancelled')),
  scheduled_at  timestamptz,
  started_at    timestamptz,
  finished_at   timestamptz,
  -- recipients: the segment's size when the campaign started; sent: how
  -- many were notified so far
  recipients    int NOT NULL DEFAULT 0,
  sent          int NOT NULL DEFAULT 0,
  created_by    text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (status IN ('draft', 'cancelled') OR scheduled_at IS NOT NULL)
);
CREATE INDEX campaigns_recent ON campaigns (tenant_id, created_at DESC);

CREATE TABLE campaign_recipients (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  campaign_id uuid NOT NULL,
  person_id   uuid NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  sent_at     timestamptz,
  PRIMARY KEY (tenant_id, campaign_id, person_id),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);
-- the batch jobs' next recipients
CREATE INDEX campaign_recipients_pending ON campaign_recipients (tenant_id, campaign_id, person_id) WHERE status = 'pending';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['campaigns', 'campaign_recipients'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON campaigns, campaign_recipients TO civica_tenant;

---- create above / drop below ----

DROP TABLE campaign_recipients;
DROP TABLE campaigns;
