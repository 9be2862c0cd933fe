package insight

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
)

// Retrier retries a job inside a transaction; River's client is one.
type Retrier interface {
	JobRetryTx(ctx context.Context, tx pgx.Tx, id int64) (*rivertype.JobRow, error)
}

// Store reads a comune's dashboards, transparency figures, audit log and
// jobs.
type Store struct {
	pool *pgxpool.Pool
	jobs Retrier
	now  func() time.Time
}

// New returns a Store on pool; jobs retries failed jobs (nil: retrying is
// not offered and RetryJob fails).
func New(pool *pgxpool.Pool, jobs Retrier) *Store {
	return &Store{pool: pool, jobs: jobs, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Window is how far back processing times look.
const Window = 12 // months

// inTenant runs fn in the comune's transaction, classifying its error.
func (s *Store) inTenant(ctx context.Context, tenantID, what string, fn func(tx pgx.Tx) error) error {
	if err := db.InTenant(ctx, s.pool, tenantID, fn); err != nil {
		return fmt.Errorf("%s: %w", what, db.Classify(err))
	}
	return nil
}

// Dashboard is what an office manager (or a comune admin) sees of the
// offices they manage.
type Dashboard struct {
	// AllOffices: the viewer is a comune admin, seeing every office.
	AllOffices bool
	Offices    []string
	// From and To bound the decisions the times are computed on.
	From, To time.Time
	Services []ServiceStats
	// Totals counts every service's applications by status.
	Totals map[applications.Status]int
}

// ServiceStats are one service's figures.
type ServiceStats struct {
	Service string // slug
	Title   string // in the language asked for
	Office  string
	// ByStatus counts the service's applications (drafts excluded) by
	// their current status.
	ByStatus map[applications.Status]int
	// Decided counts accepted and rejected applications decided within
	// the window; WithDue those of them that had a due date, OnTime
	// those decided on or before it.
	Decided, WithDue, OnTime int
	// MedianDays is the median time from submission to decision, in
	// days; nil when nothing was decided.
	MedianDays *float64
}

// OnTimePercent is the share of decisions on time, from 0 to 100; -1 when
// no decided application had a due date.
func (s ServiceStats) OnTimePercent() int {
	if s.WithDue == 0 {
		return -1
	}
	return (s.OnTime*100 + s.WithDue/2) / s.WithDue
}

// Open counts the applications still being worked on.
func (s ServiceStats) Open() int {
	n := 0
	for st, c := range s.ByStatus {
		if !st.Final() {
			n += c
		}
	}
	return n
}

// Dashboard reads the figures of the offices the staff member manages:
// every office for a comune admin, their own for an office manager.
// Clerks get applications.ErrForbidden.
func (s *Store) Dashboard(ctx context.Context, tenantID, fiscalCode, lang string) (Dashboard, error) {
	var d Dashboard
	err := s.inTenant(ctx, tenantID, "dashboard", func(tx pgx.Tx) error {
		sc, err := applications.LoadScope(ctx, tx, tenantID, fiscalCode)
		if err != nil {
			return err
		}
		if sc.Role != applications.RoleAdmin && sc.Role != applications.RoleOfficeManager {
			return applications.ErrForbidden
		}
		d.AllOffices, d.Offices = sc.AllOffices(), sc.Offices
		d.To = s.now()
		d.From = d.To.AddDate(0, -Window, 0)
		d.Totals = map[applications.Status]int{}
		byService := map[string]*ServiceStats{}
		get := func(slug, office, title string) *ServiceStats {
			st, ok := byService[slug]
			if !ok {
				st = &ServiceStats{Service: slug, Office: office, Title: title, ByStatus: map[applications.Status]int{}}
				byService[slug] = st
			}
			return st
		}
		rows, err := tx.Query(ctx, `SELECT a.service_slug, a.office_slug, a.status, count(*),
				coalesce(s.card->'title'->>$4, s.card->'title'->>'it', a.service_slug)
			FROM applications a
			LEFT JOIN services s ON s.tenant_id = a.tenant_id AND s.slug = a.service_slug
			WHERE a.tenant_id = $1 AND a.status <> 'draft' AND ($2 OR a.office_slug = ANY($3))
			GROUP BY 1, 2, 3, 5`, tenantID, d.AllOffices, d.Offices, lang)
		if err != nil {
			return err
		}
		var slug, office, title string
		var status applications.Status
		var n int
		_, err = pgx.ForEachRow(rows, []any{&slug, &office, &status, &n, &title}, func() error {
			get(slug, office, title).ByStatus[status] += n
			d.Totals[status] += n
			return nil
		})
		if err != nil {
			return err
		}
		// One row per service, whatever offices its applications were
		// routed to (a report goes to its category's office): grouping by
		// office too would give a service several rows, each overwriting
		// the figures of the one before.
		rows, err = tx.Query(ctx, `SELECT a.service_slug, min(a.office_slug),
				coalesce(s.card->'title'->>$6, s.card->'title'->>'it', a.service_slug),
				count(*), count(a.due_on),
				count(*) FILTER (WHERE (a.decided_at AT TIME ZONE 'Europe/Rome')::date <= a.due_on),
				percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.decided_at - a.submitted_at) / 86400)
			FROM applications a
			LEFT JOIN services s ON s.tenant_id = a.tenant_id AND s.slug = a.service_slug
			WHERE a.tenant_id = $1 AND a.status IN ('accepted', 'rejected') AND a.decided_at > $4 AND a.decided_at <= $5
				AND ($2 OR a.office_slug = ANY($3))
			GROUP BY 1, 3`, tenantID, d.AllOffices, d.Offices, d.From, d.To, lang)
		if err != nil {
			return err
		}
		var decided, withDue, onTime int
		var median pgtype.Float8
		_, err = pgx.ForEachRow(rows, []any{&slug, &office, &title, &decided, &withDue, &onTime, &median}, func() error {
			st := get(slug, office, title)
			st.Decided, st.WithDue, st.OnTime = decided, withDue, onTime
			if median.Valid {
				m := median.Float64
				st.MedianDays = &m
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, st := range byService {
			d.Services = append(d.Services, *st)
		}
		sort.Slice(d.Services, func(i, j int) bool { return d.Services[i].Title < d.Services[j].Title })
		return nil
	})
	return d, err
}
