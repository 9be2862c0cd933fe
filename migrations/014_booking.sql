-- Appointments (issue 7): a comune's desks (sportelli) with their opening
-- hours and closures, the appointments booked there, and the comune's
-- booking rules (internal/booking).
--
-- Capacity is enforced here, not by a check before insert: an appointment
-- holds one seat (1..capacity, chosen by internal/booking when it books) of
-- its desk, and the exclusion constraint forbids two live appointments on
-- the same desk and seat whose times overlap. Booking tries the seats in
-- turn with INSERT ... ON CONFLICT DO NOTHING, so concurrent bookings of
-- the last seat never both succeed and never fail with an error.

-- btree_gist lets the exclusion constraint compare uuids and ints with =
-- next to the range's && in one GiST index.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row per comune, written when an admin first saves the rules;
-- internal/booking reads these defaults when there is none.
CREATE TABLE booking_settings (
  tenant_id           uuid PRIMARY KEY REFERENCES tenants (id),
  -- a Jitsi-compatible server (https://meet.example.it); '' is the
  -- development placeholder
  video_base_url      text NOT NULL DEFAULT '' CHECK (video_base_url = '' OR video_base_url ~ '^https?://'),
  -- Jitsi JWT authentication (HS256), both or neither
  video_jwt_app_id    text NOT NULL DEFAULT '',
  video_jwt_secret    text NOT NULL DEFAULT '',
  guests_allowed      boolean NOT NULL DEFAULT true,
  cancel_cutoff_hours int NOT NULL DEFAULT 24 CHECK (cancel_cutoff_hours BETWEEN 0 AND 720),
  reminder_hours      int NOT NULL DEFAULT 24 CHECK (reminder_hours BETWEEN 0 AND 720),
  room_opens_minutes  int NOT NULL DEFAULT 10 CHECK (room_opens_minutes BETWEEN 0 AND 120),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE desks (
  tenant_id        uuid NOT NULL REFERENCES tenants (id),
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  slug             text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  -- the office's slug in the catalogue (offices.slug); checked when saved,
  -- not by a foreign key, so a catalogue import may replace the offices
  office           text NOT NULL,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  name_en          text NOT NULL DEFAULT '' CHECK (length(name_en) <= 200),
  location         text NOT NULL DEFAULT '' CHECK (length(location) <= 300),
  -- service slugs the desk handles
  services         text[] NOT NULL DEFAULT '{}',
  modes            text[] NOT NULL CHECK (cardinality(modes) >= 1 AND modes <@ '{in_person,video}'),
  -- opening hours: seven arrays (Sunday first) of [start, end) ranges in
  -- minutes after midnight, civil time in Rome: [[], [[540, 780]], ...]
  hours            jsonb NOT NULL CHECK (jsonb_typeof(hours) = 'array' AND jsonb_array_length(hours) = 7),
  slot_minutes     int NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
  buffer_minutes   int NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 120),
  capacity         int NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 50),
  min_notice_hours int NOT NULL DEFAULT 24 CHECK (min_notice_hours BETWEEN 0 AND 720),
  horizon_days     int NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 1 AND 365),
  active           boolean NOT NULL DEFAULT true,
  -- names the desk's private iCalendar feed; drawn once, kept on update
  feed_token       text NOT NULL CHECK (length(feed_token) >= 32),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, slug),
  UNIQUE (tenant_id, feed_token)
);

-- Days a desk is closed besides the holidays, both ends included.
CREATE TABLE desk_closures (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id        uuid NOT NULL DEFAULT gen_random_uuid(),
  desk_id   uuid NOT NULL,
  from_day  date NOT NULL,
  to_day    date NOT NULL,
  reason    text NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, desk_id) REFERENCES desks (tenant_id, id) ON DELETE CASCADE,
  CHECK (to_day >= from_day)
);
CREATE INDEX desk_closures_desk ON desk_closures (tenant_id, desk_id, from_day);

CREATE TABLE appointments (
  tenant_id       uuid NOT NULL REFERENCES tenants (id),
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  reference       text NOT NULL CHECK (reference ~ '^APP-[2-9A-HJKMNP-Z]{8}$'),
  desk_id         uuid NOT NULL,
  -- which of the desk's capacity seats it holds (1..capacity, chosen at
  -- booking time)
  seat            int NOT NULL CHECK (seat BETWEEN 1 AND 50),
  during          tstzrange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)
                                            AND NOT lower_inf(during) AND NOT upper_inf(during)),
  mode            text NOT NULL CHECK (mode IN ('in_person', 'video')),
  service         text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'checked_in', 'done', 'no_show', 'cancelled')),
  -- a logged-in person, or a guest known by email
  person_id       uuid,
  name            text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  fiscal_code     text NOT NULL DEFAULT '',
  email           text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
  phone           text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
  note            text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  staff_note      text NOT NULL DEFAULT '' CHECK (length(staff_note) <= 4000),
  application_ref text NOT NULL DEFAULT '',
  -- the fiscal code of the clerk it is assigned to; '' anyone
  clerk           text NOT NULL DEFAULT '',
  language        text NOT NULL DEFAULT 'it',
  -- names the booking request: the same key books once
  idempotency_key text,
  -- 'citizen' or 'office' once cancelled
  cancelled_by    text NOT NULL DEFAULT '' CHECK (cancelled_by IN ('', 'citizen', 'office')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, reference),
  UNIQUE (tenant_id, idempotency_key),
  FOREIGN KEY (tenant_id, desk_id) REFERENCES desks (tenant_id, id),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
  CHECK (person_id IS NOT NULL OR email <> ''),
  CONSTRAINT appointments_no_double_booking EXCLUDE USING gist
    (tenant_id WITH =, desk_id WITH =, seat WITH =, during WITH &&) WHERE (status <> 'cancelled')
);
-- the agenda: a comune's appointments by time (all desks, or one clerk's)
CREATE INDEX appointments_agenda ON appointments (tenant_id, lower(during));
-- a person's appointments
CREATE INDEX appointments_person ON appointments (tenant_id, person_id, lower(during)) WHERE person_id IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['booking_settings', 'desks', 'desk_closures', 'appointments'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON booking_settings, desks, appointments TO civica_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON desk_closures TO civica_tenant;

---- create above / drop below ----

DROP TABLE appointments;
DROP TABLE desk_closures;
DROP TABLE desks;
DROP TABLE booking_settings;
DROP EXTENSION IF EXISTS btree_gist;
