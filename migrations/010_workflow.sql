-- Workflow jobs (internal/applications/workflow.go): the settings the
-- periodic jobs read. Whether a warning was already sent is not kept here:
-- every warning is an inbox message (and an email) with a dedup key, and
-- the unique keys of inbox_messages and email_messages are what make a
-- job that runs twice send nothing twice.

-- How many days before an application's legal deadline its assignee and
-- the office's managers are warned; each comune may change it.
ALTER TABLE tenants ADD COLUMN deadline_warning_days int NOT NULL DEFAULT 5
  CHECK (deadline_warning_days BETWEEN 1 AND 60);

-- The decided applications of a comune by decision time: the dashboards
-- and the public processing-time page read the last twelve months of
-- them.
CREATE INDEX applications_decided ON applications (tenant_id, decided_at)
  WHERE status IN ('accepted', 'rejected');

---- create above / drop below ----

DROP INDEX applications_decided;
ALTER TABLE tenants DROP COLUMN deadline_warning_days;
