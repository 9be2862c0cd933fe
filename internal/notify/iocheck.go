package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
)

// App IO's availability: the contact profile shows whether IO can carry
// the comune's messages to the person (contact_profiles.io_status), as
// IO's profile API said when last asked. The io_profile_check job asks
// it; the profile page's "check again" button queues the job, at most
// once a minute per person.

// The App IO statuses a check records.
const (
	IOAvailable     = "available"      // an IO profile that accepts the comune's messages
	IONotAvailable  = "not_available"  // no IO profile (or no IO service for the comune)
	IOSenderBlocked = "sender_blocked" // an IO profile that turned the comune's messages off
)

// IOStatusChecker reads a citizen's App IO status for a comune: IOSender
// is one.
type IOStatusChecker interface {
	IOStatus(ctx context.Context, comuneSlug, fiscalCode string) (string, error)
}

// IOStatus asks IO's profile API about the citizen: IOAvailable,
// IONotAvailable (no IO profile, or no IO service for the comune) or
// IOSenderBlocked. A failure IO may not repeat is returned as a
// temporary error to retry.
func (s IOSender) IOStatus(ctx context.Context, comuneSlug, fiscalCode string) (string, error) {
	key := s.key(comuneSlug)
	if key == "" {
		return IONotAvailable, nil
	}
	var p IOProfile
	err := s.Client.do(ctx, key, http.MethodGet, "/profiles/"+fiscalCode, nil, &p)
	var se *SendError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return IONotAvailable, nil
	case err != nil:
		return "", err
	case p.SenderAllowed:
		return IOAvailable, nil
	}
	return IOSenderBlocked, nil
}

// IOCheckArgs asks for a person's App IO status to be read again.
type IOCheckArgs struct {
	TenantID string `json:"tenant_id"`
	PersonID string `json:"person_id"`
}

// Kind names the job in River.
func (IOCheckArgs) Kind() string { return "io_profile_check" }

// IOCheckEvery is how often a person's App IO status may be asked for.
const IOCheckEvery = time.Minute

// InsertOpts: one check per person a minute (River drops a second insert
// in the same minute); a few retries when IO does not answer.
func (IOCheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: IOCheckEvery}}
}

// RequestIOCheck queues the check of the person's App IO status. It
// reports false when one was already asked for in the last minute (and
// queues nothing).
func RequestIOCheck(ctx context.Context, pool *pgxpool.Pool, inserter jobs.Inserter, tenantID, personID string) (bool, error) {
	queued := false
	err := db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		res, err := inserter.InsertTx(ctx, tx, IOCheckArgs{TenantID: tenantID, PersonID: personID}, nil)
		if err != nil {
			return err
		}
		queued = !res.UniqueSkippedAsDuplicate
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("request io check: %w", db.Classify(err))
	}
	return queued, nil
}

// IOCheckPending reports whether a check of the person's App IO status
// is queued or running.
func IOCheckPending(ctx context.Context, pool *pgxpool.Pool, tenantID, personID string) (bool, error) {
	var pending bool
	err := db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job WHERE kind = 'io_profile_check'
			AND state IN ('available', 'pending', 'retryable', 'running', 'scheduled')
			AND args->>'tenant_id' = $1 AND args->>'person_id' = $2)`, tenantID, personID).Scan(&pending)
	})
	if err != nil {
		return false, fmt.Errorf("io check pending: %w", db.Classify(err))
	}
	return pending, nil
}

// IOCheckWorker runs io_profile_check jobs. It is idempotent: each run
// overwrites the status with what IO says now.
type IOCheckWorker struct {
	river.WorkerDefaults[IOCheckArgs]
	Pool *pgxpool.Pool
	// IO is the App IO channel's sender; one that cannot read profiles
	// (nil: no IO configured, as in development) records every person as
	// not available.
	IO     Sender
	Logger *slog.Logger
}

// Work reads the status and records it.
func (w *IOCheckWorker) Work(ctx context.Context, job *river.Job[IOCheckArgs]) error {
	checker, _ := w.IO.(IOStatusChecker)
	return CheckIOStatus(ctx, w.Pool, checker, w.Logger, job.Args.TenantID, job.Args.PersonID)
}

// CheckIOStatus asks checker for the person's App IO status and records it
// on their contact profile (created if missing) with the time. A nil
// checker records IONotAvailable; so does a request IO refuses for good
// (an invalid fiscal code, a subscription key not accepted), which is
// logged. A temporary failure is returned, to be retried.
func CheckIOStatus(ctx context.Context, pool *pgxpool.Pool, checker IOStatusChecker, logger *slog.Logger, tenantID, personID string) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var slug, fiscalCode string
	err := db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT t.slug, p.fiscal_code FROM people p JOIN tenants t ON t.id = p.tenant_id
			WHERE p.tenant_id = $1 AND p.id = $2`, tenantID, personID).Scan(&slug, &fiscalCode)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("io check: no person %s", personID))
	}
	if err != nil {
		return fmt.Errorf("io check: %w", err)
	}
	status := IONotAvailable
	if checker == nil {
		logger.InfoContext(ctx, "app io not configured: recorded as not available", "tenant", tenantID, "person", personID)
	} else if status, err = checker.IOStatus(ctx, slug, fiscalCode); err != nil {
		if !Permanent(err) {
			return fmt.Errorf("io check: %w", err)
		}
		logger.WarnContext(ctx, "app io refused the profile check: recorded as not available", "tenant", tenantID, "person", personID, "error", err)
		status = IONotAvailable
	}
	err = db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		if err := ensureProfile(ctx, tx, tenantID, personID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE contact_profiles SET io_status = $3, io_checked_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND person_id = $2`, tenantID, personID, status)
		return err
	})
	if err != nil {
		return fmt.Errorf("io check: record: %w", err)
	}
	return nil
}

// QueueIO queues an App IO message already worded to the person with
// that fiscal code (an administrator's test of a template): a delivery
// on the IO channel, sent by its job like every other, with no fallback.
// dedupKey names the message.
func QueueIO(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, tenantID, personID, dedupKey, fiscalCode, subject, body string) error {
	_, _, err := insertDelivery(ctx, tx, inserter, Delivery{TenantID: tenantID, MessageKey: dedupKey, Channel: ChannelIO,
		PersonID: personID, Address: fiscalCode, Event: eventDirect, Kind: kindDirect, Subject: subject, Body: body})
	if err != nil {
		return fmt.Errorf("queue io: %w", err)
	}
	return nil
}
