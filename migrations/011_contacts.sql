-- How each person wants the comune to reach them (issue 6): their verified
-- addresses, the channels they chose for each kind of message, the topics
-- they follow, and every consent they gave or withdrew.

-- One row per person who set anything. email and phone are the addresses
-- the person gave; *_verified_at says the person proved them (a link, a
-- code) and is cleared when the address changes.
CREATE TABLE contact_profiles (
  tenant_id         uuid NOT NULL REFERENCES tenants (id),
  person_id         uuid NOT NULL,
  email             text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
  email_verified_at timestamptz,
  phone             text NOT NULL DEFAULT '' CHECK (phone = '' OR phone ~ '^\+[1-9][0-9]{7,14}$'),
  phone_verified_at timestamptz,
  language          text NOT NULL DEFAULT 'it' CHECK (language IN ('it', 'en')),
  -- App IO, as the IO profile said when last asked
  io_status         text NOT NULL DEFAULT 'unknown' CHECK (io_status IN ('unknown', 'available', 'not_available', 'sender_blocked')),
  io_checked_at     timestamptz,
  -- in every non-transactional message's unsubscribe link
  unsubscribe_token text NOT NULL DEFAULT md5(gen_random_uuid()::text || clock_timestamp()::text),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, person_id),
  UNIQUE (tenant_id, unsubscribe_token),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);

-- A link or code sent to prove an address; only its hash is kept.
CREATE TABLE contact_verifications (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  person_id   uuid NOT NULL,
  channel     text NOT NULL CHECK (channel IN ('email', 'sms')),
  address     text NOT NULL,
  secret_hash text NOT NULL,
  attempts    int NOT NULL DEFAULT 0,
  expires_at  timestamptz NOT NULL,
  verified_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_verifications_person ON contact_verifications (tenant_id, person_id, created_at DESC);

-- For each kind of message, the channels besides the inbox, in the order
-- to try them. No row: the default (notify.DefaultChannels).
CREATE TABLE contact_preferences (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  person_id  uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('applications', 'appointments', 'payments', 'news')),
  channels   text[] NOT NULL CHECK (channels <@ ARRAY['io', 'sms', 'email']),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, person_id, kind),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);

-- Topics of the catalogue a person follows, for news.
CREATE TABLE topic_follows (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  person_id  uuid NOT NULL,
  topic_slug text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, person_id, topic_slug),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, topic_slug) REFERENCES topics (tenant_id, slug) ON DELETE CASCADE
);
CREATE INDEX topic_follows_topic ON topic_follows (tenant_id, topic_slug);

-- Every consent given or withdrawn, with the very text the person saw.
-- Append-only for civica_tenant: the history is evidence.
CREATE TABLE consents (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  id         bigint GENERATED ALWAYS AS IDENTITY,
  person_id  uuid NOT NULL,
  purpose    text NOT NULL CHECK (purpose ~ '^[a-z_.]{2,60}$'),
  granted    boolean NOT NULL,
  text_shown text NOT NULL CHECK (length(text_shown) BETWEEN 1 AND 4000),
  language   text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX consents_person ON consents (tenant_id, person_id, purpose, at DESC);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['contact_profiles', 'contact_verifications', 'contact_preferences', 'topic_follows', 'consents'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON contact_profiles, contact_verifications, contact_preferences, topic_follows TO civica_tenant;
GRANT SELECT, INSERT ON consents TO civica_tenant;

---- create above / drop below ----

DROP TABLE consents;
DROP TABLE topic_follows;
DROP TABLE contact_preferences;
DROP TABLE contact_verifications;
DROP TABLE contact_profiles;
