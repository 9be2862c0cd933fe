package insight

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
)

// AuditActions are the actions the audit log records, for the search's
// choice: a view of an application's personal data, and what staff do.
var AuditActions = []string{
	"view", string(applications.InProgress), applications.EventAssigned, string(applications.AwaitingIntegration),
	string(applications.Accepted), string(applications.Rejected), string(applications.Cancelled),
	applications.EventMessageFromOffice, applications.EventNote, "job_retry",
}

// AuditFilter is a search of the audit log. Empty fields match anything.
type AuditFilter struct {
	// Actor is a staff member's codice fiscale, or a part of their name.
	Actor     string
	Reference string
	Action    string
	// From and To are civil dates (Europe/Rome), both included; zero
	// means unbounded.
	From, To time.Time
	// Before continues a search after the last line of a page (its ID).
	Before int64
}

// AuditLine is one line of the audit log.
type AuditLine struct {
	ID         int64
	At         time.Time
	ActorKind  string
	ActorID    string
	ActorName  string
	Action     string
	Reference  string
	RemoteAddr string
	Detail     string
}

// AuditPage is a page of a search, newest first; Next is the Before of the
// next page, 0 on the last one.
type AuditPage struct {
	Lines []AuditLine
	Next  int64
}

// AuditPageSize is how many lines a page shows.
const AuditPageSize = 50

// SearchAudit searches the comune's audit log, newest first, a page at a
// time (keyset on the line's id, which grows with time). Only comune
// admins may: anyone else gets applications.ErrForbidden.
func (s *Store) SearchAudit(ctx context.Context, tenantID, fiscalCode string, f AuditFilter) (AuditPage, error) {
	var page AuditPage
	err := s.inTenant(ctx, tenantID, "audit search", func(tx pgx.Tx) error {
		if err := requireAdmin(ctx, tx, tenantID, fiscalCode); err != nil {
			return err
		}
		var from, to *time.Time
		if !f.From.IsZero() {
			t := civilStart(f.From)
			from = &t
		}
		if !f.To.IsZero() {
			t := civilStart(f.To.AddDate(0, 0, 1))
			to = &t
		}
		actor := strings.TrimSpace(f.Actor)
		name := ""
		if actor != "" {
			name = "%" + escapeLike(actor) + "%"
		}
		var before *int64
		if f.Before > 0 {
			before = &f.Before
		}
		rows, err := tx.Query(ctx, `SELECT id, at, actor_kind, actor_id, actor_name, action, reference, remote_addr, detail
			FROM audit_log
			WHERE tenant_id = $1
				AND ($2 = '' OR actor_id = upper($2) OR actor_name ILIKE $3)
				AND ($4 = '' OR reference = upper($4))
				AND ($5 = '' OR action = $5)
				AND ($6::timestamptz IS NULL OR at >= $6)
				AND ($7::timestamptz IS NULL OR at < $7)
				AND ($8::bigint IS NULL OR id < $8)
			ORDER BY id DESC
			LIMIT $9`, tenantID, actor, name, strings.TrimSpace(f.Reference), f.Action, from, to, before, AuditPageSize+1)
		if err != nil {
			return err
		}
		page.Lines, err = pgx.CollectRows(rows, pgx.RowToStructByPos[AuditLine])
		if err != nil {
			return err
		}
		if len(page.Lines) > AuditPageSize {
			page.Lines = page.Lines[:AuditPageSize]
			page.Next = page.Lines[AuditPageSize-1].ID
		}
		return nil
	})
	return page, err
}

// requireAdmin refuses anyone but the comune's admins.
func requireAdmin(ctx context.Context, tx pgx.Tx, tenantID, fiscalCode string) error {
	sc, err := applications.LoadScope(ctx, tx, tenantID, fiscalCode)
	if err != nil {
		return err
	}
	if sc.Role != applications.RoleAdmin {
		return applications.ErrForbidden
	}
	return nil
}

// civilStart is the instant a civil date (Y-M-D at any time zone) begins
// in Rome.
func civilStart(d time.Time) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, rome)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
