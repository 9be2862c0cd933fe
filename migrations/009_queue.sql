-- The desk's work queue (internal/desk) at a million applications: every
-- common filter walks an index in the queue's order or reads a handful of
-- rows by an exact key, so no page reads a comune's whole table. The plans
-- are checked by `civica bench -apps N -explain`.
--
-- The queue sorts by due date with the dates not set last, written as
-- coalesce(due_on, 'infinity'): the expression here must stay the one
-- internal/desk/queue.go orders by, or these indexes stop being used.
-- "Open" is the states a clerk still has work on (desk.OpenStatuses).

-- btree_gin lets the trigram index on the applicant's name start with the
-- comune, so a common surname is looked up in one comune, not in all.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The default queue (open applications by due date), overdue and due
-- within N days: a walk from the start of this index.
CREATE INDEX applications_queue_open_due ON applications
  (tenant_id, (coalesce(due_on, 'infinity'::date)), id) INCLUDE (office_slug, status, assignee, service_slug)
  WHERE status IN ('submitted', 'registered', 'in_progress', 'awaiting_integration');

-- "Mine" and a given assignee's open work, by due date.
CREATE INDEX applications_queue_assignee_due ON applications
  (tenant_id, assignee, (coalesce(due_on, 'infinity'::date)), id)
  WHERE status IN ('submitted', 'registered', 'in_progress', 'awaiting_integration');

-- One state at a time (the closed ones included), by due date; and the
-- counters, which group the comune's applications by state.
CREATE INDEX applications_queue_status_due ON applications
  (tenant_id, status, (coalesce(due_on, 'infinity'::date)), id);

-- One office's open work, by due date (the office filter, a clerk's
-- offices); with the open-due index it also serves the counters, which
-- count the open applications only (desk.Counters), from the index alone.
CREATE INDEX applications_queue_office_due ON applications
  (tenant_id, office_slug, (coalesce(due_on, 'infinity'::date)), id) INCLUDE (status, assignee, service_slug)
  WHERE status IN ('submitted', 'registered', 'in_progress', 'awaiting_integration');

-- Sorting by submission or by last change, and the date-range filter.
CREATE INDEX applications_queue_submitted ON applications (tenant_id, submitted_at, id) WHERE status <> 'draft';
CREATE INDEX applications_queue_updated ON applications (tenant_id, updated_at, id) WHERE status <> 'draft';

-- Text search: a part of the applicant's name (accents and case folded,
-- as the catalogue's search does), or their codice fiscale exactly. The
-- reference and the protocol number have their unique indexes already.
-- The folded name is stored, so checking a candidate row costs no
-- unaccent call (at 1M applications that was most of a name search).
ALTER TABLE applications ADD COLUMN applicant_name_folded text
  GENERATED ALWAYS AS (civica_fold(applicant_name)) STORED;
CREATE INDEX applications_queue_name ON applications
  USING gin (tenant_id, applicant_name_folded gin_trgm_ops) WHERE status <> 'draft';
CREATE INDEX applications_queue_fiscal_code ON applications (tenant_id, applicant_fiscal_code) WHERE status <> 'draft';

---- create above / drop below ----

DROP INDEX applications_queue_fiscal_code;
DROP INDEX applications_queue_name;
ALTER TABLE applications DROP COLUMN applicant_name_folded;
DROP INDEX applications_queue_updated;
DROP INDEX applications_queue_submitted;
DROP INDEX applications_queue_office_due;
DROP INDEX applications_queue_status_due;
DROP INDEX applications_queue_assignee_due;
DROP INDEX applications_queue_open_due;
DROP EXTENSION IF EXISTS btree_gin;
