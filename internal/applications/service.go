package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/refcode"
	"github.com/civica/civica/internal/storage"
)

// Config is what a comune-independent Service needs besides its stores.
type Config struct {
	// DraftLifetime is how long an untouched draft is kept (default 30
	// days): shown to the citizen with each draft.
	DraftLifetime time.Duration
	// Limits bound the files of one application.
	Limits attachments.Limits
}

// Service runs applications: it owns their transactions.
type Service struct {
	pool     *pgxpool.Pool
	jobs     jobs.Inserter
	files    storage.Store
	scanner  attachments.Scanner
	register Register
	cfg      Config
	now      func() time.Time
}

// New returns a Service. A nil scanner scans nothing; a nil register is
// the built-in one.
func New(pool *pgxpool.Pool, inserter jobs.Inserter, files storage.Store, scanner attachments.Scanner, register Register, cfg Config) *Service {
	if scanner == nil {
		scanner = attachments.NoScan{}
	}
	if register == nil {
		register = BuiltinRegister{}
	}
	if cfg.DraftLifetime == 0 {
		cfg.DraftLifetime = 30 * 24 * time.Hour
	}
	if cfg.Limits.MaxFileSize == 0 {
		cfg.Limits = attachments.DefaultLimits
	}
	return &Service{pool: pool, jobs: inserter, files: files, scanner: scanner, register: register, cfg: cfg, now: time.Now}
}

// Limits are the file limits applications are held to.
func (s *Service) Limits() attachments.Limits { return s.cfg.Limits }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

const applicationColumns = `tenant_id::text, id::text, reference, service_slug, form_version, coalesce(person_id::text, ''),
	contact_email, status, answers, office_slug, language, revision, created_at, updated_at, expires_at, submitted_at,
	coalesce(protocol_number, ''), protocol_at, taken_at, coalesce(assignee, ''), days_kind, due_on, suspended_at, decided_at`

func scanApplication(row pgx.Row) (Application, error) {
	var a Application
	err := row.Scan(&a.TenantID, &a.ID, &a.Reference, &a.Service, &a.FormVersion, &a.PersonID,
		&a.ContactEmail, &a.Status, &a.Answers, &a.Office, &a.Language, &a.Revision, &a.CreatedAt, &a.UpdatedAt,
		&a.ExpiresAt, &a.SubmittedAt, &a.ProtocolNumber, &a.ProtocolAt, &a.TakenAt, &a.Assignee, &a.DaysKind,
		&a.DueOn, &a.SuspendedAt, &a.DecidedAt)
	if a.Answers == nil {
		a.Answers = map[string][]string{}
	}
	return a, err
}

// lockForPerson reads the person's application with the reference, locked
// for the rest of tx; db.ErrNotFound for anyone else's.
func lockForPerson(ctx context.Context, tx pgx.Tx, tenantID, personID, reference string) (Application, error) {
	if !IsReference(reference) || personID == "" {
		return Application{}, db.ErrNotFound
	}
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE tenant_id = $1 AND person_id = $2 AND reference = $3 FOR UPDATE`, tenantID, personID, reference))
	if err != nil {
		return a, db.Classify(err)
	}
	return a, nil
}

// lockByID reads an application by id, locked for the rest of tx.
func lockByID(ctx context.Context, tx pgx.Tx, tenantID, id string) (Application, error) {
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, id))
	if err != nil {
		return a, db.Classify(err)
	}
	return a, nil
}

var referencePattern = refcode.Pattern("PR-")

// IsReference reports whether s is written as an application's reference.
func IsReference(s string) bool { return referencePattern.MatchString(s) }

func referenceTaken(err error) bool {
	return refcode.Taken(err, "applications_tenant_id_reference_key")
}

// inTenant runs fn in a tenant transaction and classifies its error.
func (s *Service) inTenant(ctx context.Context, tenantID, what string, fn func(tx pgx.Tx) error) error {
	if err := db.InTenant(ctx, s.pool, tenantID, fn); err != nil {
		return fmt.Errorf("%s: %w", what, db.Classify(err))
	}
	return nil
}
