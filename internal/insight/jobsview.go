package insight

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
)

var rome = locale.Rome

// Job states as the jobs page groups River's: waiting to run (available,
// scheduled, pending), running, failed and waiting to be retried
// (retryable), done (completed), and failed for good (discarded, or
// cancelled).
const (
	JobsQueued    = "queued"
	JobsRunning   = "running"
	JobsRetryable = "retryable"
	JobsCompleted = "completed"
	JobsFailed    = "failed"
)

// JobGroups in the order the page shows them.
var JobGroups = []string{JobsQueued, JobsRunning, JobsRetryable, JobsFailed, JobsCompleted}

var groupStates = map[string][]string{
	JobsQueued:    {"available", "scheduled", "pending"},
	JobsRunning:   {"running"},
	JobsRetryable: {"retryable"},
	JobsCompleted: {"completed"},
	JobsFailed:    {"discarded", "cancelled"},
}

// Job is one of the comune's background jobs.
type Job struct {
	ID          int64
	Kind        string
	State       string // River's own
	Attempt     int
	MaxAttempts int
	// LastError is the error of the last failed attempt, "" when none.
	LastError   string
	CreatedAt   time.Time
	ScheduledAt time.Time
	AttemptedAt *time.Time
	FinalizedAt *time.Time
	// Reference is the application the job is about, "" when none.
	Reference string
}

// Retryable reports whether the admin may run the job again now.
func (j Job) Retryable() bool {
	return j.State == "discarded" || j.State == "cancelled" || j.State == "retryable"
}

// JobList is one group of the comune's jobs, newest first, with how many
// jobs each group holds.
type JobList struct {
	Group  string
	Jobs   []Job
	Counts map[string]int
}

// JobListSize is how many jobs a group shows; River deletes finished jobs
// after a while (a day for completed ones, a week for failed ones), so
// the list is never long for long.
const JobListSize = 100

// Jobs lists the comune's jobs in a group (JobGroups; "" is the failed
// ones). Only comune admins may: anyone else gets
// applications.ErrForbidden.
func (s *Store) Jobs(ctx context.Context, tenantID, fiscalCode, group string) (JobList, error) {
	if group == "" {
		group = JobsFailed
	}
	states, ok := groupStates[group]
	if !ok {
		return JobList{}, db.ErrNotFound
	}
	list := JobList{Group: group, Counts: map[string]int{}}
	err := s.inTenant(ctx, tenantID, "jobs", func(tx pgx.Tx) error {
		if err := requireAdmin(ctx, tx, tenantID, fiscalCode); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT state::text, count(*) FROM river_job WHERE args->>'tenant_id' = $1 GROUP BY 1`, tenantID)
		if err != nil {
			return err
		}
		var state string
		var n int
		_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error {
			for g, states := range groupStates {
				for _, st := range states {
					if st == state {
						list.Counts[g] += n
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT j.id, j.kind, j.state::text, j.attempt, j.max_attempts,
				coalesce(j.errors[array_length(j.errors, 1)]->>'error', ''),
				j.created_at, j.scheduled_at, j.attempted_at, j.finalized_at, coalesce(a.reference, '')
			FROM river_job j
			LEFT JOIN applications a ON a.tenant_id = $2 AND j.args ? 'application_id'
				AND a.id = (j.args->>'application_id')::uuid
			WHERE j.args->>'tenant_id' = $1 AND j.state::text = ANY($3)
			ORDER BY j.id DESC
			LIMIT $4`, tenantID, tenantID, states, JobListSize)
		if err != nil {
			return err
		}
		list.Jobs, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Job])
		return err
	})
	return list, err
}

// ErrNotRetryable: the job is not failed, nor waiting for a retry.
var ErrNotRetryable = errors.New("insight: the job is not waiting for a retry")

// RetryJob runs one of the comune's failed (or retrying) jobs again now,
// and writes it to the audit log. A job of another comune is
// db.ErrNotFound; one that is not failed is ErrNotRetryable.
func (s *Store) RetryJob(ctx context.Context, tenantID string, by applications.Clerk, id int64) error {
	if s.jobs == nil {
		return errors.New("insight: no job client to retry with")
	}
	return s.inTenant(ctx, tenantID, "retry job", func(tx pgx.Tx) error {
		if err := requireAdmin(ctx, tx, tenantID, by.FiscalCode); err != nil {
			return err
		}
		var kind, state string
		err := tx.QueryRow(ctx, `SELECT kind, state::text FROM river_job WHERE id = $1 AND args->>'tenant_id' = $2 FOR UPDATE`,
			id, tenantID).Scan(&kind, &state)
		if err != nil {
			return err
		}
		if !(Job{State: state}).Retryable() {
			return ErrNotRetryable
		}
		if _, err := s.jobs.JobRetryTx(ctx, tx, id); err != nil {
			return fmt.Errorf("retry job %d: %w", id, err)
		}
		return applications.Audit(ctx, tx, tenantID, by, applications.AuditEntry{
			Action: "job_retry", Detail: fmt.Sprintf("%s #%d (%s)", kind, id, state),
		})
	})
}
